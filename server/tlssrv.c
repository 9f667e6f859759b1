/* SPDX-License-Identifier: MIT */
/* tlssrv: GnuTLS on the daemon's TLS socket: credentials, sessions, x509 checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../scoreboard/metrics.h"
#include "auth.h"
#include "tlssrv.h"

/* The fallback when the system has no entry for tls_priority's keyword. */
#define TLSSRV_PRIORITY_FALLBACK "NORMAL"

struct tlssrv {
	gnutls_session_t s;
	bool done;
};

/* Per process: loaded by the master, inherited by the workers. */
static gnutls_certificate_credentials_t tlssrv_cred;
static gnutls_priority_t tlssrv_prio;
static bool tlssrv_verify;
static const struct config_globs *tlssrv_dn_list;

/* "WHAT 'ARG': gnutls's reason" (no quotes when arg is NULL). */
static int
tlssrv_gerr(struct rvirt_error *err, int r, const char *what_, const char *arg)
{
	char what[CONFIG_PATH_MAX + 128];
	char detail[256];

	if (arg)
		snprintf(what, sizeof(what), "%s '%s'", what_, arg);
	else
		snprintf(what, sizeof(what), "%s", what_);
	snprintf(detail, sizeof(detail), "%s", gnutls_strerror(r));
	if (detail[0] >= 'A' && detail[0] <= 'Z')
		detail[0] = (char)(detail[0] - 'A' + 'a');
	/* GnuTLS ends some messages with a full stop. */
	if (detail[0] && detail[strlen(detail) - 1] == '.')
		detail[strlen(detail) - 1] = '\0';
	err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_AUTH, "%s: %s", what, detail);
	return -1;
}

/* Read one PEM certificate (the first of the file). */
static int
tlssrv_load_crt(const char *path, gnutls_x509_crt_t *crt,
		struct rvirt_error *err)
{
	gnutls_datum_t d = { NULL, 0 };
	int r;

	r = gnutls_load_file(path, &d);
	if (r < 0)
		return tlssrv_gerr(err, r, "cannot read", path);
	gnutls_x509_crt_init(crt);
	r = gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM);
	gnutls_free(d.data);
	if (r < 0) {
		gnutls_x509_crt_deinit(*crt);
		*crt = NULL;
		return tlssrv_gerr(err, r, "cannot parse certificate", path);
	}
	return 0;
}

static int
tlssrv_check_dates(gnutls_x509_crt_t crt, const char *what, const char *path,
		   struct rvirt_error *err)
{
	time_t now = time(NULL);

	if (gnutls_x509_crt_get_activation_time(crt) > now) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_AUTH,
			"%s '%s' is not valid yet", what, path);
		return -1;
	}
	if (gnutls_x509_crt_get_expiration_time(crt) < now) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_AUTH,
			"%s '%s' has expired", what, path);
		return -1;
	}
	return 0;
}

/* The CA must be a CA; the server certificate must serve TLS. */
static int
tlssrv_check_certs(const struct config *cfg, struct rvirt_error *err)
{
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	unsigned int usage = 0, critical = 0, status = 0;
	char oid[128];
	size_t oidsize;
	bool server_purpose = false, any_purpose = false;
	int r, ret = -1;

	if (tlssrv_load_crt(cfg->ca_file, &ca, err) < 0 ||
	    tlssrv_load_crt(cfg->cert_file, &crt, err) < 0)
		goto out;
	if (tlssrv_check_dates(ca, "CA certificate", cfg->ca_file, err) < 0 ||
	    tlssrv_check_dates(crt, "server certificate", cfg->cert_file, err) <
		    0)
		goto out;
	if (gnutls_x509_crt_get_ca_status(ca, &critical) <= 0) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_AUTH,
			"CA certificate '%s' is not a CA (basic constraints)",
			cfg->ca_file);
		goto out;
	}
	if (gnutls_x509_crt_get_ca_status(crt, &critical) > 0) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_AUTH,
			"server certificate '%s' is a CA certificate",
			cfg->cert_file);
		goto out;
	}
	r = gnutls_x509_crt_get_key_usage(crt, &usage, &critical);
	if (r >= 0 && !(usage & (GNUTLS_KEY_DIGITAL_SIGNATURE |
				 GNUTLS_KEY_KEY_ENCIPHERMENT))) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_AUTH,
			"server certificate '%s' key usage allows neither "
			"digital signature nor key encipherment",
			cfg->cert_file);
		goto out;
	}
	for (unsigned int i = 0;; i++) {
		oidsize = sizeof(oid);
		r = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &oidsize,
							&critical);
		if (r < 0)
			break;
		any_purpose = true;
		if (strcmp(oid, GNUTLS_KP_TLS_WWW_SERVER) == 0)
			server_purpose = true;
	}
	if (any_purpose && !server_purpose) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_AUTH,
			"server certificate '%s' is not for a tls server "
			"(key purpose)",
			cfg->cert_file);
		goto out;
	}
	r = gnutls_x509_crt_verify(crt, &ca, 1, 0, &status);
	if (r < 0 || status != 0) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_AUTH,
			"server certificate '%s' is not signed by CA "
			"certificate '%s'",
			cfg->cert_file, cfg->ca_file);
		goto out;
	}
	ret = 0;
out:
	if (ca)
		gnutls_x509_crt_deinit(ca);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return ret;
}

int
tlssrv_config_check(const struct config *cfg, struct rvirt_error *err)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_priority_t prio = NULL;
	const char *errpos = NULL;
	int r;

	if (tlssrv_check_certs(cfg, err) < 0)
		return -1;
	gnutls_certificate_allocate_credentials(&cred);
	r = gnutls_certificate_set_x509_trust_file(cred, cfg->ca_file,
						   GNUTLS_X509_FMT_PEM);
	if (r < 0) {
		tlssrv_gerr(err, r, "cannot load CA certificate", cfg->ca_file);
		goto fail;
	}
	if (cfg->crl_file[0]) {
		r = gnutls_certificate_set_x509_crl_file(cred, cfg->crl_file,
							 GNUTLS_X509_FMT_PEM);
		if (r < 0) {
			tlssrv_gerr(err, r, "cannot load CRL", cfg->crl_file);
			goto fail;
		}
	}
	r = gnutls_certificate_set_x509_key_file(
		cred, cfg->cert_file, cfg->key_file, GNUTLS_X509_FMT_PEM);
	if (r < 0) {
		tlssrv_gerr(err, r, "cannot load key", cfg->key_file);
		goto fail;
	}
	r = gnutls_priority_init(&prio, cfg->tls_priority, &errpos);
	if (r < 0 && cfg->tls_priority[0] == '@') {
		log_info("tls_priority '%s' is not defined on this system: "
			 "using '%s'",
			 cfg->tls_priority, TLSSRV_PRIORITY_FALLBACK);
		r = gnutls_priority_init(&prio, TLSSRV_PRIORITY_FALLBACK,
					 &errpos);
	}
	if (r < 0) {
		tlssrv_gerr(err, r, "invalid tls_priority", cfg->tls_priority);
		goto fail;
	}
	if (tlssrv_cred)
		gnutls_certificate_free_credentials(tlssrv_cred);
	if (tlssrv_prio)
		gnutls_priority_deinit(tlssrv_prio);
	tlssrv_cred = cred;
	tlssrv_prio = prio;
	tlssrv_verify = !cfg->tls_no_verify_certificate;
	tlssrv_dn_list = &cfg->tls_allowed_dn_list;
	return 0;
fail:
	gnutls_certificate_free_credentials(cred);
	return -1;
}

struct tlssrv *
tlssrv_new(int fd, const struct config *cfg, struct rvirt_error *err)
{
	struct tlssrv *t;
	int r;

	if (!tlssrv_cred && tlssrv_config_check(cfg, err) < 0)
		return NULL;
	tlssrv_dn_list = &cfg->tls_allowed_dn_list;
	t = calloc(1, sizeof(*t));
	if (!t) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_AUTH,
			"out of memory");
		return NULL;
	}
	r = gnutls_init(&t->s, GNUTLS_SERVER | GNUTLS_NONBLOCK);
	if (r >= 0)
		r = gnutls_priority_set(t->s, tlssrv_prio);
	if (r >= 0)
		r = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE,
					   tlssrv_cred);
	if (r < 0) {
		tlssrv_gerr(err, r, "cannot start a tls session", NULL);
		tlssrv_free(t);
		return NULL;
	}
	gnutls_certificate_server_set_request(
		t->s,
		tlssrv_verify ? GNUTLS_CERT_REQUIRE : GNUTLS_CERT_REQUEST);
	/*
	 * Without the CA names a client with a certificate from another CA
	 * still sends it, and gets refused for that, not for sending none.
	 */
	gnutls_certificate_send_x509_rdn_sequence(t->s, 1);
	gnutls_transport_set_int(t->s, fd);
	return t;
}

void
tlssrv_free(struct tlssrv *t)
{
	if (!t)
		return;
	if (t->s)
		gnutls_deinit(t->s);
	free(t);
}

static int
tlssrv_refuse(struct tlssrv *t, gnutls_alert_description_t alert)
{
	/* Best effort: the socket is non-blocking and closes right after. */
	gnutls_alert_send(t->s, GNUTLS_AL_FATAL, alert);
	return -1;
}

/* Chain, dates, CRL, then the DN against tls_allowed_dn_list. */
static int
tlssrv_check_peer(struct tlssrv *t, char *id, size_t idsize,
		  struct rvirt_error *err)
{
	const gnutls_datum_t *certs;
	unsigned int ncerts = 0, status = 0;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t dn = { NULL, 0 }, msg = { NULL, 0 };
	int r, ret = -1;

	certs = gnutls_certificate_get_peers(t->s, &ncerts);
	if (!certs || ncerts == 0) {
		if (!tlssrv_verify) {
			snprintf(id, idsize, "x509:anonymous");
			return 0;
		}
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"client sent no certificate");
		return tlssrv_refuse(t, GNUTLS_A_CERTIFICATE_REQUIRED);
	}
	r = gnutls_certificate_verify_peers3(t->s, NULL, &status);
	if (r < 0 || status != 0) {
		if (r >= 0)
			gnutls_certificate_verification_status_print(
				status, GNUTLS_CRT_X509, &msg, 0);
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"client certificate refused: %s",
			msg.data ? (const char *)msg.data : gnutls_strerror(r));
		gnutls_free(msg.data);
		if (tlssrv_verify)
			return tlssrv_refuse(t, GNUTLS_A_BAD_CERTIFICATE);
		log_warn("%s (tls_no_verify_certificate: accepted)",
			 err ? err->message : "client certificate refused");
	}
	gnutls_x509_crt_init(&crt);
	r = gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER);
	if (r >= 0)
		r = gnutls_x509_crt_get_dn2(crt, &dn);
	if (r < 0) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"cannot read the client certificate's DN: %s",
			gnutls_strerror(r));
		tlssrv_refuse(t, GNUTLS_A_BAD_CERTIFICATE);
		goto out;
	}
	if (tlssrv_dn_list && tlssrv_dn_list->set &&
	    !auth_globs_match(tlssrv_dn_list, (const char *)dn.data)) {
		err_set(err, RVIRT_ERR_ACCESS_DENIED, RVIRT_FROM_AUTH,
			"client DN '%s' is not in tls_allowed_dn_list",
			(const char *)dn.data);
		tlssrv_refuse(t, GNUTLS_A_ACCESS_DENIED);
		goto out;
	}
	snprintf(id, idsize, "x509:%s", (const char *)dn.data);
	ret = 0;
out:
	gnutls_free(dn.data);
	gnutls_x509_crt_deinit(crt);
	return ret;
}

int
tlssrv_handshake(struct tlssrv *t, char *id, size_t idsize,
		 struct rvirt_error *err)
{
	int r;

	if (t->done)
		return 1;
	do
		r = gnutls_handshake(t->s);
	while (r == GNUTLS_E_INTERRUPTED);
	if (r == GNUTLS_E_AGAIN)
		return 0;
	if (r < 0) {
		metrics_auth_failed(METRICS_AUTH_TLS);
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_AUTH,
			"tls handshake failed: %s", gnutls_strerror(r));
		return -1;
	}
	if (tlssrv_check_peer(t, id, idsize, err) < 0) {
		metrics_auth_failed(METRICS_AUTH_TLS);
		return -1;
	}
	t->done = true;
	return 1;
}

bool
tlssrv_wants_write(const struct tlssrv *t)
{
	return gnutls_record_get_direction(t->s) == 1;
}

static ssize_t
tlssrv_errno(ssize_t r)
{
	if (r >= 0)
		return r;
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		errno = EAGAIN;
	else
		errno = ECONNRESET;
	return -1;
}

ssize_t
tlssrv_read(struct tlssrv *t, void *buf, size_t len)
{
	ssize_t r = gnutls_record_recv(t->s, buf, len);

	/* A client that closes without close_notify has still closed. */
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return tlssrv_errno(r);
}

ssize_t
tlssrv_write(struct tlssrv *t, const void *buf, size_t len)
{
	return tlssrv_errno(gnutls_record_send(t->s, buf, len));
}

size_t
tlssrv_pending(struct tlssrv *t)
{
	return t->done ? gnutls_record_check_pending(t->s) : 0;
}

unsigned int
tlssrv_ssf(struct tlssrv *t)
{
	return (unsigned int)gnutls_cipher_get_key_size(
		       gnutls_cipher_get(t->s)) *
	       8;
}
