#!/bin/sh
# SPDX-License-Identifier: MIT
# 3011-metrics-protect: the exporter's basic auth (crypt(3) hashes in a
# password file) and HTTPS with client certificates refuse unauthorised
# scrapes and serve authorised ones; a missing file stops the start
# with a clear error.

. "$(dirname "$0")/test-lib.sh"
. "$RVIRT_SRC/t/lib-auth.sh"
require_rvirtd
. "$RVIRT_SRC/t/lib-metrics.sh"

P=$TRASH/pki
URL=

test_expect_success 'a password file of crypt(3) hashes' '
	perl -e "print \"prom:\", crypt(\"s3cret\", q(\$6\$q0saltq0\$)), \"\\n\"" >users &&
	perl -e "print \"other:\", crypt(\"x\", q(\$6\$q1saltq1\$)), \"\\n\"" >>users &&
	cat users &&
	test_grep "^prom:\\\$6\\\$" users
'

test_expect_success 'start with basic auth' '
	write_config rvirtd.conf metrics_listen=127.0.0.1:0 \
		metrics_auth_file="$TRASH/users" metrics_per_domain=0 &&
	start_rvirtd &&
	URL=http://127.0.0.1:$RVIRTD_METRICS_PORT/metrics
'

test_expect_success 'no credentials, a wrong password, an unknown user: 401' '
	test "$(http_code "$URL")" = 401 &&
	test "$(http_code -u prom:wrong "$URL")" = 401 &&
	test "$(http_code -u nobody:s3cret "$URL")" = 401 &&
	test "$(http_code -u other:s3cret "$URL")" = 401 &&
	curl -s -D headers -o /dev/null "$URL" &&
	test_grep -i "^WWW-Authenticate: Basic realm=" headers
'

test_expect_success 'the right user and password get the metrics' '
	"$RVIRT_BUILD/rvsh" list --all &&
	scrape ok.prom -u prom:s3cret &&
	check_exposition ok.prom &&
	test_grep "^rvirtd_up 1$" ok.prom &&
	test_grep "^rvirtd_domains_by_state{driver=\"test\",state=\"running\"} 1$" ok.prom &&
	! grep "^rvirtd_domain_vcpus{" ok.prom
'

test_expect_success 'HUP: the exporter reads a new password file' '
	perl -e "print \"prom:\", crypt(\"n3w\", q(\$6\$q2saltq2\$)), \"\\n\"" >users2 &&
	write_config rvirtd.conf metrics_listen=127.0.0.1:0 \
		metrics_auth_file="$TRASH/users2" metrics_per_domain=0 &&
	kill -HUP $RVIRTD_PID &&
	wait_until 200 "test \"\$(http_code -u prom:n3w \"$URL\")\" = 200" &&
	test "$(http_code -u prom:s3cret "$URL")" = 401
'

test_expect_success 'stop' '
	stop_rvirtd
'

test_expect_success 'a missing password file: the start fails, saying which' '
	write_config bad.conf metrics_listen=127.0.0.1:0 \
		metrics_auth_file="$TRASH/nosuch" &&
	test_must_fail "$RVIRT_BUILD/rvirtd" --foreground -f bad.conf 2>err &&
	cat err &&
	test_grep "cannot serve metrics: metrics_auth_file .*nosuch.: no such file or directory" err
'

test_expect_success 'a bad metrics_listen: the start fails, saying why' '
	write_config bad2.conf metrics_listen=localhost &&
	test_must_fail "$RVIRT_BUILD/rvirtd" --foreground -f bad2.conf 2>err &&
	cat err &&
	test_grep "cannot use metrics_listen .localhost.: expected ADDR:PORT" err
'

if ! auth_have certtool; then
	test_skip 'HTTPS with client certificates' 'certtool is missing (apt-get install gnutls-bin)'
	test_done
	exit
fi

test_expect_success 'certificates, and a start with HTTPS' '
	auth_make_certs "$P" &&
	write_config rvirtd.conf metrics_listen=127.0.0.1:0 metrics_tls=1 \
		ca_file="$P/ca-cert.pem" cert_file="$P/server-cert.pem" \
		key_file="$P/server-key.pem" &&
	start_rvirtd &&
	URL=https://127.0.0.1:$RVIRTD_METRICS_PORT/metrics
'

test_expect_success 'no client certificate, or one of another CA: refused' '
	test "$(http_code --cacert "$P/ca-cert.pem" "$URL")" = 403 &&
	code=$(http_code --cacert "$P/ca-cert.pem" \
		--cert "$P/untrusted-cert.pem" --key "$P/untrusted-key.pem" "$URL") &&
	echo "$code" &&
	test "$code" = 403 -o "$code" = 000 &&
	test "$(http_code "http://127.0.0.1:$RVIRTD_METRICS_PORT/metrics")" != 200
'

test_expect_success 'a client certificate of the CA gets the metrics' '
	scrape tls.prom --cacert "$P/ca-cert.pem" --cert "$P/client-cert.pem" \
		--key "$P/client-key.pem" "$URL" &&
	check_exposition tls.prom
'

test_expect_success 'stop' '
	stop_rvirtd
'

test_done
