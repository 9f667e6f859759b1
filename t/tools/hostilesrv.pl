#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# hostilesrv.pl: a fake rvirtd on a unix socket that answers one call badly.
#
# usage: hostilesrv.pl MODE SOCKET [SECONDS]
#
# Listens on SOCKET (a path), prints "ready" on stdout, accepts one
# connection, reads one call record and then, for at most SECONDS
# (default 60) or until the client closes:
#
#   empty    sends empty fragments (no last-fragment bit), as fast as
#            the client takes them
#   stale    sends whole, well-formed replies to another xid, as fast
#            as the client takes them
#   trickle  announces a fragment of 1 MiB for the right xid and sends
#            it one byte every 0.1 s
#
# Then it closes the connection and prints "client closed after S.Ss"
# or "gave up after S.Ss" and "sent N bytes".  Loopback only (a unix
# socket), bounded in time.

use strict;
use warnings;

use IO::Select;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM SOMAXCONN);
use Time::HiRes qw(time sleep);

$SIG{PIPE} = 'IGNORE';
$| = 1;

my ($mode, $path, $limit) = @ARGV;
die "usage: hostilesrv.pl empty|stale|trickle SOCKET [SECONDS]\n"
    unless defined $path && $mode =~ /^(empty|stale|trickle)$/;
$limit //= 60;

unlink $path;
my $l = IO::Socket::UNIX->new(Type => SOCK_STREAM, Local => $path,
    Listen => SOMAXCONN) or die "hostilesrv: cannot listen on '$path': $!\n";
print "ready\n";

my $sel = IO::Select->new($l);
die "hostilesrv: nobody connected within $limit s\n"
    unless $sel->can_read($limit);
my $c = $l->accept or die "hostilesrv: cannot accept: $!\n";
binmode $c;
my $start = time;

sub read_n {
	my ($n) = @_;
	my $buf = '';
	my $s = IO::Select->new($c);
	while (length $buf < $n) {
		return undef unless $s->can_read($limit - (time - $start));
		my $r = sysread($c, $buf, $n - length $buf, length $buf);
		return undef unless $r;
	}
	return $buf;
}

# One call record: we need its xid.
my $xid;
for (;;) {
	my $m = read_n(4) // die "hostilesrv: no call\n";
	my $mark = unpack('N', $m);
	my $frag = read_n($mark & 0x7fffffff) // die "hostilesrv: short call\n";
	$xid //= unpack('N', $frag);
	last if $mark & 0x80000000;
}

my $reply = pack('N*', $xid, 1, 0, 0, 0, 0, 0);
my $chunk;
if ($mode eq 'empty') {
	$chunk = pack('N', 0) x 1024;
} elsif ($mode eq 'stale') {
	my $body = pack('N*', $xid ^ 0x5a5a5a5a, 1, 0, 0, 0, 0, 0);
	$chunk = (pack('N', 0x80000000 | length $body) . $body) x 128;
} else {
	$chunk = pack('N', 0x80000000 | 1 << 20) . $reply;
}

my $sent = 0;
my $closed = 0;
my $w = IO::Select->new($c);
my $off = 0;
while (time - $start < $limit) {
	if ($mode eq 'trickle') {
		my $byte = $off < length $chunk ? substr($chunk, $off, 1) : "\0";
		my $r = syswrite($c, $byte);
		if (!defined $r || $r <= 0) { $closed = 1; last; }
		$off++;
		$sent++;
		sleep 0.1;
		next;
	}
	next unless $w->can_write(0.5);
	my $r = syswrite($c, $chunk);
	if (!defined $r || $r <= 0) { $closed = 1; last; }
	$sent += $r;
}
my $took = time - $start;
close $c;
unlink $path;
printf "%s after %.1fs\nsent %d bytes\n",
    $closed ? 'client closed' : 'gave up', $took, $sent;
