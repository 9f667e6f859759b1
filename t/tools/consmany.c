/* SPDX-License-Identifier: MIT */
/* consmany: many console reads waiting at once, each on a connection of its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/rvirt.h"

/*
 * consmany URI DOMAIN N WAIT-MS TEXT
 *
 * Opens N connections (at most 1000) and the console of DOMAIN on each,
 * reads what is there already without waiting, prints "waiting" once
 * all are ready, then each connection makes reads that may wait WAIT-MS
 * until the output read after that point contains TEXT.  Prints "got
 * N" and exits 0 when every reader saw TEXT, else prints each failure
 * on stderr and exits 1.
 */

struct reader {
	const char *uri, *domain, *text;
	unsigned int wait_ms;
	struct rvirt_conn *conn;
	struct rvirt_console *con;
	char out[8192];
	size_t len;
	int ok;
	struct rvirt_error err;
};

static pthread_barrier_t consmany_barrier;

static void *
consmany_read(void *arg)
{
	struct reader *r = arg;
	ssize_t n;

	pthread_barrier_wait(&consmany_barrier);
	while (!strstr(r->out, r->text) && r->len + 1 < sizeof(r->out)) {
		n = rvirt_console_read(r->con, r->out + r->len,
				       sizeof(r->out) - r->len - 1, r->wait_ms,
				       &r->err);
		if (n <= 0) {
			if (n == 0)
				snprintf(r->err.message, sizeof(r->err.message),
					 "no output in %u ms", r->wait_ms);
			return NULL;
		}
		r->len += (size_t)n;
		r->out[r->len] = '\0';
	}
	r->ok = strstr(r->out, r->text) != NULL;
	return NULL;
}

int
main(int argc, char **argv)
{
	struct rvirt_domain dom;
	struct reader *rs;
	pthread_t *ts;
	char buf[4096];
	int n, got = 0;
	ssize_t k;

	if (argc != 6 || (n = atoi(argv[3])) < 1 || n > 1000) {
		fprintf(stderr, "usage: consmany URI DOMAIN N WAIT-MS TEXT\n");
		return 2;
	}
	rs = calloc((size_t)n, sizeof(*rs));
	ts = calloc((size_t)n, sizeof(*ts));
	if (!rs || !ts)
		return 2;
	for (int i = 0; i < n; i++) {
		struct reader *r = &rs[i];

		r->uri = argv[1];
		r->domain = argv[2];
		r->text = argv[5];
		r->wait_ms = (unsigned int)atoi(argv[4]);
		r->conn = rvirt_conn_open(r->uri, 0, &r->err);
		if (!r->conn ||
		    rvirt_domain_lookup_by_name(r->conn, r->domain, &dom,
						&r->err) < 0 ||
		    !(r->con = rvirt_console_open(r->conn, &dom, 0, &r->err))) {
			fprintf(stderr, "consmany: reader %d: %s\n", i,
				r->err.message);
			return 1;
		}
		do
			k = rvirt_console_read(r->con, buf, sizeof(buf), 0,
					       &r->err);
		while (k > 0);
		if (k < 0) {
			fprintf(stderr, "consmany: reader %d: %s\n", i,
				r->err.message);
			return 1;
		}
	}
	pthread_barrier_init(&consmany_barrier, NULL, (unsigned int)n + 1);
	for (int i = 0; i < n; i++)
		if (pthread_create(&ts[i], NULL, consmany_read, &rs[i]) != 0) {
			fprintf(stderr, "consmany: cannot start reader %d\n",
				i);
			return 1;
		}
	pthread_barrier_wait(&consmany_barrier);
	printf("waiting\n");
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		pthread_join(ts[i], NULL);
		if (rs[i].ok)
			got++;
		else
			fprintf(stderr, "consmany: reader %d: %s\n", i,
				rs[i].err.message);
		rvirt_console_free(rs[i].con);
		rvirt_conn_close(rs[i].conn);
	}
	printf("got %d\n", got);
	free(rs);
	free(ts);
	return got == n ? 0 : 1;
}
