/* SPDX-License-Identifier: BSD-3-Clause */
/* Replays a workload against one allocator, timing the fill and the mix separately, or sampling
 * the allocator's memory footprint after every op. */
#ifndef OSMEM_BENCH_REPLAY_H
#define OSMEM_BENCH_REPLAY_H

#include <stddef.h>

#include "workload.h"

struct allocator {
	const char *name;
	void *(*malloc)(size_t size);
	void (*free)(void *ptr);
	void *(*calloc)(size_t nmemb, size_t size);
	void *(*realloc)(void *ptr, size_t size);
	/* Bytes the allocator holds from the OS right now (heap + mappings). */
	size_t (*footprint)(void);
};

extern const struct allocator osmem_allocator;
extern const struct allocator glibc_allocator;

/* Where a phase's CPU time went, per op: in the process itself, in the kernel (system calls and
 * page faults), and how many page faults it took. */
struct phase_split {
	double user_ns, system_ns, faults;
};

struct replay_result {
	int ok;               /* 0: the allocator failed a request or lost a block's bytes */
	char error[120];
	size_t ops_done;       /* all of them, unless the time budget ran out */
	double fill_ns_per_op; /* over the fill ops done */
	double mix_ns_per_op;  /* over the mix ops done; 0 when the mix was not reached */
	struct phase_split fill_split, mix_split; /* the same phases, from getrusage */
	size_t peak_footprint; /* largest footprint seen; 0 when not sampled */
};

/* Timing run: nothing but the ops between the clock reads of each phase (one read per 1024 ops,
 * to stop after `budget_ns`). */
struct replay_result replay_timed(const struct allocator *a, const struct workload *w,
				  double budget_ns);
/* Memory run: the same ops, with the footprint sampled after every `replay_sample_stride`-th one
 * (not timed). glibc's mallinfo2 walks its free chunks, so a sample after each of millions of ops
 * would take hours: at most MAX_SAMPLES samples per run, the same ops for both allocators. */
#define MAX_SAMPLES 5000
size_t replay_sample_stride(const struct workload *w);
struct replay_result replay_sampled(const struct allocator *a, const struct workload *w);

#endif
