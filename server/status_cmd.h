/* SPDX-License-Identifier: MIT */
/* status_cmd: `rvirtd status`, the scoreboard read from another process. */
#ifndef RVIRT_SERVER_STATUS_CMD_H
#define RVIRT_SERVER_STATUS_CMD_H

/*
 * rvirtd status [-f CONFIG] [--runtime-dir DIR] [--format=text|prometheus]
 * argv[0] is "status".  Maps <runtime_dir>/rvirtd.scoreboard read-only
 * (runtime_dir from --runtime-dir, else from the config file), prints
 * it and returns the exit status: 0, 1 when no daemon runs (no
 * scoreboard, or its master is gone) or on an error, 2 on a usage error.
 */
int status_cmd_main(int argc, char **argv);

#endif
