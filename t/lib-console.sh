# SPDX-License-Identifier: MIT
# lib-console.sh: a process domain with a serial console, for t/71xx.
#
# Sourced after test-lib.sh and lib-process.sh.
#
#   console_log          what the consoles of this test's domains wrote
#   console_domain NAME  rvirtd started with a default config, domain
#                        NAME (one vcpu) defined and started, its
#                        console ready (30 s at most); sets URI, the
#                        process driver's URI on the running rvirtd

console_log () {
	cat run/process/console/*/log.* 2>/dev/null
}

console_domain () {
	write_config rvirtd.conf &&
	start_rvirtd &&
	URI="process://$PROCESS_PATH?socket=$RVIRTD_SOCK" &&
	process_xml "$1" 1 >"$1.xml" &&
	PRVSH define "$1.xml" &&
	PRVSH start "$1" &&
	guest_pid "$1" >/dev/null &&
	wait_until 300 "console_log | grep -q \"serial console ready\""
}
