#!/bin/sh
# SPDX-License-Identifier: MIT
# 3013-metrics-conns: connections are counted by transport and by how
# the socket authenticates (none, unix-peer, sasl, tls, tls+sasl), with
# only the 8 pairs that can occur; a peer refused by
# unix_rw_allowed_list is an authentication failure of unix-peer.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
. "$RVIRT_SRC/t/lib-auth.sh"
. "$RVIRT_SRC/t/lib-metrics.sh"

FLOOD=$RVIRT_BUILD/t/tools/connflood
A=rvirtd_transport_connections_accepted_total
R=rvirtd_transport_connections_refused_total

if ! auth_have certtool saslpasswd2; then
	skip_all 'certtool or saslpasswd2 missing (scripts/deps.sh test)'
fi

test_expect_success 'every transport, each with another auth method' '
	auth_make_certs "$TRASH/pki" &&
	auth_make_sasldb "$TRASH/sasl" --mechs "scram-sha-256" alice:alicepw &&
	P=$TRASH/pki &&
	write_config --tcp rvirtd.conf metrics_listen=127.0.0.1:0 \
		start_workers=1 max_workers=1 min_spare_workers=0 max_spare_workers=1 \
		listen_tls=1 tls_port=0 auth_tls=sasl \
		ca_file="$P/ca-cert.pem" cert_file="$P/server-cert.pem" \
		key_file="$P/server-key.pem" \
		auth_unix_ro=sasl sasl_config_dir="$TRASH/sasl" \
		sasl_server_fqdn=localhost \
		"unix_rw_allowed_list=[\"uid:4242424\"]" &&
	start_rvirtd &&
	test -n "$RVIRTD_TLS_PORT" && test -n "$RVIRTD_TCP_PORT" &&
	scrape m0 &&
	check_exposition m0
'

test_expect_success 'each family has the 8 transport and auth pairs, no other' '
	cat >pairs.expect <<-\EOF &&
	transport="unix",auth="unix-peer"
	transport="unix",auth="sasl"
	transport="unix-ro",auth="unix-peer"
	transport="unix-ro",auth="sasl"
	transport="tcp",auth="none"
	transport="tcp",auth="sasl"
	transport="tls",auth="tls"
	transport="tls",auth="tls+sasl"
	EOF
	for f in rvirtd_transport_connections $A $R; do
		sed -n "s/^$f{\(.*\)} [0-9]*$/\1/p" m0 >pairs.$f &&
		test_cmp pairs.expect pairs.$f || return 1
	done &&
	test_grep "^rvirtd_auth_failures_total{method=\"unix-peer\"} 0$" m0
'

test_expect_success 'one connection on each socket counts under its method' '
	"$FLOOD" close 1 "$RVIRTD_SOCK" >/dev/null &&
	"$FLOOD" close 1 "$RVIRTD_SOCK_RO" >/dev/null &&
	"$FLOOD" close 1 "127.0.0.1:$RVIRTD_TCP_PORT" >/dev/null &&
	"$FLOOD" close 1 "127.0.0.1:$RVIRTD_TLS_PORT" >/dev/null &&
	wait_until 200 "scrape m1 &&
		test \$(val m1 \"$A{transport=\\\"tls\\\",auth=\\\"tls+sasl\\\"}\") = 1 &&
		test \$(val m1 \"$A{transport=\\\"tcp\\\",auth=\\\"none\\\"}\") = 1 &&
		test \$(val m1 \"$A{transport=\\\"unix-ro\\\",auth=\\\"sasl\\\"}\") = 1 &&
		test \$(val m1 \"$R{transport=\\\"unix\\\",auth=\\\"unix-peer\\\"}\") = 1" &&
	check_exposition m1 &&
	test "$(val m1 "$A{transport=\"unix\",auth=\"unix-peer\"}")" = 0 &&
	test "$(val m1 "$A{transport=\"tls\",auth=\"tls\"}")" = 0 &&
	test "$(val m1 "$A{transport=\"unix-ro\",auth=\"unix-peer\"}")" = 0 &&
	test "$(val m1 "rvirtd_auth_failures_total{method=\"unix-peer\"}")" = 1
'

test_expect_success 'the open-connection gauge goes back to 0' '
	wait_until 200 "scrape m2 &&
		test \$(grep -c \"^rvirtd_transport_connections{.*} 0$\" m2) = 8"
'

test_expect_success 'stop' '
	stop_rvirtd
'

test_done
