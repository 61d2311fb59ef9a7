/*
 * tests/fuzz/replay.c: without a fuzzer, runs a fuzz target over its saved
 * inputs (seeds and past crashes), one TAP line each.  The folder is the
 * first argument, or $top_srcdir/FUZZ_INPUTS (set when it is built).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#ifndef FUZZ_INPUTS
#define FUZZ_INPUTS	"tests/fuzz/intake"	/* under $top_srcdir */
#endif

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], path[2048];
	struct dirent **ents;
	struct pd_err err;
	char *buf;
	size_t len;
	int i, n, run = 0;

	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	else
		snprintf(dir, sizeof dir, "%s/%s", top ? top : ".", FUZZ_INPUTS);
	if ((n = scandir(dir, &ents, NULL, by_name)) < 0) {
		printf("1..0 # SKIP no inputs in %s\n", dir);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
		if (read_file(path, 4 << 20, &buf, &len, &err) == 0) {
			LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
			free(buf);
			printf("ok %d - %s\n", ++run, ents[i]->d_name);
		} else
			printf("not ok %d - %s: %s\n", ++run, ents[i]->d_name,
			    err.text);
		free(ents[i]);
	}
	free(ents);
	printf("1..%d\n", run);
	return 0;
}
