/* SPDX-License-Identifier: MIT */
/* rvsh_vcpu: rvsh's placement and pinning commands, for rvsh_cmd.c's table. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rvsh_vcpu.h"

struct rvsh_vcpu_cmd {
	const char *name;
	const char *args;
	const char *help;
	enum rvsh_arg arg;
	int (*fn)(struct rvsh *sh, int argc, char **argv);
};

/* CPU lists are printed in cpuset syntax; 4096 CPUs fit in this. */
#define RVSH_CPULIST_MAX 10256

static const struct rvsh_vcpu_cmd *rvsh_vcpu_find(const char *name);

static int
rvsh_vcpu_usage(const char *name)
{
	const struct rvsh_vcpu_cmd *c = rvsh_vcpu_find(name);

	fprintf(stderr, "rvsh: usage: %s%s%s\n", c->name, c->args[0] ? " " : "",
		c->args);
	return RVSH_USAGE;
}

/*
 * Split argv[1..] into --live/--config/--current flags and up to max
 * positional words.  -1 on an unknown option or too many words.
 */
static int
rvsh_vcpu_split(int argc, char **argv, unsigned int *flags, char **words,
		int max, int *nwords)
{
	bool current = false;

	*flags = RVIRT_AFFECT_CURRENT;
	*nwords = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--live") == 0) {
			*flags |= RVIRT_AFFECT_LIVE;
		} else if (strcmp(argv[i], "--config") == 0) {
			*flags |= RVIRT_AFFECT_CONFIG;
		} else if (strcmp(argv[i], "--current") == 0) {
			current = true;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return -1;
		} else {
			if (*nwords == max)
				return -1;
			words[(*nwords)++] = argv[i];
		}
	}
	/* --current means "whichever applies": with another, a mistake. */
	if (current && *flags != RVIRT_AFFECT_CURRENT)
		return -1;
	return 0;
}

static int
rvsh_vcpu_number(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= RVIRT_VCPUS_MAX)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static void
rvsh_vcpu_list(const struct rvirt_cpumap *map, char *buf, size_t size)
{
	if (rvirt_cpumap_format(map, buf, size) < 0 || !buf[0])
		snprintf(buf, size, "-");
}

/* vcpupin DOMAIN [VCPU [CPULIST]] [--live] [--config] [--current] */
static int
rvsh_cmd_vcpupin(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain dom;
	struct rvirt_cpumap map, *maps = NULL;
	char *w[3], text[RVSH_CPULIST_MAX];
	unsigned int flags, vcpu = 0;
	size_t n = 0;
	int nw;

	if (rvsh_vcpu_split(argc, argv, &flags, w, 3, &nw) < 0 || nw < 1 ||
	    (nw >= 2 && rvsh_vcpu_number(w[1], &vcpu) < 0))
		return rvsh_vcpu_usage(argv[0]);
	if (nw == 3) {
		if (rvirt_cpumap_parse(w[2], &map, &err) < 0)
			return rvsh_fail(&err);
		if (rvsh_domain_find(sh, w[0], &dom) < 0)
			return RVSH_ERROR;
		if (rvirt_domain_pin_vcpu(sh->conn, &dom, vcpu, &map, flags,
					  &err) < 0)
			return rvsh_fail(&err);
		return RVSH_OK;
	}
	if ((flags & RVIRT_AFFECT_LIVE) && (flags & RVIRT_AFFECT_CONFIG))
		return rvsh_vcpu_usage(argv[0]);
	if (rvsh_domain_find(sh, w[0], &dom) < 0)
		return RVSH_ERROR;
	if (rvirt_domain_get_vcpu_pin_info(sh->conn, &dom, flags, &maps, &n,
					   &err) < 0)
		return rvsh_fail(&err);
	if (nw == 2 && vcpu >= n) {
		rvsh_error("domain '%s' has no vcpu %u (it has %zu)", dom.name,
			   vcpu, n);
		free(maps);
		return RVSH_ERROR;
	}
	if (!sh->script && nw == 1)
		printf("VCPU   CPU Affinity\n----------------------\n");
	for (size_t i = 0; i < n; i++) {
		if (nw == 2 && i != vcpu)
			continue;
		rvsh_vcpu_list(&maps[i], text, sizeof(text));
		if (sh->script)
			printf("%zu\t%s\n", i, text);
		else if (nw == 2)
			printf("%s\n", text);
		else
			printf("%-6zu %s\n", i, text);
	}
	free(maps);
	return RVSH_OK;
}

static const char *
rvsh_vcpu_state(int state)
{
	switch (state) {
	case RVIRT_VCPU_OFFLINE:
		return "offline";
	case RVIRT_VCPU_RUNNING:
		return "running";
	case RVIRT_VCPU_BLOCKED:
		return "blocked";
	default:
		return "unknown";
	}
}

/* vcpuinfo DOMAIN */
static int
rvsh_cmd_vcpuinfo(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain dom;
	struct rvirt_vcpu_info *v = NULL;
	char text[RVSH_CPULIST_MAX], cpu[16];
	size_t n = 0;

	if (argc != 2 || argv[1][0] == '-')
		return rvsh_vcpu_usage(argv[0]);
	if (rvsh_domain_find(sh, argv[1], &dom) < 0)
		return RVSH_ERROR;
	if (rvirt_domain_get_vcpus(sh->conn, &dom, &v, &n, &err) < 0)
		return rvsh_fail(&err);
	for (size_t i = 0; i < n; i++) {
		rvsh_vcpu_list(&v[i].affinity, text, sizeof(text));
		if (v[i].cpu >= 0)
			snprintf(cpu, sizeof(cpu), "%d", v[i].cpu);
		else
			snprintf(cpu, sizeof(cpu), "-");
		if (sh->script) {
			printf("%u\t%s\t%s\t%llu\t%s\n", v[i].number, cpu,
			       rvsh_vcpu_state(v[i].state),
			       (unsigned long long)v[i].cpu_time_ns, text);
			continue;
		}
		if (i > 0)
			putchar('\n');
		printf("%-16s%u\n", "VCPU:", v[i].number);
		printf("%-16s%s\n", "CPU:", cpu);
		printf("%-16s%s\n", "State:", rvsh_vcpu_state(v[i].state));
		printf("%-16s%.2fs\n",
		       "CPU time:", (double)v[i].cpu_time_ns / 1e9);
		printf("%-16s%s\n", "CPU Affinity:", text);
	}
	free(v);
	return RVSH_OK;
}

/* emulatorpin DOMAIN [CPULIST] [--live] [--config] [--current] */
static int
rvsh_cmd_emulatorpin(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain dom;
	struct rvirt_cpumap map;
	char *w[2], text[RVSH_CPULIST_MAX];
	unsigned int flags;
	int nw;

	if (rvsh_vcpu_split(argc, argv, &flags, w, 2, &nw) < 0 || nw < 1)
		return rvsh_vcpu_usage(argv[0]);
	if (nw == 2) {
		if (rvirt_cpumap_parse(w[1], &map, &err) < 0)
			return rvsh_fail(&err);
		if (rvsh_domain_find(sh, w[0], &dom) < 0)
			return RVSH_ERROR;
		if (rvirt_domain_pin_emulator(sh->conn, &dom, &map, flags,
					      &err) < 0)
			return rvsh_fail(&err);
		return RVSH_OK;
	}
	if ((flags & RVIRT_AFFECT_LIVE) && (flags & RVIRT_AFFECT_CONFIG))
		return rvsh_vcpu_usage(argv[0]);
	if (rvsh_domain_find(sh, w[0], &dom) < 0)
		return RVSH_ERROR;
	if (rvirt_domain_get_emulator_pin_info(sh->conn, &dom, flags, &map,
					       &err) < 0)
		return rvsh_fail(&err);
	rvsh_vcpu_list(&map, text, sizeof(text));
	if (sh->script)
		printf("%s\n", text);
	else
		printf("emulator: CPU Affinity\n----------------------\n"
		       "       *: %s\n",
		       text);
	return RVSH_OK;
}

/* nodecpumap */
static int
rvsh_cmd_nodecpumap(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_cpumap map;
	unsigned int ncpus = 0, nonline = 0;
	char text[RVSH_CPULIST_MAX];

	if (argc != 1)
		return rvsh_vcpu_usage(argv[0]);
	if (rvsh_connect(sh, 0) < 0)
		return RVSH_ERROR;
	if (rvirt_node_get_cpu_map(sh->conn, &map, &ncpus, &nonline, &err) < 0)
		return rvsh_fail(&err);
	rvsh_vcpu_list(&map, text, sizeof(text));
	if (sh->script) {
		printf("cpus\t%u\nonline\t%u\ncpumap\t%s\n", ncpus, nonline,
		       text);
	} else {
		printf("%-16s%u\n", "CPUs present:", ncpus);
		printf("%-16s%u\n", "CPUs online:", nonline);
		printf("%-16s%s\n", "CPU map:", text);
	}
	return RVSH_OK;
}

/* autostart DOMAIN [--disable] */
static int
rvsh_cmd_autostart(struct rvsh *sh, int argc, char **argv)
{
	struct rvirt_error err;
	struct rvirt_domain dom;
	int on = 1;

	if (argc == 3 && strcmp(argv[2], "--disable") == 0)
		on = 0;
	else if (argc != 2)
		return rvsh_vcpu_usage(argv[0]);
	if (argv[1][0] == '-')
		return rvsh_vcpu_usage(argv[0]);
	if (rvsh_domain_find(sh, argv[1], &dom) < 0)
		return RVSH_ERROR;
	if (rvirt_domain_set_autostart(sh->conn, &dom, on, &err) < 0)
		return rvsh_fail(&err);
	if (!sh->quiet && !sh->script)
		printf("Domain '%s' %s\n", dom.name,
		       on ? "marked as autostarted"
			  : "unmarked as autostarted");
	return RVSH_OK;
}

static const struct rvsh_vcpu_cmd rvsh_vcpu_cmds[] = {
	{ "vcpupin", "DOMAIN [VCPU [CPULIST]] [--live] [--config] [--current]",
	  "show or change the host CPUs each vCPU may run on", RVSH_ARG_DOMAIN,
	  rvsh_cmd_vcpupin },
	{ "vcpuinfo", "DOMAIN",
	  "show each vCPU's state, CPU time, last CPU and affinity",
	  RVSH_ARG_DOMAIN, rvsh_cmd_vcpuinfo },
	{ "emulatorpin", "DOMAIN [CPULIST] [--live] [--config] [--current]",
	  "show or change the host CPUs of the non-vCPU threads",
	  RVSH_ARG_DOMAIN, rvsh_cmd_emulatorpin },
	{ "nodecpumap", "", "show the host's CPUs and which are online",
	  RVSH_ARG_NONE, rvsh_cmd_nodecpumap },
	{ "autostart", "DOMAIN [--disable]",
	  "start the domain when the host's daemon first starts",
	  RVSH_ARG_DOMAIN, rvsh_cmd_autostart },
};

#define RVSH_VCPU_NCMDS (sizeof(rvsh_vcpu_cmds) / sizeof(rvsh_vcpu_cmds[0]))

static const struct rvsh_vcpu_cmd *
rvsh_vcpu_find(const char *name)
{
	for (size_t i = 0; i < RVSH_VCPU_NCMDS; i++)
		if (strcmp(rvsh_vcpu_cmds[i].name, name) == 0)
			return &rvsh_vcpu_cmds[i];
	return NULL;
}

int
rvsh_vcpu_run(struct rvsh *sh, int argc, char **argv)
{
	const struct rvsh_vcpu_cmd *c = rvsh_vcpu_find(argv[0]);

	if (!c)
		return -1;
	return c->fn(sh, argc, argv);
}

const char *
rvsh_vcpu_name(size_t i)
{
	return i < RVSH_VCPU_NCMDS ? rvsh_vcpu_cmds[i].name : NULL;
}

enum rvsh_arg
rvsh_vcpu_arg(const char *name)
{
	const struct rvsh_vcpu_cmd *c = rvsh_vcpu_find(name);

	return c ? c->arg : RVSH_ARG_NONE;
}

int
rvsh_vcpu_help(const char *name)
{
	const struct rvsh_vcpu_cmd *c = rvsh_vcpu_find(name);

	if (!c)
		return -1;
	printf("usage: %s%s%s\n  %s\n", c->name, c->args[0] ? " " : "", c->args,
	       c->help);
	return 0;
}

void
rvsh_vcpu_help_all(void)
{
	for (size_t i = 0; i < RVSH_VCPU_NCMDS; i++) {
		char left[96];

		snprintf(left, sizeof(left), "%s %s", rvsh_vcpu_cmds[i].name,
			 rvsh_vcpu_cmds[i].args);
		printf("  %-32s%s\n", left, rvsh_vcpu_cmds[i].help);
	}
}
