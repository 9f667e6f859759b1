/* SPDX-License-Identifier: MIT */
/* sessload: a librvirt client making mutating calls while its daemon comes and goes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../client/rvirt.h"

/*
 * sessload [-u URI] [-n ROUNDS] [-p PREFIX] [-k KEEP_EVERY] [-f FLAGFILE]
 *          [-s STOPFILE] [-c] [-x]
 *
 * Each round defines the domain PREFIX-I, starts it, destroys it and
 * undefines it, except that every KEEP_EVERY-th stays defined (and
 * shut off).  A second start or undefine run by the daemon would be an
 * error here; the ids the starts return count the starts the daemon
 * ran, so a start run twice shows as a gap: the ids of the rounds must
 * follow each other.  Any error is printed and counted; the last line
 * is "rounds=R calls=C errors=E disconnects=D reconnects=K lost=L
 * max_reconnect_ms=M id_gaps=G".
 *
 * When FLAGFILE is given, it is created once the first round is done
 * (so a test knows the session is open and working), and the client
 * holds its last round until the file is removed again, keeping the
 * connection open for the test to look at.  With STOPFILE, the rounds
 * end early once that file exists (ROUNDS still bounds them).  -c says
 * other clients start domains too, so ids are not checked for gaps.
 * -x makes the domains process domains (rvirt-guest, for a
 * process:/// URI) and adds a suspend and a resume to each round: a
 * call of theirs run twice is an error ("already paused"), one started
 * twice leaves a guest process behind (the caller counts them).
 */

struct sessload_stats {
	unsigned long calls, errors, disconnects, reconnects, lost, gaps;
	double max_reconnect_ms;
	struct timespec down_at;
};

static double
sessload_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
sessload_event(struct rvirt_conn *conn, int event,
	       const struct rvirt_error *why, void *opaque)
{
	struct sessload_stats *s = opaque;
	double ms;

	(void)conn;
	switch (event) {
	case RVIRT_CONN_EVENT_DISCONNECTED:
		s->disconnects++;
		clock_gettime(CLOCK_MONOTONIC, &s->down_at);
		fprintf(stderr, "sessload: disconnected: %s\n", why->message);
		break;
	case RVIRT_CONN_EVENT_RECONNECTED:
		s->reconnects++;
		ms = sessload_ms_since(&s->down_at);
		if (ms > s->max_reconnect_ms)
			s->max_reconnect_ms = ms;
		fprintf(stderr, "sessload: reconnected after %.1f ms\n", ms);
		break;
	case RVIRT_CONN_EVENT_LOST:
		s->lost++;
		fprintf(stderr, "sessload: lost: %s\n", why->message);
		break;
	default:
		break;
	}
}

static int
sessload_check(struct sessload_stats *s, int rc, const char *what,
	       const char *name, const struct rvirt_error *err)
{
	s->calls++;
	if (rc == 0)
		return 0;
	s->errors++;
	fprintf(stderr, "sessload: %s '%s': %s (code %d)\n", what, name,
		err->message, err->code);
	return -1;
}

static int sessload_shared;
static int sessload_process;

static int
sessload_round(struct rvirt_conn *conn, const char *prefix, unsigned long i,
	       unsigned long keep, struct sessload_stats *s, int *last_id)
{
	struct rvirt_error err = { 0 };
	struct rvirt_domain dom;
	char name[128], xml[512];
	int rc;

	snprintf(name, sizeof(name), "%s-%lu", prefix, i);
	if (sessload_process)
		snprintf(xml, sizeof(xml),
			 "<domain type='process'><name>%s</name>"
			 "<memory unit='MiB'>8</memory><vcpu>1</vcpu>"
			 "<os><type>hvm</type><cmdline>load=idle</cmdline>"
			 "</os></domain>",
			 name);
	else
		snprintf(xml, sizeof(xml),
			 "<domain type='test'><name>%s</name>"
			 "<memory unit='KiB'>65536</memory><vcpu>1</vcpu>"
			 "<os><type>hvm</type></os></domain>",
			 name);
	rc = rvirt_domain_define_xml(conn, xml, &dom, &err);
	if (sessload_check(s, rc, "define", name, &err) < 0)
		return -1;
	rc = rvirt_domain_create(conn, &dom, &dom, &err);
	if (sessload_check(s, rc, "start", name, &err) < 0)
		return -1;
	if (!sessload_shared && *last_id > 0 && dom.id != *last_id + 1) {
		fprintf(stderr, "sessload: '%s' started with id %d, not %d\n",
			name, dom.id, *last_id + 1);
		s->gaps++;
	}
	*last_id = dom.id;
	if (sessload_process) {
		rc = rvirt_domain_suspend(conn, &dom, &err);
		if (sessload_check(s, rc, "suspend", name, &err) < 0)
			return -1;
		rc = rvirt_domain_resume(conn, &dom, &err);
		if (sessload_check(s, rc, "resume", name, &err) < 0)
			return -1;
	}
	rc = rvirt_domain_destroy(conn, &dom, &err);
	if (sessload_check(s, rc, "destroy", name, &err) < 0)
		return -1;
	if (keep && i % keep == 0)
		return 0;
	rc = rvirt_domain_undefine(conn, &dom, &err);
	return sessload_check(s, rc, "undefine", name, &err);
}

int
main(int argc, char **argv)
{
	struct sessload_stats s;
	struct rvirt_error err = { 0 };
	struct rvirt_conn *conn;
	const char *uri = NULL, *prefix = "s", *flagfile = NULL;
	const char *stopfile = NULL;
	unsigned long rounds = 100, keep = 10, i;
	int opt, last_id = 0;

	memset(&s, 0, sizeof(s));
	while ((opt = getopt(argc, argv, "u:n:p:k:f:s:cx")) != -1) {
		switch (opt) {
		case 'u':
			uri = optarg;
			break;
		case 'n':
			rounds = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			prefix = optarg;
			break;
		case 'k':
			keep = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			flagfile = optarg;
			break;
		case 's':
			stopfile = optarg;
			break;
		case 'c':
			sessload_shared = 1;
			break;
		case 'x':
			sessload_process = 1;
			break;
		default:
			fprintf(stderr, "usage: sessload [-u URI] [-n ROUNDS] "
					"[-p PREFIX] [-k KEEP] [-f FLAGFILE] "
					"[-s STOPFILE] [-c] [-x]\n");
			return 2;
		}
	}
	conn = rvirt_conn_open(uri, 0, &err);
	if (!conn) {
		fprintf(stderr, "sessload: %s\n", err.message);
		return 1;
	}
	rvirt_conn_set_event_callback(conn, sessload_event, &s, &err);
	for (i = 1; i <= rounds; i++) {
		if (stopfile && access(stopfile, F_OK) == 0)
			break;
		sessload_round(conn, prefix, i, keep, &s, &last_id);
		if (i == 1 && flagfile) {
			FILE *f = fopen(flagfile, "w");

			if (f)
				fclose(f);
		}
	}
	/* Hold the connection until the test has looked (bounded: 60 s). */
	for (int t = 0; flagfile && t < 600 && access(flagfile, F_OK) == 0; t++)
		usleep(100000);
	rvirt_conn_close(conn);
	printf("rounds=%lu calls=%lu errors=%lu disconnects=%lu "
	       "reconnects=%lu lost=%lu max_reconnect_ms=%.1f id_gaps=%lu\n",
	       i - 1, s.calls, s.errors, s.disconnects, s.reconnects, s.lost,
	       s.max_reconnect_ms, s.gaps);
	return s.errors || s.gaps ? 1 : 0;
}
