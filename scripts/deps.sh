#!/bin/sh
# SPDX-License-Identifier: MIT
# deps.sh: make sure the Debian packages rvirt needs are installed.
#
# Usage: scripts/deps.sh [build|test|all|fuzz|deb|perf]   (default: build)
#   build  compile rvirtd, librvirt and rvsh
#   test   build + what `make check` needs
#   all    test + what later issues need (TLS, SASL, Kerberos,
#          systemd socket activation) + fuzz + deb + perf; CI installs
#          this
#   fuzz   build + clang-14 and libFuzzer for make fuzz
#   deb    build + what make deb needs (debhelper, dpkg-dev, lintian)
#   perf   test + libvirtd, the baseline of make perf (libvirt-daemon,
#          libvirt-dev)
#
# Silent and quick when everything is there.  When something is missing:
# as root, `apt-get update` once and install it; otherwise print the
# exact apt-get line to run and exit 1.

set -eu

# Build: compiler, rpcgen (rpcsvc-proto), and the libraries' headers.
BUILD_PKGS="gcc make pkg-config rpcsvc-proto libtirpc-dev libxml2-dev
liblmdb-dev libconfig-dev libedit-dev libcmocka-dev libgnutls28-dev
libsasl2-dev libmicrohttpd-dev libcrypt-dev libsystemd-dev
libwebsockets-dev"

# Test: rpcinfo (rpcbind), prove (perl), mdb_stat (lmdb-utils),
# mandoc -T lint on the man pages (mandoc); a private sshd and the ssh
# client for the ssh transport tests, nc -U for its netcat proxy.
# TLS, SASL and Kerberos tests make their certificates, sasldb and KDC
# at test time: certtool (gnutls-bin), saslpasswd2 (sasl2-bin), the SASL
# plugins, krb5kdc/kdb5_util/kadmin.local/kinit.  strace: which commits
# sync (t/4006).  pgrep (procps) finds a test's daemons and guests
# without a fork per process.  python3-prometheus-client: its
# OpenMetrics parser reads the metrics exporter's OpenMetrics answer.
# qemu-system-x86: the qemu driver's tests (t/5007, t/7107-t/7109) run
# real QEMU (TCG); 17 MB to download without recommends, as installed
# here.  binutils (as, ld; gcc pulls it in anyway) assembles their
# firmware, t/tools/serial-echo.S.
TEST_PKGS="rpcbind perl lmdb-utils mandoc openssh-server openssh-client
netcat-openbsd gnutls-bin sasl2-bin libsasl2-modules libsasl2-modules-db
libsasl2-modules-gssapi-mit krb5-kdc krb5-admin-server krb5-user curl strace
procps
python3-prometheus-client
qemu-system-x86 binutils"

# Later issues: systemd-socket-activate for LISTEN_FDS tests.
# promtool (prometheus) checks the metrics exporter's output; its tests
# skip without it.  Not in test: Debian's package is the whole Prometheus
# server (96 MB, a service on :9090, node-exporter recommended).  clang-format (14 on Debian 12) for make fmt-check.
# chromium: t/7106 drives the proxy's web page in headless Chromium and
# skips without it.  Not in test (290 MB installed, 350 MB with its
# libraries, GTK among them), but in all, so that CI runs the browser
# test: a web page is tested in a real browser.
LATER_PKGS="systemd prometheus clang-format chromium"

# Fuzzing (make fuzz, make fuzz-smoke in CI): clang-14 and its
# runtime libraries, which hold libFuzzer (-fsanitize=fuzzer).
FUZZ_PKGS="clang-14 libclang-rt-14-dev"

# The Debian packages (make deb, in CI): dh and compat 13 (debhelper),
# dpkg-buildpackage (dpkg-dev), and lintian, which must find no error.
DEB_PKGS="debhelper dpkg-dev lintian"

# The benchmarks' libvirtd baseline (make perf; t/perf/lib-libvirtd.sh):
# Debian 12's libvirtd is 9.0, the version issue 14 compared with, and
# libvirt-dev builds its client, t/perf/libvirt/setups.c.  Without
# recommends: 9 packages, the QEMU driver among them (rvirt runs none of
# it; libvirtd runs as a session instance of its own).  In all, so that
# the smoke run of t/perf/setups.sh in make check (t/2008) starts it.
PERF_PKGS="libvirt-daemon libvirt-dev"

usage() {
	echo "usage: $0 [build|test|all|fuzz|deb|perf]" >&2
	exit 2
}

case "${1:-build}" in
build) want="$BUILD_PKGS" ;;
test) want="$BUILD_PKGS $TEST_PKGS" ;;
all) want="$BUILD_PKGS $TEST_PKGS $LATER_PKGS $FUZZ_PKGS $DEB_PKGS $PERF_PKGS" ;;
fuzz) want="$BUILD_PKGS $FUZZ_PKGS" ;;
deb) want="$BUILD_PKGS $DEB_PKGS" ;;
perf) want="$BUILD_PKGS $TEST_PKGS $PERF_PKGS" ;;
-h | --help) usage ;;
*) usage ;;
esac
[ $# -le 1 ] || usage

# One dpkg-query for the whole list keeps this well under a second.
# Packages it does not know at all are missing too; they only show up
# on stderr, so compare against what it reports as installed.
# shellcheck disable=SC2086 # the list is meant to split into words
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $want 2>/dev/null |
	awk '$NF == "installed" && $(NF-1) == "ok" { printf " %s", $1 }') || true

missing=
for p in $want; do
	case "$installed " in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
done
missing=${missing# }

[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "rvirt needs these Debian packages; run:" >&2
	echo "sudo apt-get install -y $missing"
	exit 1
fi

echo "deps.sh: installing $missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # the list is meant to split into words
apt-get install -y -q --no-install-recommends $missing
