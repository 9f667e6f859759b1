#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# promcheck: a strict checker of the Prometheus text exposition format 0.0.4
# and of OpenMetrics 1.0.0.
#
# Usage: promcheck.pl [--openmetrics] [FILE]   (standard input without FILE)
# Exit 0 when the input is valid, 1 with one "promcheck: LINE: message"
# per problem on stderr otherwise.  Stricter than Prometheus itself where
# rvirtd promises more: every family has exactly one # HELP and one # TYPE,
# both before its first sample; counters' samples are named *_total; no
# trailing comma in label sets; no duplicate series; histograms have
# cumulative buckets, a +Inf bucket and a _count equal to it.
#
# With --openmetrics: # TYPE, # HELP and # UNIT name the family (a
# counter's without _total, an info's without _info), a unit is the
# family name's suffix, le values are canonical floats ("1.0", "+Inf"),
# info samples are 1, HELP escapes \\, \n and \", no blank line, and the
# input ends with "# EOF".
use strict;
use warnings;
use Encode qw(decode);

my $om = 0;
if (@ARGV && $ARGV[0] eq '--openmetrics') {
	$om = 1;
	shift @ARGV;
}

my $name_re = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
my $label_re = qr/[a-zA-Z_][a-zA-Z0-9_]*/;
my $float_re = qr/^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?
		    |[+-]?Inf|NaN)$/x;
my %types = map { $_ => 1 } $om
    ? qw(counter gauge histogram gaugehistogram summary info stateset unknown)
    : qw(counter gauge histogram summary untyped);

my @errors;
my $lineno = 0;

sub problem {
	push @errors, "promcheck: $lineno: $_[0]";
}

my $data = do {
	local $/;
	my $fh;
	if (@ARGV) {
		open($fh, '<:raw', $ARGV[0]) or die "promcheck: $ARGV[0]: $!\n";
	} else {
		$fh = \*STDIN;
		binmode($fh);
	}
	<$fh>;
};
$data = '' unless defined $data;

$lineno = 'input';
if (!eval { decode('UTF-8', my $copy = $data, Encode::FB_CROAK); 1 }) {
	problem('input is not valid UTF-8');
}
$lineno = 0;
if ($data ne '' && substr($data, -1) ne "\n") {
	$lineno = () = $data =~ /\n/g;
	$lineno++;
	problem('the last line does not end with a newline');
}

if ($om) {
	my @lines = split(/\n/, $data, -1);
	pop @lines if @lines && $lines[-1] eq '';
	if (!@lines || $lines[-1] ne '# EOF') {
		$lineno = 'end';
		problem('the input does not end with "# EOF"');
	}
	$data =~ s/^# EOF\n\z//m;
}

my (%help, %type, %unit, %sampled, %series, %owner, %hist);
my ($current, %closed);
my $samples = 0;

# The family a sample name belongs to, given the TYPE lines seen so far.
sub family_of {
	my ($name) = @_;
	if ($om) {
		if (exists $type{$name}) {
			my $t = $type{$name};
			return $name
			    unless $t eq 'counter' || $t eq 'info' ||
			    $t eq 'histogram';
		}
		my %suffixes = (
			counter => [qw(total created)],
			info => ['info'],
			histogram => [qw(bucket count sum created)],
			summary => [qw(count sum created)],
		);
		if ($name =~ /^(.+)_([a-z]+)$/ && exists $type{$1}) {
			my ($base, $suffix) = ($1, $2);
			return $base
			    if grep { $_ eq $suffix }
			    @{$suffixes{$type{$base}} // []};
		}
		return $name;
	}
	return $name if exists $type{$name};
	if ($name =~ /^(.+)_(bucket|sum|count)$/ && exists $type{$1}) {
		my ($base, $suffix) = ($1, $2);
		return $base if $type{$base} eq 'histogram';
		return $base if $type{$base} eq 'summary' && $suffix ne 'bucket';
	}
	return $name;
}

# Parse a label set starting just after "{"; returns the labels (name,
# value pairs) and the rest of the line after "}", or undef.
sub parse_labels {
	my ($s) = @_;
	my @labels;
	return ([], $1) if $s =~ /^\}(.*)$/s;
	while (1) {
		$s =~ s/^($label_re)="// or do {
			problem("bad label name or missing '=\"' at '$s'");
			return;
		};
		my $lname = $1;
		my $value = '';
		while (1) {
			if ($s =~ s/^([^"\\]+)//) {
				$value .= $1;
			} elsif ($s =~ s/^\\([\\"n])//) {
				$value .= $1 eq 'n' ? "\n" : $1;
			} elsif ($s =~ /^\\(.?)/) {
				problem("label '$lname': bad escape '\\$1'");
				return;
			} elsif ($s =~ s/^"//) {
				last;
			} else {
				problem("label '$lname': unterminated value");
				return;
			}
		}
		push @labels, [$lname, $value];
		return (\@labels, $1) if $s =~ s/^\}(.*)$//s;
		$s =~ s/^,// or do {
			problem("expected ',' or '}' after label '$lname'");
			return;
		};
		if ($s =~ /^\}/) {
			problem('trailing comma in a label set');
			return;
		}
	}
}

sub check_sample {
	my ($line) = @_;
	my ($name, $rest) = $line =~ /^($name_re)(.*)$/s or do {
		problem("bad metric name in '$line'");
		return;
	};
	my $labels = [];
	if ($rest =~ s/^\{//) {
		($labels, $rest) = parse_labels($rest);
		return unless defined $labels;
	}
	my ($value, $ts) = $rest =~ /^[ \t]+(\S+)(?:[ \t]+(\S+))?$/ or do {
		problem("'$name': expected ' VALUE [TIMESTAMP]' after the name "
		    . 'and labels');
		return;
	};
	problem("'$name': value '$value' is not a float")
	    unless $value =~ $float_re;
	problem("'$name': timestamp '$ts' is not an integer")
	    if defined $ts && $ts !~ /^-?[0-9]+$/;

	my %seen;
	for my $l (@$labels) {
		problem("'$name': label name '$l->[0]' is reserved")
		    if $l->[0] =~ /^__/;
		problem("'$name': label '$l->[0]' appears twice")
		    if $seen{$l->[0]}++;
	}
	my $key = join("\0", $name,
	    map { "$_->[0]=$_->[1]" } sort { $a->[0] cmp $b->[0] } @$labels);
	problem("'$name': duplicate series") if $series{$key}++;

	my $family = family_of($name);
	if (!defined $current || $current ne $family) {
		problem("samples of '$family' are not contiguous")
		    if $closed{$family};
		$closed{$current} = 1 if defined $current;
		$current = $family;
	}
	$sampled{$family} = 1;
	$samples++;
	problem("'$family' has no # TYPE line before its samples")
	    unless exists $type{$family};
	problem("'$family' has no # HELP line before its samples")
	    unless exists $help{$family};
	problem("'$name' belongs to '$owner{$name}' and '$family'")
	    if exists $owner{$name} && $owner{$name} ne $family;
	$owner{$name} = $family;
	my $t = $type{$family} // '';
	if ($t eq 'counter') {
		problem("counter '$name' does not end in _total")
		    unless $name =~ /_total$/ || ($om && $name =~ /_created$/);
		problem("counter '$name' is negative or NaN")
		    if $value =~ $float_re && ($value eq 'NaN' || $value < 0);
	}
	problem("info '$name' is not 1") if $t eq 'info' && $value ne '1';
	check_histogram_sample($family, $name, $labels, $value)
	    if $t eq 'histogram';
}

# Histograms: collect buckets, counts and sums by label set (without le).
sub check_histogram_sample {
	my ($family, $name, $labels, $value) = @_;
	my @rest = grep { $_->[0] ne 'le' } @$labels;
	my $key = join("\0", $family,
	    map { "$_->[0]=$_->[1]" } sort { $a->[0] cmp $b->[0] } @rest);
	my $h = $hist{$key} //= { line => $lineno, buckets => [] };
	if ($name eq "${family}_bucket") {
		my ($le) = map { $_->[1] } grep { $_->[0] eq 'le' } @$labels;
		if (!defined $le) {
			problem("'$name': a bucket without an le label");
			return;
		}
		if ($le ne '+Inf' && $le !~ $float_re) {
			problem("'$name': le '$le' is not a float");
			return;
		}
		problem("'$name': le '$le' is not canonical (OpenMetrics)")
		    if $om && $le ne '+Inf' && $le !~ /[.e]/;
		problem("'$name': bucket value '$value' is not an integer")
		    unless $value =~ /^[0-9]+$/;
		push @{$h->{buckets}}, [$le eq '+Inf' ? 9**9**9 : $le, $value];
	} elsif ($name eq "${family}_count") {
		problem("'$name': count '$value' is not an integer")
		    unless $value =~ /^[0-9]+$/;
		$h->{count} = $value;
	} elsif ($name eq "${family}_sum") {
		$h->{sum} = $value;
	}
}

sub check_histograms {
	for my $key (sort keys %hist) {
		my $h = $hist{$key};
		my $what = (split(/\0/, $key))[0];
		$lineno = $h->{line};
		my @b = @{$h->{buckets}};
		if (!@b || $b[-1][0] != 9**9**9) {
			problem("histogram '$what': no +Inf bucket last");
			next;
		}
		for my $i (1 .. $#b) {
			problem("histogram '$what': le not increasing")
			    unless $b[$i][0] > $b[$i - 1][0];
			problem("histogram '$what': buckets not cumulative")
			    unless $b[$i][1] >= $b[$i - 1][1];
		}
		problem("histogram '$what': _count differs from the +Inf bucket")
		    if defined $h->{count} && $h->{count} != $b[-1][1];
		problem("histogram '$what': _sum without _count or back")
		    if defined $h->{count} != defined $h->{sum};
	}
}

for my $line (split(/\n/, $data)) {
	$lineno++;
	if ($line eq '') {
		problem('a blank line (OpenMetrics has none)') if $om;
		next;
	}
	if ($line =~ /^#/) {
		if ($line =~ /^# HELP (\S+)(?: (.*))?$/) {
			my ($n, $text) = ($1, defined $2 ? $2 : '');
			problem("# HELP: bad metric name '$n'")
			    unless $n =~ /^$name_re$/;
			problem("second # HELP for '$n'") if exists $help{$n};
			problem("# HELP for '$n' after its samples")
			    if $sampled{$n};
			problem("# HELP for '$n': bad escape")
			    if $text =~ ($om ? qr/\\(?![\\n"])/ : qr/\\(?![\\n])/);
			problem("# HELP for '$n': unescaped '\"'")
			    if $om && $text =~ /(?<!\\)"/;
			$help{$n} = $text;
		} elsif ($line =~ /^# TYPE (\S+) (\S+)$/) {
			my ($n, $t) = ($1, $2);
			problem("# TYPE: bad metric name '$n'")
			    unless $n =~ /^$name_re$/;
			problem("# TYPE '$n': unknown type '$t'")
			    unless $types{$t};
			problem("second # TYPE for '$n'") if exists $type{$n};
			problem("# TYPE for '$n' after its samples")
			    if $sampled{$n};
			problem("# TYPE for counter '$n' does not end in _total")
			    if !$om && $t eq 'counter' && $n !~ /_total$/;
			problem("# TYPE for counter '$n' ends in _total "
			    . '(OpenMetrics names the family)')
			    if $om && $t eq 'counter' && $n =~ /_total$/;
			problem("# TYPE for info '$n' ends in _info "
			    . '(OpenMetrics names the family)')
			    if $om && $t eq 'info' && $n =~ /_info$/;
			$type{$n} = $t;
		} elsif ($om && $line =~ /^# UNIT (\S+) (\S*)$/) {
			my ($n, $u) = ($1, $2);
			problem("second # UNIT for '$n'") if exists $unit{$n};
			problem("# UNIT for '$n' after its samples")
			    if $sampled{$n};
			problem("# UNIT '$u': '$n' does not end in _$u")
			    if $u ne '' && $n !~ /_\Q$u\E$/;
			$unit{$n} = $u;
		} elsif ($om) {
			problem("a comment other than # HELP, # TYPE, # UNIT "
			    . "or # EOF: '$line'");
		} elsif ($line =~ /^#[ \t]*(HELP|TYPE)\b/) {
			problem("malformed # $1 line");
		}
		next;
	}
	check_sample($line);
}

check_histograms();
$lineno = 'end';
for my $n (sort keys %unit) {
	problem("'$n' has # UNIT but no # TYPE") unless exists $type{$n};
	problem("'$n': an $type{$n} has no unit")
	    if exists $type{$n} && $unit{$n} ne '' &&
	    ($type{$n} eq 'info' || $type{$n} eq 'stateset');
}
for my $n (sort keys %help) {
	problem("'$n' has # HELP but no # TYPE") unless exists $type{$n};
}
problem('no samples at all') unless $samples;

if (@errors) {
	print STDERR "$_\n" for @errors;
	exit 1;
}
exit 0;
