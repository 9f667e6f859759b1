#!/bin/sh
# SPDX-License-Identifier: MIT
# 2101-auth-tls: TLS with x509 mutual authentication, certificates made here.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
require_rvirtd

if ! auth_have certtool; then
	skip_all 'certtool is missing (apt-get install gnutls-bin)'
fi

AUTHCHECK=$RVIRT_BUILD/t/tools/authcheck
P=$TRASH/pki

# tls NAME [HOST] [EXTRA]: authcheck over TLS with pkipath pki-NAME
tls () {
	timeout 20 "$AUTHCHECK" \
		"test+tls://${2:-localhost}:$RVIRTD_TLS_PORT/default?pkipath=$P/pki-$1$3" \
		>out 2>err
	tls_rc_=$?
	# What the client said, for the failure report.
	cat out err
	return $tls_rc_
}

# tls_conf FILE [key=value]...: a config with the tls socket
tls_conf () {
	tls_conf_f_=$1
	shift
	write_config "$tls_conf_f_" listen_tls=1 tls_port=0 \
		ca_file="$P/ca-cert.pem" cert_file="$P/server-cert.pem" \
		key_file="$P/server-key.pem" crl_file="$P/ca-crl.pem" "$@"
}

test_expect_success 'certificates: CA, server, good, revoked, expired, future, rogue' '
	auth_make_certs "$P" &&
	test -s "$P/ca-crl.pem" &&
	test -s "$P/pki-client/clientkey.pem"
'

test_expect_success 'rvirtd refuses to start with an expired server certificate' '
	tls_conf bad.conf cert_file="$P/srvexpired-cert.pem" \
		key_file="$P/srvexpired-key.pem" &&
	test_must_fail timeout 10 "$RVIRT_BUILD/rvirtd" --foreground -f bad.conf 2>err &&
	test_grep "server certificate .*srvexpired-cert.pem. has expired" err
'

test_expect_success 'rvirtd refuses a client certificate as its server certificate' '
	tls_conf bad.conf cert_file="$P/srvclient-cert.pem" \
		key_file="$P/srvclient-key.pem" &&
	test_must_fail timeout 10 "$RVIRT_BUILD/rvirtd" --foreground -f bad.conf 2>err &&
	test_grep "is not for a tls server (key purpose)" err
'

test_expect_success 'rvirtd refuses a CA file that is no CA, and a foreign CA' '
	tls_conf bad.conf ca_file="$P/client-cert.pem" &&
	test_must_fail timeout 10 "$RVIRT_BUILD/rvirtd" --foreground -f bad.conf 2>err &&
	test_grep "is not a CA (basic constraints)" err &&
	tls_conf bad.conf ca_file="$P/rogue-cert.pem" &&
	test_must_fail timeout 10 "$RVIRT_BUILD/rvirtd" --foreground -f bad.conf 2>err &&
	test_grep "is not signed by CA certificate" err
'

test_expect_success 'rvirtd refuses a key that does not match and a missing file' '
	tls_conf bad.conf key_file="$P/client-key.pem" &&
	test_must_fail timeout 10 "$RVIRT_BUILD/rvirtd" --foreground -f bad.conf 2>err &&
	test_grep "cannot load key" err &&
	tls_conf bad.conf ca_file="$P/nonexistent.pem" &&
	test_must_fail timeout 10 "$RVIRT_BUILD/rvirtd" --foreground -f bad.conf 2>err &&
	test_grep "cannot read .*nonexistent.pem" err &&
	no_rvirtd_left
'

test_expect_success 'rvirtd with tls and a DN allow-list' '
	tls_conf rvirtd.conf \
		"tls_allowed_dn_list=[\"C=GB,O=Example,CN=client*\", \"C=GB,O=Example,CN=revoked1\", \"C=GB,O=Example,CN=expired1\", \"C=GB,O=Example,CN=future1\"]" &&
	start_rvirtd &&
	test -n "$RVIRTD_TLS_PORT"
'

test_expect_success 'a good client certificate: served, identity x509:DN' '
	tls client &&
	test_grep "^ok " out &&
	test_grep "authenticated as '\''x509:C=GB,O=Example,CN=client1'\''" "$RVIRTD_LOG"
'

test_expect_success 'the server name may be its IP address (SAN)' '
	tls client 127.0.0.1 &&
	test_grep "^ok " out
'

test_expect_success 'AUTH_LIST on the tls socket says tls' '
	tls client &&
	test_grep "^ok " out
'

test_expect_success 'a DN not on the list is refused, and the log says why' '
	! tls other &&
	test_grep "^error 6: the daemon refused the tls session: .*access was denied" out &&
	test_grep "client DN '\''C=GB,O=Example,CN=other1'\'' is not in tls_allowed_dn_list" "$RVIRTD_LOG"
'

test_expect_success 'revoked, expired, not yet valid and untrusted certificates are refused' '
	! tls revoked &&
	test_grep "^error 6: the daemon refused the tls session: .*certificate is bad" out &&
	test_grep "chain is revoked" "$RVIRTD_LOG" &&
	! tls expired && test_grep "^error 6: " out &&
	test_grep "uses expired certificate" "$RVIRTD_LOG" &&
	! tls future && test_grep "^error 6: " out &&
	test_grep "uses not yet valid certificate" "$RVIRTD_LOG" &&
	! tls untrusted && test_grep "^error 6: " out &&
	test_grep "issuer is unknown" "$RVIRTD_LOG"
'

test_expect_success 'no client certificate: refused, and the client says it sent none' '
	! tls nocert &&
	test_grep "^error 6: the daemon refused the tls session (we sent no client certificate" out
'

test_expect_success 'the client refuses a server from another CA' '
	! tls rogueca &&
	test_grep "^error 6: cannot verify the certificate of .*issuer is unknown" out
'

test_expect_success 'no_verify=1 skips the server checks with a warning' '
	tls rogueca localhost "&no_verify=1" &&
	test_grep "^ok " out &&
	test_grep "warning: not verifying the tls certificate" err
'

test_expect_success 'a server certificate for another host name is refused' '
	stop_rvirtd &&
	tls_conf wrong.conf cert_file="$P/wronghost-cert.pem" \
		key_file="$P/wronghost-key.pem" &&
	start_rvirtd wrong.conf &&
	! tls client &&
	test_grep "^error 6: cannot verify the certificate of .*name" out &&
	stop_rvirtd
'

test_expect_success 'tls_no_verify_certificate accepts a client without a certificate' '
	tls_conf nv.conf tls_no_verify_certificate=1 &&
	start_rvirtd nv.conf &&
	tls nocert &&
	test_grep "^ok " out &&
	stop_rvirtd
'

if auth_have saslpasswd2; then
	test_expect_success 'sasl inside tls: SCRAM-SHA-256 and PLAIN, identity sasl:alice' '
		auth_make_sasldb "$TRASH/sasl" \
			--mechs "scram-sha-256 digest-md5 plain" alice:alicepw &&
		tls_conf sasl.conf auth_tls=sasl \
			sasl_config_dir="$TRASH/sasl" sasl_server_fqdn=localhost &&
		start_rvirtd sasl.conf &&
		AUTHCHECK_USER=alice AUTHCHECK_PASS=alicepw \
			AUTHCHECK_METHODS=sasl.scram-sha-256 tls client &&
		test_grep "^ok " out &&
		test_grep "authenticated as '\''sasl:alice'\''" "$RVIRTD_LOG" &&
		AUTHCHECK_USER=alice AUTHCHECK_PASS=alicepw \
			AUTHCHECK_METHODS=sasl.plain tls client &&
		test_grep "^ok " out &&
		! AUTHCHECK_USER=alice AUTHCHECK_PASS=nope \
			AUTHCHECK_METHODS=sasl.scram-sha-256 tls client &&
		test_grep "^error 6: authentication failed" out &&
		stop_rvirtd
	'
else
	test_skip 'sasl inside tls' 'saslpasswd2 is missing (apt-get install sasl2-bin)'
fi

test_done
