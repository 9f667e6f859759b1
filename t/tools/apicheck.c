/* SPDX-License-Identifier: MIT */
/* apicheck: calls every librvirt function against a running rvirtd. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/rvirt.h"

/*
 * Usage: apicheck URI URI_RO
 * Prints one line per check, "ok NAME" or "FAIL NAME: why", and exits 1
 * if any check failed.  t/6000-client-api.t runs it against a daemon of
 * its own with the default domain "test" and nothing else defined.
 */

static int failures;

static void
check(int cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		printf("ok %s\n", name);
		return;
	}
	failures++;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char xml_web[] = "<domain type='test'><name>api1</name>"
			      "<memory unit='MiB'>64</memory><vcpu>3</vcpu>"
			      "<os><type>hvm</type></os></domain>";
static const char xml_tmp[] =
	"<domain type='test'><name>api-tmp</name>"
	"<memory unit='MiB'>32</memory><vcpu>1</vcpu></domain>";

static void
check_connection(struct rvirt_conn *c)
{
	struct rvirt_error err;
	struct rvirt_node_info ni;
	uint64_t ver = 0;
	char *s;

	check(rvirt_conn_ping(c, &err) == 0, "ping", "%s", err.message);
	s = rvirt_conn_get_type(c, &err);
	check(s && !strcmp(s, "TEST"), "get_type", "%s", s ? s : err.message);
	free(s);
	check(rvirt_conn_get_version(c, &ver, &err) == 0 && ver > 0,
	      "get_version", "%s", err.message);
	s = rvirt_conn_get_hostname(c, &err);
	check(s && *s, "get_hostname", "%s", s ? s : err.message);
	free(s);
	s = rvirt_conn_get_uri(c, &err);
	check(s && !strcmp(s, "test:///default"), "get_uri", "%s",
	      s ? s : err.message);
	free(s);
	s = rvirt_conn_get_capabilities(c, &err);
	check(s && strstr(s, "<capabilities>"), "get_capabilities", "%s",
	      s ? s : err.message);
	free(s);
	check(rvirt_node_get_info(c, &ni, &err) == 0 && ni.cpus > 0 &&
		      ni.memory_kib > 0,
	      "node_get_info", "%s", err.message);
}

static void
check_lookups(struct rvirt_conn *c)
{
	struct rvirt_domain d, d2;
	struct rvirt_error err;
	struct rvirt_domain *doms = NULL;
	size_t n = 0;
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	char uuidstr[37];

	check(rvirt_domain_lookup_by_name(c, "test", &d, &err) == 0 &&
		      d.id == 1,
	      "lookup_by_name", "%s", err.message);
	check(rvirt_domain_lookup_by_uuid(c, d.uuid, &d2, &err) == 0 &&
		      !strcmp(d2.name, "test"),
	      "lookup_by_uuid", "%s", err.message);
	check(rvirt_domain_lookup_by_id(c, 1, &d2, &err) == 0 &&
		      !strcmp(d2.name, "test"),
	      "lookup_by_id", "%s", err.message);
	check(rvirt_domain_lookup_by_name(c, "nosuch", &d2, &err) < 0 &&
		      err.code == RVIRT_ERR_NO_DOMAIN &&
		      strstr(err.message, "nosuch"),
	      "lookup_missing_is_no_domain", "code %d: %s", err.code,
	      err.message);
	check(rvirt_domain_lookup_by_id(c, 4242, &d2, &err) < 0 &&
		      err.code == RVIRT_ERR_NO_DOMAIN,
	      "lookup_missing_id", "code %d", err.code);
	check(rvirt_domain_list_all(c, 0, &doms, &n, &err) == 0 && n == 1 &&
		      !strcmp(doms[0].name, "test"),
	      "list_all", "%s", err.message);
	free(doms);
	rvirt_uuid_format(d.uuid, uuidstr);
	check(strlen(uuidstr) == 36 && rvirt_uuid_parse(uuidstr, uuid) == 0 &&
		      !memcmp(uuid, d.uuid, sizeof(uuid)),
	      "uuid_format_parse", "%s", uuidstr);
	check(rvirt_uuid_parse("not-a-uuid", uuid) < 0, "uuid_parse_bad",
	      "accepted");
}

static void
check_lifecycle(struct rvirt_conn *c)
{
	struct rvirt_domain d, d2, *doms = NULL;
	struct rvirt_domain_info info;
	struct rvirt_error err;
	int state = -1, reason = -1;
	size_t n = 0;
	char *xml;

	check(rvirt_domain_define_xml(c, xml_web, &d, &err) == 0 &&
		      !strcmp(d.name, "api1") && d.id == -1,
	      "define_xml", "%s", err.message);
	check(rvirt_domain_list_all(c, RVIRT_LIST_INACTIVE, &doms, &n, &err) ==
			      0 &&
		      n == 1 && !strcmp(doms[0].name, "api1"),
	      "list_inactive", "%s", err.message);
	free(doms);
	check(rvirt_domain_create(c, &d, &d2, &err) == 0 && d2.id > 1, "create",
	      "%s", err.message);
	check(rvirt_domain_get_state(c, &d, &state, &reason, &err) == 0 &&
		      state == RVIRT_DOMAIN_RUNNING,
	      "get_state_running", "state %d %s", state, err.message);
	check(rvirt_domain_get_info(c, &d, &info, &err) == 0 &&
		      info.nr_vcpus == 3 && info.max_mem_kib == 65536 &&
		      info.state == RVIRT_DOMAIN_RUNNING,
	      "get_info", "%s", err.message);
	check(rvirt_domain_suspend(c, &d, &err) == 0 &&
		      rvirt_domain_get_state(c, &d, &state, &reason, &err) ==
			      0 &&
		      state == RVIRT_DOMAIN_PAUSED,
	      "suspend", "%s", err.message);
	check(rvirt_domain_resume(c, &d, &err) == 0, "resume", "%s",
	      err.message);
	check(rvirt_domain_reboot(c, &d, &err) == 0, "reboot", "%s",
	      err.message);
	xml = rvirt_domain_get_xml_desc(c, &d, 0, &err);
	check(xml && strstr(xml, "<name>api1</name>"), "get_xml_desc", "%s",
	      xml ? xml : err.message);
	free(xml);
	check(rvirt_domain_create(c, &d, NULL, &err) < 0 &&
		      err.code == RVIRT_ERR_OPERATION_INVALID,
	      "create_running_is_invalid", "code %d", err.code);
	check(rvirt_domain_shutdown(c, &d, &err) == 0 &&
		      rvirt_domain_get_state(c, &d, &state, &reason, &err) ==
			      0 &&
		      state == RVIRT_DOMAIN_SHUTOFF,
	      "shutdown", "%s", err.message);
	check(rvirt_domain_destroy(c, &d, &err) < 0 &&
		      err.code == RVIRT_ERR_OPERATION_INVALID,
	      "destroy_stopped_is_invalid", "code %d", err.code);
	check(rvirt_domain_undefine(c, &d, &err) == 0 &&
		      rvirt_domain_lookup_by_name(c, "api1", &d2, &err) < 0,
	      "undefine", "%s", err.message);
	check(rvirt_domain_create_xml(c, xml_tmp, &d, &err) == 0 && d.id > 0,
	      "create_xml", "%s", err.message);
	check(rvirt_domain_destroy(c, &d, &err) == 0 &&
		      rvirt_domain_lookup_by_name(c, "api-tmp", &d2, &err) <
			      0 &&
		      err.code == RVIRT_ERR_NO_DOMAIN,
	      "transient_gone_after_destroy", "code %d", err.code);
	check(rvirt_domain_define_xml(c, "<domain", &d, &err) < 0 &&
		      err.code == RVIRT_ERR_XML,
	      "bad_xml_is_xml_error", "code %d: %s", err.code, err.message);
	check(!strcmp(rvirt_domain_state_name(RVIRT_DOMAIN_SHUTOFF),
		      "shut off") &&
		      !strcmp(rvirt_domain_state_name(999), "unknown"),
	      "state_name", "wrong");
}

static void
check_readonly(const char *uri_ro)
{
	struct rvirt_conn *c;
	struct rvirt_domain d;
	struct rvirt_error err;

	c = rvirt_conn_open(uri_ro, RVIRT_CONNECT_RO, &err);
	check(c != NULL, "open_readonly", "%s", err.message);
	if (!c)
		return;
	check(rvirt_domain_lookup_by_name(c, "test", &d, &err) == 0,
	      "readonly_reads", "%s", err.message);
	check(rvirt_domain_destroy(c, &d, &err) < 0 &&
		      err.code == RVIRT_ERR_ACCESS_DENIED &&
		      strstr(err.message, "read-only"),
	      "readonly_refuses_writes", "code %d: %s", err.code, err.message);
	rvirt_conn_close(c);
}

struct worker {
	struct rvirt_conn *conn;
	int bad;
};

/* Many calls of different sizes: replies must never cross threads. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct rvirt_error err;
	struct rvirt_domain d;
	int i;

	for (i = 0; i < 200; i++) {
		char *xml;

		if (rvirt_domain_lookup_by_id(w->conn, 1, &d, &err) < 0 ||
		    strcmp(d.name, "test") != 0)
			w->bad++;
		xml = rvirt_domain_get_xml_desc(w->conn, &d, 0, &err);
		if (!xml || !strstr(xml, "<name>test</name>"))
			w->bad++;
		free(xml);
	}
	return NULL;
}

static void
check_threads(struct rvirt_conn *c)
{
	struct worker w[4];
	pthread_t t[4];
	int i, bad = 0;

	for (i = 0; i < 4; i++) {
		w[i].conn = c;
		w[i].bad = 0;
		if (pthread_create(&t[i], NULL, worker_main, &w[i]) != 0)
			bad++;
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
	}
	check(bad == 0, "threads_share_a_connection", "%d wrong results", bad);
}

static void
check_client_side_errors(const char *uri)
{
	struct rvirt_conn *c;
	struct rvirt_domain d = { .id = -1 };
	struct rvirt_error err = { 0 };

	check(rvirt_conn_open("test://example.invalid/default", 0, &err) ==
			      NULL &&
		      err.code == RVIRT_ERR_TRANSPORT &&
		      !strncmp(err.message,
			       "cannot resolve 'example.invalid': ", 34),
	      "tls_to_unknown_host", "code %d: %s", err.code, err.message);
	check(rvirt_conn_open(uri, 0x100, &err) == NULL &&
		      err.code == RVIRT_ERR_INVALID_ARG,
	      "open_unknown_flags", "code %d", err.code);
	check(rvirt_conn_ping(NULL, &err) < 0 &&
		      err.code == RVIRT_ERR_INVALID_ARG,
	      "null_connection", "code %d", err.code);
	/* RVIRT_DEFAULT_URI is what a NULL uri opens */
	setenv("RVIRT_DEFAULT_URI", uri, 1);
	c = rvirt_conn_open(NULL, 0, &err);
	check(c != NULL, "open_default_uri", "%s", err.message);
	unsetenv("RVIRT_DEFAULT_URI");
	if (!c)
		return;
	check(rvirt_domain_lookup_by_name(c, NULL, &d, &err) < 0 &&
		      err.code == RVIRT_ERR_INVALID_ARG,
	      "lookup_null_name", "code %d", err.code);
	check(rvirt_domain_define_xml(c, NULL, &d, &err) < 0 &&
		      err.code == RVIRT_ERR_INVALID_ARG,
	      "define_null_xml", "code %d", err.code);
	check(rvirt_domain_list_all(c, 4, NULL, NULL, &err) < 0 &&
		      err.code == RVIRT_ERR_INVALID_ARG,
	      "list_bad_args", "code %d", err.code);
	memset(d.name, 'x', sizeof(d.name));
	check(rvirt_domain_destroy(c, &d, &err) < 0 &&
		      err.code == RVIRT_ERR_INVALID_ARG,
	      "unterminated_domain_name", "code %d", err.code);
	check(rvirt_console_token_enable(c, NULL, 0, NULL, &err) < 0 &&
		      err.code == RVIRT_ERR_INVALID_ARG &&
		      rvirt_console_token_disable(c, NULL, &err) < 0 &&
		      err.code == RVIRT_ERR_INVALID_ARG &&
		      rvirt_console_token_show(c, NULL, NULL, &err) < 0 &&
		      err.code == RVIRT_ERR_INVALID_ARG &&
		      !strcmp(err.message, "no domain given"),
	      "console_token_null_domain", "code %d: %s", err.code,
	      err.message);
	/* errors above went nowhere near the wire: the connection works */
	check(rvirt_conn_ping(c, &err) == 0, "ping_after_errors", "%s",
	      err.message);
	check_threads(c);
	rvirt_conn_close(c);
}

int
main(int argc, char **argv)
{
	struct rvirt_conn *c;
	struct rvirt_error err = { 0 };

	if (argc != 3) {
		fprintf(stderr, "usage: apicheck URI URI_RO\n");
		return 2;
	}
	check(rvirt_conn_open("test:///default?socket=/nonexistent/s", 0,
			      &err) == NULL &&
		      err.code == RVIRT_ERR_TRANSPORT,
	      "open_missing_socket_is_transport_error", "code %d: %s", err.code,
	      err.message);
	check(rvirt_conn_open("bogus", 0, &err) == NULL &&
		      err.code == RVIRT_ERR_URI,
	      "open_bad_uri_is_uri_error", "code %d: %s", err.code,
	      err.message);
	c = rvirt_conn_open(argv[1], 0, &err);
	check(c != NULL, "open", "%s", err.message);
	if (!c)
		return 1;
	check_connection(c);
	check_lookups(c);
	check_lifecycle(c);
	rvirt_conn_close(c);
	rvirt_conn_close(NULL);
	check_readonly(argv[2]);
	check_client_side_errors(argv[1]);
	return failures ? 1 : 0;
}
