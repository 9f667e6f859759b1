/* SPDX-License-Identifier: MIT */
/* tlscli: the client's TLS (GnuTLS): x509 files, handshake, server checks. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "err.h"
#include "stream.h"
#include "tlscli.h"
#include "uri.h"

#define TLSCLI_PRIORITY_DEFAULT "@RVIRT,SYSTEM"
#define TLSCLI_PRIORITY_FALLBACK "NORMAL"

struct tlscli {
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
	bool has_cert; /* a client certificate was loaded */
	char why[400]; /* the last failure, house style */
};

/* GnuTLS messages start with a capital and some end with a full stop. */
static void
tlscli_style(char *buf, size_t size, const char *msg)
{
	size_t n;

	snprintf(buf, size, "%s", msg);
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	n = strlen(buf);
	if (n && buf[n - 1] == '.')
		buf[n - 1] = '\0';
}

/* What a failed read or write means, for the stream's message. */
static void
tlscli_note(struct tlscli *t, ssize_t r)
{
	char m[200];

	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		tlscli_style(m, sizeof(m),
			     gnutls_alert_get_name(gnutls_alert_get(t->s)));
		snprintf(t->why, sizeof(t->why),
			 "the server refused the tls session: %s (see the "
			 "daemon's log for why)",
			 m);
		return;
	}
	tlscli_style(m, sizeof(m), gnutls_strerror((int)r));
	snprintf(t->why, sizeof(t->why), "tls: %s", m);
}

static ssize_t
tlscli_io(struct tlscli *t, ssize_t r)
{
	if (r >= 0)
		return r;
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		errno = EAGAIN;
		return -1;
	}
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	tlscli_note(t, r);
	errno = EPROTO;
	return -1;
}

static ssize_t
tlscli_read(struct stream *st, void *buf, size_t len)
{
	struct tlscli *t = stream_get_priv(st);

	return tlscli_io(t, gnutls_record_recv(t->s, buf, len));
}

static ssize_t
tlscli_write(struct stream *st, const void *buf, size_t len)
{
	struct tlscli *t = stream_get_priv(st);

	return tlscli_io(t, gnutls_record_send(t->s, buf, len));
}

static void
tlscli_free(struct tlscli *t)
{
	if (!t)
		return;
	if (t->s)
		gnutls_deinit(t->s);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	free(t);
}

static void
tlscli_close(struct stream *st)
{
	struct tlscli *t = stream_get_priv(st);
	int fd = stream_get_fd(st);

	/* No close_notify wait: the daemon treats EOF the same. */
	tlscli_free(t);
	if (fd >= 0)
		close(fd);
}

static const char *
tlscli_why(struct stream *st)
{
	struct tlscli *t = stream_get_priv(st);

	return t->why[0] ? t->why : NULL;
}

static const struct stream_ops tlscli_ops = {
	.read = tlscli_read,
	.write = tlscli_write,
	.close = tlscli_close,
	.why = tlscli_why,
};

static void
tlscli_pkipath(const struct uri *uri, char *buf, size_t size)
{
	const char *home = getenv("HOME");

	if (uri->pkipath)
		snprintf(buf, size, "%s", uri->pkipath);
	else if (geteuid() == 0 || !home || home[0] != '/')
		snprintf(buf, size, "/etc/pki/rvirt");
	else
		snprintf(buf, size, "%s/.pki/rvirt", home);
}

static int
tlscli_fail(struct rvirt_error *err, int r, const char *what, const char *arg)
{
	char m[200];

	tlscli_style(m, sizeof(m), gnutls_strerror(r));
	err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_TRANSPORT, "%s '%s': %s",
		what, arg, m);
	return -1;
}

static int
tlscli_creds(struct tlscli *t, const struct uri *uri, bool verify,
	     struct rvirt_error *err)
{
	char dir[3000], ca[3100], cert[3100], key[3100];
	int r;

	tlscli_pkipath(uri, dir, sizeof(dir));
	snprintf(ca, sizeof(ca), "%s/%s", dir, TLSCLI_CA);
	snprintf(cert, sizeof(cert), "%s/%s", dir, TLSCLI_CERT);
	snprintf(key, sizeof(key), "%s/%s", dir, TLSCLI_KEY);
	gnutls_certificate_allocate_credentials(&t->cred);
	if (access(ca, R_OK) == 0) {
		r = gnutls_certificate_set_x509_trust_file(t->cred, ca,
							   GNUTLS_X509_FMT_PEM);
		if (r < 0)
			return tlscli_fail(err, r, "cannot load CA certificate",
					   ca);
	} else if (verify) {
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_TRANSPORT,
			"cannot verify the server: no CA certificate '%s' "
			"(set pkipath, or no_verify=1 to skip the check)",
			ca);
		return -1;
	}
	/* No client certificate is fine here: the daemon decides. */
	if (access(cert, R_OK) == 0 && access(key, R_OK) == 0) {
		r = gnutls_certificate_set_x509_key_file(t->cred, cert, key,
							 GNUTLS_X509_FMT_PEM);
		if (r < 0)
			return tlscli_fail(err, r, "cannot load client key",
					   key);
		t->has_cert = true;
	}
	return 0;
}

static int
tlscli_handshake(struct tlscli *t, int fd, const char *peer, int64_t deadline,
		 struct rvirt_error *err)
{
	gnutls_datum_t msg = { NULL, 0 };
	unsigned int status;
	char m[200];
	int r;

	for (;;) {
		r = gnutls_handshake(t->s);
		if (r == GNUTLS_E_SUCCESS)
			return 0;
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
			short ev = gnutls_record_get_direction(t->s) ? POLLOUT
								     : POLLIN;

			if (stream_poll(fd, ev, deadline) < 0) {
				err_set(err, RVIRT_ERR_TIMEOUT,
					RVIRT_FROM_TRANSPORT,
					"cannot finish the tls handshake with "
					"'%s': timed out",
					peer);
				return -1;
			}
			continue;
		}
		break;
	}
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		status = gnutls_session_get_verify_cert_status(t->s);
		gnutls_certificate_verification_status_print(
			status, GNUTLS_CRT_X509, &msg, 0);
		tlscli_style(m, sizeof(m),
			     msg.data ? (const char *)msg.data : "unknown");
		gnutls_free(msg.data);
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_TRANSPORT,
			"cannot verify the certificate of '%s': %s", peer, m);
		return -1;
	}
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		tlscli_note(t, r);
		err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_TRANSPORT,
			"tls handshake with '%s' failed: %s", peer, t->why);
		return -1;
	}
	tlscli_style(m, sizeof(m), gnutls_strerror(r));
	err_set(err, RVIRT_ERR_AUTH_FAILED, RVIRT_FROM_TRANSPORT,
		"tls handshake with '%s' failed: %s", peer, m);
	return -1;
}

int
tlscli_start(struct stream *st, const struct uri *uri, int64_t deadline,
	     struct rvirt_error *err)
{
	const char *host = uri->host ? uri->host : "localhost";
	const char *prio =
		uri->tls_priority ? uri->tls_priority : TLSCLI_PRIORITY_DEFAULT;
	bool verify = uri->no_verify != 1;
	struct tlscli *t;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_TRANSPORT,
			"out of memory");
		return -1;
	}
	if (tlscli_creds(t, uri, verify, err) < 0)
		goto fail;
	r = gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (r < 0) {
		tlscli_fail(err, r, "cannot start tls with", host);
		goto fail;
	}
	r = gnutls_priority_set_direct(t->s, prio, NULL);
	/* "@RVIRT,SYSTEM" needs a system entry; GnuTLS has none here. */
	if (r < 0 && prio[0] == '@')
		r = gnutls_priority_set_direct(t->s, TLSCLI_PRIORITY_FALLBACK,
					       NULL);
	if (r < 0) {
		tlscli_fail(err, r, "invalid tls_priority", prio);
		goto fail;
	}
	gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (!strchr(host, ':') && strspn(host, "0123456789.") != strlen(host))
		gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, host,
				       strlen(host));
	if (verify)
		gnutls_session_set_verify_cert(t->s, host, 0);
	else
		fprintf(stderr,
			"rvirt: warning: not verifying the tls certificate "
			"of '%s' (no_verify=1)\n",
			stream_peer(st));
	gnutls_transport_set_int(t->s, stream_get_fd(st));
	if (tlscli_handshake(t, stream_get_fd(st), stream_peer(st), deadline,
			     err) < 0)
		goto fail;
	stream_set_ops(st, &tlscli_ops, t);
	return 0;
fail:
	tlscli_free(t);
	return -1;
}

unsigned int
tlscli_ssf(struct stream *st)
{
	struct tlscli *t = stream_get_priv(st);

	if (!t)
		return 0;
	return (unsigned int)gnutls_cipher_get_key_size(
		       gnutls_cipher_get(t->s)) *
	       8;
}

int
tlscli_has_cert(struct stream *st)
{
	struct tlscli *t = stream_get_priv(st);

	return t && t->has_cert;
}
