#!/bin/sh
# SPDX-License-Identifier: MIT
# 9002-install-destdir: make install into a DESTDIR under the trash dir:
# the file list, no overwritten configuration, a program built against
# the installed header with pkg-config (shared and --static), the
# installed rvirtd, bash completion, make uninstall.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

for t in make cc pkg-config; do
	command -v $t >/dev/null 2>&1 || skip_all "$t is not installed"
done

# The tree the suite runs: the sanitizer tree needs its flags, or make
# would see other objects.
MAKEFLAGS=
case $RVIRT_BUILD in
*/build-san) SAN=SANITIZE=address,undefined ;;
*) SAN= ;;
esac
DEST=$TRASH/dest
PFX=/usr/local
VERSION=$(cat "$RVIRT_SRC/VERSION")

# Installs with the default PREFIX, so nothing in the build tree changes
# under the other tests running at the same time.
minstall () {
	make -s -C "$RVIRT_SRC" $SAN BUILD="$RVIRT_BUILD" DESTDIR="$DEST" "$@"
}

test_expect_success 'make install DESTDIR=... rebuilds nothing in the build tree' '
	stat -c "%n %Y" "$RVIRT_BUILD"/rvirtd "$RVIRT_BUILD"/librvirt.so.0 \
		"$RVIRT_BUILD"/rvsh >before &&
	minstall install >install.out 2>&1 || { cat install.out; false; }
	stat -c "%n %Y" "$RVIRT_BUILD"/rvirtd "$RVIRT_BUILD"/librvirt.so.0 \
		"$RVIRT_BUILD"/rvsh >after &&
	test_cmp before after
'

test_expect_success 'the installed files are exactly these' '
	cat >expect <<-EOF &&
	/etc/logrotate.d/rvirtd
	/etc/rvirt/rvirt-console-proxy.conf
	/etc/rvirt/rvirtd.conf
	/etc/sasl2/rvirt.conf
	$PFX/bin/rvirt-ssh-helper
	$PFX/bin/rvsh
	$PFX/include/rvirt/rvirt.h
	$PFX/include/rvirt/rvirt_defs.h
	$PFX/lib/librvirt.a
	$PFX/lib/librvirt.so
	$PFX/lib/librvirt.so.0
	$PFX/lib/pkgconfig/rvirt.pc
	EOF
	for u in "$RVIRT_SRC"/etc/*.service "$RVIRT_SRC"/etc/*.socket; do
		echo "$PFX/lib/systemd/system/${u##*/}"
	done >>expect &&
	cat >>expect <<-EOF &&
	$PFX/lib/tmpfiles.d/rvirt.conf
	$PFX/libexec/rvirt/rvirt-console-holder
	$PFX/libexec/rvirt/rvirt-guest
	$PFX/sbin/rvirt-console-proxy
	$PFX/sbin/rvirtd
	$PFX/share/bash-completion/completions/rvsh
	EOF
	for w in "$RVIRT_SRC"/proxy/www/*.* "$RVIRT_SRC"/proxy/www/vendor/* \
		$(find "$RVIRT_SRC"/proxy/www/vendor/novnc -type f); do
		test -f "$w" && echo "$PFX/share/rvirt/www/${w#"$RVIRT_SRC"/proxy/www/}"
	done >>expect &&
	for p in "$RVIRT_SRC"/doc/*.[1-8]; do
		echo "$PFX/share/man/man${p##*.}/${p##*/}"
	done >>expect &&
	sort -o expect expect &&
	(cd "$DEST" && find . ! -type d | sed "s|^\.||" | sort) >actual &&
	test_cmp expect actual
'

test_expect_success 'modes: programs 0755, the rest 0644, librvirt.so a link' '
	test -x "$DEST$PFX/sbin/rvirtd" && test -x "$DEST$PFX/bin/rvsh" &&
	test -x "$DEST$PFX/libexec/rvirt/rvirt-guest" &&
	test -x "$DEST$PFX/libexec/rvirt/rvirt-console-holder" &&
	test "$(stat -c %a "$DEST$PFX/include/rvirt/rvirt.h")" = 644 &&
	test "$(stat -c %a "$DEST/etc/rvirt/rvirtd.conf")" = 644 &&
	test "$(readlink "$DEST$PFX/lib/librvirt.so")" = librvirt.so.0
'

test_expect_success 'the public header includes only installed headers' '
	for h in "$DEST$PFX"/include/rvirt/*.h; do
		sed -n "s/^#include \"\(.*\)\"/\1/p" "$h"
	done | sort -u >incl &&
	while read -r h; do
		test -f "$DEST$PFX/include/rvirt/$h" || {
			echo "$h is included but not installed"; exit 1; }
	done <incl
'

test_expect_success 'units run the installed rvirtd' '
	test_grep "^ExecStart=$PFX/sbin/rvirtd " \
		"$DEST$PFX/lib/systemd/system/rvirtd.service" &&
	test_grep -v "/usr/sbin/rvirtd" \
		"$DEST$PFX/lib/systemd/system/rvirtd.service"
'

test_expect_success 'rvirtd looks for rvirt-guest in LIBEXECDIR/rvirt' '
	grep -a -q "$PFX/libexec/rvirt" "$DEST$PFX/sbin/rvirtd"
'

test_expect_success 'the installed rvirtd -n accepts the installed rvirtd.conf' '
	"$DEST$PFX/sbin/rvirtd" -n -f "$DEST/etc/rvirt/rvirtd.conf" >out &&
	test_grep "is valid" out &&
	echo "rvirtd $VERSION" >expect &&
	"$DEST$PFX/sbin/rvirtd" --version >actual &&
	test_cmp expect actual
'

test_expect_success 'make install again keeps an edited rvirtd.conf and rvirt.conf' '
	echo "# mine" >>"$DEST/etc/rvirt/rvirtd.conf" &&
	echo "# mine" >>"$DEST/etc/sasl2/rvirt.conf" &&
	minstall install >/dev/null 2>&1 &&
	test_grep "^# mine" "$DEST/etc/rvirt/rvirtd.conf" &&
	test_grep "^# mine" "$DEST/etc/sasl2/rvirt.conf"
'

cat >prog.c <<'EOF'
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <rvirt.h>

int
main(int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_conn *c;
	uint64_t v = rvirt_get_version(), dv;

	printf("library %" PRIu64 "\n", v);
	if (argc < 2)
		return 0;
	c = rvirt_conn_open(argv[1], 0, &err);
	if (!c || rvirt_conn_get_lib_version(c, &dv, &err) < 0) {
		fprintf(stderr, "prog: %s\n", err.message);
		return 1;
	}
	printf("daemon %" PRIu64 "\n", dv);
	rvirt_conn_close(c);
	return 0;
}
EOF

# pkg-config through the DESTDIR: the sysroot prefixes its paths.
pc () {
	PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$DEST$PFX/lib/pkgconfig:$(pkg-config --variable pc_path pkg-config)" \
		PKG_CONFIG_SYSROOT_DIR="$DEST" pkg-config "$@"
}
# A sanitizer build installs an instrumented library: a program linked
# with it needs the same runtime first.
CCSAN=
case "$RVIRT_BUILD" in
*/build-san) CCSAN="-fsanitize=address,undefined" ;;
esac
WANT=$(echo "$VERSION" | awk -F. '{ print $1 * 1000000 + $2 * 1000 + $3 }')

test_expect_success 'pkg-config knows rvirt at VERSION' '
	test "$(pc --modversion rvirt)" = "$VERSION" &&
	pc --cflags rvirt >cflags &&
	test_grep -F -- "-I$DEST$PFX/include/rvirt" cflags &&
	pc --static --libs rvirt >slibs &&
	for l in -lrvirt -ltirpc -lgnutls -lsasl2 -pthread; do
		test_grep -w -e "$l" slibs || exit 1
	done
'

test_expect_success 'a program builds against the installed library (shared)' '
	cc -Wall -Werror $CCSAN $(pc --cflags rvirt) -o prog prog.c $(pc --libs rvirt) &&
	LD_LIBRARY_PATH="$DEST$PFX/lib" ./prog >out &&
	echo "library $WANT" >expect &&
	test_cmp expect out &&
	LD_LIBRARY_PATH="$DEST$PFX/lib" ldd ./prog >ldd.out &&
	test_grep "librvirt.so.0 => $DEST$PFX/lib/librvirt.so.0" ldd.out
'

test_expect_success 'a program links librvirt.a with pkg-config --static' '
	mkdir -p static && cp "$DEST$PFX/lib/librvirt.a" static/ &&
	cc -Wall -Werror $CCSAN $(pc --cflags rvirt) -o prog-static prog.c \
		-L"$TRASH/static" $(pc --static --libs rvirt) &&
	ldd ./prog-static >ldd.out &&
	test_grep -v librvirt ldd.out &&
	./prog-static >out &&
	echo "library $WANT" >expect &&
	test_cmp expect out
'

test_expect_success 'the installed rvirtd serves the installed programs' '
	saved=$RVIRT_BUILD &&
	RVIRT_BUILD=$DEST$PFX/sbin &&
	start_rvirtd;
	rc=$? && RVIRT_BUILD=$saved && test $rc = 0 &&
	LD_LIBRARY_PATH="$DEST$PFX/lib" ./prog "test:///default?socket=$RVIRTD_SOCK" >out &&
	printf "library %s\ndaemon %s\n" $WANT $WANT >expect &&
	test_cmp expect out &&
	"$DEST$PFX/bin/rvsh" -c "test:///default?socket=$RVIRTD_SOCK" \
		--script version >out &&
	test_grep "^daemon	$VERSION$" out
'

if command -v bash >/dev/null 2>&1; then
	test_expect_success 'bash completion: commands, options, domain names' '
		cat >comp.sh <<-\EOF &&
		. "$1"
		t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rvsh; printf "%s\n" "${COMPREPLY[@]}" | sort; echo --; }
		t rvsh domi
		t rvsh --scr
		t rvsh dominfo te
		t rvsh -c "test:///default?socket=$2" dominfo ""
		t rvsh list --
		EOF
		PATH="$DEST$PFX/bin:$PATH" \
			RVIRT_DEFAULT_URI="test:///default?socket=$RVIRTD_SOCK" \
			bash comp.sh "$DEST$PFX/share/bash-completion/completions/rvsh" \
			"$RVIRTD_SOCK" >out &&
		printf "%s\n" dominfo -- --script -- test -- test -- --all --inactive -- >expect &&
		test_cmp expect out
	'
else
	test_skip 'bash completion' 'bash is not installed'
fi

test_expect_success 'stop the installed rvirtd' '
	stop_rvirtd
'

# debian/*.install name Debian's paths (PREFIX=/usr, a multiarch LIBDIR,
# units in /lib/systemd/system): map them onto this install's.
deb_map () {
	sed -e "s|^usr/lib/\*/|usr/lib/|" \
		-e "s|^lib/systemd/system/|usr/lib/systemd/system/|" \
		-e "s|^usr/|${PFX#/}/|"
}

test_expect_success 'debian/*.install: every installed file in exactly one package' '
	(cd "$DEST" && find . ! -type d | sed "s|^\./||" | sort) >installed &&
	: >claimed &&
	for f in "$RVIRT_SRC"/debian/*.install; do
		deb_map <"$f" >patterns &&
		while read -r pat; do
			(cd "$DEST" && for m in $pat; do
				test -e "$m" || test -L "$m" || {
					echo "${f##*/}: $pat matches nothing"; exit 1; }
				# A directory installs all it holds (dh_install).
				if test -d "$m"; then find "$m" ! -type d; else echo "$m"; fi
			done) >>claimed || exit 1
		done <patterns || exit 1
	done &&
	sort claimed >claimed.sorted &&
	test_cmp installed claimed.sorted
'

test_expect_success 'make uninstall removes everything but edited configuration' '
	minstall uninstall >/dev/null 2>&1 &&
	(cd "$DEST" && find . ! -type d | sed "s|^\.||" | sort) >actual &&
	printf "%s\n" /etc/rvirt/rvirtd.conf /etc/sasl2/rvirt.conf >expect &&
	test_cmp expect actual
'

# Only in a work tree of its own: a release tarball, or one unpacked
# under another tree by make distcheck, has no file list to compare with.
top=$(git -C "$RVIRT_SRC" rev-parse --show-toplevel 2>/dev/null || :)
if test -n "$top" && test "$top" = "$(cd "$RVIRT_SRC" && pwd -P)"; then
test_expect_success 'make dist: a tarball of every file git knows, under rvirt-VERSION/' '
	make -s -C "$RVIRT_SRC" BUILD="$TRASH/distbuild" dist >dist.out &&
	tar -tzf "$TRASH/distbuild/rvirt-$VERSION.tar.gz" | grep -v "/$" |
		sed "s|^rvirt-$VERSION/||" | sort >actual &&
	git -C "$RVIRT_SRC" ls-tree -r --name-only HEAD | sort >expect &&
	test_cmp expect actual &&
	test_grep -x "VERSION" actual && test_grep -x "LICENSE" actual
'
else
	test_skip 'make dist: a tarball of every file git knows' \
		'not a git work tree of its own (a release tarball)'
fi

test_done
