#!/bin/sh
# SPDX-License-Identifier: MIT
# 2102-auth-gssapi: SASL GSSAPI against a throwaway MIT KDC on 127.0.0.1.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
require_rvirtd

for c in krb5kdc kdb5_util kadmin.local kinit; do
	if ! auth_have "$c" && ! test -x "/usr/sbin/$c"; then
		skip_all "'$c' is missing (apt-get install krb5-kdc krb5-admin-server krb5-user)"
	fi
done
PATH=$PATH:/usr/sbin
if ! ls /usr/lib/*/sasl2/libgssapiv2* >/dev/null 2>&1; then
	skip_all 'the sasl gssapi plugin is missing (apt-get install libsasl2-modules-gssapi-mit)'
fi
trap 'auth_kdc_down' EXIT

AUTHCHECK=$RVIRT_BUILD/t/tools/authcheck

test_expect_success 'a KDC on 127.0.0.1, a ticket for user1, a keytab for rvirt/localhost' '
	auth_kdc_up "$TRASH/krb" &&
	klist >klist.out &&
	test_grep "user1@TEST.LOCAL" klist.out &&
	auth_make_sasldb "$TRASH/sasl" --mechs "gssapi digest-md5" alice:alicepw &&
	write_config rvirtd.conf listen_tcp=1 auth_unix_rw=sasl \
		sasl_config_dir="$TRASH/sasl" sasl_server_fqdn=localhost \
		"sasl_allowed_username_list=[\"user1\", \"alice\"]" \
		auth_fail_delay=0 &&
	start_rvirtd &&
	U="test:///default?socket=$RVIRTD_SOCK" &&
	T="test+tcp://localhost:$RVIRTD_TCP_PORT/default"
'

test_expect_success 'GSSAPI on the unix socket with a ticket: identity sasl:user1, no prompt' '
	AUTHCHECK_NOCB=1 AUTHCHECK_METHODS=sasl.gssapi \
		timeout 20 "$AUTHCHECK" "$U" >out 2>err &&
	test_grep "^ok " out &&
	test_grep "authenticated as '\''sasl:user1'\''" "$RVIRTD_LOG"
'

test_expect_success 'GSSAPI over plain tcp, with its security layer' '
	AUTHCHECK_NOCB=1 timeout 20 "$AUTHCHECK" "$T" >out 2>err &&
	test_grep "^ok " out
'

test_expect_success 'without a ticket GSSAPI fails clearly; sasl falls back to DIGEST-MD5' '
	! KRB5CCNAME=FILE:$TRASH/no-such-ccache AUTHCHECK_NOCB=1 \
		AUTHCHECK_METHODS=sasl.gssapi timeout 20 "$AUTHCHECK" "$U" \
		>out 2>err &&
	test_grep "^error 6: cannot start sasl: .*" out &&
	KRB5CCNAME=FILE:$TRASH/no-such-ccache AUTHCHECK_USER=alice \
		AUTHCHECK_PASS=alicepw timeout 20 "$AUTHCHECK" "$T" >out 2>err &&
	test_grep "^ok " out
'

test_expect_success 'a ticket for a principal not on the allow-list is refused' '
	printf user2pw | KRB5CCNAME=FILE:$TRASH/cc2 kinit user2@TEST.LOCAL \
		>/dev/null 2>&1 &&
	! KRB5CCNAME=FILE:$TRASH/cc2 AUTHCHECK_NOCB=1 \
		AUTHCHECK_METHODS=sasl.gssapi timeout 20 "$AUTHCHECK" "$U" \
		>out 2>err &&
	test_grep "^error 7: user '\''user2'\'' is not in sasl_allowed_username_list$" out
'

test_expect_success 'the wrong service principal (host 127.0.0.1) is refused' '
	! AUTHCHECK_NOCB=1 AUTHCHECK_METHODS=sasl.gssapi timeout 20 "$AUTHCHECK" \
		"test+tcp://127.0.0.1:$RVIRTD_TCP_PORT/default" >out 2>err &&
	test_grep "^error 6: " out &&
	rvirtd_no_crash
'

test_expect_success 'stop rvirtd and the KDC' '
	stop_rvirtd &&
	auth_kdc_down
'

test_done
