# SPDX-License-Identifier: MIT
# lib-events.sh: what the event tests (t/51xx) share.  Source it after
# test-lib.sh; it skips the whole script when rpcgen is missing.
#
#   events_domain_xml NAME   a small test-driver domain, on stdout
#   build_evc                builds ./evc (t/data/evc.c) from the .x with
#                            plain rpcgen stubs, in the trash directory
#   wait_for_file FILE       up to 60 s for FILE to be non-empty

if ! command -v rpcgen >/dev/null 2>&1; then
	skip_all 'rpcgen is not installed'
fi
CC=${CC:-cc}
TIRPC_CFLAGS=$(pkg-config --cflags libtirpc 2>/dev/null || echo -I/usr/include/tirpc)
TIRPC_LIBS=$(pkg-config --libs libtirpc 2>/dev/null || echo -ltirpc)
RVSH=$RVIRT_BUILD/rvsh

events_domain_xml () {
	cat <<-EOF
	<domain type='test'>
	  <name>$1</name>
	  <memory unit='MiB'>64</memory>
	  <vcpu placement='static'>1</vcpu>
	  <os><type>hvm</type></os>
	</domain>
	EOF
}

build_evc () {
	cp "$RVIRT_SRC/rpcgen/rvirt_protocol.x" . &&
		rpcgen rvirt_protocol.x &&
		$CC -w $TIRPC_CFLAGS -I. -o evc "$RVIRT_SRC/t/data/evc.c" \
			rvirt_protocol_clnt.c rvirt_protocol_xdr.c $TIRPC_LIBS
}

wait_for_file () {
	wfm_i_=0
	while ! test -s "$1" && test $wfm_i_ -lt 600; do
		sleep 0.1
		wfm_i_=$((wfm_i_ + 1))
	done
	test -s "$1"
}
