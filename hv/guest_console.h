/* SPDX-License-Identifier: MIT */
/* guest_console: rvirt-guest's small serial line on its stdin/stdout. */
#ifndef RVIRT_HV_GUEST_CONSOLE_H
#define RVIRT_HV_GUEST_CONSOLE_H

/*
 * When stdin is a terminal (the domain's console pty): print a banner
 * and a prompt and return 1; the caller then calls guest_console_input
 * whenever stdin is readable.  0 when stdin is not a terminal.  name is
 * the domain's name (borrowed for the life of the program).  No thread
 * of its own: rvirtd's tests count the guest's threads.
 */
int guest_console_init(const char *name);

/*
 * Read what is there on stdin, echo it and answer complete lines (help,
 * echo TEXT, name, flood BYTES).  0, or -1 at end of file (stop
 * polling stdin).
 */
int guest_console_input(void);

/* Print "\r\nTEXT\r\n" and the prompt again (an event of the guest's). */
void guest_console_note(const char *text);

#endif
