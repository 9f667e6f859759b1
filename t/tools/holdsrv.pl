#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# holdsrv.pl PORTFILE: a loopback TCP server that answers nothing.  It
# writes its port to PORTFILE and holds every connection it accepts
# until the peer closes it or 60 s have passed; it exits after 600 s.
# t/7106 keeps a fetch to it pending so that headless Chromium's
# virtual time stands still until the page has what it waits for.
use strict;
use warnings;
use IO::Select;
use IO::Socket::INET;

my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
	Listen => 16, ReuseAddr => 1) or die "holdsrv: cannot listen: $!\n";
open(my $f, '>', "$ARGV[0].tmp") or die "holdsrv: $ARGV[0]: $!\n";
print $f $s->sockport, "\n";
close($f);
rename("$ARGV[0].tmp", $ARGV[0]) or die "holdsrv: $ARGV[0]: $!\n";

my $end = time + 600;
my $sel = IO::Select->new($s);
my %since;
while (time < $end) {
	for my $h ($sel->can_read(1)) {
		if ($h == $s) {
			my $c = $s->accept or next;
			$sel->add($c);
			$since{fileno($c)} = [$c, time];
			next;
		}
		my $buf;
		next if sysread($h, $buf, 4096);
		$sel->remove($h);
		delete $since{fileno($h)};
		close($h);
	}
	for my $k (keys %since) {
		my ($c, $t) = @{$since{$k}};
		next if time - $t < 60;
		$sel->remove($c);
		delete $since{$k};
		close($c);
	}
}
