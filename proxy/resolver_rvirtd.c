/* SPDX-License-Identifier: MIT */
/* resolver_rvirtd: the built-in token resolver, asking rvirtd (procedure 49). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pauth.h"
#include "resolver.h"

struct resolver_rvirtd {
	struct resolver r;    /* first: the interface */
	pthread_mutex_t lock; /* calls on one connection run one at a time */
	struct rvirt_conn *conn;
};

static int
resolver_rvirtd_resolve(struct resolver *r, const char *token,
			struct rvirt_domain *dom, struct rvirt_error *err)
{
	struct resolver_rvirtd *rr = (struct resolver_rvirtd *)r;
	int rc;

	pthread_mutex_lock(&rr->lock);
	rc = rvirt_console_token_resolve(rr->conn, token, dom, err);
	pthread_mutex_unlock(&rr->lock);
	return rc;
}

static void
resolver_rvirtd_free(struct resolver *r)
{
	struct resolver_rvirtd *rr = (struct resolver_rvirtd *)r;

	if (!rr)
		return;
	rvirt_conn_close(rr->conn);
	pthread_mutex_destroy(&rr->lock);
	free(rr);
}

struct resolver *
resolver_rvirtd_new(const char *uri, struct rvirt_error *err)
{
	struct resolver_rvirtd *rr = calloc(1, sizeof(*rr));

	if (!rr) {
		memset(err, 0, sizeof(*err));
		err->code = RVIRT_ERR_NO_MEMORY;
		strcpy(err->message, "out of memory");
		return NULL;
	}
	rr->conn = pauth_open(uri, err);
	if (!rr->conn) {
		free(rr);
		return NULL;
	}
	pthread_mutex_init(&rr->lock, NULL);
	rr->r.name = "rvirtd";
	rr->r.resolve = resolver_rvirtd_resolve;
	rr->r.free = resolver_rvirtd_free;
	return &rr->r;
}
