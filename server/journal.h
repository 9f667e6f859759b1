/* SPDX-License-Identifier: MIT */
/* journal: the journald log output (sd_journal_send(3)) of rvirtd. */
#ifndef RVIRT_SERVER_JOURNAL_H
#define RVIRT_SERVER_JOURNAL_H

/*
 * Register the journald sink with common/log.c, so that log_outputs may
 * name "L:journald".  Call before log_setup.
 */
void journal_register(void);

#endif
