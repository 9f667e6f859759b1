/* SPDX-License-Identifier: MIT */
/* rvsh_cmd: the commands of rvsh, one function each, and their table. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvsh.h"
#include "version.h"
#include "rvsh_connect.h"
#include "rvsh_event.h"
#include "rvsh_console.h"
#include "rvsh_vcpu.h"

struct rvsh_cmd {
	const char *name;
	const char *args; /* usage after the name */
	const char *help; /* one line */
	enum rvsh_arg arg;
	int min_args, max_args;
	int (*fn)(struct rvsh *sh, int argc, char **argv);
};

static const struct rvsh_cmd *rvsh_cmd_find(const char *name);

static int
rvsh_usage_of(const struct rvsh_cmd *c)
{
	fprintf(stderr, "rvsh: usage: %s%s%s\n", c->name, c->args[0] ? " " : "",
		c->args);
	return RVSH_USAGE;
}

int
rvsh_fail(const struct rvirt_error *err)
{
	rvsh_error("%s", err->message);
	return RVSH_ERROR;
}

/* Say what happened, for people only. */
static void rvsh_info(const struct rvsh *sh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
rvsh_info(const struct rvsh *sh, const char *fmt, ...)
{
	va_list ap;

	if (sh->quiet || sh->script)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Print a document, ending it with a newline if it lacks one. */
static void
rvsh_print_doc(const char *s)
{
	size_t len = strlen(s);

	fputs(s, stdout);
	if (len == 0 || s[len - 1] != '\n')
		putchar('\n');
}

/*
 * Find a domain as virsh does: an id when arg is a number that names a
 * running domain, then a uuid, then a name.  Only "no such domain"
 * moves on to the next kind; any other error stops.
 */
int
rvsh_domain_find(struct rvsh *sh, const char *arg, struct rvirt_domain *dom)
{
	struct rvirt_error err;
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	char *end;
	long id;

	if (rvsh_connect(sh, 0) < 0)
		return -1;
	errno = 0;
	id = strtol(arg, &end, 10);
	if (arg[0] >= '0' && arg[0] <= '9' && *end == '\0' && errno == 0 &&
	    id <= INT_MAX) {
		if (rvirt_domain_lookup_by_id(sh->conn, (int)id, dom, &err) ==
		    0)
			return 0;
		if (err.code != RVIRT_ERR_NO_DOMAIN) {
			rvsh_fail(&err);
			return -1;
		}
	}
	if (rvirt_uuid_parse(arg, uuid) == 0) {
		if (rvirt_domain_lookup_by_uuid(sh->conn, uuid, dom, &err) == 0)
			return 0;
		if (err.code != RVIRT_ERR_NO_DOMAIN) {
			rvsh_fail(&err);
			return -1;
		}
	}
	if (strlen(arg) > RVIRT_NAME_MAX) {
		rvsh_error("failed to get domain '%.64s...': name too long",
			   arg);
		return -1;
	}
	if (rvirt_domain_lookup_by_name(sh->conn, arg, dom, &err) == 0)
		return 0;
	rvsh_fail(&err);
	return -1;
}

static int
rvsh_cmd_list(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain *doms = NULL;
	const char **states = NULL;
	size_t n = 0, i;
	unsigned int flags = RVIRT_LIST_ACTIVE;
	int idw = 2, namew = 4, statew = 5, rc = RVSH_ERROR;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			flags = 0;
		else if (strcmp(argv[i], "--inactive") == 0)
			flags = RVIRT_LIST_INACTIVE;
		else
			return rvsh_usage_of(rvsh_cmd_find(argv[0]));
	}
	if (rvsh_connect(sh, 0) < 0)
		return RVSH_ERROR;
	if (rvirt_domain_list_all(sh->conn, flags, &doms, &n, &err) < 0)
		return rvsh_fail(&err);
	states = calloc(n ? n : 1, sizeof(*states));
	if (!states) {
		rvsh_error("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		int state, len;
		char ids[16];

		/* A domain may go away between the list and this call. */
		if (rvirt_domain_get_state(sh->conn, &doms[i], &state, NULL,
					   &err) < 0) {
			if (err.code != RVIRT_ERR_NO_DOMAIN) {
				rvsh_fail(&err);
				goto out;
			}
			state = -1;
		}
		states[i] = rvirt_domain_state_name(state);
		len = snprintf(ids, sizeof(ids), "%d", doms[i].id);
		if (len > idw)
			idw = len;
		if ((int)strlen(doms[i].name) > namew)
			namew = (int)strlen(doms[i].name);
		if ((int)strlen(states[i]) > statew)
			statew = (int)strlen(states[i]);
	}
	if (!sh->script) {
		int w = 1 + idw + 3 + namew + 3 + statew + 1;

		printf(" %-*s   %-*s   %s\n", idw, "Id", namew, "Name",
		       "State");
		while (w-- > 0)
			putchar('-');
		putchar('\n');
	}
	for (i = 0; i < n; i++) {
		char ids[16];

		if (doms[i].id >= 0)
			snprintf(ids, sizeof(ids), "%d", doms[i].id);
		else
			snprintf(ids, sizeof(ids), "-");
		if (sh->script)
			printf("%s\t%s\t%s\n", ids, doms[i].name, states[i]);
		else
			printf(" %-*s   %-*s   %s\n", idw, ids, namew,
			       doms[i].name, states[i]);
	}
	if (!sh->script)
		putchar('\n');
	rc = RVSH_OK;
out:
	free(states);
	free(doms);
	return rc;
}

/* One "Key: value" line, or "key<TAB>value" with --script. */
static void rvsh_field(const struct rvsh *sh, const char *label,
		       const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
rvsh_field(const struct rvsh *sh, const char *label, const char *key,
	   const char *fmt, ...)
{
	va_list ap;

	if (sh->script)
		printf("%s\t", key);
	else
		printf("%-16s", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int
rvsh_cmd_dominfo(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain dom;
	struct rvirt_domain_info info;
	char uuid[37], ids[16] = "-";

	(void)argc;
	if (rvsh_domain_find(sh, argv[1], &dom) < 0)
		return RVSH_ERROR;
	if (rvirt_domain_get_info(sh->conn, &dom, &info, &err) < 0)
		return rvsh_fail(&err);
	rvirt_uuid_format(dom.uuid, uuid);
	if (dom.id >= 0)
		snprintf(ids, sizeof(ids), "%d", dom.id);
	rvsh_field(sh, "Id:", "id", "%s", ids);
	rvsh_field(sh, "Name:", "name", "%s", dom.name);
	rvsh_field(sh, "UUID:", "uuid", "%s", uuid);
	rvsh_field(sh, "State:", "state", "%s",
		   rvirt_domain_state_name(info.state));
	rvsh_field(sh, "CPU(s):", "cpus", "%u", info.nr_vcpus);
	if (sh->script)
		rvsh_field(sh, "", "cpu_time_ns", "%llu",
			   (unsigned long long)info.cpu_time_ns);
	else
		rvsh_field(sh, "CPU time:", "", "%.1fs",
			   (double)info.cpu_time_ns / 1e9);
	rvsh_field(sh, "Max memory:", "max_memory_kib",
		   sh->script ? "%llu" : "%llu KiB",
		   (unsigned long long)info.max_mem_kib);
	rvsh_field(sh, "Used memory:", "used_memory_kib",
		   sh->script ? "%llu" : "%llu KiB",
		   (unsigned long long)info.memory_kib);
	return RVSH_OK;
}

static int
rvsh_cmd_domstate(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain dom;
	int state, reason;

	(void)argc;
	if (rvsh_domain_find(sh, argv[1], &dom) < 0)
		return RVSH_ERROR;
	if (rvirt_domain_get_state(sh->conn, &dom, &state, &reason, &err) < 0)
		return rvsh_fail(&err);
	printf("%s\n", rvirt_domain_state_name(state));
	return RVSH_OK;
}

static int
rvsh_cmd_dumpxml(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain dom;
	char *xml;

	(void)argc;
	if (rvsh_domain_find(sh, argv[1], &dom) < 0)
		return RVSH_ERROR;
	xml = rvirt_domain_get_xml_desc(sh->conn, &dom, 0, &err);
	if (!xml)
		return rvsh_fail(&err);
	rvsh_print_doc(xml);
	free(xml);
	return RVSH_OK;
}

/* The whole file, at most RVIRT_XML_MAX bytes, NUL-terminated. */
static char *
rvsh_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len;

	if (!f) {
		rvsh_error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc((size_t)RVIRT_XML_MAX + 2);
	if (!buf) {
		rvsh_error("out of memory");
		goto out;
	}
	len = fread(buf, 1, (size_t)RVIRT_XML_MAX + 1, f);
	if (ferror(f)) {
		rvsh_error("cannot read '%s': %s", path, strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	if (len > RVIRT_XML_MAX) {
		rvsh_error("cannot read '%s': longer than %d bytes", path,
			   RVIRT_XML_MAX);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		rvsh_error("cannot read '%s': it contains a NUL byte", path);
		free(buf);
		buf = NULL;
	}
out:
	fclose(f);
	return buf;
}

static void
rvsh_print_new_domain(const struct rvsh *sh, const struct rvirt_domain *dom,
		      const char *what, const char *file)
{
	char uuid[37];

	if (sh->script) {
		rvirt_uuid_format(dom->uuid, uuid);
		if (dom->id >= 0)
			printf("%d\t%s\t%s\n", dom->id, dom->name, uuid);
		else
			printf("-\t%s\t%s\n", dom->name, uuid);
		return;
	}
	rvsh_info(sh, "Domain '%s' %s from %s", dom->name, what, file);
}

static int
rvsh_cmd_define_or_create(struct rvsh *sh, char **argv, int create)
{
	struct rvirt_error err;
	struct rvirt_domain dom;
	char *xml;
	int rc;

	if (rvsh_connect(sh, 0) < 0)
		return RVSH_ERROR;
	xml = rvsh_read_file(argv[1]);
	if (!xml)
		return RVSH_ERROR;
	if (create)
		rc = rvirt_domain_create_xml(sh->conn, xml, &dom, &err);
	else
		rc = rvirt_domain_define_xml(sh->conn, xml, &dom, &err);
	free(xml);
	if (rc < 0)
		return rvsh_fail(&err);
	rvsh_print_new_domain(sh, &dom, create ? "created" : "defined",
			      argv[1]);
	return RVSH_OK;
}

static int
rvsh_cmd_define(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	return rvsh_cmd_define_or_create(sh, argv, 0);
}

static int
rvsh_cmd_create(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	return rvsh_cmd_define_or_create(sh, argv, 1);
}

/* The commands that act on one domain and print what they did. */
static int
rvsh_domain_act(struct rvsh *sh, const char *arg,
		int (*fn)(struct rvirt_conn *, const struct rvirt_domain *,
			  struct rvirt_error *),
		const char *done)
{
	struct rvirt_error err;
	struct rvirt_domain dom;

	if (rvsh_domain_find(sh, arg, &dom) < 0)
		return RVSH_ERROR;
	if (fn(sh->conn, &dom, &err) < 0)
		return rvsh_fail(&err);
	rvsh_info(sh, "Domain '%s' %s", dom.name, done);
	return RVSH_OK;
}

static int
rvsh_cmd_undefine(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	return rvsh_domain_act(sh, argv[1], rvirt_domain_undefine,
			       "has been undefined");
}

static int
rvsh_cmd_start(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain dom;

	(void)argc;
	if (rvsh_domain_find(sh, argv[1], &dom) < 0)
		return RVSH_ERROR;
	if (rvirt_domain_create(sh->conn, &dom, NULL, &err) < 0)
		return rvsh_fail(&err);
	rvsh_info(sh, "Domain '%s' started", dom.name);
	return RVSH_OK;
}

static int
rvsh_cmd_destroy(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	return rvsh_domain_act(sh, argv[1], rvirt_domain_destroy, "destroyed");
}

static int
rvsh_cmd_shutdown(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	return rvsh_domain_act(sh, argv[1], rvirt_domain_shutdown,
			       "is being shutdown");
}

static int
rvsh_cmd_reboot(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	return rvsh_domain_act(sh, argv[1], rvirt_domain_reboot,
			       "is being rebooted");
}

static int
rvsh_cmd_suspend(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	return rvsh_domain_act(sh, argv[1], rvirt_domain_suspend, "suspended");
}

static int
rvsh_cmd_resume(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	return rvsh_domain_act(sh, argv[1], rvirt_domain_resume, "resumed");
}

static int
rvsh_cmd_nodeinfo(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_node_info ni;

	(void)argc;
	(void)argv;
	if (rvsh_connect(sh, 0) < 0)
		return RVSH_ERROR;
	if (rvirt_node_get_info(sh->conn, &ni, &err) < 0)
		return rvsh_fail(&err);
	if (sh->script) {
		printf("cpu_model\t%s\ncpus\t%u\nmhz\t%u\nsockets\t%u\n"
		       "cores_per_socket\t%u\nthreads_per_core\t%u\n"
		       "numa_cells\t%u\nmemory_kib\t%llu\n",
		       ni.model, ni.cpus, ni.mhz, ni.sockets, ni.cores,
		       ni.threads, ni.nodes, (unsigned long long)ni.memory_kib);
		return RVSH_OK;
	}
	printf("%-21s%s\n", "CPU model:", ni.model);
	printf("%-21s%u\n", "CPU(s):", ni.cpus);
	printf("%-21s%u MHz\n", "CPU frequency:", ni.mhz);
	printf("%-21s%u\n", "CPU socket(s):", ni.sockets);
	printf("%-21s%u\n", "Core(s) per socket:", ni.cores);
	printf("%-21s%u\n", "Thread(s) per core:", ni.threads);
	printf("%-21s%u\n", "NUMA cell(s):", ni.nodes);
	printf("%-21s%llu KiB\n",
	       "Memory size:", (unsigned long long)ni.memory_kib);
	return RVSH_OK;
}

static int
rvsh_cmd_capabilities(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	char *xml;

	(void)argc;
	(void)argv;
	if (rvsh_connect(sh, 0) < 0)
		return RVSH_ERROR;
	xml = rvirt_conn_get_capabilities(sh->conn, &err);
	if (!xml)
		return rvsh_fail(&err);
	rvsh_print_doc(xml);
	free(xml);
	return RVSH_OK;
}

/*
 * Like virsh: the library rvsh was compiled against and the one it runs
 * with, the driver and its version, and the daemon's own version.
 */
static int
rvsh_cmd_version(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	char lib[32], hv[32], daemon[32];
	uint64_t v, dv;
	char *type;

	(void)argc;
	(void)argv;
	if (rvsh_connect(sh, 0) < 0)
		return RVSH_ERROR;
	type = rvirt_conn_get_type(sh->conn, &err);
	if (!type)
		return rvsh_fail(&err);
	if (rvirt_conn_get_version(sh->conn, &v, &err) < 0 ||
	    rvirt_conn_get_lib_version(sh->conn, &dv, &err) < 0) {
		free(type);
		return rvsh_fail(&err);
	}
	version_format(v, hv, sizeof(hv));
	version_format(dv, daemon, sizeof(daemon));
	version_format(rvirt_get_version(), lib, sizeof(lib));
	if (sh->script)
		printf("type\t%s\nversion\t%s\nlibrary\t%s\ndaemon\t%s\n", type,
		       hv, lib, daemon);
	else
		printf("Compiled against library: rvirt %s\n"
		       "Using library: rvirt %s\n"
		       "Using API: %s %s\n"
		       "Running hypervisor: %s %s\n"
		       "Running against daemon: %s\n",
		       version_string(), lib, type, lib, type, hv, daemon);
	free(type);
	return RVSH_OK;
}

static int
rvsh_print_string(struct rvsh *sh,
		  char *(*fn)(struct rvirt_conn *, struct rvirt_error *))
{
	struct rvirt_error err;
	char *s;

	if (rvsh_connect(sh, 0) < 0)
		return RVSH_ERROR;
	s = fn(sh->conn, &err);
	if (!s)
		return rvsh_fail(&err);
	printf("%s\n", s);
	free(s);
	return RVSH_OK;
}

static int
rvsh_cmd_uri(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return rvsh_print_string(sh, rvirt_conn_get_uri);
}

static int
rvsh_cmd_hostname(struct rvsh *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return rvsh_print_string(sh, rvirt_conn_get_hostname);
}

static int rvsh_cmd_help(struct rvsh *sh, int argc, char **argv);

static const struct rvsh_cmd rvsh_cmds[] = {
	{ "list", "[--all|--inactive]",
	  "list domains (running ones by default)", RVSH_ARG_NONE, 0, 1,
	  rvsh_cmd_list },
	{ "dominfo", "DOMAIN", "show a domain's information", RVSH_ARG_DOMAIN,
	  1, 1, rvsh_cmd_dominfo },
	{ "domstate", "DOMAIN", "show a domain's state", RVSH_ARG_DOMAIN, 1, 1,
	  rvsh_cmd_domstate },
	{ "dumpxml", "DOMAIN", "print a domain's XML description",
	  RVSH_ARG_DOMAIN, 1, 1, rvsh_cmd_dumpxml },
	{ "define", "FILE", "define a persistent domain from an XML file",
	  RVSH_ARG_FILE, 1, 1, rvsh_cmd_define },
	{ "undefine", "DOMAIN", "remove a domain's definition", RVSH_ARG_DOMAIN,
	  1, 1, rvsh_cmd_undefine },
	{ "start", "DOMAIN", "start a defined domain", RVSH_ARG_DOMAIN, 1, 1,
	  rvsh_cmd_start },
	{ "create", "FILE", "start a transient domain from an XML file",
	  RVSH_ARG_FILE, 1, 1, rvsh_cmd_create },
	{ "destroy", "DOMAIN", "stop a domain at once", RVSH_ARG_DOMAIN, 1, 1,
	  rvsh_cmd_destroy },
	{ "shutdown", "DOMAIN", "ask a domain to shut down", RVSH_ARG_DOMAIN, 1,
	  1, rvsh_cmd_shutdown },
	{ "reboot", "DOMAIN", "ask a domain to reboot", RVSH_ARG_DOMAIN, 1, 1,
	  rvsh_cmd_reboot },
	{ "suspend", "DOMAIN", "pause a running domain", RVSH_ARG_DOMAIN, 1, 1,
	  rvsh_cmd_suspend },
	{ "resume", "DOMAIN", "resume a paused domain", RVSH_ARG_DOMAIN, 1, 1,
	  rvsh_cmd_resume },
	{ "nodeinfo", "", "show the host's CPU and memory", RVSH_ARG_NONE, 0, 0,
	  rvsh_cmd_nodeinfo },
	{ "capabilities", "", "print the capabilities XML", RVSH_ARG_NONE, 0, 0,
	  rvsh_cmd_capabilities },
	{ "version", "", "show the library, daemon and driver versions",
	  RVSH_ARG_NONE, 0, 0, rvsh_cmd_version },
	{ "uri", "", "print the URI the daemon opened", RVSH_ARG_NONE, 0, 0,
	  rvsh_cmd_uri },
	{ "hostname", "", "print the daemon host's name", RVSH_ARG_NONE, 0, 0,
	  rvsh_cmd_hostname },
	{ "help", "[COMMAND]", "list the commands, or describe one",
	  RVSH_ARG_COMMAND, 0, 1, rvsh_cmd_help },
};

#define RVSH_NCMDS (sizeof(rvsh_cmds) / sizeof(rvsh_cmds[0]))

static const struct rvsh_cmd *
rvsh_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < RVSH_NCMDS; i++)
		if (strcmp(rvsh_cmds[i].name, name) == 0)
			return &rvsh_cmds[i];
	return NULL;
}

static int
rvsh_cmd_help(struct rvsh *sh, int argc, char **argv)
{
	const struct rvsh_cmd *c;
	size_t i;

	(void)sh;
	if (argc == 2) {
		c = rvsh_cmd_find(argv[1]);
		if (!c && (rvsh_vcpu_help(argv[1]) == 0 ||
			   rvsh_event_help(argv[1]) == 0 ||
			   rvsh_console_help(argv[1]) == 0 ||
			   rvsh_connect_help(argv[1]) == 0))
			return RVSH_OK;
		if (!c) {
			rvsh_error("unknown command '%s'", argv[1]);
			return RVSH_ERROR;
		}
		printf("usage: %s%s%s\n  %s\n", c->name, c->args[0] ? " " : "",
		       c->args, c->help);
		return RVSH_OK;
	}
	printf("Commands (DOMAIN is a name, an id or a uuid):\n");
	for (i = 0; i < RVSH_NCMDS; i++) {
		char left[64];

		c = &rvsh_cmds[i];
		snprintf(left, sizeof(left), "%s %s", c->name, c->args);
		printf("  %-32s%s\n", left, c->help);
	}
	rvsh_vcpu_help_all();
	rvsh_event_help_all();
	rvsh_console_help_all();
	rvsh_connect_help_all();
	printf("  %-32s%s\n", "quit, exit", "leave the interactive shell");
	return RVSH_OK;
}

int
rvsh_cmd_run(struct rvsh *sh, int argc, char **argv)
{
	const struct rvsh_cmd *c = rvsh_cmd_find(argv[0]);
	int rc;

	if (!c && (rc = rvsh_vcpu_run(sh, argc, argv)) >= 0)
		return rc;
	if (!c && (rc = rvsh_event_run(sh, argc, argv)) >= 0)
		return rc;
	if (!c && (rc = rvsh_console_run(sh, argc, argv)) >= 0)
		return rc;
	if (!c && (rc = rvsh_connect_run(sh, argc, argv)) >= 0)
		return rc;
	if (!c) {
		rvsh_error("unknown command '%s' (try 'help')", argv[0]);
		return RVSH_USAGE;
	}
	if (argc - 1 < c->min_args || argc - 1 > c->max_args)
		return rvsh_usage_of(c);
	if (c->min_args == 1 && argv[1][0] == '-' && argv[1][1] == '-')
		return rvsh_usage_of(c);
	return c->fn(sh, argc, argv);
}

const char *
rvsh_cmd_name(size_t i)
{
	size_t nvcpu = 0, j;
	const char *name;

	if (i < RVSH_NCMDS)
		return rvsh_cmds[i].name;
	while (rvsh_vcpu_name(nvcpu))
		nvcpu++;
	if (i - RVSH_NCMDS < nvcpu)
		return rvsh_vcpu_name(i - RVSH_NCMDS);
	/*
	 * rvsh_event.c's one command comes next, then rvsh_console.c's,
	 * then rvsh_connect.c's one.
	 */
	if (i - RVSH_NCMDS == nvcpu)
		return "event";
	name = rvsh_console_name(i - RVSH_NCMDS - nvcpu - 1);
	if (name)
		return name;
	for (j = 0; rvsh_console_name(j); j++)
		;
	return i - RVSH_NCMDS == nvcpu + 1 + j ? "connect" : NULL;
}

enum rvsh_arg
rvsh_cmd_arg(const char *name)
{
	const struct rvsh_cmd *c = rvsh_cmd_find(name);

	if (!c && strcmp(name, "event") == 0)
		return RVSH_ARG_DOMAIN;
	if (c)
		return c->arg;
	return rvsh_console_arg(name) != RVSH_ARG_NONE ? rvsh_console_arg(name)
						       : rvsh_vcpu_arg(name);
}
