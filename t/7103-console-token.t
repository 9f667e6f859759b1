#!/bin/sh
# SPDX-License-Identifier: MIT
# 7103-console-token: per-domain console tokens (CONSOLE_TOKEN, rvsh
# console-token): enable prints a fresh 256-bit token, show prints it
# back, resolve names its domain; a token replaced, disabled or expired
# does not resolve (each with its own error), nor does the token of a
# domain undefined and defined again; a read-only connection
# can neither enable nor show nor resolve; tokens live in the store and
# survive a restart of rvirtd.

. "$(dirname "$0")/test-lib.sh"
require_rvirtd

RVSH=$RVIRT_BUILD/rvsh
TOKRESOLVE=$RVIRT_BUILD/t/tools/tokresolve

TRVSH () {
	"$RVSH" -c "test:///default?socket=$RVIRTD_SOCK" "$@"
}

resolve () {
	"$TOKRESOLVE" "test:///default?socket=$RVIRTD_SOCK" "$@"
}

test_expect_success 'start rvirtd' '
	write_config rvirtd.conf &&
	start_rvirtd
'

test_expect_success 'show before enable: none' '
	TRVSH console-token show test >show0.out &&
	test_grep "^none$" show0.out
'

test_expect_success 'enable prints a 64-hex-digit token; show prints it back, never expiring' '
	TRVSH console-token enable test >tok1 &&
	test_grep "^[0-9a-f]\{64\}$" tok1 &&
	TRVSH console-token show test >show1.out &&
	test_grep "^token: $(cat tok1)$" show1.out &&
	test_grep "^expires: never$" show1.out
'

test_expect_success 'the token resolves to its domain' '
	resolve "$(cat tok1)" >res1.out &&
	test_grep "^domain test$" res1.out
'

test_expect_success 'enable again: a new token, the old one no longer resolves' '
	TRVSH console-token enable test >tok2 &&
	test_grep "^[0-9a-f]\{64\}$" tok2 &&
	! test_cmp tok1 tok2 &&
	resolve "$(cat tok1)" >res2.out &&
	test_grep "^error 38: cannot resolve a console token: no domain has it" res2.out &&
	resolve "$(cat tok2)" >res3.out &&
	test_grep "^domain test$" res3.out
'

test_expect_success 'a malformed or unknown token: error 38 with a reason' '
	resolve "not-a-token" >bad1.out &&
	test_grep "^error 38: cannot resolve a console token: it is not 64 .*hex digits$" bad1.out &&
	resolve "$(printf "%064d" 0 | tr 0 z)" >bad2.out &&
	test_grep "^error 38: cannot resolve a console token: it is not 64 lowercase hex digits$" bad2.out &&
	resolve "$(printf "%064d" 0)" >bad3.out &&
	test_grep "^error 38: cannot resolve a console token: no domain has it" bad3.out
'

test_expect_success 'the token survives a restart of rvirtd' '
	stop_rvirtd &&
	start_rvirtd &&
	resolve "$(cat tok2)" >res4.out &&
	test_grep "^domain test$" res4.out
'

test_expect_success 'disable revokes it: show says none, resolve refuses' '
	TRVSH console-token disable test >dis.out &&
	test_grep "disabled" dis.out &&
	TRVSH console-token show test >show2.out &&
	test_grep "^none$" show2.out &&
	resolve "$(cat tok2)" >res5.out &&
	test_grep "^error 38: " res5.out &&
	TRVSH console-token disable test
'

test_expect_success 'enable --expires: resolves until it expires, then error 39' '
	TRVSH console-token enable --expires 3600 test >tok3 &&
	TRVSH console-token show test >show3.out &&
	test_grep "^expires: 20[0-9-]*T[0-9:]*Z$" show3.out &&
	resolve "$(cat tok3)" >res6.out &&
	test_grep "^domain test$" res6.out &&
	TRVSH console-token enable --expires 1 test >tok4 &&
	resolve "$(cat tok3)" >res7.out &&
	test_grep "^error 38: " res7.out &&
	wait_until 600 "resolve \"$(cat tok4)\" | grep -q \"^error 39\"" &&
	resolve "$(cat tok4)" >res8.out &&
	test_grep "^error 39: cannot resolve the console token of domain .test.: it expired [0-9]* s ago$" res8.out &&
	TRVSH console-token show test >show4.out &&
	test_grep "(expired)$" show4.out
'

test_expect_success 'undefined, then defined again with the same uuid: no token' '
	cat >again.xml <<-\EOF &&
	<domain type="test"><name>again</name><uuid>6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d</uuid><memory>1024</memory><vcpu>1</vcpu></domain>
	EOF
	TRVSH define again.xml &&
	TRVSH console-token enable again >tok5 &&
	resolve "$(cat tok5)" >res9.out &&
	test_grep "^domain again$" res9.out &&
	TRVSH undefine again &&
	TRVSH define again.xml &&
	TRVSH console-token show again >show5.out &&
	test_grep "^none$" show5.out &&
	resolve "$(cat tok5)" >res10.out &&
	test_grep "^error 38: cannot resolve a console token: no domain has it" res10.out &&
	TRVSH undefine again
'

test_expect_success 'bad arguments to rvsh console-token: usage, nothing changed' '
	test_expect_code 2 TRVSH console-token enable --expires abc test 2>e1 &&
	test_grep "cannot use expiry .abc.: not a number of seconds" e1 &&
	test_expect_code 2 TRVSH console-token frobnicate test 2>e2 &&
	test_grep "usage: console-token" e2 &&
	test_expect_code 1 TRVSH console-token enable no-such-domain 2>e3 &&
	test_grep "no-such-domain" e3 &&
	TRVSH console-token show test >show5.out &&
	test_cmp show4.out show5.out
'

test_expect_success 'read-only: enable, show and resolve are refused' '
	ro="test:///default?socket=$RVIRTD_SOCK_RO" &&
	test_must_fail "$RVSH" -c "$ro" console-token enable test 2>ro1 &&
	test_grep "CONSOLE_TOKEN.*read-only" ro1 &&
	test_must_fail "$RVSH" -r -c "test:///default?socket=$RVIRTD_SOCK" console-token show test 2>ro2 &&
	test_grep "CONSOLE_TOKEN.*read-only" ro2 &&
	TRVSH console-token enable test >tok5 &&
	"$TOKRESOLVE" "test:///default?socket=$RVIRTD_SOCK" "$(cat tok5)" ro >ro3.out &&
	test_grep "^error 7: cannot call .CONSOLE_TOKEN.: the connection is read-only" ro3.out &&
	TRVSH console-token show test >show6.out &&
	test_grep "^token: $(cat tok5)$" show6.out
'

test_expect_success 'rvirtd stops cleanly' '
	stop_rvirtd
'

test_done
