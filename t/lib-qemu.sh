# SPDX-License-Identifier: MIT
# lib-qemu.sh: real QEMU domains for the tests of t/7107-t/7110.
#
# Sourced after test-lib.sh and lib-process.sh.  Skips the whole script
# where qemu-system-<arch> or the test firmware is missing.
#
#   QRVSH ARGS...        rvsh on the qemu driver of the running rvirtd
#   qemu_pid NAME        the QEMU process of domain NAME of this test
#                        (recorded for the exit trap to kill)
#   qemu_xml NAME [vnc]  a domain booting the test firmware, with a VNC
#                        display if asked
#   FIRMWARE             t/tools/serial-echo.S built: it talks on COM1

QEMU=qemu-system-$(uname -m)
command -v "$QEMU" >/dev/null 2>&1 || skip_all "$QEMU is not installed"
FIRMWARE=$RVIRT_BUILD/t/tools/serial-echo.bin
test -f "$FIRMWARE" || skip_all "$FIRMWARE is not built (make check builds it)"

QRVSH () {
	"$RVSH" -c "qemu://$PROCESS_PATH?socket=$RVIRTD_SOCK" "$@"
}

# Ours only: its stderr goes to this test's trash dir.
qemu_pid () {
	for qp_ in $(pgrep -f "guest=$1,debug-threads=on"); do
		case $(readlink "/proc/$qp_/fd/2" 2>/dev/null) in
		"$TRASH"/*)
			echo "$qp_" >>"$TRASH/domain-pids"
			echo "$qp_"
			return 0
			;;
		esac
	done
	return 1
}

qemu_xml () {
	echo "<domain type=\"qemu\"><name>$1</name><memory unit=\"MiB\">16</memory>"
	echo "  <os><type>hvm</type><loader>$FIRMWARE</loader></os>"
	if test "$2" = vnc; then
		echo '  <devices><graphics type="vnc"/></devices>'
	fi
	echo '</domain>'
}
