/* SPDX-License-Identifier: MIT */
/* wiresh: a tiny command runner over librvirt for the integration tests. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/rvirt.h"
#include "../../common/err.h"

/*
 * usage: wiresh [-r] [-c URI] COMMAND [ARG]... [';' COMMAND [ARG]...]...
 *
 * The commands run in order on one connection; the first failure ends
 * the run with "wiresh: CODE-NAME: message" on stderr and status 1.
 * Output is one fact per line so that tests can compare it exactly.
 */

#define WIRESH_FILE_MAX (RVIRT_XML_MAX + 1)

static void
wiresh_usage(void)
{
	fputs("usage: wiresh [-r] [-c URI] COMMAND [ARG]... "
	      "[';' COMMAND [ARG]...]...\n"
	      "commands: ping type version hostname uri capabilities "
	      "nodeinfo\n"
	      "  list [--all|--inactive]  lookup NAME  lookup-id ID  "
	      "lookup-uuid UUID\n"
	      "  define FILE  create FILE  start NAME  destroy NAME  "
	      "shutdown NAME\n"
	      "  reboot NAME  suspend NAME  resume NAME  undefine NAME\n"
	      "  info NAME  state NAME  dumpxml NAME\n",
	      stderr);
}

static char *
wiresh_read_file(const char *path, struct rvirt_error *err)
{
	FILE *f;
	char *buf = NULL;
	size_t len;

	f = fopen(path, "r");
	if (!f) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_CLIENT, errno,
			      "cannot open '%s'", path);
		return NULL;
	}
	buf = malloc(WIRESH_FILE_MAX + 1);
	if (!buf) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_CLIENT,
			"cannot read '%s': out of memory", path);
		goto out;
	}
	len = fread(buf, 1, WIRESH_FILE_MAX + 1, f);
	if (ferror(f) || len > WIRESH_FILE_MAX) {
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"cannot read '%s': read error or too large", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
out:
	fclose(f);
	return buf;
}

static void
wiresh_print_domain(const struct rvirt_domain *dom)
{
	char uuid[37];

	rvirt_uuid_format(dom->uuid, uuid);
	printf("%s %s %d\n", dom->name, uuid, dom->id);
}

static int
wiresh_list(struct rvirt_conn *conn, int argc, char **argv,
	    struct rvirt_error *err)
{
	unsigned int flags = RVIRT_LIST_ACTIVE;
	struct rvirt_domain *doms = NULL;
	size_t ndoms = 0;
	size_t i;
	int state;
	int reason;
	int ret = -1;

	if (argc > 1 && strcmp(argv[1], "--all") == 0)
		flags = 0;
	else if (argc > 1 && strcmp(argv[1], "--inactive") == 0)
		flags = RVIRT_LIST_INACTIVE;
	if (rvirt_domain_list_all(conn, flags, &doms, &ndoms, err) < 0)
		return -1;
	for (i = 0; i < ndoms; i++) {
		if (rvirt_domain_get_state(conn, &doms[i], &state, &reason,
					   err) < 0)
			goto out;
		printf("%s %d %s\n", doms[i].name, doms[i].id,
		       rvirt_domain_state_name(state));
	}
	ret = 0;
out:
	free(doms);
	return ret;
}

/* Commands that take one domain name. */
static int
wiresh_domain_cmd(struct rvirt_conn *conn, const char *cmd, const char *name,
		  struct rvirt_error *err)
{
	struct rvirt_domain dom;
	struct rvirt_domain out;
	struct rvirt_domain_info info;
	int state;
	int reason;
	char *xml;

	if (rvirt_domain_lookup_by_name(conn, name, &dom, err) < 0)
		return -1;
	if (strcmp(cmd, "lookup") == 0) {
		wiresh_print_domain(&dom);
	} else if (strcmp(cmd, "start") == 0) {
		if (rvirt_domain_create(conn, &dom, &out, err) < 0)
			return -1;
		wiresh_print_domain(&out);
	} else if (strcmp(cmd, "destroy") == 0) {
		return rvirt_domain_destroy(conn, &dom, err);
	} else if (strcmp(cmd, "shutdown") == 0) {
		return rvirt_domain_shutdown(conn, &dom, err);
	} else if (strcmp(cmd, "reboot") == 0) {
		return rvirt_domain_reboot(conn, &dom, err);
	} else if (strcmp(cmd, "suspend") == 0) {
		return rvirt_domain_suspend(conn, &dom, err);
	} else if (strcmp(cmd, "resume") == 0) {
		return rvirt_domain_resume(conn, &dom, err);
	} else if (strcmp(cmd, "undefine") == 0) {
		return rvirt_domain_undefine(conn, &dom, err);
	} else if (strcmp(cmd, "info") == 0) {
		if (rvirt_domain_get_info(conn, &dom, &info, err) < 0)
			return -1;
		printf("state %s\nmax_mem_kib %" PRIu64 "\nmemory_kib %" PRIu64
		       "\nvcpus %u\ncpu_time_ns %" PRIu64 "\n",
		       rvirt_domain_state_name(info.state), info.max_mem_kib,
		       info.memory_kib, info.nr_vcpus, info.cpu_time_ns);
	} else if (strcmp(cmd, "state") == 0) {
		if (rvirt_domain_get_state(conn, &dom, &state, &reason, err) <
		    0)
			return -1;
		printf("%s %d\n", rvirt_domain_state_name(state), reason);
	} else if (strcmp(cmd, "dumpxml") == 0) {
		xml = rvirt_domain_get_xml_desc(conn, &dom, 0, err);
		if (!xml)
			return -1;
		printf("%s\n", xml);
		free(xml);
	}
	return 0;
}

static int
wiresh_print_string(char *s)
{
	if (!s)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static int
wiresh_run(struct rvirt_conn *conn, int argc, char **argv,
	   struct rvirt_error *err)
{
	const char *cmd = argv[0];
	struct rvirt_domain dom;
	struct rvirt_node_info ni;
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	uint64_t version;
	char *xml;
	int rc;

	if (strcmp(cmd, "ping") == 0)
		return rvirt_conn_ping(conn, err);
	if (strcmp(cmd, "type") == 0)
		return wiresh_print_string(rvirt_conn_get_type(conn, err));
	if (strcmp(cmd, "hostname") == 0)
		return wiresh_print_string(rvirt_conn_get_hostname(conn, err));
	if (strcmp(cmd, "uri") == 0)
		return wiresh_print_string(rvirt_conn_get_uri(conn, err));
	if (strcmp(cmd, "capabilities") == 0)
		return wiresh_print_string(
			rvirt_conn_get_capabilities(conn, err));
	if (strcmp(cmd, "version") == 0) {
		if (rvirt_conn_get_version(conn, &version, err) < 0)
			return -1;
		printf("%" PRIu64 "\n", version);
		return 0;
	}
	if (strcmp(cmd, "nodeinfo") == 0) {
		if (rvirt_node_get_info(conn, &ni, err) < 0)
			return -1;
		printf("model %s\nmemory_kib %" PRIu64 "\ncpus %u\n", ni.model,
		       ni.memory_kib, ni.cpus);
		return 0;
	}
	if (strcmp(cmd, "list") == 0)
		return wiresh_list(conn, argc, argv, err);
	if (argc != 2) {
		wiresh_usage();
		err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
			"bad command '%s'", cmd);
		return -1;
	}
	if (strcmp(cmd, "define") == 0 || strcmp(cmd, "create") == 0) {
		xml = wiresh_read_file(argv[1], err);
		if (!xml)
			return -1;
		if (strcmp(cmd, "define") == 0)
			rc = rvirt_domain_define_xml(conn, xml, &dom, err);
		else
			rc = rvirt_domain_create_xml(conn, xml, &dom, err);
		free(xml);
		if (rc < 0)
			return -1;
		wiresh_print_domain(&dom);
		return 0;
	}
	if (strcmp(cmd, "lookup-id") == 0) {
		if (rvirt_domain_lookup_by_id(conn, atoi(argv[1]), &dom, err) <
		    0)
			return -1;
		wiresh_print_domain(&dom);
		return 0;
	}
	if (strcmp(cmd, "lookup-uuid") == 0) {
		if (rvirt_uuid_parse(argv[1], uuid) < 0) {
			err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
				"bad uuid '%s'", argv[1]);
			return -1;
		}
		if (rvirt_domain_lookup_by_uuid(conn, uuid, &dom, err) < 0)
			return -1;
		wiresh_print_domain(&dom);
		return 0;
	}
	if (strcmp(cmd, "lookup") == 0 || strcmp(cmd, "start") == 0 ||
	    strcmp(cmd, "destroy") == 0 || strcmp(cmd, "shutdown") == 0 ||
	    strcmp(cmd, "reboot") == 0 || strcmp(cmd, "suspend") == 0 ||
	    strcmp(cmd, "resume") == 0 || strcmp(cmd, "undefine") == 0 ||
	    strcmp(cmd, "info") == 0 || strcmp(cmd, "state") == 0 ||
	    strcmp(cmd, "dumpxml") == 0)
		return wiresh_domain_cmd(conn, cmd, argv[1], err);
	wiresh_usage();
	err_set(err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
		"unknown command '%s'", cmd);
	return -1;
}

int
main(int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_conn *conn;
	const char *uri = NULL;
	unsigned int flags = 0;
	int i = 1;
	int start;
	int ret = 1;

	err_clear(&err);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-r") == 0) {
			flags |= RVIRT_CONNECT_RO;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			uri = argv[++i];
		} else {
			wiresh_usage();
			return 2;
		}
	}
	if (i >= argc) {
		wiresh_usage();
		return 2;
	}
	conn = rvirt_conn_open(uri, flags, &err);
	if (!conn)
		goto out;
	while (i < argc) {
		start = i;
		while (i < argc && strcmp(argv[i], ";") != 0)
			i++;
		if (i == start) {
			err_set(&err, RVIRT_ERR_INVALID_ARG, RVIRT_FROM_CLIENT,
				"empty command");
			goto out;
		}
		if (wiresh_run(conn, i - start, argv + start, &err) < 0)
			goto out;
		fflush(stdout);
		i++;
	}
	ret = 0;
out:
	if (ret != 0)
		fprintf(stderr, "wiresh: %s: %s\n", err_code_name(err.code),
			err.message);
	rvirt_conn_close(conn);
	return ret;
}
