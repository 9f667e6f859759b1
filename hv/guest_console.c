/* SPDX-License-Identifier: MIT */
/* guest_console: rvirt-guest's small serial line on its stdin/stdout. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "guest_console.h"

/*
 * The line is raw (rvirtd's console holder gives the pty no line
 * discipline), so the guest echoes what it reads itself, as a serial
 * getty would: printable bytes as they come, CR or LF ends a line,
 * DEL or BS rubs out one byte.
 */

#define GUEST_CONSOLE_LINE_MAX 256
#define GUEST_CONSOLE_FLOOD_MAX (64ULL << 20)
#define GUEST_CONSOLE_PROMPT "guest> "

static const char *guest_console_name = "?";

/* Output to the console; a console that went away is no matter. */
static void
guest_console_write(const void *buf, size_t len)
{
	(void)fdio_write_all(1, buf, len);
}

static void
guest_console_puts(const char *s)
{
	guest_console_write(s, strlen(s));
}

/* flood N: N bytes of lines of text, then a line saying it is done. */
static void
guest_console_flood(const char *arg)
{
	static const char line[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				   "0123456789abcdefghijklmnopqrstuv\r\n";
	char buf[16 * (sizeof(line) - 1)], *end;
	unsigned long long n, left;
	size_t chunk;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || n > GUEST_CONSOLE_FLOOD_MAX) {
		guest_console_puts(
			"flood: give a byte count up to 67108864\r\n");
		return;
	}
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = line[i % (sizeof(line) - 1)];
	for (left = n; left > 0; left -= chunk) {
		chunk = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		guest_console_write(buf, chunk);
	}
	guest_console_puts("\r\nflood done\r\n");
}

static void
guest_console_command(char *line)
{
	char *cmd = line, *arg;
	char out[GUEST_CONSOLE_LINE_MAX + 64];

	while (*cmd == ' ')
		cmd++;
	arg = strchr(cmd, ' ');
	if (arg) {
		*arg++ = '\0';
		while (*arg == ' ')
			arg++;
	} else {
		arg = cmd + strlen(cmd);
	}
	if (*cmd == '\0')
		return;
	if (strcmp(cmd, "help") == 0) {
		guest_console_puts("commands: help, echo TEXT, name, "
				   "flood BYTES\r\n");
	} else if (strcmp(cmd, "echo") == 0) {
		snprintf(out, sizeof(out), "%s\r\n", arg);
		guest_console_puts(out);
	} else if (strcmp(cmd, "name") == 0) {
		snprintf(out, sizeof(out), "%s\r\n", guest_console_name);
		guest_console_puts(out);
	} else if (strcmp(cmd, "flood") == 0) {
		guest_console_flood(arg);
	} else {
		snprintf(out, sizeof(out), "unknown command '%.200s'\r\n", cmd);
		guest_console_puts(out);
	}
}

static char guest_console_line[GUEST_CONSOLE_LINE_MAX + 1];
static size_t guest_console_len;

int
guest_console_input(void)
{
	unsigned char buf[512];
	ssize_t n;

	do
		n = read(0, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return -1;
	for (ssize_t i = 0; i < n; i++) {
		unsigned char ch = buf[i];

		if (ch == '\r' || ch == '\n') {
			guest_console_puts("\r\n");
			guest_console_line[guest_console_len] = '\0';
			guest_console_command(guest_console_line);
			guest_console_len = 0;
			guest_console_puts(GUEST_CONSOLE_PROMPT);
		} else if (ch == 0x7f || ch == '\b') {
			if (guest_console_len > 0) {
				guest_console_len--;
				guest_console_puts("\b \b");
			}
		} else if (ch >= 0x20 &&
			   guest_console_len < GUEST_CONSOLE_LINE_MAX) {
			guest_console_line[guest_console_len++] = (char)ch;
			guest_console_write(&ch, 1);
		}
	}
	return 0;
}

int
guest_console_init(const char *name)
{
	char banner[GUEST_CONSOLE_LINE_MAX + 64];

	if (!isatty(0))
		return 0;
	guest_console_name = name;
	snprintf(banner, sizeof(banner),
		 "rvirt-guest %.200s: serial console ready (type help)\r\n",
		 name);
	guest_console_puts(banner);
	guest_console_puts(GUEST_CONSOLE_PROMPT);
	return 1;
}

void
guest_console_note(const char *text)
{
	guest_console_puts("\r\n");
	guest_console_puts(text);
	guest_console_puts("\r\n" GUEST_CONSOLE_PROMPT);
}
