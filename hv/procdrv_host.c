/* SPDX-License-Identifier: MIT */
/* procdrv_host: the host entries and the opening of a procdrv connection. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/log.h"
#include "../common/uuid.h"
#include "domevent.h"
#include "effect.h"
#include "node.h"
#include "procdrv.h"
#include "procdrv_int.h"

/* ---------------------------------------------------------------- */
/* Host                                                              */
/* ---------------------------------------------------------------- */

int
procdrv_capabilities(struct hv_conn *c, char **xml, struct rvirt_error *err)
{
	struct procdrv *pd = procdrv_of(c);
	struct node_facts f;

	if (node_facts_read(NULL, NULL, &f, err) < 0)
		return -1;
	return node_capabilities(&f, pd->ds.name, pd->os_types, pd->nos_types,
				 xml, err);
}

int
procdrv_node_info(struct hv_conn *c, struct hv_node_info *info,
		  struct rvirt_error *err)
{
	struct node_facts f;

	(void)c;
	if (node_facts_read(NULL, NULL, &f, err) < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	snprintf(info->model, sizeof(info->model), "%s", f.arch);
	info->memory_kib = f.memory_kib;
	info->cpus = f.cpus;
	info->mhz = f.mhz;
	info->nodes = f.nodes;
	info->sockets = f.sockets;
	info->cores = f.cores;
	info->threads = f.threads;
	return 0;
}

int
procdrv_node_cpu_map(struct hv_conn *c, struct cpuset *online,
		     unsigned int *ncpus, struct rvirt_error *err)
{
	(void)c;
	if (procdrv_host(online, err) < 0)
		return -1;
	*ncpus = (unsigned int)(cpuset_last(online) + 1);
	return 0;
}

int
procdrv_open(struct hv_conn *c, struct procdrv *pd, const char *path,
	     struct rvirt_error *err)
{
	bool root = geteuid() == 0;

	if (strcmp(path, "/system") != 0 && strcmp(path, "/session") != 0) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"invalid uri '%s://%s': the %s driver serves "
			"'%s:///system' (rvirtd as root) and '%s:///session' "
			"(rvirtd as a user)",
			pd->ds.name, path, pd->ds.name, pd->ds.name,
			pd->ds.name);
		return -1;
	}
	if (root != (strcmp(path, "/system") == 0)) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_HV,
			"cannot open '%s://%s': this rvirtd runs as %s, use "
			"'%s:///%s'",
			pd->ds.name, path, root ? "root" : "a user",
			pd->ds.name, root ? "system" : "session");
		return -1;
	}
	if (!c->st) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_HV,
			"cannot open '%s://%s': no store", pd->ds.name, path);
		return -1;
	}
	/*
	 * Domains that died while nobody looked are written down now: the
	 * daemon runs, so they crashed (the watcher may not have seen it).
	 */
	if (domstore_settle_as(c->st, &pd->ds, DOMEVENT_FOUND, err) < 0)
		return -1;
	if (hv_conn_set_uri(c, err, "%s://%s", pd->ds.name, path) < 0)
		return -1;
	c->priv = pd;
	return 0;
}

int
procdrv_host_start(struct store *st, struct procdrv *pd,
		   struct rvirt_error *err)
{
	char boot_id[64];

	if (domstore_settle(st, &pd->ds, err) < 0 ||
	    node_boot_id(NULL, boot_id, sizeof(boot_id), err) < 0)
		return -1;
	return domstore_host_boot(st, &pd->ds, boot_id, procdrv_start_rec, pd,
				  err);
}
