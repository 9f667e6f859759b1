#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# authorder.pl: every order of the auth procedures, unauthenticated.
#
# usage: authorder.pl [-t SECONDS] [-n MAXLEN] TARGET USER PASS
#
# TARGET is a unix socket path (anything with a '/') or HOST:PORT.  For
# every sequence of 1 to MAXLEN (default 3) items below, in every order
# and with repetition, it opens a new connection, sends the sequence one
# call at a time, reads each reply, then sends NULL and reads its reply:
#
#   L  AUTH_LIST
#   I  AUTH_SASL_INIT
#   P  AUTH_SASL_START PLAIN with USER and PASS (good: completes)
#   S  AUTH_SASL_START PLAIN without data (good: asks for a step)
#   X  AUTH_SASL_START SCRAM-SHA-256 with garbage data
#   M  AUTH_SASL_START of a mechanism nobody offers
#   N  AUTH_SASL_STEP without data
#   G  AUTH_SASL_STEP with garbage data
#   A  AUTH_SASL_STEP with PLAIN's USER and PASS
#   B  AUTH_SASL_START with arguments that do not decode
#
# Every call must get an RPC reply (any status) within SECONDS (default
# 10); a closed connection or a timeout is a failure, printed as
# "fail SEQUENCE: CALL N: WHAT".  The last line is
# "sequences=N calls=N ok=N errors=N garbage=N failures=N".
# Exit status: 0 without failures, 1 with, 2 on a usage or connect error.

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(time);

$SIG{PIPE} = 'IGNORE';

my $PROG = 0x20525654;
my %PROC = (NULL => 0, AUTH_LIST => 1, INIT => 35, START => 36, STEP => 37);

my $timeout = 10;
my $maxlen = 3;
while (@ARGV && $ARGV[0] =~ /^-/) {
	my $o = shift @ARGV;
	if ($o eq '-t') { $timeout = shift @ARGV; }
	elsif ($o eq '-n') { $maxlen = shift @ARGV; }
	else { usage(); }
}
usage() unless @ARGV == 3;
my ($target, $user, $pass) = @ARGV;

sub usage {
	print STDERR "usage: authorder.pl [-t SECONDS] [-n MAXLEN] TARGET USER PASS\n";
	exit 2;
}

sub u32 { return pack('N', $_[0] & 0xffffffff); }

sub opaque {
	my ($d) = @_;
	my $pad = (4 - length($d) % 4) % 4;
	return u32(length $d) . $d . ("\0" x $pad);
}

# The items: procedure and argument bytes.
my $plain = "\0$user\0$pass";
my %ITEM = (
	L => [$PROC{AUTH_LIST}, ''],
	I => [$PROC{INIT}, ''],
	P => [$PROC{START}, opaque('PLAIN') . u32(0) . opaque($plain)],
	S => [$PROC{START}, opaque('PLAIN') . u32(1) . opaque('')],
	X => [$PROC{START}, opaque('SCRAM-SHA-256') . u32(0) .
	    opaque("\xff\x00garbage,,n=\x01")],
	M => [$PROC{START}, opaque('NO-SUCH-MECH') . u32(1) . opaque('')],
	N => [$PROC{STEP}, u32(1) . opaque('')],
	G => [$PROC{STEP}, u32(0) . opaque("\x00\xff\xfe garbage")],
	A => [$PROC{STEP}, u32(0) . opaque($plain)],
	B => [$PROC{START}, u32(0xfffffff0)],
);
my @KEYS = qw(L I P S X M N G A B);

my %count = (sequences => 0, calls => 0, ok => 0, errors => 0,
    garbage => 0, failures => 0);
my $xid = 0x4000 + ($$ & 0xfff) * 64;

sub connect_target {
	my $s;
	if ($target =~ m{/}) {
		$s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $target);
	} else {
		$s = IO::Socket::INET->new(PeerAddr => $target, Proto => 'tcp',
		    Timeout => $timeout);
	}
	unless ($s) {
		print STDERR "authorder: cannot connect to '$target': $!\n";
		exit 2;
	}
	binmode $s;
	return $s;
}

# read_exact SOCK N DEADLINE: N bytes, or undef on EOF or timeout.
sub read_exact {
	my ($s, $n, $deadline, $why) = @_;
	my $buf = '';
	my $sel = IO::Select->new($s);
	while (length $buf < $n) {
		my $left = $deadline - time;
		if ($left <= 0 || !$sel->can_read($left)) {
			$$why = 'timeout';
			return undef;
		}
		my $r = sysread($s, $buf, $n - length $buf, length $buf);
		if (!$r) {
			$$why = 'closed';
			return undef;
		}
	}
	return $buf;
}

# call SOCK PROC ARGS: "ok", "error", "garbage", or a failure text.
sub call {
	my ($s, $proc, $args) = @_;
	my $x = $xid++;
	my $body = u32($x) . u32(0) . u32(2) . u32($PROG) . u32(1) .
	    u32($proc) . u32(0) . u32(0) . u32(0) . u32(0) . $args;
	my $rec = u32(0x80000000 | length $body) . $body;
	my $w = syswrite($s, $rec);
	return 'closed while sending' unless defined $w && $w == length $rec;
	my $deadline = time + $timeout;
	my $data = '';
	my $why;
	for (;;) {
		my $hdr = read_exact($s, 4, $deadline, \$why);
		return $why unless defined $hdr;
		my $h = unpack('N', $hdr);
		my $len = $h & 0x7fffffff;
		return "fragment of $len bytes" if $len > 1 << 20;
		my $frag = read_exact($s, $len, $deadline, \$why);
		return $why unless defined $frag;
		$data .= $frag;
		last if $h & 0x80000000;
	}
	return 'short reply' if length $data < 24;
	my ($rx, $mtype, $rstat) = unpack('NNN', $data);
	return "reply to xid $rx, not $x" unless $rx == $x;
	return "message type $mtype" unless $mtype == 1;
	return 'denied' unless $rstat == 0;
	my $vlen = unpack('N', substr($data, 16, 4));
	my $off = 20 + $vlen + (4 - $vlen % 4) % 4;
	my $astat = unpack('N', substr($data, $off, 4));
	return 'garbage' if $astat == 4;
	return "accept_stat $astat" unless $astat == 0;
	return 'ok' if $proc == 0 || $proc == $PROC{AUTH_LIST};
	my $st = unpack('N', substr($data, $off + 4, 4));
	return $st == 0 ? 'ok' : 'error';
}

sub run_sequence {
	my ($seq) = @_;
	my $s = connect_target();
	my $n = 0;
	$count{sequences}++;
	for my $k (split //, $seq) {
		$n++;
		$count{calls}++;
		my $r = call($s, @{$ITEM{$k}});
		if ($r eq 'ok' || $r eq 'error' || $r eq 'garbage') {
			$count{$r eq 'ok' ? 'ok' : $r eq 'error' ? 'errors' :
			    'garbage'}++;
			next;
		}
		print "fail $seq: call $n ($k): $r\n";
		$count{failures}++;
		close $s;
		return;
	}
	my $r = call($s, $PROC{NULL}, '');
	if ($r ne 'ok') {
		print "fail $seq: NULL after it: $r\n";
		$count{failures}++;
	}
	close $s;
}

my @seqs = ('');
for my $len (1 .. $maxlen) {
	@seqs = map { my $p = $_; map { $p . $_ } @KEYS } @seqs;
	run_sequence($_) for @seqs;
}
print join(' ', map { "$_=$count{$_}" }
    qw(sequences calls ok errors garbage failures)), "\n";
exit($count{failures} ? 1 : 0);
