/* SPDX-License-Identifier: BSD-3-Clause */
/* Replay engine: runs the harness once per input file, no fuzzing runtime. Arguments are files
 * and directories (each directory's regular files, in name order); --trace first prints every
 * op as it runs; --decode prints the ops without running them; --repeat=N runs each input N times
 * and prints runs per second (a benchmark); `--` ends the options. Used by the corpus regression
 * tests and to reproduce a crash: `osmem_fuzz_replay crash-1234`. Exit status: 0 when every input
 * passed, 2 on bad arguments (missing path, empty directory, unreadable file); a failing input
 * aborts with the oracle's message. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz/harness.h"

#define MAX_INPUT_SIZE ((size_t)1 << 20)

struct totals {
	size_t inputs, bytes;
};

static bool decode_only;
static unsigned long repeat = 1; /* --repeat N: a benchmark, with a figure per input */

static int fail_usage(const char *path, const char *why)
{
	fprintf(stderr, "osmem-fuzz-replay: %s: %s\n", path, why);
	return 2;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void benchmark(const char *path, const unsigned char *buf, size_t size)
{
	double start = now_seconds(), elapsed;

	for (unsigned long i = 0; i < repeat; i++)
		osmem_fuzz_one(buf, size);
	elapsed = now_seconds() - start;
	printf("OK %s (%zu bytes, %u ops): %lu runs in %.3f s, %.0f runs/s\n", path, size,
	       osmem_fuzz_decode(buf, size, NULL), repeat, elapsed, (double)repeat / elapsed);
}

static int read_file(const char *path, unsigned char *buf, size_t *size)
{
	FILE *file = fopen(path, "rb");
	int status = 0;

	if (!file)
		return fail_usage(path, strerror(errno));
	*size = fread(buf, 1, MAX_INPUT_SIZE, file);
	if (ferror(file))
		status = fail_usage(path, "read error");
	else if (*size == MAX_INPUT_SIZE && fgetc(file) != EOF)
		status = fail_usage(path, "input larger than 1 MiB");
	fclose(file);
	return status;
}

static int replay_file(const char *path, struct totals *totals)
{
	static unsigned char buf[MAX_INPUT_SIZE];
	size_t size;
	int status = read_file(path, buf, &size);

	if (status)
		return status;
	if (decode_only) {
		printf("# %s\n", path);
		osmem_fuzz_decode(buf, size, stdout);
	} else if (repeat > 1) {
		benchmark(path, buf, size);
	} else {
		fprintf(stderr, "Running: %s\n", path);
		osmem_fuzz_one(buf, size);
		printf("OK %s (%zu bytes)\n", path, size);
	}
	totals->inputs++;
	totals->bytes += size;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

static int replay_dir(const char *dir, struct totals *totals)
{
	struct dirent **entries;
	char path[4096];
	int count = scandir(dir, &entries, not_hidden, by_name), status = 0, files = 0;
	struct stat st;

	if (count < 0)
		return fail_usage(dir, strerror(errno));
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		if (!status && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			status = replay_file(path, totals);
			files++;
		}
		free(entries[i]);
	}
	free(entries);
	if (!status && !files)
		return fail_usage(dir, "directory holds no input files");
	return status;
}

static int replay_path(const char *path, struct totals *totals)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return fail_usage(path, strerror(errno));
	return S_ISDIR(st.st_mode) ? replay_dir(path, totals) : replay_file(path, totals);
}

static int usage(const char *program, FILE *to)
{
	fprintf(to, "usage: %s [--trace | --decode | --repeat=N] [--] FILE_OR_DIR...\n", program);
	return to == stdout ? 0 : 2;
}

/* One option at most, then paths. Anything else that looks like an option is refused rather
 * than read as a path, so a mistyped flag never ends as "No such file or directory". */
static int parse_option(const char *arg)
{
	char *end;

	if (!strcmp(arg, "--trace")) {
		osmem_fuzz_trace(stderr);
	} else if (!strcmp(arg, "--decode")) {
		decode_only = true;
	} else if (!strncmp(arg, "--repeat=", 9)) {
		repeat = strtoul(arg + 9, &end, 10);
		if (*end || !repeat || arg[9] == '-')
			return fail_usage(arg, "wants a positive whole number of runs per input");
	} else {
		return fail_usage(arg, "unknown option (a path starting with '-' goes after '--')");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct totals totals = { 0, 0 };
	int first = 1;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return usage(argv[0], stdout);
	if (argc > 1 && argv[1][0] == '-' && strcmp(argv[1], "--")) {
		int status = parse_option(argv[1]);

		if (status)
			return status;
		first = 2;
	}
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc)
		return usage(argv[0], stderr);
	for (int i = first; i < argc; i++) {
		int status = replay_path(argv[i], &totals);

		if (status)
			return status;
	}
	if (!decode_only)
		printf("replay: %zu inputs (%zu bytes) from %d paths: all passed\n", totals.inputs,
		       totals.bytes, argc - first);
	return 0;
}
