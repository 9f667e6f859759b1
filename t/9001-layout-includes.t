#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# 9001-layout-includes: modules include only what the layout allows, and
# no rpcgen output is in the source tree.
use strict;
use warnings;
use File::Basename qw(dirname basename);
use File::Spec;

my $src = $ENV{RVIRT_SRC}
    || File::Spec->rel2abs(File::Spec->catdir(dirname($0), '..'));
$| = 1;
my $n = 0;
my $failed = 0;

sub ok($$;@) {
	my ($cond, $name, @diag) = @_;
	$n++;
	print(($cond ? 'ok' : 'not ok') . " $n - $name\n");
	unless ($cond) {
		$failed++;
		print STDERR "# $_\n" for @diag;
	}
	return $cond;
}

# Names rpcgen writes for rpcgen/rvirt_protocol.x (-h, -c, -l, -m, -Sc...).
my $gen_re = qr/^rvirt_protocol(?:\.h|_xdr\.c|_clnt\.c|_svc\.c|_client\.c|_server\.c)$/;

# Which module (top folder) a quoted include of file resolves to: the
# file's own folder first, then the -I paths of the Makefile (common/,
# build/gen/).  "gen" for rpcgen output, undef when it cannot be found.
sub include_target {
	my ($file, $inc) = @_;
	return 'gen' if basename($inc) =~ $gen_re;
	# The install paths, written by mk/install.mk into build/gen/.
	return 'gen' if $inc eq 'rvirt_paths.h';
	my $dir = dirname($file);
	for my $cand ("$dir/$inc", "common/$inc") {
		my $norm = File::Spec->canonpath($cand);
		# Resolve ".." by hand: canonpath leaves it.
		my @out;
		for my $part (split(m{/}, $norm)) {
			if ($part eq '..') {
				return "outside-tree" unless @out;
				pop @out;
			} elsif ($part ne '.' && $part ne '') {
				push @out, $part;
			}
		}
		return $out[0] if -f "$src/" . join('/', @out);
	}
	return undef;
}

# module => modules it must not include; "only" => the complete allow-list.
my %rules = (
	'client' => { never => [qw(server hv store scoreboard)] },
	'hv' => { never => [qw(server client scoreboard)] },
	'store' => { only => [qw(store common)] },
	'scoreboard' => { only => [qw(scoreboard common)] },
);

my $total = 0;
for my $mod (sort keys %rules) {
	my @files = sort(glob("$src/$mod/*.c"), glob("$src/$mod/*.h"));
	my @bad;
	for my $path (@files) {
		my $rel = substr($path, length($src) + 1);
		open(my $fh, '<', $path) or do {
			push @bad, "$rel: cannot read: $!";
			next;
		};
		while (my $line = <$fh>) {
			next unless $line =~ /^\s*#\s*include\s*"([^"]+)"/;
			my $inc = $1;
			$total++;
			my $to = include_target($rel, $inc);
			if (!defined $to) {
				push @bad, "$rel:$.: \"$inc\" is not in $mod/ or common/";
				next;
			}
			my $r = $rules{$mod};
			if ($r->{never} && grep { $_ eq $to } @{$r->{never}}) {
				push @bad, "$rel:$.: includes \"$inc\" from $to/";
			}
			if ($r->{only} && !grep { $_ eq $to } @{$r->{only}}) {
				push @bad, "$rel:$.: includes \"$inc\" ($to); "
				    . "$mod/ may include only "
				    . join(' and ', map { "$_/" } @{$r->{only}});
			}
		}
		close($fh);
	}
	my $what = $rules{$mod}{never}
	    ? 'never includes ' . join(', ', map { "$_/" } @{$rules{$mod}{never}})
	    : 'includes only common/';
	ok(!@bad, "$mod/ $what (" . scalar(@files) . ' files)', @bad);
}
# The scan must see something, or a broken pattern would pass silently.
ok($total > 0, "the scan found quoted includes ($total)");

# No rpcgen output and no build tree in the repository, tracked or about
# to be added (untracked and not ignored).
if (!-d "$src/.git" && !-f "$src/.git") {
	$n++;
	print "ok $n # SKIP $src is not a git work tree\n";
} else {
	my @listed = `git -C '$src' ls-files --cached --others --exclude-standard 2>/dev/null`;
	ok($? == 0, 'git ls-files works');
	chomp(@listed);
	my @gen = grep { basename($_) =~ $gen_re || m{^build(-san)?/} } @listed;
	ok(!@gen, 'no rpcgen output or build tree is committed or addable',
	   map { "found $_" } @gen);
}

print "1..$n\n";
exit($failed ? 1 : 0);
