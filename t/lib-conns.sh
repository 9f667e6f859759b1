# SPDX-License-Identifier: MIT
# lib-conns.sh: held connections for the connection-budget tests (t/200x).
# Source it after test-lib.sh, with RVSH set.
#
#   hold NAME   an rvsh session (in the background; $! is its pid) that
#               answers one command ("uri", into NAME.out), keeps its
#               connection until the file go exists (at most 120 s), then
#               answers a second one

hold () {
	{
		echo uri
		i=0
		while ! test -f go && test $i -lt 1200; do
			sleep 0.1
			i=$((i + 1))
		done
		echo uri
	} | "$RVSH" >"$1.out" 2>&1 &
}

