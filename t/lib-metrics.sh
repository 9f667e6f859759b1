# SPDX-License-Identifier: MIT
# lib-metrics.sh: scrapes of the metrics exporter for the 30xx tests.
# Sourced after test-lib.sh.

PROMCHECK=$RVIRT_SRC/t/tools/promcheck.pl

if ! command -v curl >/dev/null 2>&1; then
	skip_all 'curl is missing (apt-get install curl)'
fi

# scrape OUT [CURL-ARGS...]: GET /metrics of the daemon into OUT; fails
# unless the answer is 200.  http:// unless the arguments say https://.
scrape () {
	scrape_out_=$1
	shift
	scrape_url_=http://127.0.0.1:$RVIRTD_METRICS_PORT/metrics
	case "$*" in
	*https://*) scrape_url_= ;;
	esac
	scrape_code_=$(curl -sS --max-time 20 -o "$scrape_out_" \
		-w '%{http_code}' "$@" $scrape_url_) || return 1
	if test "$scrape_code_" != 200; then
		echo "scrape: HTTP $scrape_code_" >&2
		cat "$scrape_out_" >&2
		return 1
	fi
}

# http_code [CURL-ARGS...]: print only the status code of a scrape.
http_code () {
	curl -s --max-time 20 -o /dev/null -w '%{http_code}' "$@"
}

# val FILE SERIES: the value of SERIES (name and labels exactly as
# printed), 0 when the file has no such series.
val () {
	awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }' "$1"
}

# delta BEFORE AFTER SERIES: how much SERIES went up.
delta () {
	echo $(($(val "$2" "$3") - $(val "$1" "$3")))
}

# monotonic BEFORE AFTER: no _total, _count or _bucket series went down
# or vanished.  Per-slot series ({slot=...}) are left out: they belong
# to the worker in the slot and start again with its successor.
monotonic () {
	perl -e '
		my %b;
		open(my $f, "<", $ARGV[0]) or die;
		while (<$f>) {
			next if /^#/;
			my ($s, $v) = split;
			$b{$s} = $v if $s =~ /(_total|_count|_bucket)(\{|$)/ &&
			    $s !~ /\{slot=/;
		}
		open($f, "<", $ARGV[1]) or die;
		my $bad = 0;
		while (<$f>) {
			next if /^#/;
			my ($s, $v) = split;
			next unless exists $b{$s};
			if ($v < $b{$s}) {
				print STDERR "went down: $s $b{$s} -> $v\n";
				$bad = 1;
			}
			delete $b{$s};
		}
		for (sort keys %b) {
			print STDERR "vanished: $_ $b{$_}\n";
			$bad = 1;
		}
		exit $bad;
	' "$1" "$2"
}

# histogram_matches FILE: for every procedure, the latency histogram
# counts exactly the calls of rvirtd_rpc_calls_total (all outcomes).
histogram_matches () {
	perl -e '
		my (%calls, %count, $bad);
		while (<>) {
			$calls{$1} += $2
			    if /^rvirtd_rpc_calls_total\{procedure="([^"]*)",outcome="[^"]*"\} (\d+)$/;
			$count{$1} = $2
			    if /^rvirtd_rpc_call_duration_seconds_count\{procedure="([^"]*)"\} (\d+)$/;
		}
		for my $p (sort keys %{{ %calls, %count }}) {
			my ($c, $n) = ($calls{$p} // 0, $count{$p} // 0);
			next if $c == $n;
			print STDERR "$p: $c calls, histogram counts $n\n";
			$bad = 1;
		}
		exit($bad ? 1 : 0);
	' "$1"
}

# check_exposition FILE: the project's strict checker, then promtool
# when it is installed.
check_exposition () {
	perl "$PROMCHECK" "$1" || return 1
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$1" || return 1
	fi
}

# The Python client library's OpenMetrics parser (Debian's
# python3-prometheus-client), a second strict reader; empty when missing.
OM_PYTHON=
if /usr/bin/python3 -c 'import prometheus_client.openmetrics.parser' \
	>/dev/null 2>&1; then
	OM_PYTHON=/usr/bin/python3
fi

# check_openmetrics FILE: the project's checker in OpenMetrics mode, then
# the parser of prometheus_client when it is installed (it reads every
# family and raises on what OpenMetrics 1.0.0 forbids).  promtool check
# metrics reads only the text format 0.0.4, so it is not asked.
check_openmetrics () {
	perl "$PROMCHECK" --openmetrics "$1" || return 1
	test -z "$OM_PYTHON" && return 0
	om_python "$1"
}

# om_python FILE: prometheus_client's parser alone.
om_python () {
	"$OM_PYTHON" -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
n = sum(1 for _ in text_string_to_metric_families(open(sys.argv[1]).read()))
print("prometheus_client: %d families" % n)
' "$1"
}

# scrape_as OUT HEADERS ACCEPT: GET /metrics with that Accept header
# ("" sends none), the response headers into HEADERS; fails unless 200.
scrape_as () {
	if test -n "$3"; then
		scrape "$1" -D "$2" -H "Accept: $3"
	else
		scrape "$1" -D "$2" -H "Accept:"
	fi
}

# content_type HEADERS: the Content-Type of a response, without the CR.
content_type () {
	sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$1" | tr -d '\r'
}
