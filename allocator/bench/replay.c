/* SPDX-License-Identifier: BSD-3-Clause */
#include "replay.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"

static size_t glibc_footprint(void)
{
	struct mallinfo2 info = mallinfo2();

	return info.arena + info.hblkhd;
}

const struct allocator osmem_allocator = {
	"osmem", os_malloc, os_free, os_calloc, os_realloc, osmem_heap_footprint,
};

const struct allocator glibc_allocator = {
	"glibc", malloc, free, calloc, realloc, glibc_footprint,
};

/* Each live block carries a tag in its first and last byte: a block that an allocator handed out
 * twice, or a realloc that lost the bytes, shows up as a wrong tag. */
static unsigned char tag_of(uint32_t slot)
{
	return (unsigned char)(slot * 131u + 7u);
}

struct replay {
	const struct allocator *a;
	void **ptrs;      /* slot -> pointer */
	uint32_t *sizes;  /* slot -> requested bytes */
	size_t slots;
	struct replay_result result;
};

static void fail(struct replay *r, const char *what, size_t op_index)
{
	if (r->result.ok)
		snprintf(r->result.error, sizeof(r->result.error), "%s: %s at op %zu", r->a->name, what,
			 op_index);
	r->result.ok = 0;
}

static void place(struct replay *r, uint32_t slot, void *p, size_t size, size_t op_index)
{
	unsigned char *bytes = p;

	if (!p) {
		fail(r, "request refused", op_index);
		return;
	}
	bytes[0] = bytes[size - 1] = tag_of(slot);
	r->ptrs[slot] = p;
	r->sizes[slot] = (uint32_t)size;
}

static void check_tag(struct replay *r, uint32_t slot, size_t keep, size_t op_index)
{
	const unsigned char *bytes = r->ptrs[slot];

	if (bytes[0] != tag_of(slot) || (keep == r->sizes[slot] && bytes[keep - 1] != tag_of(slot)))
		fail(r, "block contents lost", op_index);
}

static void run_op(struct replay *r, const struct op *op, size_t i)
{
	void *p;

	switch (op->kind) {
	case OP_MALLOC:
		place(r, op->slot, r->a->malloc(op->size), op->size, i);
		break;
	case OP_CALLOC:
		p = r->a->calloc(op->nmemb, op->size);
		if (p && (((unsigned char *)p)[0] || ((unsigned char *)p)[(size_t)op->nmemb * op->size - 1]))
			fail(r, "calloc memory not zero", i);
		place(r, op->slot, p, (size_t)op->nmemb * op->size, i);
		break;
	case OP_FREE:
		check_tag(r, op->slot, r->sizes[op->slot], i);
		r->a->free(r->ptrs[op->slot]);
		r->ptrs[op->slot] = NULL;
		break;
	case OP_REALLOC:
		p = r->a->realloc(r->ptrs[op->slot], op->size);
		if (p)
			r->ptrs[op->slot] = p;
		check_tag(r, op->slot, op->size < r->sizes[op->slot] ? op->size : r->sizes[op->slot], i);
		place(r, op->slot, p, op->size, i);
		break;
	}
}

/* ns/op is the replaying process's CPU time (user + system, so page faults and syscalls count):
 * the machine is shared, and time spent descheduled is not the allocator's. */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The budget is wall-clock time: it bounds how long the user waits. */
static double wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Read only at the phase boundaries, outside the timed ops. */
static struct rusage usage_now(void)
{
	struct rusage usage;

	getrusage(RUSAGE_SELF, &usage);
	return usage;
}

static double timeval_ns(struct timeval t)
{
	return (double)t.tv_sec * 1e9 + (double)t.tv_usec * 1e3;
}

static struct phase_split split_of(const struct rusage *from, const struct rusage *to, size_t ops)
{
	if (!ops)
		return (struct phase_split){ 0, 0, 0 };
	return (struct phase_split){
		(timeval_ns(to->ru_utime) - timeval_ns(from->ru_utime)) / (double)ops,
		(timeval_ns(to->ru_stime) - timeval_ns(from->ru_stime)) / (double)ops,
		(double)(to->ru_minflt - from->ru_minflt + to->ru_majflt - from->ru_majflt) / (double)ops,
	};
}

static int replay_init(struct replay *r, const struct allocator *a, const struct workload *w)
{
	/* The tables live in their own mapping so that neither allocator sees them. */
	size_t bytes = w->slots * (sizeof(*r->ptrs) + sizeof(*r->sizes));
	void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	*r = (struct replay){ .a = a, .slots = w->slots, .result = { .ok = 1 } };
	if (mem == MAP_FAILED) {
		fail(r, "no memory for the pointer table", 0);
		return -1;
	}
	r->ptrs = mem;
	r->sizes = (uint32_t *)(r->ptrs + w->slots);
	return 0;
}

/* Runs ops [from, to) or until the clock passes `deadline`; returns the ops done. */
static size_t run_range(struct replay *r, const struct workload *w, size_t from, size_t to,
			double deadline)
{
	size_t i = from;

	while (i < to && r->result.ok) {
		size_t batch_end = i + 1024 < to ? i + 1024 : to;

		for (; i < batch_end && r->result.ok; i++)
			run_op(r, &w->ops[i], i);
		if (wall_ns() > deadline)
			break;
	}
	return i - from;
}

struct replay_result replay_timed(const struct allocator *a, const struct workload *w,
				  double budget_ns)
{
	struct replay r;
	struct rusage usage[3];
	double start, filled, done, deadline;
	size_t fill_done, mix_done = 0;

	if (replay_init(&r, a, w) != 0)
		return r.result;
	deadline = wall_ns() + budget_ns;
	usage[0] = usage_now();
	start = cpu_ns();
	fill_done = run_range(&r, w, 0, w->fill_ops, deadline);
	filled = cpu_ns();
	usage[1] = usage_now();
	if (fill_done == w->fill_ops)
		mix_done = run_range(&r, w, w->fill_ops, w->fill_ops + w->mix_ops, deadline);
	done = cpu_ns();
	usage[2] = usage_now();
	r.result.ops_done = fill_done + mix_done;
	r.result.fill_ns_per_op = fill_done ? (filled - start) / (double)fill_done : 0;
	r.result.mix_ns_per_op = mix_done ? (done - filled) / (double)mix_done : 0;
	r.result.fill_split = split_of(&usage[0], &usage[1], fill_done);
	r.result.mix_split = split_of(&usage[1], &usage[2], mix_done);
	return r.result;
}

size_t replay_sample_stride(const struct workload *w)
{
	size_t ops = w->fill_ops + w->mix_ops;

	return ops > MAX_SAMPLES ? (ops + MAX_SAMPLES - 1) / MAX_SAMPLES : 1;
}

struct replay_result replay_sampled(const struct allocator *a, const struct workload *w)
{
	struct replay r;
	size_t baseline, stride = replay_sample_stride(w);

	if (replay_init(&r, a, w) != 0)
		return r.result;
	/* What the allocator held before the first op (glibc's stdio buffers, say) is not the
	 * workload's. */
	baseline = a->footprint();
	for (size_t i = 0; i < w->fill_ops + w->mix_ops && r.result.ok; i++) {
		size_t now;

		run_op(&r, &w->ops[i], i);
		if (i % stride)
			continue;
		now = a->footprint();
		now = now > baseline ? now - baseline : 0;
		if (now > r.result.peak_footprint)
			r.result.peak_footprint = now;
		r.result.ops_done = i + 1;
	}
	return r.result;
}
