# SPDX-License-Identifier: MIT
# lib-auth.sh: real TLS certificates, a sasldb and a throwaway Kerberos KDC
# made in the trash dir, for the t/21xx authentication tests.
#
# Sourced after test-lib.sh.  Everything listens on 127.0.0.1 only and
# lives below $TRASH; the KDC is stopped by its pid (auth_kdc_down, also
# run at exit).
#
#   auth_make_certs DIR     CA, server cert (localhost, 127.0.0.1), client
#                           certs: good, revoked, expired, future, from a
#                           rogue CA; a wrong-host server cert; a CRL;
#                           pkipath dirs DIR/pki-NAME for the client.
#   auth_make_sasldb DIR USER:PASS...   DIR/rvirt.conf + DIR/sasldb2
#   auth_kdc_up DIR         krb5kdc on a free 127.0.0.1 port, user1 with a
#                           ticket in DIR/ccache, rvirt/localhost keytab;
#                           exports KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME,
#                           KRB5RCACHEDIR
#   auth_kdc_down           stop it

auth_have () {
	command -v "$1" >/dev/null 2>&1
}

# --- certificates ---------------------------------------------------------

auth_cert_key_ () {
	certtool --generate-privkey --key-type ecdsa --curve secp256r1 \
		--outfile "$1" >/dev/null 2>&1
}

# auth_cert_leaf_ DIR NAME CA TEMPLATE-TEXT
auth_cert_leaf_ () {
	printf '%s\n' "$4" >"$1/$2.tmpl" &&
	auth_cert_key_ "$1/$2-key.pem" &&
	certtool --generate-certificate --load-privkey "$1/$2-key.pem" \
		--load-ca-certificate "$1/$3-cert.pem" \
		--load-ca-privkey "$1/$3-key.pem" \
		--template "$1/$2.tmpl" --outfile "$1/$2-cert.pem" >/dev/null 2>&1
}

auth_cert_ca_ () {
	printf 'country = GB\norganization = "Example"\ncn = "%s"\nca\ncert_signing_key\ncrl_signing_key\nexpiration_days = 30\n' "$3" \
		>"$1/$2.tmpl" &&
	auth_cert_key_ "$1/$2-key.pem" &&
	certtool --generate-self-signed --load-privkey "$1/$2-key.pem" \
		--template "$1/$2.tmpl" --outfile "$1/$2-cert.pem" >/dev/null 2>&1
}

auth_client_tmpl_ () {
	printf 'country = GB\norganization = "Example"\ncn = "%s"\ntls_www_client\nsigning_key\nencryption_key\n%s\n' "$1" "$2"
}

# auth_pki_ DIR NAME CA CLIENT: DIR/pki-NAME with cacert, clientcert, clientkey
auth_pki_ () {
	mkdir -p "$1/pki-$2" &&
	cp "$1/$3-cert.pem" "$1/pki-$2/cacert.pem" &&
	if test -n "$4"; then
		cp "$1/$4-cert.pem" "$1/pki-$2/clientcert.pem" &&
		cp "$1/$4-key.pem" "$1/pki-$2/clientkey.pem"
	fi
}

auth_make_certs () {
	auth_mc_d_=$1
	mkdir -p "$auth_mc_d_" &&
	auth_cert_ca_ "$auth_mc_d_" ca "Test CA" &&
	auth_cert_ca_ "$auth_mc_d_" rogue "Rogue CA" &&
	auth_cert_leaf_ "$auth_mc_d_" server ca 'country = GB
organization = "Example"
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
expiration_days = 30' &&
	auth_cert_leaf_ "$auth_mc_d_" wronghost ca 'country = GB
organization = "Example"
cn = "wrong.example"
dns_name = "wrong.example"
tls_www_server
signing_key
encryption_key
expiration_days = 30' &&
	auth_cert_leaf_ "$auth_mc_d_" client ca "$(auth_client_tmpl_ client1 'expiration_days = 30')" &&
	auth_cert_leaf_ "$auth_mc_d_" other ca "$(auth_client_tmpl_ other1 'expiration_days = 30')" &&
	auth_cert_leaf_ "$auth_mc_d_" revoked ca "$(auth_client_tmpl_ revoked1 'expiration_days = 30')" &&
	auth_cert_leaf_ "$auth_mc_d_" expired ca "$(auth_client_tmpl_ expired1 'activation_date = "2020-01-01 00:00:00 UTC"
expiration_date = "2020-01-02 00:00:00 UTC"')" &&
	auth_cert_leaf_ "$auth_mc_d_" future ca "$(auth_client_tmpl_ future1 'activation_date = "2099-01-01 00:00:00 UTC"
expiration_date = "2099-12-31 00:00:00 UTC"')" &&
	auth_cert_leaf_ "$auth_mc_d_" untrusted rogue "$(auth_client_tmpl_ client1 'expiration_days = 30')" &&
	auth_cert_leaf_ "$auth_mc_d_" srvexpired ca 'country = GB
organization = "Example"
cn = "localhost"
dns_name = "localhost"
tls_www_server
signing_key
encryption_key
activation_date = "2020-01-01 00:00:00 UTC"
expiration_date = "2020-01-02 00:00:00 UTC"' &&
	auth_cert_leaf_ "$auth_mc_d_" srvclient ca "$(auth_client_tmpl_ localhost 'expiration_days = 30')" &&
	printf 'crl_next_update = 30\ncrl_number = 1\n' >"$auth_mc_d_/crl.tmpl" &&
	certtool --generate-crl --load-ca-privkey "$auth_mc_d_/ca-key.pem" \
		--load-ca-certificate "$auth_mc_d_/ca-cert.pem" \
		--load-certificate "$auth_mc_d_/revoked-cert.pem" \
		--template "$auth_mc_d_/crl.tmpl" \
		--outfile "$auth_mc_d_/ca-crl.pem" >/dev/null 2>&1 &&
	for auth_mc_c_ in client other revoked expired future untrusted; do
		auth_pki_ "$auth_mc_d_" "$auth_mc_c_" ca "$auth_mc_c_" || return 1
	done &&
	auth_pki_ "$auth_mc_d_" nocert ca "" &&
	auth_pki_ "$auth_mc_d_" rogueca rogue client
}

# --- SASL -------------------------------------------------------------------

# auth_make_sasldb DIR [--mechs "m1 m2"] USER:PASS...
auth_make_sasldb () {
	auth_ms_d_=$1
	shift
	auth_ms_mechs_="scram-sha-256 scram-sha-1 digest-md5 plain gssapi"
	if test "$1" = --mechs; then
		auth_ms_mechs_=$2
		shift 2
	fi
	mkdir -p "$auth_ms_d_" &&
	{
		echo "mech_list: $auth_ms_mechs_"
		echo "pwcheck_method: auxprop"
		echo "auxprop_plugin: sasldb"
		echo "sasldb_path: $auth_ms_d_/sasldb2"
	} >"$auth_ms_d_/rvirt.conf" &&
	for auth_ms_up_ in "$@"; do
		printf '%s' "${auth_ms_up_#*:}" |
			saslpasswd2 -p -c -f "$auth_ms_d_/sasldb2" -a rvirt \
				-u localhost "${auth_ms_up_%%:*}" || return 1
	done
}

# --- Kerberos -----------------------------------------------------------------

# A port below the ephemeral range that nothing uses in any state.
auth_free_port_ () {
	auth_fp_i_=0
	while test $auth_fp_i_ -lt 50; do
		auth_fp_p_=$((20000 + ($$ * 7 + auth_fp_i_ * 131) % 12000))
		if ! ss -Hanut 2>/dev/null | awk '{print $5}' |
			grep -q ":$auth_fp_p_\$"; then
			echo "$auth_fp_p_"
			return 0
		fi
		auth_fp_i_=$((auth_fp_i_ + 1))
	done
	return 1
}

AUTH_KDC_PID=
AUTH_KDC_DIR=

auth_kdc_down () {
	if test -n "$AUTH_KDC_PID"; then
		kill -TERM "$AUTH_KDC_PID" 2>/dev/null
		auth_kd_i_=0
		while test $auth_kd_i_ -lt 50 &&
			kill -0 "$AUTH_KDC_PID" 2>/dev/null; do
			sleep 0.1
			auth_kd_i_=$((auth_kd_i_ + 1))
		done
		kill -KILL "$AUTH_KDC_PID" 2>/dev/null
		wait "$AUTH_KDC_PID" 2>/dev/null
		AUTH_KDC_PID=
	fi
}

auth_kdc_up () {
	AUTH_KDC_DIR=$1
	auth_ku_d_=$1
	mkdir -p "$auth_ku_d_/rcache" || return 1
	auth_ku_try_=0
	while test $auth_ku_try_ -lt 5; do
		auth_ku_port_=$(auth_free_port_) || return 1
		cat >"$auth_ku_d_/krb5.conf" <<-EOF
		[libdefaults]
		default_realm = TEST.LOCAL
		dns_lookup_kdc = false
		dns_lookup_realm = false
		dns_canonicalize_hostname = false
		rdns = false
		qualify_shortname = ""
		udp_preference_limit = 1
		[realms]
		TEST.LOCAL = {
			kdc = 127.0.0.1:$auth_ku_port_
		}
		[domain_realm]
		localhost = TEST.LOCAL
		EOF
		cat >"$auth_ku_d_/kdc.conf" <<-EOF
		[kdcdefaults]
		kdc_listen = 127.0.0.1:$auth_ku_port_
		kdc_tcp_listen = 127.0.0.1:$auth_ku_port_
		[realms]
		TEST.LOCAL = {
			database_name = $auth_ku_d_/principal
			key_stash_file = $auth_ku_d_/stash
			acl_file = $auth_ku_d_/kadm5.acl
		}
		[logging]
		kdc = FILE:$auth_ku_d_/kdc.log
		EOF
		: >"$auth_ku_d_/kadm5.acl"
		KRB5_CONFIG=$auth_ku_d_/krb5.conf
		KRB5_KDC_PROFILE=$auth_ku_d_/kdc.conf
		KRB5CCNAME=FILE:$auth_ku_d_/ccache
		KRB5_KTNAME=FILE:$auth_ku_d_/service.keytab
		KRB5RCACHEDIR=$auth_ku_d_/rcache
		export KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME KRB5_KTNAME KRB5RCACHEDIR
		if ! test -f "$auth_ku_d_/principal"; then
			kdb5_util -r TEST.LOCAL create -s -P "kdcmaster-$$" \
				>"$auth_ku_d_/kdb5.log" 2>&1 || return 1
			printf '%s\n' \
				"addprinc -pw user1pw user1" \
				"addprinc -pw user2pw user2" \
				"addprinc -randkey rvirt/localhost" \
				"ktadd -k \"$auth_ku_d_/service.keytab\" rvirt/localhost" |
				kadmin.local -r TEST.LOCAL >"$auth_ku_d_/kadmin.log" 2>&1 ||
				return 1
		fi
		timeout -s TERM -k 5 600 krb5kdc -n -r TEST.LOCAL \
			>"$auth_ku_d_/krb5kdc.out" 2>&1 &
		AUTH_KDC_PID=$!
		auth_ku_i_=0
		while test $auth_ku_i_ -lt 100; do
			if grep -q "commencing operation" "$auth_ku_d_/kdc.log" 2>/dev/null; then
				break
			fi
			kill -0 "$AUTH_KDC_PID" 2>/dev/null || break
			sleep 0.1
			auth_ku_i_=$((auth_ku_i_ + 1))
		done
		if grep -q "commencing operation" "$auth_ku_d_/kdc.log" 2>/dev/null; then
			printf 'user1pw' | kinit user1@TEST.LOCAL \
				>"$auth_ku_d_/kinit.log" 2>&1
			return $?
		fi
		auth_kdc_down
		rm -f "$auth_ku_d_/kdc.log"
		auth_ku_try_=$((auth_ku_try_ + 1))
	done
	return 1
}
