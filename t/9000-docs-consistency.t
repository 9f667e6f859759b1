#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# 9000-docs-consistency: config keys, .x constants and procedures match
# their documentation; the man pages exist and pass mandoc's lint.
use strict;
use warnings;
use File::Basename qw(dirname);
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

sub slurp {
	my ($rel) = @_;
	my $path = "$src/$rel";
	open(my $fh, '<', $path) or return undef;
	local $/;
	my $text = <$fh>;
	close($fh);
	return $text;
}

# --- config keys: server/config.c's table against the shipped docs ---
my $config_c = slurp('server/config.c');
my $conf = slurp('etc/rvirtd.conf');
my $man5 = slurp('doc/rvirtd.conf.5');
ok(defined $config_c, 'server/config.c is readable');
ok(defined $conf, 'etc/rvirtd.conf is readable');
ok(defined $man5, 'doc/rvirtd.conf.5 is readable');

my @keys = defined $config_c ? ($config_c =~ /^\s*KEY\((\w+),/mg) : ();
ok(@keys >= 18, 'config.c has a key table (' . scalar(@keys) . ' keys)');
for my $k (@keys) {
	# The shipped file shows every key commented out with its default.
	ok(defined $conf && $conf =~ /^#\Q$k\E = \S/m,
	   "etc/rvirtd.conf shows '#$k = <default>'");
	ok(defined $man5 && $man5 =~ /^\.It Cm \Q$k\E( |$)/m,
	   "doc/rvirtd.conf.5 describes '$k' in an .It Cm entry");
}
# And nothing documented that the parser does not accept.
my %known = map { $_ => 1 } @keys;
for my $k (defined $conf ? ($conf =~ /^#?([a-z_]+) = /mg) : ()) {
	ok($known{$k}, "etc/rvirtd.conf key '$k' is accepted by config.c");
}
for my $k (defined $man5 ? ($man5 =~ /^\.It Cm ([a-z_]+)/mg) : ()) {
	ok($known{$k}, "doc/rvirtd.conf.5 key '$k' is accepted by config.c");
}

# --- rvirt-console-proxy's keys: proxy/pconf.c against its docs ---
my $pconf_c = slurp('proxy/pconf.c');
my $pconf = slurp('etc/rvirt-console-proxy.conf');
my $man8p = slurp('doc/rvirt-console-proxy.8');
my @pkeys = defined $pconf_c ? ($pconf_c =~ /(?<!define )\b(?:STR|INT)\((\w+)[,)]/g) : ();
ok(@pkeys >= 5, 'proxy/pconf.c has a key table (' . scalar(@pkeys) . ' keys)');
my %pknown = map { $_ => 1 } @pkeys;
for my $k (@pkeys) {
	ok(defined $pconf && $pconf =~ /^#\Q$k\E = \S/m,
	   "etc/rvirt-console-proxy.conf shows '#$k = <default>'");
	ok(defined $man8p && $man8p =~ /^\.It Cm \Q$k\E( |$)/m,
	   "doc/rvirt-console-proxy.8 describes '$k' in an .It Cm entry");
}
for my $k (defined $pconf ? ($pconf =~ /^#?([a-z_]+) = /mg) : ()) {
	ok($pknown{$k}, "etc/rvirt-console-proxy.conf key '$k' is accepted by pconf.c");
}

# --- .x constants against common/rvirt_defs.h, token for token ---
my $x = slurp('rpcgen/rvirt_protocol.x');
my $defs = slurp('common/rvirt_defs.h');
ok(defined $x, 'rpcgen/rvirt_protocol.x is readable');
ok(defined $defs, 'common/rvirt_defs.h is readable');
my %xconst = defined $x ? ($x =~ /^\s*const\s+(\w+)\s*=\s*([^;\s]+)\s*;/mg) : ();
my %hdef = defined $defs ? ($defs =~ /^#define[ \t]+(RVIRT_\w+)[ \t]+(\S+)[ \t]*$/mg) : ();
ok(keys(%xconst) > 0, 'the .x has constants (' . scalar(keys %xconst) . ')');
for my $c (sort keys %xconst) {
	ok(defined $hdef{$c} && $hdef{$c} eq $xconst{$c},
	   "$c = $xconst{$c} is #defined identically in rvirt_defs.h",
	   'rvirt_defs.h has ' . ($hdef{$c} // 'nothing'));
}
for my $c (sort keys %hdef) {
	ok(exists $xconst{$c}, "rvirt_defs.h's $c is a const of the .x");
}

# --- procedures of the .x against doc/protocol.md ---
my $proto = slurp('doc/protocol.md');
ok(defined $proto, 'doc/protocol.md is readable');
# Bold lead-ins of the description list: "**16 `DOMAIN_CREATE`**" or
# "**11–13 `A`, `B`, `C`**"; remember which numbers each name may have.
my %described;
for my $bold (defined $proto ? ($proto =~ /\*\*([^*]+)\*\*/g) : ()) {
	next unless $bold =~ /^(\d+)(?:\s*(?:–|-)\s*(\d+))?\s/;
	my ($lo, $hi) = ($1, $2 // $1);
	$described{$_} = [$lo, $hi] for ($bold =~ /`([A-Z_]+)`/g);
}
my @procs = defined $x ? ($x =~ /\bRVIRT_PROC_(\w+)\s*\([^)]*\)\s*=\s*(\d+)\s*;/mg) : ();
ok(@procs >= 2, 'the .x has procedures (' . (@procs / 2) . ')');
while (my ($name, $num) = splice(@procs, 0, 2)) {
	ok(defined $proto && $proto =~ /^\|\s*\Q$num\E\s*\|\s*`\Q$name\E`\s*\|/m,
	   "doc/protocol.md lists procedure $num $name in its table");
	my $d = $described{$name};
	ok($d && $d->[0] <= $num && $num <= $d->[1],
	   "doc/protocol.md describes $num $name in a **N `NAME`** entry");
}

# --- metrics: every family the code prints is in doc/metrics.md ---
my $metrics_md = slurp('doc/metrics.md');
ok(defined $metrics_md, 'doc/metrics.md is readable');
my %families;
for my $f (qw(scoreboard/status.c scoreboard/metrics_prom.c
    server/exporter_http.c server/exporter_domains.c)) {
	my $text = slurp($f);
	next unless ok(defined $text, "$f is readable");
	# Family names are whole string literals ("rvirtd_up") or follow
	# a # TYPE in a literal; samples repeat them with a suffix.
	$families{$1} = $f while $text =~ /"(rvirtd_[a-z_]+)"/g;
	$families{$1} = $f while $text =~ /# TYPE (rvirtd_[a-z_]+) /g;
}
ok(keys(%families) >= 30,
   'the formatters print metric families (' . scalar(keys %families) . ')');
for my $name (sort keys %families) {
	ok(defined $metrics_md && $metrics_md =~ /^\| `\Q$name\E` \|/m,
	   "doc/metrics.md has a table row for $name ($families{$name})");
}
# The type and unit the code declares (expofmt_family) are the table's.
for my $f (qw(scoreboard/status.c scoreboard/metrics_prom.c
    server/exporter_http.c server/exporter_domains.c)) {
	my $text = slurp($f) // '';
	while ($text =~ /expofmt_family\(\s*fp,\s*mode,\s*"(rvirtd_[a-z_]+)",\s*
	    "([a-z]+)",\s*(?:NULL|"([a-z]+)")/gsx) {
		my ($name, $type, $unit) = ($1, $2, $3 // '');
		my ($dtype, $dunit) = defined $metrics_md
		    ? $metrics_md =~ /^\| `\Q$name\E` \|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|/m
		    : ();
		ok(defined $dtype && $dtype =~ /^\Q$type\E\b/ &&
		   ($unit eq '' ? $dunit eq '' : $dunit =~ /^\Q$unit\E\b/),
		   "doc/metrics.md gives $name the type '$type' and unit "
		   . "'$unit' of $f",
		   'doc/metrics.md: ' . ($dtype // '?') . ' | ' . ($dunit // '?'));
	}
}
# And no row for a family that nothing prints.
for my $name (defined $metrics_md ? ($metrics_md =~ /^\| `(rvirtd_[a-z_]+)` \|/mg) : ()) {
	ok($families{$name}, "doc/metrics.md row $name is printed by the code");
}
# The sample alert rules are valid rules, where promtool is installed.
my $promtool = '';
for my $dir (split(/:/, $ENV{PATH} // '/usr/bin:/bin')) {
	$promtool = "$dir/promtool" if !$promtool && -x "$dir/promtool";
}
my ($rules) = defined $metrics_md
    ? $metrics_md =~ /^```yaml\n(groups:.*?)^```/ms : ();
ok(defined $rules, 'doc/metrics.md has sample alert rules');
if ($promtool && defined $rules && open(my $fh, '>', "/tmp/rvirt-rules.$$.yml")) {
	print $fh $rules;
	close($fh);
	my $out = `'$promtool' check rules /tmp/rvirt-rules.$$.yml 2>&1`;
	ok($? == 0, 'promtool check rules accepts the sample alert rules',
	   split(/\n/, $out));
	unlink("/tmp/rvirt-rules.$$.yml");
} else {
	$n++;
	print "ok $n # SKIP promtool not installed (scripts/deps.sh all)\n";
}

# --- fuzz targets: each has seeds and a row in doc/fuzzing.md ---
my $fuzzdoc = slurp('doc/fuzzing.md');
for my $f (sort glob("$src/t/fuzz/fuzz-*.c")) {
	my ($name) = $f =~ m{/fuzz-([^/]+)\.c$};
	my @seeds = glob("$src/t/fuzz/corpus/$name/*");
	ok(@seeds > 0, "fuzz target $name has seeds in t/fuzz/corpus/$name/");
	ok($fuzzdoc =~ /^\| `\Q$name\E` \|/m,
	   "doc/fuzzing.md describes fuzz target $name");
}

# --- librvirt(3) names every function of rvirt.h, and only those ---
my $rvirt_h = slurp('client/rvirt.h');
my $man3 = slurp('doc/librvirt.3');
ok(defined $rvirt_h && defined $man3, 'client/rvirt.h and doc/librvirt.3 are readable');
my %api = map { $_ => 1 } (defined $rvirt_h ? ($rvirt_h =~ /\b(rvirt_\w+)\(/g) : ());
my %named = map { $_ => 1 } (defined $man3 ? ($man3 =~ /^\.Nm (rvirt_\w+)/mg) : ());
ok(keys(%api) >= 30, 'rvirt.h declares functions (' . scalar(keys %api) . ')');
for my $f (sort keys %api) {
	ok($named{$f}, "doc/librvirt.3 has '.Nm $f' in NAME");
}
for my $f (sort keys %named) {
	ok($api{$f}, "doc/librvirt.3's '.Nm $f' is declared in rvirt.h");
}
# What the built library exports is exactly rvirt.h's functions.
my $so = ($ENV{RVIRT_BUILD} // "$src/build") . '/librvirt.so.0';
if (-f $so && system('command -v nm >/dev/null 2>&1') == 0) {
	my @dyn = grep { /^rvirt_/ }
	    map { (split(/@/, (split(' ', $_))[-1]))[0] }
	    grep { / T / } `nm -D --defined-only '$so'`;
	ok(@dyn > 0, 'librvirt.so.0 exports functions (' . scalar(@dyn) . ')');
	for my $f (sort @dyn) {
		ok($api{$f}, "exported symbol $f is declared in rvirt.h");
	}
} else {
	$n++;
	print "ok $n # SKIP librvirt.so.0 not built or nm missing\n";
}

# --- rvsh(1) describes every command of rvsh's tables ---
my $rvsh1 = slurp('doc/rvsh.1');
my @cmds;
for my $f (glob("$src/client/rvsh*.c")) {
	open(my $fh, '<', $f) or next;
	local $/;
	my $t = <$fh>;
	close($fh);
	# Table rows: { "name", "usage", "help", ...
	push @cmds, ($t =~ /^\t\{ "([a-z][a-z-]*)", "[^"]*",/mg);
	# Commands of a module's own hooks: names[] = { "console", ... }.
	for my $list ($t =~ /\bnames\[\]\s*=\s*\{([^}]*)\}/g) {
		push @cmds, ($list =~ /"([a-z][a-z-]*)"/g);
	}
}
ok(@cmds >= 20, 'rvsh has a command table (' . scalar(@cmds) . ' commands)');
for my $c (@cmds) {
	ok(defined $rvsh1 && $rvsh1 =~ /^\.It (?:Xo )?Ic \Q$c\E( |$)/m,
	   "doc/rvsh.1 describes the command '$c'");
}

# --- the project's files: a licence, release notes, no dangling cites ---
my $license = slurp('LICENSE');
ok(defined $license && $license =~ /^MIT License/ &&
   $license =~ /THE SOFTWARE IS PROVIDED "AS IS"/,
   'LICENSE holds the MIT licence the SPDX headers name');
my $news = slurp('NEWS');
my $version = slurp('VERSION');
chomp($version) if defined $version;
ok(defined $version && $version =~ /^\d+\.\d+\.\d+$/,
   'VERSION holds one version number', 'VERSION: ' . ($version // 'missing'));
ok(defined $news && defined $version && $news =~ /^\Q$version\E\b/m,
   'NEWS has an entry for the version in VERSION');
my $changelog = slurp('debian/changelog');
ok(defined $changelog && defined $version &&
   $changelog =~ /\Arvirt \(\Q$version\E(?:-\d+)?\)/,
   "debian/changelog's top entry is VERSION",
   'debian/changelog starts: ' . (defined $changelog ? (split(/\n/, $changelog))[0] : 'missing'));
# The one version number: no C source spells out VERSION's value
# (rvirtd_build_info, the wire version and rvsh --version all read
# common/version.c).
for my $f (glob("$src/*/*.[ch]")) {
	my $rel = $f =~ s{^\Q$src\E/}{}r;
	next if $rel =~ m{^(?:build|t)/} || !defined $version;
	my $t = slurp($rel);
	ok(defined $t && $t !~ /"\Q$version\E"/,
	   "$rel spells out no \"$version\" (VERSION is the one)");
}
for my $f (qw(.ci/run .clang-format)) {
	my $t = slurp($f);
	ok(defined $t && $t !~ /STYLE\.md/,
	   "$f cites no STYLE.md (it is not in the repository)");
}

# --- man pages: they exist and pass mandoc -T lint (warnings and up) ---
my $mandoc = '';
for my $dir (split(/:/, $ENV{PATH} // '/usr/bin:/bin')) {
	if (-x "$dir/mandoc") {
		$mandoc = "$dir/mandoc";
		last;
	}
}
for my $page (qw(doc/rvirtd.8 doc/rvirtd.conf.5 doc/rvsh.1 doc/librvirt.3)) {
	my $path = "$src/$page";
	next unless ok(-f $path, "$page exists");
	if (!$mandoc) {
		$n++;
		print "ok $n # SKIP mandoc not installed (scripts/deps.sh test)\n";
		next;
	}
	# STYLE messages ("referenced manual not found") depend on what is
	# installed on the machine, so lint at WARNING and above.
	my $out = `'$mandoc' -T lint -W warning '$path' 2>&1`;
	ok($? == 0, "$page passes mandoc -T lint -W warning", split(/\n/, $out));
}

print "1..$n\n";
exit($failed ? 1 : 0);
