/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpuvirt monitor: the kernel's events for PCI functions and mdev instances
 * (add, remove, bind, unbind, change) as they happen, from the library's
 * monitor. The first line says it listens; then one line (or one JSON
 * object) an event, flushed at once; SIGINT or SIGTERM ends it with 0. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *kind_name(int kind)
{
	static const char *const names[] = {"?", "add", "remove", "bind", "unbind", "change"};

	return kind >= GPUVIRT_EVENT_ADD && kind <= GPUVIRT_EVENT_CHANGE ? names[kind] : names[0];
}

/* The wall-clock time, UTC, to the millisecond. */
static void timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03dZ", (int)(ts.tv_nsec / 1000000L));
}

static void print_event(const struct options *o, int kind, const char *subject)
{
	char when[32];
	struct json j;

	timestamp(when, sizeof(when));
	if (!o->json) {
		printf("%s %-6s %s\n", when, kind_name(kind), vis(subject));
	} else {
		json_init(&j, stdout);
		json_compact(&j);
		json_begin_object(&j);
		json_key(&j, "time");
		json_string(&j, when);
		json_key(&j, "event");
		json_string(&j, kind_name(kind));
		json_key(&j, "subject");
		json_string(&j, subject);
		json_key(&j, "kind");
		json_string(&j, strlen(subject) == 36 ? "mdev" : "pci");
		json_end_object(&j);
		json_finish(&j);
	}
	fflush(stdout);
}

static void print_listening(gpuvirt_ctx *ctx, const struct options *o)
{
	struct json j;

	if (!o->json) {
		printf("listening for pci and mdev events (Ctrl-C ends)\n");
	} else {
		json_init(&j, stdout);
		json_compact(&j);
		json_begin_object(&j);
		json_key(&j, "gpuvirt_version");
		json_string(&j, gpuvirt_version());
		json_key(&j, "root");
		json_string(&j, gpuvirt_ctx_get_root(ctx));
		json_key(&j, "listening");
		json_begin_array(&j);
		json_string(&j, "pci");
		json_string(&j, "mdev");
		json_end_array(&j);
		json_end_object(&j);
		json_finish(&j);
	}
	fflush(stdout);
}

/* --count N: 0 (no limit) or N >= 1; -1 when malformed. */
static long parse_count(const char *s)
{
	char *end;
	long n;

	if (!s)
		return 0;
	n = strtol(s, &end, 10);
	return *end || end == s || n < 1 || n > 1000000000L ? -1 : n;
}

int cmd_monitor(gpuvirt_ctx *ctx, const struct options *o)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: poll returns */
	long count = parse_count(o->count), seen = 0;
	gpuvirt_monitor *mon;
	int r;

	if (count < 0)
		return cli_usage(o, "--count takes a number of events (1 or more), not '%s'", vis(o->count));
	if ((r = gpuvirt_monitor_new(ctx, &mon)) == -EOPNOTSUPP)
		return cli_fail(ctx, r, "monitor (events come from the running kernel: only with the root /)");
	if (r < 0)
		return cli_fail(ctx, r, "monitor");
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	print_listening(ctx, o);
	while (!stop && (!count || seen < count)) {
		struct pollfd p = {.fd = gpuvirt_monitor_get_fd(mon), .events = POLLIN};
		const char *subject;
		int kind;
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		while ((!count || seen < count) && (r = gpuvirt_monitor_next_event(mon, &kind, &subject)) > 0) {
			print_event(o, kind, subject);
			seen++;
		}
		if (r < 0)
			break;
	}
	gpuvirt_monitor_unref(mon);
	return r < 0 ? cli_fail(ctx, r, "monitor") : EXIT_OK;
}
