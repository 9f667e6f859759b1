#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# promcheck: a strict checker of the Prometheus text exposition format 0.0.4.
#
# Usage: promcheck.pl [FILE]   (standard input without FILE)
# Exit 0 when the input is valid, 1 with one "promcheck: LINE: message"
# per problem on stderr otherwise.  Stricter than Prometheus itself where
# rvirtd promises more: every family has exactly one # HELP and one # TYPE,
# both before its first sample; counters are named *_total; no trailing
# comma in label sets; no duplicate series.
use strict;
use warnings;
use Encode qw(decode);

my $name_re = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
my $label_re = qr/[a-zA-Z_][a-zA-Z0-9_]*/;
my $float_re = qr/^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?
		    |[+-]?Inf|NaN)$/x;
my %types = map { $_ => 1 } qw(counter gauge histogram summary untyped);

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

my (%help, %type, %sampled, %series);
my ($current, %closed);
my $samples = 0;

# The family a sample name belongs to, given the TYPE lines seen so far.
sub family_of {
	my ($name) = @_;
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
	if (exists $type{$family} && $type{$family} eq 'counter') {
		problem("counter '$name' does not end in _total")
		    unless $name =~ /_total$/;
		problem("counter '$name' is negative")
		    if $value =~ $float_re && $value ne 'NaN' && $value < 0;
	}
}

for my $line (split(/\n/, $data)) {
	$lineno++;
	next if $line eq '';
	if ($line =~ /^#/) {
		if ($line =~ /^# HELP (\S+)(?: (.*))?$/) {
			my ($n, $text) = ($1, defined $2 ? $2 : '');
			problem("# HELP: bad metric name '$n'")
			    unless $n =~ /^$name_re$/;
			problem("second # HELP for '$n'") if exists $help{$n};
			problem("# HELP for '$n' after its samples")
			    if $sampled{$n};
			problem("# HELP for '$n': bad escape")
			    if $text =~ /\\(?![\\n])/;
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
			    if $t eq 'counter' && $n !~ /_total$/;
			$type{$n} = $t;
		} elsif ($line =~ /^#[ \t]*(HELP|TYPE)\b/) {
			problem("malformed # $1 line");
		}
		next;
	}
	check_sample($line);
}

$lineno = 'end';
for my $n (sort keys %help) {
	problem("'$n' has # HELP but no # TYPE") unless exists $type{$n};
}
problem('no samples at all') unless $samples;

if (@errors) {
	print STDERR "$_\n" for @errors;
	exit 1;
}
exit 0;
