#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# wsrfb.pl: an RFB client over a websocket, for rvirt-console-proxy's /vnc.
#
# usage: wsrfb.pl PORT PATH [VERSION [UPDATES]]
#
# Opens ws://127.0.0.1:PORT/PATH (loopback only), then speaks RFB in
# binary frames as a viewer would: reads the server's ProtocolVersion,
# answers VERSION (default "003.008"), reads the security types, picks
# None (1), reads SecurityResult, sends ClientInit (shared), reads
# ServerInit, sends a full FramebufferUpdateRequest and reads the whole
# FramebufferUpdate (raw encoding).  Prints one line per step:
#   server RFB 003.008 / security 1 / result 0 / size WxH / name NAME /
#   update RECTS BYTES
# With UPDATES, that many full updates, then "bytes N seconds S" for
# them all (t/perf/vnc.sh).
# A close frame from the proxy prints "close CODE: REASON" and exits 0
# (the caller checks it).  Every read waits at most 60 s in all: then
# "timeout", exit 1; the whole run at most 60 s more than that for
# each update.

use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(sha1_base64);

my ($port, $path, $version, $updates) = @ARGV;
die "usage: wsrfb.pl PORT PATH [VERSION [UPDATES]]\n" unless defined $path;
$version //= '003.008';
$updates //= 1;
$| = 1;

my $deadline = time + 60;
# A blocking write has no deadline of its own: the whole run has one.
$SIG{ALRM} = sub { print "timeout (whole run)\n"; exit 1 };
alarm 60 + 60 * $updates;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
			      Proto => 'tcp') or die "error: connect: $!\n";
binmode $s;
my $sel = IO::Select->new($s);
my $key = encode_base64(join('', map { chr(int(rand(256))) } 1 .. 16), '');
print $s "GET $path HTTP/1.1\r\nHost: 127.0.0.1:$port\r\n" .
    "Upgrade: websocket\r\nConnection: Upgrade\r\n" .
    "Sec-WebSocket-Key: $key\r\nSec-WebSocket-Version: 13\r\n\r\n";

my $raw = '';	 # bytes from the socket not yet parsed
my $data = '';	 # websocket payload not yet consumed

sub fill {
	my $left = $deadline - time;
	if ($left <= 0 || !$sel->can_read($left)) {
		print "timeout\n";
		exit 1;
	}
	my $n = sysread($s, my $buf, 65536);
	if (!$n) {
		print "eof\n";
		exit 1;
	}
	$raw .= $buf;
}

# The HTTP answer: 101 and the right accept value.
fill() until $raw =~ /\r\n\r\n/;
$raw =~ s/^(.*?)\r\n\r\n//s;
my $head = $1;
die "error: no upgrade: $head\n" unless $head =~ m{^HTTP/1\.1 101};
my $want = sha1_base64($key . '258EAFA5-E914-47DA-95CA-C5AB0DC85B11') . '=';
die "error: bad accept\n" unless $head =~ /^Sec-WebSocket-Accept: \Q$want\E\r?$/mi;

# One frame into $data (a close frame ends the run).
sub frame {
	for (;;) {
		if (length($raw) >= 2) {
			my ($b0, $b1) = unpack('CC', $raw);
			my ($len, $off) = ($b1 & 0x7f, 2);
			if ($len == 126) {
				goto more if length($raw) < 4;
				$len = unpack('x2n', $raw);
				$off = 4;
			} elsif ($len == 127) {
				goto more if length($raw) < 10;
				$len = unpack('x2Q>', $raw);
				$off = 10;
			}
			if (length($raw) >= $off + $len) {
				my $payload = substr($raw, $off, $len);
				$raw = substr($raw, $off + $len);
				my $op = $b0 & 0x0f;
				if ($op == 8) {
					my ($code) = unpack('n', $payload);
					print "close $code: " . substr($payload, 2) . "\n";
					exit 0;
				}
				$data .= $payload if $op == 0 || $op == 1 || $op == 2;
				return;
			}
		}
	more:
		fill();
	}
}

sub get {
	my ($n) = @_;
	frame() while length($data) < $n;
	my $out = substr($data, 0, $n);
	$data = substr($data, $n);
	return $out;
}

# A masked binary frame, as a client must send.
sub put {
	my ($payload) = @_;
	my $mask = pack('N', int(rand(2**32)));
	my $len = length $payload;
	my $hdr = pack('C', 0x82) .
	    ($len < 126 ? pack('C', 0x80 | $len) : pack('Cn', 0x80 | 126, $len));
	my $m = $payload ^ substr($mask x (int($len / 4) + 1), 0, $len);
	print $s $hdr . $mask . $m;
}

my $ver = get(12);
chomp(my $v = $ver);
print "server $v\n";
put("RFB $version\n");
if ($version eq '003.003') {
	my ($type) = unpack('N', get(4));
	print "security $type\n";
} else {
	my $n = unpack('C', get(1));
	my @types = unpack('C*', get($n));
	print "security @types\n";
	put(pack('C', 1));
	if ($version eq '003.008') {
		my ($res) = unpack('N', get(4));
		print "result $res\n";
	}
}
put(pack('C', 1));	# ClientInit: shared
my $init = get(24);
my ($w, $h, $bpp) = unpack('nnC', $init);
my $nlen = unpack('N', substr($init, 20, 4));
my $name = get($nlen);
print "size ${w}x$h\nname $name\n";
die "error: unexpected bits per pixel $bpp\n" unless $bpp == 8 || $bpp == 16 || $bpp == 32;

use Time::HiRes qw(time);
my ($total, $t0) = (0, time);
for my $u (1 .. $updates) {
	$deadline = time + 60;
	put(pack('CCnnnn', 3, 0, 0, 0, $w, $h));
	my ($type, undef, $nrects) = unpack('CCn', get(4));
	die "error: message $type is not a FramebufferUpdate\n" unless $type == 0;
	my $bytes = 0;
	for (1 .. $nrects) {
		my ($x, $y, $rw, $rh, $enc) = unpack('nnnnN', get(12));
		die "error: encoding $enc is not raw\n" unless $enc == 0;
		my $len = $rw * $rh * $bpp / 8;
		get($len);
		$bytes += $len;
	}
	print "update $nrects $bytes\n" if $u == 1;
	$total += 4 + 12 * $nrects + $bytes;
}
printf "bytes %d seconds %.3f\n", $total, time - $t0 if $updates > 1;
close $s;
exit 0;
