#!/bin/sh
# SPDX-License-Identifier: MIT
# t/perf/auth-setups.sh: full connection setups per second (connect,
# authenticate, CONNECT_OPEN, CONNECT_CLOSE) for each way to authenticate.
# Prints numbers; never pass/fail.  Needs certtool, saslpasswd2 and a KDC.

. "$(dirname "$0")/../test-lib.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
PATH=$PATH:/usr/sbin

N=${RVIRT_PERF_SETUPS:-300}
AUTHCHECK=$RVIRT_BUILD/t/tools/authcheck
P=$TRASH/pki
trap 'auth_kdc_down' EXIT

auth_make_certs "$P" || exit 1
auth_make_sasldb "$TRASH/sasl" --mechs "scram-sha-256 gssapi digest-md5" \
	alice:alicepw || exit 1
auth_kdc_up "$TRASH/krb" || exit 1
write_config rvirtd.conf log_level=3 log_outputs=3:stderr listen_tcp=1 \
	listen_tls=1 tls_port=0 auth_tls=none ca_file="$P/ca-cert.pem" \
	cert_file="$P/server-cert.pem" key_file="$P/server-key.pem" \
	sasl_config_dir="$TRASH/sasl" sasl_server_fqdn=localhost
start_rvirtd || exit 1
export AUTHCHECK_USER=alice AUTHCHECK_PASS=alicepw

echo "== unix socket, auth none"
"$AUTHCHECK" "test:///default?socket=$RVIRTD_SOCK" bench "$N" 2>/dev/null
echo "== tls, x509 client certificate"
"$AUTHCHECK" "test+tls://localhost:$RVIRTD_TLS_PORT/default?pkipath=$P/pki-client" bench "$N" 2>/dev/null
echo "== tcp, sasl gssapi (with its security layer)"
"$AUTHCHECK" "test+tcp://localhost:$RVIRTD_TCP_PORT/default?auth=sasl.gssapi" bench "$N" 2>/dev/null
echo "== tcp, sasl digest-md5 (with its security layer)"
"$AUTHCHECK" "test+tcp://localhost:$RVIRTD_TCP_PORT/default?auth=sasl.digest-md5" bench "$N" 2>/dev/null
stop_rvirtd

write_config rvirtd2.conf log_level=3 log_outputs=3:stderr \
	listen_tls=1 tls_port=0 auth_tls=sasl ca_file="$P/ca-cert.pem" \
	cert_file="$P/server-cert.pem" key_file="$P/server-key.pem" \
	sasl_config_dir="$TRASH/sasl" sasl_server_fqdn=localhost
start_rvirtd rvirtd2.conf || exit 1
echo "== tls + sasl scram-sha-256 inside it"
"$AUTHCHECK" "test+tls://localhost:$RVIRTD_TLS_PORT/default?pkipath=$P/pki-client&auth=sasl.scram-sha-256" bench "$N" 2>/dev/null
stop_rvirtd
auth_kdc_down
