# SPDX-License-Identifier: MIT
# lib-store.sh: filling the store with big definitions (t/4007, t/4008).
# Sourced after test-lib.sh.

WIRESH=$RVIRT_BUILD/t/tools/wiresh

# store_big_dom N: a definition of about 20 KB (a long description) of
# domain bigN, in dom-N.xml.
store_big_dom () {
	{
		echo "<domain type='test'><name>big$1</name>"
		printf '<description>'
		store_big_dom_i_=0
		while test $store_big_dom_i_ -lt 200; do
			printf '%s' 'padding to fill the store, one hundred bytes a line, so that few domains fill a small one......'
			store_big_dom_i_=$((store_big_dom_i_ + 1))
		done
		echo '</description>'
		echo "<memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"
	} >"dom-$1.xml"
}

# store_fill: define big domains (store_big_dom 0, 1, ...) through
# wiresh, one connection each, until one is refused, 200 at most.  How
# many went in is written to ./defined, the refusal to ./err (and shown).
# Fails unless the store filled up after more than 2 and fewer than 200
# definitions (bounded: the tests' stores hold far fewer than 200).
store_fill () {
	store_fill_n_=0
	while test $store_fill_n_ -lt 200; do
		store_big_dom $store_fill_n_ &&
			"$WIRESH" define "dom-$store_fill_n_.xml" >out 2>err ||
			break
		store_fill_n_=$((store_fill_n_ + 1))
	done
	echo "$store_fill_n_" >defined &&
		cat err &&
		test "$store_fill_n_" -gt 2 &&
		test "$store_fill_n_" -lt 200
}
