#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# rawrpc.pl: a raw ONC RPC client that sends crafted records and prints replies.
#
# usage: rawrpc.pl [-t SECONDS] TARGET ACTION...
#
# TARGET is a unix socket path (anything with a '/') or HOST:PORT.  The
# actions run in order on one connection:
#
#   call KEY=VALUE...   send a call record, read its reply, print one line
#   send KEY=VALUE...   send a call record only (read it later with "read")
#   read                read the reply to the oldest unanswered call
#   raw HEX             write bytes as they are, no record marking
#   frag LEN            a fragment header (not last) and LEN zero bytes
#   lastfrag LEN        the same with the last-fragment bit
#   sleep SECONDS
#   expect-close        wait up to -t for the peer to close; prints
#                       "closed after S.Ss", "data after S.Ss" or
#                       "timeout after S.Ss"
#   local               print the local address ("127.0.0.1:PORT")
#
# Keys of call/send (all optional):
#   xid=N  mtype=N (0 CALL, 1 REPLY)  rpcvers=N (2)  prog=N (0x20525654)
#   vers=N (1)  proc=N|NAME (0; NAME as in the .x without RVIRT_PROC_)
#   cred=FLAVOR[:HEX] | cred=sys[:UID:GID]   verf=FLAVOR[:HEX]   (0 = AUTH_NONE)
#   arg=ITEM (repeatable, in order): u:N i:N h:N (XDR uint, int, uhyper),
#       s:TEXT (string), S:LEN[:C] (LEN copies of C, default 'a'),
#       f:FILE (string read from FILE), n:N (a bare length word),
#       x:HEX (raw bytes)
#   pad=N          N zero bytes after the arguments
#   empty=N        N empty fragments before the record
#   frags=A,B,...  split the record into fragments of these sizes, the
#                  rest in a last one (0 gives an empty fragment)
#   partial=N      send only the first N bytes of the framed record
#   trickle=S      send the framed record 4 bytes at a time, S seconds apart
#   decode=ret     print the result as an rvirt result union:
#                  "OK HEX" or "ERROR CODE ORIGIN MESSAGE"
#   decode=domain  the same, "OK NAME UUIDHEX ID" for rvirt_domain_ret
#
# Reply lines: "accepted SUCCESS [HEX]", "accepted PROG_UNAVAIL",
# "accepted PROG_MISMATCH LOW HIGH", "accepted PROC_UNAVAIL",
# "accepted GARBAGE_ARGS", "accepted SYSTEM_ERR", "denied RPC_MISMATCH
# LOW HIGH", "denied AUTH_ERROR NAME", "closed" (EOF), "timeout".
#
# Exit status: 0 when every action ran (whatever the replies said), 2 on
# a usage or connect error, 3 on a malformed reply or a wrong xid.

use strict;
use warnings;

# Each reply line as it comes: a test may read it while the connection
# is still open (t/4012).
$| = 1;

use Errno qw(EAGAIN EINTR EWOULDBLOCK);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(time sleep);

$SIG{PIPE} = 'IGNORE';

my %PROCS = (
	NULL => 0, AUTH_LIST => 1, CONNECT_OPEN => 2, CONNECT_CLOSE => 3,
	CONNECT_GET_TYPE => 4, CONNECT_GET_VERSION => 5,
	CONNECT_GET_HOSTNAME => 6, CONNECT_GET_URI => 7,
	CONNECT_GET_CAPABILITIES => 8, NODE_GET_INFO => 9,
	DOMAIN_LIST_ALL => 10, DOMAIN_LOOKUP_BY_NAME => 11,
	DOMAIN_LOOKUP_BY_UUID => 12, DOMAIN_LOOKUP_BY_ID => 13,
	DOMAIN_DEFINE_XML => 14, DOMAIN_UNDEFINE => 15, DOMAIN_CREATE => 16,
	DOMAIN_CREATE_XML => 17, DOMAIN_DESTROY => 18, DOMAIN_SHUTDOWN => 19,
	DOMAIN_REBOOT => 20, DOMAIN_SUSPEND => 21, DOMAIN_RESUME => 22,
	DOMAIN_GET_INFO => 23, DOMAIN_GET_STATE => 24,
	DOMAIN_GET_XML_DESC => 25, CONNECT_RECONNECT => 34,
	AUTH_SASL_INIT => 35, AUTH_SASL_START => 36, AUTH_SASL_STEP => 37,
	CONNECT_GET_LIB_VERSION => 38, CONNECT_RESUME => 39,
);
my @ACCEPT = qw(SUCCESS PROG_UNAVAIL PROG_MISMATCH PROC_UNAVAIL GARBAGE_ARGS
    SYSTEM_ERR);
my @AUTH = qw(AUTH_OK AUTH_BADCRED AUTH_REJECTEDCRED AUTH_BADVERF
    AUTH_REJECTEDVERF AUTH_TOOWEAK AUTH_INVALIDRESP AUTH_FAILED);
# Replies larger than this are not ours to read.
my $REPLY_MAX = 16 * 1024 * 1024;

my $timeout = 5;
my $sock;
my $sel;
my $peer_closed = 0;
my $next_xid = 0x10000 + ($$ & 0xffff) * 16;
my @pending;	# [xid, decode] of calls sent and not yet read

sub usage {
	print STDERR "rawrpc: @_\n" if @_;
	print STDERR "usage: rawrpc.pl [-t SECONDS] TARGET ACTION...\n";
	exit 2;
}

sub num {
	my ($s) = @_;
	usage("bad number '$s'") unless defined $s && $s =~ /^-?(0x[0-9a-f]+|\d+)$/i;
	return $s =~ /^(-?)0x(.*)$/i ? ($1 ? -hex($2) : hex($2)) : $s + 0;
}

sub unhex {
	my ($h) = @_;
	usage("bad hex '$h'") unless $h =~ /^([0-9a-f]{2})*$/i;
	return pack('H*', $h);
}

sub xdr_u32 { return pack('N', $_[0] & 0xffffffff); }

sub xdr_opaque {
	my ($data) = @_;
	my $len = length $data;
	return xdr_u32($len) . $data . ("\0" x ((4 - $len % 4) % 4));
}

sub xdr_auth {
	my ($spec) = @_;
	if ($spec =~ /^sys(?::(\d+):(\d+))?$/) {
		my ($uid, $gid) = defined $1 ? ($1, $2) : ($<, $( + 0);
		my $body = xdr_u32(time() & 0xffffffff) . xdr_opaque('rawrpc') .
		    xdr_u32($uid) . xdr_u32($gid) . xdr_u32(0);
		return xdr_u32(1) . xdr_opaque($body);
	}
	my ($flavor, $hex) = split /:/, $spec, 2;
	return xdr_u32(num($flavor)) . xdr_opaque(unhex($hex // ''));
}

sub xdr_arg {
	my ($item) = @_;
	my ($type, $val) = split /:/, $item, 2;
	usage("bad arg '$item'") unless defined $val;
	return xdr_u32(num($val)) if $type eq 'u' || $type eq 'i';
	if ($type eq 'h') {
		my $n = num($val);
		return pack('NN', int($n / 4294967296), $n % 4294967296);
	}
	return xdr_opaque($val) if $type eq 's';
	if ($type eq 'S') {
		my ($len, $c) = split /:/, $val, 2;
		my $s = ($c // 'a') x num($len);
		return xdr_opaque($s);
	}
	if ($type eq 'f') {
		open(my $fh, '<', $val) or usage("cannot open '$val': $!");
		local $/;
		my $data = <$fh>;
		close $fh;
		return xdr_opaque($data // '');
	}
	return xdr_u32(num($val)) if $type eq 'n';
	return unhex($val) if $type eq 'x';
	usage("bad arg type '$type'");
}

sub hexstr { return unpack('H*', $_[0]); }

# Write everything or give up at the deadline; a peer that closed or
# reset is remembered and shows as "closed" on the next read.
sub put {
	my ($data) = @_;
	my $off = 0;
	my $deadline = time() + $timeout;
	while ($off < length $data && !$peer_closed) {
		my $left = $deadline - time();
		if ($left <= 0) {
			print "timeout writing\n";
			exit 0;
		}
		my (undef, $w) = IO::Select::select(undef, $sel, undef, $left);
		next unless $w && @$w;
		my $n = syswrite($sock, $data, length($data) - $off, $off);
		if (!defined $n) {
			next if $! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK;
			$peer_closed = 1;
			last;
		}
		$off += $n;
	}
}

# Read exactly $len bytes before $deadline: (data) or (undef, why).
sub get {
	my ($len, $deadline) = @_;
	my $buf = '';
	while (length $buf < $len) {
		my $left = $deadline - time();
		return (undef, 'timeout') if $left <= 0;
		my ($r) = IO::Select::select($sel, undef, undef, $left);
		next unless $r && @$r;
		my $n = sysread($sock, $buf, $len - length $buf, length $buf);
		if (!defined $n) {
			next if $! == EINTR || $! == EAGAIN || $! == EWOULDBLOCK;
			return (undef, 'closed');
		}
		return (undef, 'closed') if $n == 0;
	}
	return ($buf);
}

# One record, all fragments: (data) or (undef, why).
sub get_record {
	my $deadline = time() + $timeout;
	my $rec = '';
	while (1) {
		my ($hdr, $why) = get(4, $deadline);
		return (undef, $why) unless defined $hdr;
		my $h = unpack('N', $hdr);
		my $len = $h & 0x7fffffff;
		return (undef, "bad-reply record larger than $REPLY_MAX bytes")
		    if length($rec) + $len > $REPLY_MAX;
		my ($frag, $why2) = get($len, $deadline);
		return (undef, $why2) unless defined $frag;
		$rec .= $frag;
		return ($rec) if $h & 0x80000000;
	}
}

sub bad_reply {
	print "bad-reply @_\n";
	exit 3;
}

# Take $n bytes off the front of $$buf, or call the reply malformed.
sub take {
	my ($buf, $n, $what) = @_;
	bad_reply("truncated at $what") if length($$buf) < $n;
	return substr($$buf, 0, $n, '');
}

sub take_u32 { return unpack('N', take($_[0], 4, $_[1])); }
sub take_i32 { return unpack('l>', take($_[0], 4, $_[1])); }

sub take_opaque {
	my ($buf, $what) = @_;
	my $len = take_u32($buf, $what);
	my $data = take($buf, $len, $what);
	take($buf, (4 - $len % 4) % 4, $what);
	return $data;
}

sub decode_result {
	my ($res, $how) = @_;
	my $st = take_u32(\$res, 'status');
	if ($st == 1) {
		my $code = take_i32(\$res, 'error code');
		my $origin = take_i32(\$res, 'error origin');
		my $msg = take_opaque(\$res, 'error message');
		bad_reply('trailing bytes after the error') if length $res;
		$msg =~ s/\n/\\n/g;
		return "ERROR $code $origin $msg";
	}
	bad_reply("status $st") if $st != 0;
	return 'OK' . (length $res ? ' ' . hexstr($res) : '') if $how eq 'ret';
	if ($how eq 'domain') {
		my $name = take_opaque(\$res, 'domain name');
		my $uuid = take(\$res, 16, 'domain uuid');
		my $id = take_i32(\$res, 'domain id');
		bad_reply('trailing bytes after the domain') if length $res;
		return "OK $name " . hexstr($uuid) . " $id";
	}
	usage("bad decode '$how'");
}

sub read_reply {
	my $p = shift @pending;
	usage('read without a call sent') unless $p;
	my ($xid, $decode) = @$p;
	my ($rec, $why) = get_record();
	if (!defined $rec) {
		print "$why\n";
		exit 3 if $why =~ /^bad-reply/;
		return;
	}
	my $rxid = take_u32(\$rec, 'xid');
	bad_reply(sprintf('xid 0x%x, expected 0x%x', $rxid, $xid))
	    if $rxid != $xid;
	my $mtype = take_u32(\$rec, 'msg_type');
	bad_reply("msg_type $mtype") if $mtype != 1;
	my $rstat = take_u32(\$rec, 'reply_stat');
	my $line;
	if ($rstat == 0) {
		take_u32(\$rec, 'verifier flavor');
		take_opaque(\$rec, 'verifier body');
		my $as = take_u32(\$rec, 'accept_stat');
		$line = 'accepted ' . ($ACCEPT[$as] // "accept_stat=$as");
		if ($as == 0) {
			if ($decode) {
				$line .= ' ' . decode_result($rec, $decode);
			} elsif (length $rec) {
				$line .= ' ' . hexstr($rec);
			}
			$rec = '';
		} elsif ($as == 2) {
			$line .= ' ' . take_u32(\$rec, 'low') . ' ' .
			    take_u32(\$rec, 'high');
		}
	} elsif ($rstat == 1) {
		my $rj = take_u32(\$rec, 'reject_stat');
		if ($rj == 0) {
			$line = 'denied RPC_MISMATCH ' . take_u32(\$rec, 'low') .
			    ' ' . take_u32(\$rec, 'high');
		} elsif ($rj == 1) {
			my $as = take_u32(\$rec, 'auth_stat');
			$line = 'denied AUTH_ERROR ' . ($AUTH[$as] // "auth_stat=$as");
		} else {
			bad_reply("reject_stat $rj");
		}
	} else {
		bad_reply("reply_stat $rstat");
	}
	bad_reply(length($rec) . " trailing bytes after: $line") if length $rec;
	print "$line\n";
}

sub send_call {
	my @kv = @_;
	my %o = (mtype => 0, rpcvers => 2, prog => 0x20525654, vers => 1,
	    proc => 0, cred => '0', verf => '0', pad => 0, empty => 0);
	my $args = '';
	for my $kv (@kv) {
		my ($k, $v) = split /=/, $kv, 2;
		usage("bad key '$kv'") unless defined $v;
		if ($k eq 'arg') {
			$args .= xdr_arg($v);
		} elsif (exists $o{$k} || $k =~ /^(xid|frags|partial|decode|trickle)$/) {
			$o{$k} = $v;
		} else {
			usage("unknown key '$k'");
		}
	}
	my $proc = $o{proc};
	$proc = $PROCS{$proc} if exists $PROCS{$proc};
	my $xid = defined $o{xid} ? num($o{xid}) : $next_xid++;
	my $rec = xdr_u32($xid) . xdr_u32(num($o{mtype}));
	if (num($o{mtype}) == 0) {
		$rec .= xdr_u32(num($o{rpcvers})) . xdr_u32(num($o{prog})) .
		    xdr_u32(num($o{vers})) . xdr_u32(num($proc)) .
		    xdr_auth($o{cred}) . xdr_auth($o{verf});
	}
	$rec .= $args . ("\0" x num($o{pad}));

	my $wire = xdr_u32(0) x num($o{empty});
	my @sizes = defined $o{frags} ? map { num($_) } split /,/, $o{frags} : ();
	for my $size (@sizes) {
		$size = length $rec if $size > length $rec;
		$wire .= xdr_u32($size) . substr($rec, 0, $size, '');
	}
	$wire .= xdr_u32(0x80000000 | length $rec) . $rec;
	$wire = substr($wire, 0, num($o{partial})) if defined $o{partial};
	if (defined $o{trickle}) {
		usage("bad trickle '$o{trickle}'")
		    unless $o{trickle} =~ /^\d+(\.\d+)?$/;
		while (length $wire && !$peer_closed) {
			put(substr($wire, 0, 4, ''));
			sleep($o{trickle}) if length $wire;
		}
	} else {
		put($wire);
	}
	push @pending, [$xid & 0xffffffff, $o{decode}];
}

sub expect_close {
	my $start = time();
	my $deadline = $start + $timeout;
	while (1) {
		my $left = $deadline - time();
		if ($left <= 0) {
			printf "timeout after %.1fs\n", time() - $start;
			return;
		}
		my ($r) = IO::Select::select($sel, undef, undef, $left);
		next unless $r && @$r;
		my $buf;
		my $n = sysread($sock, $buf, 65536);
		next if !defined $n && ($! == EINTR || $! == EAGAIN);
		if (!defined $n || $n == 0) {
			printf "closed after %.1fs\n", time() - $start;
			return;
		}
		printf "data after %.1fs\n", time() - $start;
		return;
	}
}

while (@ARGV && $ARGV[0] =~ /^-/) {
	my $opt = shift @ARGV;
	if ($opt eq '-t') {
		$timeout = shift @ARGV;
		usage('bad -t') unless defined $timeout && $timeout =~ /^\d+(\.\d+)?$/;
	} else {
		usage("unknown option '$opt'");
	}
}
my $target = shift @ARGV // usage('no target');

if ($target =~ m{/}) {
	$sock = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $target);
} elsif ($target =~ /^(.+):(\d+)$/) {
	$sock = IO::Socket::INET->new(PeerAddr => $1, PeerPort => $2,
	    Proto => 'tcp', Timeout => $timeout);
} else {
	usage("bad target '$target'");
}
if (!$sock) {
	print STDERR "rawrpc: cannot connect to '$target': $!\n";
	exit 2;
}
$sock->blocking(0);
$sel = IO::Select->new($sock);

my @actions;
for my $a (@ARGV) {
	if ($a =~ /^(call|send|read|raw|frag|lastfrag|sleep|expect-close|local)$/) {
		push @actions, [$a];
	} else {
		usage("argument '$a' before any action") unless @actions;
		push @{$actions[-1]}, $a;
	}
}
usage('no action') unless @actions;

for my $act (@actions) {
	my ($name, @a) = @$act;
	if ($name eq 'call') {
		send_call(@a);
		read_reply();
	} elsif ($name eq 'send') {
		send_call(@a);
	} elsif ($name eq 'read') {
		read_reply();
	} elsif ($name eq 'raw') {
		put(unhex(join '', @a));
	} elsif ($name eq 'frag' || $name eq 'lastfrag') {
		usage("$name LEN") unless @a == 1;
		my $len = num($a[0]);
		my $h = $len | ($name eq 'lastfrag' ? 0x80000000 : 0);
		put(xdr_u32($h) . ("\0" x $len));
	} elsif ($name eq 'sleep') {
		usage('sleep SECONDS')
		    unless @a == 1 && $a[0] =~ /^\d+(\.\d+)?$/;
		sleep($a[0]);
	} elsif ($name eq 'expect-close') {
		expect_close();
	} elsif ($name eq 'local') {
		print $sock->sockhost . ':' . $sock->sockport . "\n";
	}
}
close $sock;
exit 0;
