/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* monitor-events: the library's event monitor against a real kernel, for
 * the real-kernel tier.
 *
 * usage: monitor-events READY-FILE SECONDS
 * Opens a gpuvirt monitor, writes READY-FILE, then prints each event as
 * "KIND SUBJECT" (add, remove, bind, unbind, change) as it arrives, waiting
 * on the monitor's descriptor, until SECONDS pass. Exits 0, or 1 when the
 * monitor cannot be made. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gpuvirt/gpuvirt.h>

static const char *kind_name(int kind)
{
	static const char *const names[] = {"?", "add", "remove", "bind", "unbind", "change"};

	return kind >= 1 && kind <= 5 ? names[kind] : names[0];
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	gpuvirt_ctx *ctx = NULL;
	gpuvirt_monitor *mon = NULL;
	double end;
	FILE *ready;

	if (argc != 3) {
		fprintf(stderr, "usage: monitor-events READY-FILE SECONDS\n");
		return 2;
	}
	if (gpuvirt_ctx_new(&ctx) < 0 || gpuvirt_monitor_new(ctx, &mon) < 0) {
		fprintf(stderr, "monitor-events: %s\n", ctx ? gpuvirt_ctx_get_error(ctx) : "no context");
		return 1;
	}
	ready = fopen(argv[1], "we");
	if (ready)
		fclose(ready);
	end = now() + atof(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (now() < end) {
		struct pollfd p = {.fd = gpuvirt_monitor_get_fd(mon), .events = POLLIN};
		const char *subject;
		int kind;
		if (poll(&p, 1, (int)((end - now()) * 1000) + 1) <= 0)
			continue;
		while (gpuvirt_monitor_next_event(mon, &kind, &subject) > 0)
			printf("%s %s\n", kind_name(kind), subject);
	}
	gpuvirt_monitor_unref(mon);
	gpuvirt_ctx_unref(ctx);
	return 0;
}
