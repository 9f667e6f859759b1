#!/bin/sh
# SPDX-License-Identifier: MIT
# 3012-metrics-openmetrics: GET /metrics answers OpenMetrics 1.0.0 when
# the Accept header asks for it (content type, family names without
# _total, units, info, canonical le, # EOF), the text format 0.0.4
# otherwise; both readers (promcheck.pl, prometheus_client) can fail.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd
. "$RVIRT_SRC/t/lib-metrics.sh"

OM_TYPE='application/openmetrics-text; version=1.0.0; charset=utf-8'
TEXT_TYPE='text/plain; version=0.0.4; charset=utf-8'
# What Prometheus 2.42 sends (scrape/scrape.go, acceptHeader).
PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

# The checker must be able to fail: one broken OpenMetrics text per rule.
om_rejects () {
	printf "$2" >bad.om
	if perl "$PROMCHECK" --openmetrics bad.om 2>bad.err; then
		echo "promcheck --openmetrics accepted $1:" >&2
		cat bad.om >&2
		return 1
	fi
	test_grep "^promcheck: " bad.err
}

test_expect_success 'the OpenMetrics checker rejects what the format forbids' '
	C="# TYPE c counter\n# HELP c x\n" &&
	Hs="# TYPE h_seconds histogram\n# UNIT h_seconds seconds\n# HELP h_seconds x\n" &&
	om_rejects "no # EOF" "${C}c_total 1\n" &&
	om_rejects "a line after # EOF" "${C}c_total 1\n# EOF\nc_total 2\n" &&
	om_rejects "a blank line" "${C}\nc_total 1\n# EOF\n" &&
	om_rejects "a counter family named _total" "# TYPE c_total counter\n# HELP c_total x\nc_total 1\n# EOF\n" &&
	om_rejects "a counter sample without _total" "${C}c 1\n# EOF\n" &&
	om_rejects "a unit that is not the suffix" "${C}# UNIT c seconds\nc_total 1\n# EOF\n" &&
	om_rejects "an info family named _info" "# TYPE b_info info\n# HELP b_info x\nb_info 1\n# EOF\n" &&
	om_rejects "an info that is not 1" "# TYPE b info\n# HELP b x\nb_info 2\n# EOF\n" &&
	om_rejects "an le that is not canonical" "${Hs}h_seconds_bucket{le=\"1\"} 1\nh_seconds_bucket{le=\"+Inf\"} 1\nh_seconds_count 1\nh_seconds_sum 0.5\n# EOF\n" &&
	om_rejects "no +Inf bucket" "${Hs}h_seconds_bucket{le=\"1.0\"} 1\nh_seconds_count 1\nh_seconds_sum 0.5\n# EOF\n" &&
	om_rejects "a count other than +Inf" "${Hs}h_seconds_bucket{le=\"1.0\"} 1\nh_seconds_bucket{le=\"+Inf\"} 2\nh_seconds_count 3\nh_seconds_sum 0.5\n# EOF\n" &&
	om_rejects "buckets not cumulative" "${Hs}h_seconds_bucket{le=\"1.0\"} 2\nh_seconds_bucket{le=\"+Inf\"} 1\nh_seconds_count 1\nh_seconds_sum 0.5\n# EOF\n" &&
	om_rejects "an unescaped quote in HELP" "# TYPE c counter\n# HELP c a\"b\nc_total 1\n# EOF\n" &&
	om_rejects "a plain comment" "${C}# hello\nc_total 1\n# EOF\n" &&
	printf "${C}c_total 1\n${Hs}h_seconds_bucket{le=\"1e-05\"} 0\nh_seconds_bucket{le=\"1.0\"} 1\nh_seconds_bucket{le=\"+Inf\"} 1\nh_seconds_count 1\nh_seconds_sum 0.5\n# TYPE b info\n# HELP b x \\\\\"q\\\\\"\nb_info{version=\"1\"} 1\n# EOF\n" >good.om &&
	cat good.om &&
	perl "$PROMCHECK" --openmetrics good.om
'

if test -n "$OM_PYTHON"; then
	test_expect_success 'prometheus_client reads the good text and refuses a bad one' '
		check_openmetrics good.om &&
		printf "# TYPE c counter\n# HELP c x\nc_total 1\n" >noeof.om &&
		! om_python noeof.om 2>py.err &&
		cat py.err &&
		test_grep "EOF" py.err
	'
else
	test_skip 'prometheus_client check' \
		'python3-prometheus-client not installed (scripts/deps.sh test)'
fi

test_expect_success 'start with the exporter on a free loopback port' '
	write_config rvirtd.conf metrics_listen=127.0.0.1:0 start_workers=1 &&
	start_rvirtd &&
	test -n "$RVIRTD_METRICS_PORT" &&
	"$RVIRT_BUILD/rvsh" list --all >/dev/null
'

test_expect_success 'Accept: openmetrics gets OpenMetrics 1.0.0' '
	scrape_as om.out om.hdr "application/openmetrics-text; version=1.0.0" &&
	test "$(content_type om.hdr)" = "$OM_TYPE" &&
	test "$(tail -n 1 om.out)" = "# EOF" &&
	check_openmetrics om.out &&
	test_grep "^# TYPE rvirtd_rpc_calls counter$" om.out &&
	test_grep "^rvirtd_rpc_calls_total{procedure=\"CONNECT_OPEN\",outcome=\"ok\"} [1-9]" om.out &&
	! grep "^# [A-Z]* [a-z_]*_total " om.out &&
	test_grep "^# UNIT rvirtd_rpc_call_duration_seconds seconds$" om.out &&
	test_grep "^# UNIT rvirtd_start_time_seconds seconds$" om.out &&
	test_grep "^# UNIT rvirtd_store_limit_bytes bytes$" om.out &&
	test_grep "^# UNIT rvirtd_domain_cpu_seconds seconds$" om.out &&
	test_grep "^rvirtd_domain_cpu_seconds_total{driver=\"test\",domain=\"test\"} " om.out &&
	test_grep "^# TYPE rvirtd_build info$" om.out &&
	test_grep "^rvirtd_build_info{version=\"$(cat "$RVIRT_SRC/VERSION")\"} 1$" om.out &&
	test_grep "^# TYPE rvirtd_worker info$" om.out &&
	test_grep "^rvirtd_rpc_call_duration_seconds_bucket{procedure=\"CONNECT_OPEN\",le=\"1.0\"} " om.out &&
	test_grep "^rvirtd_rpc_call_duration_seconds_bucket{procedure=\"CONNECT_OPEN\",le=\"1e-05\"} " om.out
'

test_expect_success 'what Prometheus sends gets OpenMetrics' '
	scrape_as prom.out prom.hdr "$PROM_ACCEPT" &&
	test "$(content_type prom.hdr)" = "$OM_TYPE" &&
	check_openmetrics prom.out
'

test_expect_success 'no Accept, text or anything else gets the text format' '
	for a in "" "text/plain; version=0.0.4" "*/*" "application/json" \
		"application/openmetrics-text; q=0" \
		"application/openmetrics-text; version=2.0.0" \
		"application/openmetrics-text;q=0.4, text/plain;q=0.5" \
		"application/openmetrics-text;q=bogus"; do
		scrape_as t.out t.hdr "$a" &&
		test "$(content_type t.hdr)" = "$TEXT_TYPE" &&
		! grep "^# EOF" t.out &&
		! grep "^# UNIT" t.out &&
		check_exposition t.out || { echo "Accept: $a" >&2; return 1; }
	done &&
	test_grep "^# TYPE rvirtd_rpc_calls_total counter$" t.out &&
	test_grep "^# TYPE rvirtd_build_info gauge$" t.out &&
	test_grep "^rvirtd_rpc_call_duration_seconds_bucket{procedure=\"CONNECT_OPEN\",le=\"1\"} " t.out
'

test_expect_success 'both formats carry the same series' '
	scrape_as a.txt a.hdr "" &&
	scrape_as a.om a.hdr "application/openmetrics-text" &&
	series_of_ () {
		grep -v "^#" "$1" | sed -e "s/ .*//" -e "s/le=\"\([0-9]*\)\.0\"/le=\"\1\"/" | sort
	} &&
	series_of_ a.txt >s.txt &&
	series_of_ a.om >s.om &&
	test_cmp s.txt s.om
'

test_expect_success 'stop' '
	stop_rvirtd
'

test_done
