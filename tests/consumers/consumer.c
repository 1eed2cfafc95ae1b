/* A program of a library user: lists the GPUs of the host at argv[1]. */
#include <gpuvirt/gpuvirt.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	gpuvirt_ctx *ctx;
	gpuvirt_device_iter *it;
	gpuvirt_device *dev;
	int n = 0;

	if (gpuvirt_ctx_new(&ctx) < 0)
		return 1;
	if (argc > 1 && gpuvirt_ctx_set_root(ctx, argv[1]) < 0)
		return 1;
	if (gpuvirt_device_iter_new(ctx, GPUVIRT_DEVICES_ALL, &it) < 0)
		return 1;
	while (gpuvirt_device_iter_next(it, &dev) > 0) {
		n++;
		gpuvirt_device_unref(dev);
	}
	gpuvirt_device_iter_unref(it);
	gpuvirt_ctx_unref(ctx);
	printf("gpuvirt %s: %d functions\n", gpuvirt_version(), n);
	return 0;
}
