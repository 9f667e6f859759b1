/* SPDX-License-Identifier: MIT */
/* cmdstream: a stream to a child process's stdin/stdout (ssh and ext). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdstream.h"
#include "err.h"
#include "stream.h"
#include "uri.h"

/* Most words a command line may have; a URI is far shorter anyway. */
#define CMDSTREAM_ARGV_MAX 256
/* After EOF on the socket: how long the child may take to exit. */
#define CMDSTREAM_EXIT_WAIT_MS 1000
/* stream_free: grace before SIGTERM, then before SIGKILL, then give up. */
#define CMDSTREAM_GRACE_MS 300
#define CMDSTREAM_TERM_WAIT_MS 1000
#define CMDSTREAM_KILL_WAIT_MS 2000
/* The stderr pipe's size: the largest an unprivileged user may ask. */
#define CMDSTREAM_STDERR_PIPE (1024 * 1024)

struct cmdstream {
	pid_t pid;
	int errfd;   /* read end of the child's stderr; -1 at its EOF */
	int reaped;  /* status is valid */
	int status;  /* from waitpid */
	int killed;  /* we sent a signal: its death is no news */
	int why_set; /* why[] is final */
	char prog[64];
	char tail[1024]; /* the last bytes the child wrote on stderr */
	size_t tlen;
	char why[RVIRT_ERROR_MESSAGE_MAX / 2];
};

int
cmdstream_argv_add(struct cmdstream_argv *a, const char *word,
		   struct rvirt_error *err)
{
	char *w;

	if (a->argc + 1 >= a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		char **nv;

		if (ncap > CMDSTREAM_ARGV_MAX) {
			err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_TRANSPORT,
				"command line of more than %d words",
				CMDSTREAM_ARGV_MAX - 1);
			return -1;
		}
		nv = realloc(a->argv, ncap * sizeof(*nv));
		if (!nv)
			goto nomem;
		a->argv = nv;
		a->cap = ncap;
	}
	w = strdup(word);
	if (!w)
		goto nomem;
	a->argv[a->argc++] = w;
	a->argv[a->argc] = NULL;
	return 0;
nomem:
	err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_TRANSPORT,
		"out of memory");
	return -1;
}

int
cmdstream_argv_split(struct cmdstream_argv *a, const char *cmd,
		     struct rvirt_error *err)
{
	const char *p = cmd;
	size_t before = a->argc;
	char word[RVIRT_URI_MAX + 1];

	for (;;) {
		size_t n;

		p += strspn(p, " \t");
		if (!*p)
			break;
		n = strcspn(p, " \t");
		if (n >= sizeof(word)) {
			err_set(err, RVIRT_ERR_LIMIT, RVIRT_FROM_TRANSPORT,
				"command word longer than %zu bytes",
				sizeof(word) - 1);
			return -1;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (cmdstream_argv_add(a, word, err) < 0)
			return -1;
		p += n;
	}
	if (a->argc == before) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_URI,
			"empty command '%.64s'", cmd);
		return -1;
	}
	return 0;
}

void
cmdstream_argv_release(struct cmdstream_argv *a)
{
	size_t i;

	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	free(a->argv);
	a->argv = NULL;
	a->argc = 0;
	a->cap = 0;
}

/* Keep what the child wrote on stderr so far, the last bytes only. */
static void
cmdstream_drain(struct cmdstream *cs)
{
	char buf[512];
	int i;

	/* Bounded: a child that writes without end cannot hold us here. */
	for (i = 0; i < 64 && cs->errfd >= 0; i++) {
		ssize_t n = read(cs->errfd, buf, sizeof(buf));
		size_t k;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: nothing more for now */
		if (n == 0) {
			close(cs->errfd);
			cs->errfd = -1;
			return;
		}
		k = (size_t)n;
		/* k < sizeof(tail), so dropping old bytes makes room. */
		if (cs->tlen + k > sizeof(cs->tail)) {
			size_t drop = cs->tlen + k - sizeof(cs->tail);

			memmove(cs->tail, cs->tail + drop, cs->tlen - drop);
			cs->tlen -= drop;
		}
		memcpy(cs->tail + cs->tlen, buf, k);
		cs->tlen += k;
	}
}

/* waitpid without blocking; 1 once the child is reaped (or not ours). */
static int
cmdstream_try_reap(struct cmdstream *cs)
{
	pid_t r;

	if (cs->reaped)
		return 1;
	do
		r = waitpid(cs->pid, &cs->status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == cs->pid) {
		cs->reaped = 1;
		return 1;
	}
	if (r < 0) {
		/* ECHILD: SIGCHLD ignored, or the caller reaped it. */
		cs->reaped = 1;
		cs->status = 0;
		return 1;
	}
	return 0;
}

/* Wait up to ms for the child to exit, draining its stderr meanwhile. */
static int
cmdstream_wait(struct cmdstream *cs, int ms)
{
	int64_t deadline = stream_now_ms() + ms;

	for (;;) {
		cmdstream_drain(cs);
		if (cmdstream_try_reap(cs))
			return 1;
		if (stream_now_ms() >= deadline)
			return 0;
		if (cs->errfd >= 0) {
			struct pollfd pfd = { .fd = cs->errfd,
					      .events = POLLIN };

			poll(&pfd, 1, 10);
		} else {
			poll(NULL, 0, 10);
		}
	}
}

/*
 * The last two non-empty lines of the tail, joined by "; ", without
 * trailing blanks and a final full stop (house style), into buf.
 */
static void
cmdstream_tail_lines(const struct cmdstream *cs, char *buf, size_t size)
{
	const char *lines[2] = { NULL, NULL };
	size_t lens[2] = { 0, 0 };
	size_t i = 0, o = 0;
	int k;

	while (i < cs->tlen) {
		const char *s = cs->tail + i;
		const char *nl = memchr(s, '\n', cs->tlen - i);
		size_t n = nl ? (size_t)(nl - s) : cs->tlen - i;

		i += n + (nl ? 1 : 0);
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' ||
				 s[n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		lines[0] = lines[1];
		lens[0] = lens[1];
		lines[1] = s;
		lens[1] = n;
	}
	buf[0] = '\0';
	for (k = 0; k < 2; k++) {
		size_t n = lens[k];

		if (!lines[k])
			continue;
		if (k == 1 && n > 1 && lines[k][n - 1] == '.')
			n--;
		o += (size_t)snprintf(buf + (o < size ? o : size - 1),
				      o < size ? size - o : 1, "%s%.*s",
				      o ? "; " : "", (int)n, lines[k]);
	}
	/* Control characters from the remote side stay out of messages. */
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
}

static const char *
cmdstream_why(struct stream *st)
{
	struct cmdstream *cs = stream_get_priv(st);
	/* Room for "PROG: " in why[]. */
	char lines[sizeof(cs->why) - sizeof(cs->prog) - 2];

	if (!cs->why_set) {
		cmdstream_wait(cs, CMDSTREAM_EXIT_WAIT_MS);
		cmdstream_drain(cs);
		cmdstream_tail_lines(cs, lines, sizeof(lines));
		cs->why[0] = '\0';
		/* Lines that name their program need no prefix. */
		if (lines[0] &&
		    ((cs->reaped && WIFEXITED(cs->status) &&
		      WEXITSTATUS(cs->status) == 127 &&
		      strncmp(lines, "cannot run '", 12) == 0) ||
		     (strncmp(lines, cs->prog, strlen(cs->prog)) == 0 &&
		      lines[strlen(cs->prog)] == ':')))
			snprintf(cs->why, sizeof(cs->why), "%s", lines);
		else if (lines[0] && (!cs->reaped || !WIFEXITED(cs->status) ||
				      WEXITSTATUS(cs->status) != 0))
			snprintf(cs->why, sizeof(cs->why), "%s: %s", cs->prog,
				 lines);
		else if (cs->reaped && WIFEXITED(cs->status) &&
			 WEXITSTATUS(cs->status) != 0)
			snprintf(cs->why, sizeof(cs->why),
				 "'%s' exited with status %d", cs->prog,
				 WEXITSTATUS(cs->status));
		else if (cs->reaped && WIFSIGNALED(cs->status))
			snprintf(cs->why, sizeof(cs->why),
				 "'%s' killed by signal %d", cs->prog,
				 WTERMSIG(cs->status));
		/* Only final once the child is gone: it may say more. */
		cs->why_set = cs->reaped;
	}
	return cs->why[0] ? cs->why : NULL;
}

static ssize_t
cmdstream_read(struct stream *st, void *buf, size_t len)
{
	struct cmdstream *cs = stream_get_priv(st);
	ssize_t n;

	cmdstream_drain(cs);
	n = recv(stream_get_fd(st), buf, len, 0);
	if (n != 0)
		return n;
	/* EOF because the child failed: an error with its reason. */
	if (cmdstream_why(st)) {
		errno = ECONNRESET;
		return -1;
	}
	return 0;
}

static ssize_t
cmdstream_write(struct stream *st, const void *buf, size_t len)
{
	cmdstream_drain(stream_get_priv(st));
	return send(stream_get_fd(st), buf, len, MSG_NOSIGNAL);
}

static void
cmdstream_close(struct stream *st)
{
	struct cmdstream *cs = stream_get_priv(st);

	close(stream_get_fd(st));
	/* EOF on its stdin ends ssh and the bridge by themselves. */
	if (!cmdstream_wait(cs, CMDSTREAM_GRACE_MS)) {
		cs->killed = 1;
		kill(cs->pid, SIGTERM);
		if (!cmdstream_wait(cs, CMDSTREAM_TERM_WAIT_MS)) {
			kill(cs->pid, SIGKILL);
			/* Bounded even for a child stuck in the kernel. */
			cmdstream_wait(cs, CMDSTREAM_KILL_WAIT_MS);
		}
	}
	if (cs->errfd >= 0)
		close(cs->errfd);
	free(cs);
}

static int
cmdstream_side_fd(struct stream *st)
{
	return ((struct cmdstream *)stream_get_priv(st))->errfd;
}

static void
cmdstream_side_ready(struct stream *st)
{
	cmdstream_drain(stream_get_priv(st));
}

static const struct stream_ops cmdstream_ops = {
	.read = cmdstream_read,
	.write = cmdstream_write,
	.close = cmdstream_close,
	.why = cmdstream_why,
	.side_fd = cmdstream_side_fd,
	.side_ready = cmdstream_side_ready,
};

/* Async-signal-safe: only write(2) between fork and exec. */
static void
cmdstream_child_say(const char *s)
{
	ssize_t r = write(2, s, strlen(s));

	(void)r;
}

static const char *
cmdstream_child_errno(int e)
{
	switch (e) {
	case ENOENT:
		return "no such file or directory";
	case EACCES:
		return "permission denied";
	case ENOEXEC:
		return "exec format error";
	case ENOTDIR:
		return "not a directory";
	case ENOMEM:
		return "out of memory";
	default:
		return "cannot execute";
	}
}

/* dup2 onto itself keeps close-on-exec; this clears it either way. */
static int
cmdstream_child_dup(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to);
}

static void
cmdstream_child(char *const *argv, int sock, int errw)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* An ignored SIGPIPE would survive exec; ssh expects the default. */
	signal(SIGPIPE, SIG_DFL);
	if (cmdstream_child_dup(errw, 2) < 0 ||
	    cmdstream_child_dup(sock, 0) < 0 ||
	    cmdstream_child_dup(sock, 1) < 0)
		_exit(127);
	execvp(argv[0], argv);
	e = errno;
	cmdstream_child_say("cannot run '");
	cmdstream_child_say(argv[0]);
	cmdstream_child_say("': ");
	cmdstream_child_say(cmdstream_child_errno(e));
	cmdstream_child_say("\n");
	_exit(127);
}

struct stream *
cmdstream_new(char *const *argv, const char *peer, struct rvirt_error *err)
{
	struct cmdstream *cs = NULL;
	struct stream *st;
	int sv[2] = { -1, -1 }, ep[2] = { -1, -1 };
	const char *base;

	if (!argv || !argv[0]) {
		err_set(err, RVIRT_ERR_INTERNAL, RVIRT_FROM_TRANSPORT,
			"cannot connect to '%s': no command", peer);
		return NULL;
	}
	cs = calloc(1, sizeof(*cs));
	if (!cs) {
		err_set(err, RVIRT_ERR_NO_MEMORY, RVIRT_FROM_TRANSPORT,
			"out of memory");
		return NULL;
	}
	base = strrchr(argv[0], '/');
	snprintf(cs->prog, sizeof(cs->prog), "%s", base ? base + 1 : argv[0]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(ep, O_CLOEXEC) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_TRANSPORT,
			      errno, "cannot connect to '%s'", peer);
		goto fail;
	}
	cs->pid = fork();
	if (cs->pid < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_TRANSPORT,
			      errno, "cannot connect to '%s': cannot fork",
			      peer);
		goto fail;
	}
	if (cs->pid == 0)
		cmdstream_child(argv, sv[1], ep[1]);
	close(sv[1]);
	close(ep[1]);
	sv[1] = ep[1] = -1;
	cs->errfd = ep[0];
	/*
	 * stderr is drained whenever the stream is read or written or
	 * waits (stream_wait_st), so a chatty child (ssh -vvv) never blocks
	 * on it; a bigger pipe saves wake-ups.  Best effort: a user over
	 * pipe-user-pages-soft gets 4 KiB pipes, which is what made
	 * ssh -vvv hang until the call timed out on a loaded machine.
	 */
	fcntl(ep[0], F_SETPIPE_SZ, CMDSTREAM_STDERR_PIPE);
	if (fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(ep[0], F_SETFL, fcntl(ep[0], F_GETFL) | O_NONBLOCK) < 0) {
		err_set_errno(err, RVIRT_ERR_SYSTEM, RVIRT_FROM_TRANSPORT,
			      errno, "cannot connect to '%s'", peer);
		goto fail_child;
	}
	st = stream_new_ops(sv[0], peer, &cmdstream_ops, cs, err);
	if (!st)
		goto fail_child;
	return st;
fail_child:
	/* The same reaping as stream_free, without a stream. */
	close(sv[0]);
	sv[0] = -1;
	kill(cs->pid, SIGKILL);
	cmdstream_wait(cs, CMDSTREAM_KILL_WAIT_MS);
	ep[0] = cs->errfd;
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	free(cs);
	return NULL;
}

struct stream *
cmdstream_connect_ext(const struct uri *uri, struct rvirt_error *err)
{
	struct cmdstream_argv a = { 0 };
	struct stream *st = NULL;

	if (!uri->command) {
		err_set(err, RVIRT_ERR_URI, RVIRT_FROM_URI,
			"transport 'ext' needs the variable 'command'");
		return NULL;
	}
	if (cmdstream_argv_split(&a, uri->command, err) < 0)
		goto out;
	st = cmdstream_new(a.argv, a.argv[0], err);
out:
	cmdstream_argv_release(&a);
	return st;
}
