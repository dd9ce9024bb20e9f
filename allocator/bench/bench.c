/* SPDX-License-Identifier: BSD-3-Clause */
/* bazel run //allocator/bench:bench [-- --quick] [--seed=N] [--rounds=N] [--only=osmem|glibc]
 *
 * Replays one fixed, seeded op sequence per level (a fill up to N live blocks, then a mix of
 * malloc/calloc/free/realloc around N) against osmem (production build, real sbrk/mmap) and glibc
 * malloc, and prints ns per op and peak footprint over peak live bytes.
 *
 * Fairness: osmem and glibc cannot share a process's break, so every measurement runs in its own
 * child forked from this parent, which has not called malloc: each allocator starts from an
 * untouched heap, sees the identical op array (built once here, before the fork, in its own
 * mapping) and runs alone on the machine, one after the other. Timing runs do nothing but the ops;
 * footprints are sampled after every op in separate runs, so sampling never shows in the times.
 * A second table splits each timing into user time, system time and page faults per op (getrusage
 * at the phase boundaries), so that a reader sees how much of a gap the kernel's share is.
 *
 * On a VM one timing run of a level can be off by a third (a neighbour, the hypervisor): each level
 * is timed in --rounds rounds, osmem then glibc in each, and a cell shows the median of its rounds'
 * figures; its ratio is the median of the rounds' ratios, with their range below the table. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "allocator/bench/replay.h"
#include "allocator/bench/workload.h"

struct level {
	size_t live;
	size_t mix_ops;
};

/* From a heap that fits in the caches to one of a million live blocks; a timing run still stops at
 * its budget (--budget), for an allocator that would not finish. */
static const struct level default_levels[] = {
	{ 100, 400000 }, { 10000, 200000 }, { 100000, 400000 }, { 1000000, 1000000 }
};
static const struct level quick_levels[] = { { 100, 2000 }, { 1000, 1000 } };

#define MAX_LEVELS 8
#define MAX_ROUNDS 15

struct options {
	const struct level *levels;
	size_t nlevels;
	uint64_t seed;
	uint64_t budget_seconds; /* per timing run */
	uint64_t rounds;         /* timing runs per allocator and level */
	int only;                /* -1: both allocators; else the index of the one to run (--only) */
	struct level custom[MAX_LEVELS]; /* from --level, replacing the default levels */
};

enum run_kind { RUN_TIMED, RUN_SAMPLED };

struct row {
	const struct level *level;
	uint64_t budget_seconds;
	size_t peak_live;
	size_t rounds;
	bool ran[2];
	struct replay_result timed[2], sampled[2]; /* [0] osmem, [1] glibc; timed: the medians */
	struct replay_result round[MAX_ROUNDS][2];
	double fill_ratio[3], mix_ratio[3];         /* over the rounds: median, lowest, highest */
};

static const struct allocator *const allocators[2] = { &osmem_allocator, &glibc_allocator };

static void usage(FILE *out)
{
	fprintf(out, "usage: bench [--quick] [--seed=N] [--rounds=N] [--level=LIVE:MIX_OPS ...]\n"
		     "  --quick              two small levels (seconds), for the smoke test\n"
		     "  --seed=N             seed of the op sequence (default 1)\n"
		     "  --rounds=N           timing runs per allocator and level, alternated; each cell\n"
		     "                       shows the median (default 3, at most %d)\n"
		     "  --level=LIVE:MIX_OPS run this level instead of the defaults (repeatable, up to %d)\n"
		     "  --budget=SECONDS     stop a timing run after this long (default 40); its row then\n"
		     "                       shows the ops it got through and no footprint\n"
		     "  --only=osmem|glibc   run only this allocator's timing runs (no footprint): a\n"
		     "                       profiler attached to the bench then sees no other allocator\n",
		MAX_ROUNDS, MAX_LEVELS);
}

static int parse_number(const char *text, const char *what, uint64_t *out, char stop)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 10);
	if (errno || end == text || *end != stop || *text == '-') {
		fprintf(stderr, "bench: %s wants a decimal number, got '%s'\n", what, text);
		return -1;
	}
	return 0;
}

/* LIVE:MIX_OPS, both at least 2 and small enough for the op array's 32-bit slot ids. */
static int parse_level(const char *text, struct options *o)
{
	uint64_t live, mix;
	const char *colon = strchr(text, ':');

	if (o->levels != o->custom)
		o->nlevels = 0;
	o->levels = o->custom;
	if (o->nlevels == MAX_LEVELS) {
		fprintf(stderr, "bench: at most %d --level flags\n", MAX_LEVELS);
		return -1;
	}
	if (!colon) {
		fprintf(stderr, "bench: --level wants LIVE:MIX_OPS, got '%s'\n", text);
		return -1;
	}
	if (parse_number(text, "--level's LIVE", &live, ':') != 0 ||
	    parse_number(colon + 1, "--level's MIX_OPS", &mix, '\0') != 0)
		return -1;
	if (live < 2 || mix < 1 || live > 10000000 || mix > 100000000) {
		fprintf(stderr, "bench: --level=%s out of range (2..10^7 live, 1..10^8 ops)\n", text);
		return -1;
	}
	o->custom[o->nlevels++] = (struct level){ (size_t)live, (size_t)mix };
	return 0;
}

static int parse_only(const char *name, struct options *o)
{
	for (int i = 0; i < 2; i++) {
		if (!strcmp(name, allocators[i]->name)) {
			o->only = i;
			return 0;
		}
	}
	fprintf(stderr, "bench: --only wants osmem or glibc, got '%s'\n", name);
	return -1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .levels = default_levels,
			       .nlevels = sizeof(default_levels) / sizeof(default_levels[0]),
			       .seed = 1,
			       .budget_seconds = 40,
			       .rounds = 3,
			       .only = -1 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o->levels = quick_levels;
			o->nlevels = sizeof(quick_levels) / sizeof(quick_levels[0]);
		} else if (!strncmp(argv[i], "--seed=", 7)) {
			if (parse_number(argv[i] + 7, "--seed", &o->seed, '\0') != 0)
				return -1;
		} else if (!strncmp(argv[i], "--budget=", 9)) {
			if (parse_number(argv[i] + 9, "--budget", &o->budget_seconds, '\0') != 0)
				return -1;
			if (o->budget_seconds == 0) {
				fprintf(stderr, "bench: --budget must be at least 1 second\n");
				return -1;
			}
		} else if (!strncmp(argv[i], "--rounds=", 9)) {
			if (parse_number(argv[i] + 9, "--rounds", &o->rounds, '\0') != 0)
				return -1;
			if (o->rounds < 1 || o->rounds > MAX_ROUNDS) {
				fprintf(stderr, "bench: --rounds must be 1 to %d\n", MAX_ROUNDS);
				return -1;
			}
		} else if (!strncmp(argv[i], "--only=", 7)) {
			if (parse_only(argv[i] + 7, o) != 0)
				return -1;
		} else if (!strncmp(argv[i], "--level=", 8)) {
			if (parse_level(argv[i] + 8, o) != 0)
				return -1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "bench: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* Runs one replay in a fresh child and brings its result back through a pipe. */
static struct replay_result run_in_child(const struct allocator *a, const struct workload *w,
					 enum run_kind kind, double budget_ns)
{
	struct replay_result result = { .ok = 0 };
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		snprintf(result.error, sizeof(result.error), "%s: cannot start a child: %s", a->name,
			 strerror(errno));
		return result;
	}
	if (pid == 0) {
		close(fds[0]);
		result = kind == RUN_TIMED ? replay_timed(a, w, budget_ns) : replay_sampled(a, w);
		_exit(write(fds[1], &result, sizeof(result)) == sizeof(result) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &result, sizeof(result)) != sizeof(result)) {
		result.ok = 0;
		snprintf(result.error, sizeof(result.error), "%s: child died without a result", a->name);
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status)) {
		result.ok = 0;
		snprintf(result.error, sizeof(result.error), "%s: child killed by signal %d", a->name,
			 WTERMSIG(status));
	}
	return result;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static size_t total_ops(const struct row *row)
{
	return row->level->live + row->level->mix_ops;
}

static bool finished(const struct row *row, int side)
{
	return row->timed[side].ops_done == total_ops(row);
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of values[0..n) (the lower middle one for an even n), which it sorts. */
static double median(double *values, size_t n)
{
	qsort(values, n, sizeof(*values), compare_doubles);
	return values[(n - 1) / 2];
}

/* The figure at `offset` in a struct replay_result, a double. */
static double figure(const struct replay_result *result, size_t offset)
{
	double value;

	memcpy(&value, (const char *)result + offset, sizeof(value));
	return value;
}

/* The median over the rounds of one allocator's figure at `offset`. */
static double round_median(const struct row *row, int side, size_t offset)
{
	double values[MAX_ROUNDS];

	for (size_t r = 0; r < row->rounds; r++)
		values[r] = figure(&row->round[r][side], offset);
	return median(values, row->rounds);
}

#define ROUND_MEDIAN(row, side, field) round_median((row), (side), offsetof(struct replay_result, field))

/* Median, lowest and highest over the rounds of osmem's figure over glibc's (0: a side did not
 * reach that phase in some round). */
static void round_ratios(const struct row *row, size_t offset, double out[3])
{
	double ratios[MAX_ROUNDS];

	for (size_t r = 0; r < row->rounds; r++) {
		double osmem = figure(&row->round[r][0], offset), glibc = figure(&row->round[r][1], offset);

		if (osmem <= 0 || glibc <= 0) {
			out[0] = out[1] = out[2] = 0;
			return;
		}
		ratios[r] = osmem / glibc;
	}
	out[0] = median(ratios, row->rounds);
	out[1] = ratios[0];
	out[2] = ratios[row->rounds - 1];
}

/* The row's timed results: each figure the median of its rounds; the first error, if any. */
static void summarize_rounds(struct row *row)
{
	for (int i = 0; i < 2; i++) {
		struct replay_result *t = &row->timed[i];

		*t = row->round[0][i];
		for (size_t r = 1; r < row->rounds; r++) {
			if (t->ok && !row->round[r][i].ok)
				*t = row->round[r][i];
			if (row->round[r][i].ops_done < t->ops_done)
				t->ops_done = row->round[r][i].ops_done;
		}
		t->fill_ns_per_op = ROUND_MEDIAN(row, i, fill_ns_per_op);
		t->mix_ns_per_op = ROUND_MEDIAN(row, i, mix_ns_per_op);
		t->fill_split = (struct phase_split){ ROUND_MEDIAN(row, i, fill_split.user_ns),
						      ROUND_MEDIAN(row, i, fill_split.system_ns),
						      ROUND_MEDIAN(row, i, fill_split.faults) };
		t->mix_split = (struct phase_split){ ROUND_MEDIAN(row, i, mix_split.user_ns),
						     ROUND_MEDIAN(row, i, mix_split.system_ns),
						     ROUND_MEDIAN(row, i, mix_split.faults) };
	}
	round_ratios(row, offsetof(struct replay_result, fill_ns_per_op), row->fill_ratio);
	round_ratios(row, offsetof(struct replay_result, mix_ns_per_op), row->mix_ratio);
}

static int measure_level(const struct level *level, const struct options *o, struct row *row,
			 const struct timespec *start)
{
	struct workload w;

	if (workload_build(&w, level->live, level->mix_ops, o->seed) != 0) {
		fprintf(stderr, "bench: no memory for the op sequence of level %zu\n", level->live);
		return -1;
	}
	*row = (struct row){ .level = level, .budget_seconds = o->budget_seconds,
			     .peak_live = w.peak_live_bytes, .rounds = o->rounds };
	for (size_t r = 0; r < o->rounds; r++) {
		for (int i = 0; i < 2; i++) {
			if (o->only >= 0 && o->only != i)
				continue;
			fprintf(stderr, "bench: %6zu live blocks: %s timing, round %zu of %zu... (%5.1f s)\n",
				level->live, allocators[i]->name, r + 1, row->rounds, seconds_since(start));
			row->ran[i] = true;
			row->round[r][i] = run_in_child(allocators[i], &w, RUN_TIMED,
							(double)o->budget_seconds * 1e9);
		}
	}
	summarize_rounds(row);
	for (int i = 0; i < 2; i++) {
		if (!row->ran[i] || o->only >= 0 || !finished(row, i))
			continue; /* a footprint run would take as long again and not finish either */
		fprintf(stderr, "bench: %6zu live blocks: %s footprint... (%5.1f s)\n", level->live,
			allocators[i]->name, seconds_since(start));
		row->sampled[i] = run_in_child(allocators[i], &w, RUN_SAMPLED, 0);
	}
	workload_release(&w);
	return 0;
}

/* One "osmem glibc osmem/glibc" group of cells; '-' where a run stopped before that figure. */
static void print_pair(const double value[2], double ratio, const char *format, const char *after)
{
	for (int i = 0; i < 2; i++) {
		if (value[i] > 0)
			printf(format, value[i]);
		else
			printf(" %8s", "-");
	}
	if (ratio > 0)
		printf(" %6.2fx", ratio);
	else
		printf(" %7s", "-");
	printf("%s", after);
}

static void print_row(const struct row *row)
{
	const struct replay_result *t = row->timed, *s = row->sampled;
	double fill[2] = { t[0].fill_ns_per_op, t[1].fill_ns_per_op };
	double mix[2] = { t[0].mix_ns_per_op, t[1].mix_ns_per_op };
	double fp[2] = { (double)s[0].peak_footprint / (double)row->peak_live,
			 (double)s[1].peak_footprint / (double)row->peak_live };

	printf("%11zu %9zu %8zu %9.1f |", row->level->live, row->level->live, row->level->mix_ops,
	       (double)row->peak_live / (1 << 20));
	print_pair(fill, row->fill_ratio[0], " %8.0f", " |");
	print_pair(mix, row->mix_ratio[0], " %8.0f", " |");
	print_pair(fp, fp[0] > 0 && fp[1] > 0 ? fp[0] / fp[1] : 0, " %8.2f", "\n");
	for (int i = 0; i < 2; i++) {
		if (row->ran[i] && !finished(row, i))
			printf("%11s ^ %s stopped at the %" PRIu64 " s budget after %zu of %zu ops "
			       "(%zu of %zu fill ops): its fill figure covers only those\n",
			       "", allocators[i]->name, row->budget_seconds,
			       t[i].ops_done, total_ops(row), t[i].ops_done < row->level->live ?
			       t[i].ops_done : row->level->live, row->level->live);
	}
}

/* "user system faults" of one phase of one allocator, '-' where it did not run (ns_per_op 0). */
static void print_split(const struct phase_split *split, double ns_per_op)
{
	if (ns_per_op > 0)
		printf(" %7.0f %7.0f %7.3f |", split->user_ns, split->system_ns, split->faults);
	else
		printf(" %7s %7s %7s |", "-", "-", "-");
}

static void print_split_row(const struct row *row)
{
	printf("%11zu |", row->level->live);
	for (int i = 0; i < 2; i++)
		print_split(&row->timed[i].fill_split, row->timed[i].fill_ns_per_op);
	for (int i = 0; i < 2; i++)
		print_split(&row->timed[i].mix_split, row->timed[i].mix_ns_per_op);
	printf("\n");
}

static void print_split_table(const struct row *rows, size_t nrows)
{
	printf("\nwhere the CPU time goes, per op of the timing runs above (getrusage, medians of the "
	       "rounds): user ns,\nsystem ns (system calls and page faults), page faults\n\n");
	printf("%11s | %23s | %23s | %23s | %23s |\n", "", "fill osmem", "fill glibc", "mix osmem",
	       "mix glibc");
	printf("%11s |", "live blocks");
	for (int i = 0; i < 4; i++)
		printf(" %7s %7s %7s |", "user", "system", "faults");
	printf("\n");
	for (size_t i = 0; i < nrows; i++)
		print_split_row(&rows[i]);
}

static void print_ratio_range(const char *phase, const double ratio[3])
{
	if (ratio[0] > 0)
		printf("  %s %.2fx-%.2fx", phase, ratio[1], ratio[2]);
	else
		printf("  %s -", phase);
}

static void print_ranges(const struct row *rows, size_t nrows)
{
	if (rows[0].rounds < 2 || !rows[0].ran[0] || !rows[0].ran[1])
		return;
	printf("\nratios over the %zu rounds, lowest-highest:\n", rows[0].rounds);
	for (size_t i = 0; i < nrows; i++) {
		printf("%11zu", rows[i].level->live);
		print_ratio_range("fill", rows[i].fill_ratio);
		print_ratio_range("mix", rows[i].mix_ratio);
		printf("\n");
	}
}

static int report_failures(const struct row *row)
{
	int failed = 0;

	for (int i = 0; i < 2; i++) {
		const struct replay_result *r[2] = { &row->timed[i], &row->sampled[i] };

		for (int k = 0; k < 2; k++) {
			if (!r[k]->ok && r[k]->error[0]) {
				printf("%11zu FAILED: %s\n", row->level->live, r[k]->error);
				failed = 1;
			}
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct options o;
	struct row rows[MAX_LEVELS];
	struct timespec start;
	int failed = 0;

	if (parse_options(argc, argv, &o) != 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (size_t i = 0; i < o.nlevels; i++) {
		if (measure_level(&o.levels[i], &o, &rows[i], &start) != 0)
			return 1;
	}
	/* Only now does this process print to stdout (stdio's buffer comes from malloc). */
	printf("osmem vs glibc malloc, seed %" PRIu64 ", each figure from its own fresh process\n"
	       "(fill: allocate up to N live blocks; mix: 45%% malloc/calloc, 40%% free, 15%% realloc "
	       "around N;\n ns/op: CPU time (user + system) of the replaying process, median of %" PRIu64
	       " rounds; footprint: osmem heap_bytes + mapped_bytes,\n glibc mallinfo2 arena + hblkhd, "
	       "peak over every op, or every k-th op past %d ops;\n ratio: osmem / glibc, the median of "
	       "the rounds' ratios)\n\n",
	       o.seed, o.rounds, MAX_SAMPLES);
	printf("%11s %9s %8s %9s | %25s | %25s | %25s\n", "", "", "", "peak live", "fill ns/op",
	       "mix ns/op", "peak footprint/live");
	printf("%11s %9s %8s %9s | %8s %8s %7s | %8s %8s %7s | %8s %8s %7s\n", "live blocks",
	       "fill ops", "mix ops", "MiB", "osmem", "glibc", "ratio", "osmem", "glibc", "ratio",
	       "osmem", "glibc", "ratio");
	for (size_t i = 0; i < o.nlevels; i++) {
		if (report_failures(&rows[i]))
			failed = 1;
		else
			print_row(&rows[i]);
	}
	print_ranges(rows, o.nlevels);
	print_split_table(rows, o.nlevels);
	printf("\nbench: %zu levels in %.1f s%s\n", o.nlevels, seconds_since(&start),
	       failed ? ", with FAILURES" : "");
	return failed;
}
