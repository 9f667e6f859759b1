/* SPDX-License-Identifier: MIT */
/* pauth: how rvirt-console-proxy authenticates to rvirtd. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "pauth.h"

#define PAUTH_SECRET_MAX 1024

/* Set once before any session starts, read by every session's thread. */
static struct {
	char user[256];
	char *pass; /* PAUTH_SECRET_MAX bytes, locked; NULL no SASL */
} pauth;

static const int pauth_credtypes[] = {
	RVIRT_CRED_AUTHNAME,
	RVIRT_CRED_USERNAME,
	RVIRT_CRED_PASSPHRASE,
	RVIRT_CRED_REALM,
};

static char *
pauth_dup(const char *s, size_t *len)
{
	char *d = strdup(s);

	if (d)
		*len = strlen(d);
	return d;
}

/* The library's question, answered from the configuration. */
static int
pauth_cb(struct rvirt_cred *creds, unsigned int n, void *cbdata)
{
	(void)cbdata;
	for (unsigned int i = 0; i < n; i++) {
		const char *v;

		switch (creds[i].type) {
		case RVIRT_CRED_AUTHNAME:
		case RVIRT_CRED_USERNAME: /* act as who authenticated */
			v = pauth.user;
			break;
		case RVIRT_CRED_PASSPHRASE:
			v = pauth.pass;
			break;
		case RVIRT_CRED_REALM:
			v = creds[i].defresult ? creds[i].defresult : "";
			break;
		default:
			return -1;
		}
		creds[i].result = pauth_dup(v, &creds[i].resultlen);
		if (!creds[i].result)
			return -1;
	}
	return 0;
}

static int
pauth_read_secret(const char *path, struct rvirt_error *err)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		err_set_errno(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT, errno,
			      "cannot read sasl_password_file '%s'", path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IRWXG | S_IRWXO))) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
			"cannot use sasl_password_file '%s': not a regular "
			"file that only its owner may read (chmod 600)",
			path);
		close(fd);
		return -1;
	}
	n = read(fd, pauth.pass, PAUTH_SECRET_MAX - 1);
	close(fd);
	if (n < 0 || n == PAUTH_SECRET_MAX - 1) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
			"cannot use sasl_password_file '%s': %s", path,
			n < 0 ? strerror(errno) : "longer than 1 KiB");
		return -1;
	}
	pauth.pass[n] = '\0';
	pauth.pass[strcspn(pauth.pass, "\r\n")] = '\0';
	if (!pauth.pass[0]) {
		err_set(err, RVIRT_ERR_CONFIG, RVIRT_FROM_CLIENT,
			"cannot use sasl_password_file '%s': it is empty",
			path);
		return -1;
	}
	return 0;
}

int
pauth_init(const struct pconf *c, struct rvirt_error *err)
{
	if (!c->sasl_username[0])
		return 0;
	pauth.pass = mmap(NULL, PAUTH_SECRET_MAX, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pauth.pass == MAP_FAILED) {
		pauth.pass = NULL;
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_CLIENT, errno,
			      "cannot keep the SASL password");
		return -1;
	}
	/* Not swapped out, not in a core dump (best effort). */
	(void)mlock(pauth.pass, PAUTH_SECRET_MAX);
	(void)madvise(pauth.pass, PAUTH_SECRET_MAX, MADV_DONTDUMP);
	snprintf(pauth.user, sizeof(pauth.user), "%s", c->sasl_username);
	if (pauth_read_secret(c->sasl_password_file, err) < 0) {
		pauth_free();
		return -1;
	}
	return 0;
}

struct rvirt_conn *
pauth_open(const char *uri, struct rvirt_error *err)
{
	struct rvirt_auth a = {
		.credtypes = pauth_credtypes,
		.ncredtypes =
			sizeof(pauth_credtypes) / sizeof(pauth_credtypes[0]),
		.cb = pauth_cb,
	};

	if (!pauth.pass)
		return rvirt_conn_open(uri, 0, err);
	return rvirt_conn_open_auth(uri, &a, 0, err);
}

void
pauth_free(void)
{
	if (!pauth.pass)
		return;
	explicit_bzero(pauth.pass, PAUTH_SECRET_MAX);
	munmap(pauth.pass, PAUTH_SECRET_MAX);
	pauth.pass = NULL;
}
