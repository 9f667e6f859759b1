#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# relay.pl: a loopback TCP relay that can be told to stop forwarding.
#
# usage: relay.pl PORTFILE TARGETPORT [SECONDS]
#
# Listens on 127.0.0.1 (a free port, written to PORTFILE once it
# listens) and forwards every connection it accepts to
# 127.0.0.1:TARGETPORT, both ways, for at most SECONDS (default 300).
#
#   SIGUSR1  stall: stop reading, writing and accepting, keeping every
#            socket open (a peer whose packets are dropped: nothing is
#            refused, nothing arrives)
#   SIGUSR2  forward again
#   SIGTERM  exit
#
# Prints "stalled" and "forwarding" on stdout when it switches, and
# "accepted N" for each connection.  Loopback only, bounded in time.

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

$SIG{PIPE} = 'IGNORE';
$| = 1;

my ($portfile, $target, $seconds) = @ARGV;
die "usage: relay.pl PORTFILE TARGETPORT [SECONDS]\n"
	unless defined $target && $target =~ /^\d+$/;
$seconds //= 300;

my $stalled = 0;
my $switched = 0;
$SIG{USR1} = sub { $stalled = 1; $switched = 1 };
$SIG{USR2} = sub { $stalled = 0; $switched = 1 };
my $stop = 0;
$SIG{TERM} = sub { $stop = 1 };

my $l = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 64,
	ReuseAddr => 1, Proto => 'tcp') or die "relay.pl: cannot listen: $!\n";
open(my $pf, '>', "$portfile.tmp") or die "relay.pl: $portfile: $!\n";
print $pf $l->sockport(), "\n";
close($pf);
rename("$portfile.tmp", $portfile) or die "relay.pl: $portfile: $!\n";

my %peer;	# fileno => the other socket
my %sock;	# fileno => socket
my %out;	# fileno => bytes waiting to be written to that socket
my $n = 0;
my $end = time() + $seconds;

sub drop {
	my ($s) = @_;
	my $o = $peer{fileno($s)};
	for my $x ($s, $o) {
		next unless $x;
		my $f = fileno($x);
		next unless defined $f;
		delete $peer{$f};
		delete $sock{$f};
		delete $out{$f};
		close($x);
	}
}

while (!$stop && time() < $end) {
	if ($switched) {
		$switched = 0;
		print $stalled ? "stalled\n" : "forwarding\n";
	}
	my $r = IO::Select->new();
	my $w = IO::Select->new();
	if (!$stalled) {
		$r->add($l);
		for my $f (keys %sock) {
			$r->add($sock{$f});
			$w->add($sock{$f}) if length($out{$f} // '');
		}
	}
	my ($rr, $wr) = IO::Select->select($r, $w, undef, 0.2);
	next if $stalled;
	for my $s (@{ $wr // [] }) {
		my $f = fileno($s);
		next unless defined $f && exists $sock{$f};
		my $k = syswrite($s, $out{$f});
		if (!defined $k) { drop($s); next }
		substr($out{$f}, 0, $k) = '';
	}
	for my $s (@{ $rr // [] }) {
		if ($s == $l) {
			my $c = $l->accept() or next;
			my $t = IO::Socket::INET->new(
				PeerAddr => '127.0.0.1', PeerPort => $target,
				Proto => 'tcp');
			if (!$t) { close($c); next }
			$c->blocking(0);
			$t->blocking(0);
			$peer{fileno($c)} = $t;
			$peer{fileno($t)} = $c;
			$sock{fileno($c)} = $c;
			$sock{fileno($t)} = $t;
			$n++;
			print "accepted $n\n";
			next;
		}
		my $f = fileno($s);
		next unless defined $f && exists $sock{$f};
		my $buf;
		my $k = sysread($s, $buf, 65536);
		if (!defined $k) { next if $!{EAGAIN}; drop($s); next }
		if ($k == 0) { drop($s); next }
		$out{fileno($peer{$f})} .= $buf;
	}
}
exit 0;
