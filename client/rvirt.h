/* SPDX-License-Identifier: MIT */
/* rvirt.h: librvirt, the C client library of rvirt. */
#ifndef RVIRT_H
#define RVIRT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rvirt_defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Conventions, for every function below:
 *   - fallible functions return 0 on success and -1 on failure, or a
 *     pointer that is NULL on failure; *err (the last argument, may be
 *     NULL) then holds the error: an RVIRT_ERR_* code, an RVIRT_FROM_*
 *     origin and a message;
 *   - strings returned are malloc'd and the caller frees them with free();
 *   - out-parameters are written only on success;
 *   - a connection may be used by one thread at a time; calls from
 *     several threads on one connection are serialised by the library.
 * The full manual is librvirt(3).
 */

struct rvirt_conn;

/* A domain by value: enough to name it in any later call. */
struct rvirt_domain {
	char name[RVIRT_NAME_MAX + 1];
	unsigned char uuid[RVIRT_UUID_BUFLEN];
	int id; /* -1 when not running */
};

struct rvirt_domain_info {
	int state; /* RVIRT_DOMAIN_* */
	uint64_t max_mem_kib;
	uint64_t memory_kib;
	unsigned int nr_vcpus;
	uint64_t cpu_time_ns;
};

struct rvirt_node_info {
	char model[RVIRT_MODEL_MAX + 1];
	uint64_t memory_kib;
	unsigned int cpus;
	unsigned int mhz;
	unsigned int nodes;
	unsigned int sockets;
	unsigned int cores;
	unsigned int threads;
};

/*
 * Open a connection.  uri is
 *   driver[+transport]://[user@][host][:port]/path[?var=value&...]
 * e.g. "test:///default" (local unix socket) or
 * "test+tcp://127.0.0.1:16609/default"; NULL means the environment
 * variable RVIRT_DEFAULT_URI, then "test:///default".  flags:
 * RVIRT_CONNECT_RO for a read-only connection (read-only socket).
 */
struct rvirt_conn *rvirt_conn_open(const char *uri, unsigned int flags,
				   struct rvirt_error *err);

/*
 * Credentials the daemon may ask for during authentication (SASL).
 * The values match the Cyrus SASL_CB_* prompts they stand for.
 */
enum rvirt_cred_type {
	RVIRT_CRED_USERNAME = 1,     /* identity to act as (authzid) */
	RVIRT_CRED_AUTHNAME = 2,     /* identity to authenticate as */
	RVIRT_CRED_LANGUAGE = 3,     /* RFC 1766 language, rarely asked */
	RVIRT_CRED_CNONCE = 4,	     /* client nonce, for tests only */
	RVIRT_CRED_PASSPHRASE = 5,   /* secret: never echo it */
	RVIRT_CRED_ECHOPROMPT = 6,   /* challenge, answer may be echoed */
	RVIRT_CRED_NOECHOPROMPT = 7, /* challenge, answer must not echo */
	RVIRT_CRED_REALM = 8,	     /* authentication realm */
};

/*
 * One credential asked for.  The library fills type, prompt,
 * challenge (may be NULL) and defresult (may be NULL); the callback
 * sets result to a malloc'd string (the library wipes and frees it)
 * and resultlen to its length.
 */
struct rvirt_cred {
	int type; /* enum rvirt_cred_type */
	const char *prompt;
	const char *challenge;
	const char *defresult;
	char *result;
	size_t resultlen;
};

/*
 * How an application authenticates (rvirt_conn_open_auth).
 *   credtypes/ncredtypes: the credential types cb can supply;
 *   cb: called once with every credential the chosen mechanism needs,
 *       so one form can ask for all of them; returns 0, or -1 to give
 *       up.  NULL: only credentials from the URI (user name) are used;
 *   methods/nmethods: the auth methods acceptable, best first: "none",
 *       "tls" (the x509 client certificate), "sasl" (any mechanism the
 *       daemon offers) or "sasl.MECH" ("sasl.scram-sha-256",
 *       "sasl.gssapi").  NULL: "tls", "none", "sasl".  The URI variable
 *       auth= (same names, comma separated) overrides it.
 */
struct rvirt_auth {
	const int *credtypes;
	unsigned int ncredtypes;
	int (*cb)(struct rvirt_cred *creds, unsigned int ncreds, void *cbdata);
	void *cbdata;
	const char *const *methods;
	unsigned int nmethods;
};

/*
 * Open a connection, authenticating with auth (NULL: as
 * rvirt_conn_open).  Credentials obtained are kept, in locked memory,
 * to authenticate again when the connection is re-established; they are
 * wiped by rvirt_conn_close.  Errors: RVIRT_ERR_AUTH_FAILED (refused,
 * or no method in common: the message names both lists),
 * RVIRT_ERR_ACCESS_DENIED (authenticated but not on an allow-list).
 */
struct rvirt_conn *rvirt_conn_open_auth(const char *uri,
					const struct rvirt_auth *auth,
					unsigned int flags,
					struct rvirt_error *err);

/*
 * The authentication rvirt_conn_open uses: every credential type, asked
 * for on the terminal (/dev/tty, secrets without echo) unless the URI
 * says no_tty=1 or there is no terminal, methods "tls", "none", "sasl".
 */
const struct rvirt_auth *rvirt_conn_auth_default(void);

/*
 * Close the session (CONNECT_CLOSE, not waited for) and free conn.  NULL
 * is a no-op.
 */
void rvirt_conn_close(struct rvirt_conn *conn);

/*
 * Reconnection (librvirt(3), doc/sessions.md).  When the connection
 * drops under a call (the daemon restarted, crashed or was upgraded),
 * the library connects again with back-off for up to the reconnect
 * timeout (URI variable reconnect_timeout, seconds, default 60; 0 turns
 * reconnection off), resumes the session by its cookie
 * (CONNECT_RECONNECT) and sends the call again with the same xid: a
 * call that changes state runs once, however often it is sent.  The
 * call then returns its result as if nothing happened.
 */
enum rvirt_conn_event {
	RVIRT_CONN_EVENT_DISCONNECTED = 1, /* dropped: reconnecting */
	RVIRT_CONN_EVENT_RECONNECTED = 2,  /* the session is resumed */
	RVIRT_CONN_EVENT_LOST = 3,	   /* given up: calls fail with why */
	/*
	 * Still reconnecting after 2 s (once per outage): the daemon is
	 * not answering and the call waits; why is the last attempt's
	 * failure.
	 */
	RVIRT_CONN_EVENT_WAITING = 4,
};

/*
 * reconnect_timeout without end (URI: reconnect_timeout=forever): the
 * call waits out an outage of any length, until the daemon answers or
 * rvirt_conn_interrupt.
 */
#define RVIRT_RECONNECT_FOREVER 0xffffffffu

/*
 * Tell cb of each disconnect, reconnect and loss, with the reason
 * (RVIRT_ERR_OK for RECONNECTED).  cb runs inside the call that noticed,
 * in its thread, with the connection locked: it must not call librvirt
 * on conn.  cb NULL removes it.  0, or -1 with *err.
 */
int rvirt_conn_set_event_callback(struct rvirt_conn *conn,
				  void (*cb)(struct rvirt_conn *conn, int event,
					     const struct rvirt_error *why,
					     void *opaque),
				  void *opaque, struct rvirt_error *err);

/*
 * Turn reconnection on (enabled 1) or off (0) and set its timeout in
 * seconds (0 keeps the current one; RVIRT_RECONNECT_FOREVER: no end).
 * A handle whose reconnection gave up is not dead: its next call tries
 * again, and the session resumes if the daemon still has it.
 * 0, or -1 with *err.
 */
int rvirt_conn_set_reconnect(struct rvirt_conn *conn, int enabled,
			     unsigned int timeout_s, struct rvirt_error *err);

/* Round trip to the daemon (procedure NULL). */
int rvirt_conn_ping(struct rvirt_conn *conn, struct rvirt_error *err);

/*
 * Keepalive, as libvirt's virConnectSetKeepAlive (librvirt(3),
 * doc/sessions.md): the library pings (procedure NULL) whenever the
 * connection has sent nothing for interval_s seconds, also while a
 * call waits for its reply, and takes the daemon for dead when nothing
 * came from it for interval_s * count seconds: a waiting call then goes
 * down the reconnect path, an idle connection reports
 * RVIRT_CONN_EVENT_DISCONNECTED and reconnects on its next call.  The
 * daemon is told (KEEPALIVE_START) and closes the connection when the
 * pings stop.  interval_s 0 turns it off; count 1 to 1000.  The
 * default is 5 and 5, or the URI variables keepalive_interval and
 * keepalive_count.  0, or -1 with *err.
 */
int rvirt_conn_set_keepalive(struct rvirt_conn *conn, unsigned int interval_s,
			     unsigned int count, struct rvirt_error *err);

/*
 * Stop waiting for the daemon: a reconnection in progress on conn
 * gives up now (its call fails with RVIRT_ERR_TRANSPORT, the handle
 * is kept and its next call tries again).  Async-signal-safe: meant
 * for a SIGINT handler.  NULL is a no-op.
 */
void rvirt_conn_interrupt(struct rvirt_conn *conn);

/* Driver type name ("TEST"). */
char *rvirt_conn_get_type(struct rvirt_conn *conn, struct rvirt_error *err);
/* Driver version, major * 1000000 + minor * 1000 + micro. */
int rvirt_conn_get_version(struct rvirt_conn *conn, uint64_t *version,
			   struct rvirt_error *err);
/*
 * The daemon's own version (rvirtd's release), major * 1000000 +
 * minor * 1000 + micro; rvirt_conn_get_version gives the driver's.
 */
int rvirt_conn_get_lib_version(struct rvirt_conn *conn, uint64_t *version,
			       struct rvirt_error *err);
/* This library's version, the same encoding; never fails. */
uint64_t rvirt_get_version(void);
/* The daemon host's name. */
char *rvirt_conn_get_hostname(struct rvirt_conn *conn, struct rvirt_error *err);
/* The canonical URI the daemon opened ("test:///default"). */
char *rvirt_conn_get_uri(struct rvirt_conn *conn, struct rvirt_error *err);
/* Capabilities XML. */
char *rvirt_conn_get_capabilities(struct rvirt_conn *conn,
				  struct rvirt_error *err);
int rvirt_node_get_info(struct rvirt_conn *conn, struct rvirt_node_info *info,
			struct rvirt_error *err);

/*
 * List domains; flags RVIRT_LIST_ACTIVE and/or RVIRT_LIST_INACTIVE (0 =
 * all).  *doms is malloc'd (free it), sorted by name.
 */
int rvirt_domain_list_all(struct rvirt_conn *conn, unsigned int flags,
			  struct rvirt_domain **doms, size_t *ndoms,
			  struct rvirt_error *err);

int rvirt_domain_lookup_by_name(struct rvirt_conn *conn, const char *name,
				struct rvirt_domain *out,
				struct rvirt_error *err);
int rvirt_domain_lookup_by_uuid(struct rvirt_conn *conn,
				const unsigned char *uuid,
				struct rvirt_domain *out,
				struct rvirt_error *err);
int rvirt_domain_lookup_by_id(struct rvirt_conn *conn, int id,
			      struct rvirt_domain *out,
			      struct rvirt_error *err);

/* Define a persistent domain from XML; *out is the new domain. */
int rvirt_domain_define_xml(struct rvirt_conn *conn, const char *xml,
			    struct rvirt_domain *out, struct rvirt_error *err);
/* Start a transient domain from XML; *out is the running domain. */
int rvirt_domain_create_xml(struct rvirt_conn *conn, const char *xml,
			    struct rvirt_domain *out, struct rvirt_error *err);
int rvirt_domain_undefine(struct rvirt_conn *conn,
			  const struct rvirt_domain *dom,
			  struct rvirt_error *err);
/* Start a defined domain; *out (may be NULL) gets it with its new id. */
int rvirt_domain_create(struct rvirt_conn *conn, const struct rvirt_domain *dom,
			struct rvirt_domain *out, struct rvirt_error *err);
int rvirt_domain_destroy(struct rvirt_conn *conn,
			 const struct rvirt_domain *dom,
			 struct rvirt_error *err);
int rvirt_domain_shutdown(struct rvirt_conn *conn,
			  const struct rvirt_domain *dom,
			  struct rvirt_error *err);
int rvirt_domain_reboot(struct rvirt_conn *conn, const struct rvirt_domain *dom,
			struct rvirt_error *err);
int rvirt_domain_suspend(struct rvirt_conn *conn,
			 const struct rvirt_domain *dom,
			 struct rvirt_error *err);
int rvirt_domain_resume(struct rvirt_conn *conn, const struct rvirt_domain *dom,
			struct rvirt_error *err);
int rvirt_domain_get_info(struct rvirt_conn *conn,
			  const struct rvirt_domain *dom,
			  struct rvirt_domain_info *info,
			  struct rvirt_error *err);
int rvirt_domain_get_state(struct rvirt_conn *conn,
			   const struct rvirt_domain *dom, int *state,
			   int *reason, struct rvirt_error *err);
char *rvirt_domain_get_xml_desc(struct rvirt_conn *conn,
				const struct rvirt_domain *dom,
				unsigned int flags, struct rvirt_error *err);

/* "running", "shut off", ...; "unknown" when out of range.  Static. */
const char *rvirt_domain_state_name(int state);

/* Format uuid as 36 characters plus NUL into out. */
void rvirt_uuid_format(const unsigned char *uuid, char *out);
/* Parse "xxxxxxxx-xxxx-..." (dashes optional) into uuid; 0 or -1. */
int rvirt_uuid_parse(const char *s, unsigned char *uuid);

/* ---------------------------------------------------------------- */
/* vCPU placement and pinning, autostart (client/vcpu.c)             */
/* ---------------------------------------------------------------- */

/*
 * A set of host CPUs: CPU n is bit n % 8 of bits[n / 8] (libvirt's
 * cpumap layout), CPUs 0 to 8 * RVIRT_CPUMAP_MAX - 1.
 */
struct rvirt_cpumap {
	unsigned char bits[RVIRT_CPUMAP_MAX];
};

/*
 * Parse libvirt's cpuset syntax ("0-3,^2,5") into *map (cleared first).
 * An empty set, a reversed range, a malformed string or a CPU beyond the
 * map is an error (RVIRT_ERR_INVALID_CPUSET).
 */
int rvirt_cpumap_parse(const char *text, struct rvirt_cpumap *map,
		       struct rvirt_error *err);
/* Format *map canonically ("0-1,5") into buf; 0, or -1 when too small. */
int rvirt_cpumap_format(const struct rvirt_cpumap *map, char *buf, size_t size);

/* One vCPU of a running domain. */
struct rvirt_vcpu_info {
	unsigned int number;
	int state;	      /* RVIRT_VCPU_* */
	uint64_t cpu_time_ns; /* the vCPU thread's CPU time */
	int cpu;	      /* the host CPU it last ran on, -1 unknown */
	struct rvirt_cpumap affinity;
};

/*
 * flags of the pinning calls: RVIRT_AFFECT_LIVE (the running domain's
 * threads), RVIRT_AFFECT_CONFIG (its definition), both, or
 * RVIRT_AFFECT_CURRENT (0: live when it runs, else config).  Reading
 * takes one of them.
 */
int rvirt_domain_pin_vcpu(struct rvirt_conn *conn,
			  const struct rvirt_domain *dom, unsigned int vcpu,
			  const struct rvirt_cpumap *map, unsigned int flags,
			  struct rvirt_error *err);
/* *maps (malloc'd, one per vCPU, *nmaps of them) is the caller's. */
int rvirt_domain_get_vcpu_pin_info(struct rvirt_conn *conn,
				   const struct rvirt_domain *dom,
				   unsigned int flags,
				   struct rvirt_cpumap **maps, size_t *nmaps,
				   struct rvirt_error *err);
/* A running domain's vCPUs; *info (malloc'd, *ninfo) is the caller's. */
int rvirt_domain_get_vcpus(struct rvirt_conn *conn,
			   const struct rvirt_domain *dom,
			   struct rvirt_vcpu_info **info, size_t *ninfo,
			   struct rvirt_error *err);
int rvirt_domain_pin_emulator(struct rvirt_conn *conn,
			      const struct rvirt_domain *dom,
			      const struct rvirt_cpumap *map,
			      unsigned int flags, struct rvirt_error *err);
int rvirt_domain_get_emulator_pin_info(struct rvirt_conn *conn,
				       const struct rvirt_domain *dom,
				       unsigned int flags,
				       struct rvirt_cpumap *map,
				       struct rvirt_error *err);
/*
 * The host's CPUs: *online the online ones, *ncpus (may be NULL) the
 * highest CPU number + 1, *nonline (may be NULL) how many are online.
 */
int rvirt_node_get_cpu_map(struct rvirt_conn *conn, struct rvirt_cpumap *online,
			   unsigned int *ncpus, unsigned int *nonline,
			   struct rvirt_error *err);
/* Whether the domain starts when the host's daemon first starts. */
int rvirt_domain_set_autostart(struct rvirt_conn *conn,
			       const struct rvirt_domain *dom, int autostart,
			       struct rvirt_error *err);
int rvirt_domain_get_autostart(struct rvirt_conn *conn,
			       const struct rvirt_domain *dom, int *autostart,
			       struct rvirt_error *err);

/*
 * Lifecycle events (librvirt(3), doc/events.md).  The daemon journals
 * every change of a domain's lifecycle; a registration follows the
 * journal from the moment it is made.  Kinds and details are the
 * RVIRT_EVENT_* constants of rvirt_defs.h.
 */
struct rvirt_domain_event {
	uint64_t seq; /* the journal's number: 1, 2, ... in commit order */
	struct rvirt_domain dom; /* id: the one it had for a stop */
	int kind;		 /* RVIRT_EVENT_*, or RVIRT_EVENT_LOST */
	int detail;		 /* RVIRT_EVENT_<KIND>_* */
	int status;	  /* wait(2) status of a process that ended alone, -1 */
	uint64_t time_ns; /* CLOCK_REALTIME */
	char identity[RVIRT_IDENTITY_MAX + 1]; /* who caused it, "" host */
	uint64_t lost; /* RVIRT_EVENT_LOST: events trimmed unread */
};

/* Not a journal kind: "lost" events were trimmed before they were read. */
#define RVIRT_EVENT_LOST (-1)

/*
 * Call cb for every lifecycle event committed from now on, of the
 * domain named domain (NULL: all) and of the kinds in the mask kinds
 * (1 << RVIRT_EVENT_*; 0: all), each exactly once and in order, across
 * reconnects and outages of any length.  cb runs in a thread of the
 * library that waits on a connection of its own (same URI and
 * credentials), so calls on conn are never delayed; it must not call
 * rvirt_conn_domain_event_deregister or rvirt_conn_close itself.
 * free_opaque (may be NULL) is called on opaque when the registration
 * ends.  Returns the registration's id (>= 0), or -1 with *err.
 */
int rvirt_conn_domain_event_register(
	struct rvirt_conn *conn, const char *domain, unsigned int kinds,
	void (*cb)(struct rvirt_conn *conn, const struct rvirt_domain_event *ev,
		   void *opaque),
	void *opaque, void (*free_opaque)(void *opaque),
	struct rvirt_error *err);

/*
 * End registration id: once it returns, cb is not called again.
 * 0, or -1 with *err (no such registration).
 */
int rvirt_conn_domain_event_deregister(struct rvirt_conn *conn, int id,
				       struct rvirt_error *err);

/*
 * Consoles (doc/console.md).  A console is opened on a running domain
 * (flags: RVIRT_CONSOLE_FORCE takes it over from the client writing to
 * it, RVIRT_CONSOLE_SAFE asks for exclusive writing, which every
 * console gives); on a read-only connection it can only be read.  A
 * new console starts with up to 4 KiB of the output before it.  The
 * handle borrows conn and holds no state in the daemon: across a
 * restart of rvirtd the connection reconnects and reading goes on at
 * the handle's offset; what the daemon's bounded log no longer held
 * then is counted by rvirt_console_lost.  Errors of note:
 * RVIRT_ERR_CONSOLE_BUSY (another client writes to it: force),
 * RVIRT_ERR_CONSOLE_TAKEN (another client forced it away),
 * RVIRT_ERR_NO_CONSOLE.  Free with rvirt_console_free.
 */
struct rvirt_console;

struct rvirt_console *rvirt_console_open(struct rvirt_conn *conn,
					 const struct rvirt_domain *dom,
					 unsigned int flags,
					 struct rvirt_error *err);
/*
 * The same console (and offset) on another connection, e.g. for a
 * thread that reads while another writes: calls on one connection run
 * one at a time.
 */
struct rvirt_console *rvirt_console_attach(struct rvirt_conn *conn,
					   const struct rvirt_console *con,
					   struct rvirt_error *err);
/*
 * Read up to size bytes of output, waiting up to wait_ms (at most
 * RVIRT_CONSOLE_WAIT_MAX) for some: bytes read, 0 when none came (or
 * the console ended: rvirt_console_ended), -1 with *err.
 */
ssize_t rvirt_console_read(struct rvirt_console *con, void *buf, size_t size,
			   unsigned int wait_ms, struct rvirt_error *err);
/*
 * Type len bytes (at most RVIRT_CONSOLE_DATA_MAX) into the console:
 * how many it took (fewer, even 0, while the guest does not read), or
 * -1 with *err.
 */
ssize_t rvirt_console_write(struct rvirt_console *con, const void *buf,
			    size_t len, struct rvirt_error *err);
/* 1 once the domain's console ended and everything was read. */
int rvirt_console_ended(const struct rvirt_console *con);
/* 1 when it may be written to. */
int rvirt_console_writable(const struct rvirt_console *con);
/* The offset of the next byte to read in the console's whole output. */
uint64_t rvirt_console_offset(const struct rvirt_console *con);
/* Output skipped because the log no longer held it, in bytes. */
uint64_t rvirt_console_lost(const struct rvirt_console *con);
/*
 * Give up writing to the console (another client may open it without
 * force at once) and free con.  0, or -1 with *err (con freed anyway).
 * rvirt_console_free frees without telling the daemon: the place is
 * then held until its lease (15 s) runs out.
 */
int rvirt_console_close(struct rvirt_console *con, struct rvirt_error *err);
void rvirt_console_free(struct rvirt_console *con);

/*
 * Graphics (VNC) streams (doc/console.md "VNC"): the RFB byte stream of
 * a running qemu domain with <graphics type='vnc'/>, relayed by the
 * daemon's worker that serves conn.  Read-write connections only; at
 * most RVIRT_GRAPHICS_STREAMS_MAX per connection.  Every call of a
 * stream must use conn (the stream lives in that worker): a thread
 * that reads with a wait holds conn meanwhile, so one thread reads
 * and writes in turn (short waits when there is input to send).  It
 * does not survive a reconnection: calls then fail with
 * RVIRT_ERR_GRAPHICS_GONE.  Errors of note: RVIRT_ERR_NO_GRAPHICS (no
 * VNC display, not running, not qemu), RVIRT_ERR_ACCESS_DENIED
 * (read-only connection).  Free with rvirt_graphics_free.
 */
struct rvirt_graphics;

struct rvirt_graphics *rvirt_graphics_open(struct rvirt_conn *conn,
					   const struct rvirt_domain *dom,
					   unsigned int flags,
					   struct rvirt_error *err);
/*
 * Read up to size bytes the VNC server sent, waiting up to wait_ms (at
 * most RVIRT_GRAPHICS_WAIT_MAX) for some: bytes read, 0 when none came
 * (or the server closed the stream: rvirt_graphics_ended), -1 with
 * *err.
 */
ssize_t rvirt_graphics_read(struct rvirt_graphics *g, void *buf, size_t size,
			    unsigned int wait_ms, struct rvirt_error *err);
/*
 * Send len bytes (at most RVIRT_GRAPHICS_DATA_MAX) to the VNC server:
 * how many it took (fewer, even 0, while it does not read), or -1 with
 * *err.
 */
ssize_t rvirt_graphics_write(struct rvirt_graphics *g, const void *buf,
			     size_t len, struct rvirt_error *err);
/* 1 once the VNC server closed the stream. */
int rvirt_graphics_ended(const struct rvirt_graphics *g);
/* Close the stream in the daemon and free g: 0, or -1 (g freed anyway). */
int rvirt_graphics_close(struct rvirt_graphics *g, struct rvirt_error *err);
/* Free g without telling the daemon (closing conn closes its streams). */
void rvirt_graphics_free(struct rvirt_graphics *g);

/*
 * Console tokens (doc/console.md "Tokens"): one per domain, naming its
 * console to rvirt-console-proxy.  Every call needs a read-write
 * connection (RVIRT_ERR_ACCESS_DENIED otherwise).
 */
struct rvirt_console_token {
	char token[RVIRT_CONSOLE_TOKEN_LEN + 1]; /* hex; "" when none */
	uint64_t expires; /* unix time in s it ends, 0 never */
	int expired;	  /* 1 when it has ended already */
};

/*
 * Make a new random token for dom (replacing the one it had), ending
 * after expires_s seconds (0: never); *out gets it.  0, or -1 with *err.
 */
int rvirt_console_token_enable(struct rvirt_conn *conn,
			       const struct rvirt_domain *dom,
			       uint64_t expires_s,
			       struct rvirt_console_token *out,
			       struct rvirt_error *err);
/* Revoke dom's token (none: nothing).  0, or -1 with *err. */
int rvirt_console_token_disable(struct rvirt_conn *conn,
				const struct rvirt_domain *dom,
				struct rvirt_error *err);
/* dom's token into *out (token "" when it has none).  0, or -1. */
int rvirt_console_token_show(struct rvirt_conn *conn,
			     const struct rvirt_domain *dom,
			     struct rvirt_console_token *out,
			     struct rvirt_error *err);
/*
 * The domain whose token this is, into *dom: 0, or -1 with *err:
 * RVIRT_ERR_TOKEN_INVALID (unknown, revoked, malformed, or its domain
 * is not the connection's driver's), RVIRT_ERR_TOKEN_EXPIRED.
 */
int rvirt_console_token_resolve(struct rvirt_conn *conn, const char *token,
				struct rvirt_domain *dom,
				struct rvirt_error *err);

#ifdef __cplusplus
}
#endif

#endif
