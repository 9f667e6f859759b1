/* SPDX-License-Identifier: MIT */
/* connflood: open many connections to rvirtd and hold or drop them. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Usage: connflood MODE N TARGET
 * TARGET is a unix socket path (anything with a '/') or HOST:PORT.
 * MODE says what each of the N connections does:
 *	close	connect, then close at once (a connect flood)
 *	idle	connect and send nothing
 *	stalled	connect and send half a record: the mark of a 200-byte
 *		last fragment and 100 bytes of it
 * close prints "done N" (connections made) and exits.  The other modes
 * print "held N" once all are connected, then hold them until stdin
 * reaches end of file, and then print "open K": how many of them the
 * daemon had not closed.  Connections refused by connect() are counted
 * in "refused R" on stderr.  Exit 2 on bad usage.
 */

static int
flood_connect(const char *target)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char host[256], *colon;
	int fd;

	if (strchr(target, '/')) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(target) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, target);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	snprintf(host, sizeof(host), "%s", target);
	colon = strrchr(host, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Whether the daemon has closed fd (end of file or a reset). */
static int
flood_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);

	if (n == 0)
		return 1;
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	/* Mark: last fragment of 200 bytes; then 100 of them. */
	static const unsigned char half[4 + 100] = { 0x80, 0, 0, 200 };
	struct rlimit rl;
	int *fds, n, held = 0, refused = 0, open = 0;
	char buf[64];

	if (argc != 4 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: connflood close|idle|stalled N "
				"TARGET\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	fds = calloc((size_t)n, sizeof(*fds));
	if (!fds)
		return 1;
	for (int i = 0; i < n; i++) {
		int fd = flood_connect(argv[3]);

		if (fd < 0) {
			refused++;
			continue;
		}
		if (strcmp(argv[1], "close") == 0) {
			close(fd);
			held++;
			continue;
		}
		if (strcmp(argv[1], "stalled") == 0 &&
		    write(fd, half, sizeof(half)) != (ssize_t)sizeof(half)) {
			close(fd);
			refused++;
			continue;
		}
		fds[held++] = fd;
	}
	if (refused)
		fprintf(stderr, "refused %d\n", refused);
	if (strcmp(argv[1], "close") == 0) {
		printf("done %d\n", held);
		free(fds);
		return 0;
	}
	printf("held %d\n", held);
	fflush(stdout);
	while (fgets(buf, sizeof(buf), stdin))
		;
	for (int i = 0; i < held; i++) {
		open += !flood_closed(fds[i]);
		close(fds[i]);
	}
	printf("open %d\n", open);
	free(fds);
	return 0;
}
