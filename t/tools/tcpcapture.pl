#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# tcpcapture.pl: a loopback TCP relay that records every byte it relays.
#
# usage: tcpcapture.pl PORTFILE TARGET_PORT CAPTURE_FILE [SECONDS]
#
# Listens on 127.0.0.1 (a free port, written to PORTFILE once ready),
# relays each accepted connection to 127.0.0.1:TARGET_PORT and appends
# everything it relays, both directions, to CAPTURE_FILE.  Exits after
# SECONDS (default 30) or when killed.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my ($portfile, $target, $capfile, $secs) = @ARGV;
die "usage: tcpcapture.pl PORTFILE TARGET_PORT CAPTURE_FILE [SECONDS]\n"
    unless defined $capfile;
$secs //= 30;
$SIG{PIPE} = 'IGNORE';
my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
    Listen => 8, ReuseAddr => 1) or die "listen: $!\n";
open(my $cap, '>>', $capfile) or die "$capfile: $!\n";
binmode($cap);
$cap->autoflush(1);
open(my $pf, '>', "$portfile.tmp") or die "$portfile: $!\n";
print $pf $l->sockport(), "\n";
close($pf);
rename("$portfile.tmp", $portfile) or die "rename: $!\n";

my $sel = IO::Select->new($l);
my %peer;
my $end = time() + $secs;
while (time() < $end) {
	for my $fh ($sel->can_read(0.2)) {
		if ($fh == $l) {
			my $c = $l->accept() or next;
			my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
			    PeerPort => $target) or do { close($c); next };
			$peer{$c} = $s;
			$peer{$s} = $c;
			$sel->add($c, $s);
			next;
		}
		my $n = sysread($fh, my $buf, 65536);
		my $other = $peer{$fh};
		if (!$n) {
			$sel->remove($fh, $other);
			close($fh);
			close($other);
			delete $peer{$fh};
			delete $peer{$other};
			next;
		}
		print $cap $buf;
		my $off = 0;
		while ($off < $n) {
			my $w = syswrite($other, $buf, $n - $off, $off);
			last unless defined $w;
			$off += $w;
		}
	}
}
