/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/oracle/contract.h"

#include <stdint.h>

#include "allocator/block_meta.h"
#include "fuzz/verdict/failure.h"

/* Fallback growth rule for targets without the contract: over any churn the break stays below
 * this factor of the peak of live bytes, plus slack for preallocation and size classes. */
#define HEAP_BOUND_FACTOR 4
#define HEAP_BOUND_SLACK ((size_t)1 << 20)

struct gap {
	const char *start, *end;
};

static struct {
	const struct fuzz_target *target;
	bool heap_bound; /* rule 10: no heap walk judges this target's break */
	size_t peak_live_bytes;
	struct gap gaps[CONTRACT_MAX_FOREIGN_GAPS];
	size_t gap_count;
} state;

void contract_reset(const struct fuzz_target *target)
{
	state.target = target;
	state.heap_bound = !target->heap_check && !target->contract_model;
	state.peak_live_bytes = 0;
	state.gap_count = 0;
}

void contract_note_foreign_gap(const void *start, const void *end)
{
	if (state.gap_count == CONTRACT_MAX_FOREIGN_GAPS)
		fuzz_fail_rule(RULE_HARNESS_LIMIT, "more than %d foreign gaps", CONTRACT_MAX_FOREIGN_GAPS);
	state.gaps[state.gap_count++] = (struct gap){ start, end };
}

/* Where the next header is after `at`, skipping the gaps another sbrk user left; *crossed tells
 * whether a gap lay between (then the blocks are not neighbours). */
static const char *next_header(const char *at, bool *crossed)
{
	const char *next = at + HEADER_SIZE + ((const struct block_meta *)at)->size;

	*crossed = false;
	for (size_t i = 0; i < state.gap_count; i++) {
		if (state.gaps[i].start == next) {
			next = state.gaps[i].end;
			*crossed = true;
			i = (size_t)-1; /* gaps may follow each other */
		}
	}
	return next;
}

bool contract_free_neighbours(void)
{
	struct osmem_heap_stats heap;
	bool crossed = false, free_before = false;

	if (!state.target->heap_stats)
		return false;
	state.target->heap_stats(&heap);
	for (const char *at = heap.heap_start, *next; at && at < (const char *)heap.heap_end;
	     at = next) {
		bool free_now = ((const struct block_meta *)at)->status == STATUS_FREE;

		if (free_before && free_now)
			return true;
		next = next_header(at, &crossed);
		free_before = free_now && !crossed;
	}
	return false;
}

int contract_heap_status_at(const void *header)
{
	struct osmem_heap_stats heap;
	const char *h = header;
	bool crossed;

	if (!state.target->heap_stats)
		return HEAP_OUTSIDE;
	state.target->heap_stats(&heap);
	for (const char *at = heap.heap_start; at && at < (const char *)heap.heap_end;
	     at = next_header(at, &crossed)) {
		const struct block_meta *b = (const struct block_meta *)at;

		if (h == at)
			return b->status;
		if (h > at && h < at + HEADER_SIZE + b->size)
			return b->status == STATUS_FREE ? HEAP_INSIDE_FREE : HEAP_INSIDE_ALLOC;
	}
	return HEAP_OUTSIDE;
}

struct request contract_request(size_t nmemb, size_t size, size_t threshold)
{
	struct request request = { .threshold = threshold };

	request.representable = !__builtin_mul_overflow(nmemb, size, &request.total) &&
				request.total <= SIZE_MAX - 7 - HEADER_SIZE;
	if (request.representable)
		request.aligned = (request.total + 7) & ~(size_t)7;
	return request;
}

bool contract_heap_sized(const struct request *request)
{
	return request->representable && request->total &&
	       HEADER_SIZE + request->aligned < request->threshold;
}

static void check_heap_bound(size_t live_bytes)
{
	struct osmem_emu_stats emu;

	if (live_bytes > state.peak_live_bytes)
		state.peak_live_bytes = live_bytes;
	osmem_emu_get_stats(&emu);
	if (emu.brk_offset > HEAP_BOUND_FACTOR * state.peak_live_bytes + HEAP_BOUND_SLACK)
		fuzz_fail_rule(RULE_OUTSIDE_HEAP_BOUND,
			       "heap of %zu bytes for a peak of %zu live bytes (bound: %d x peak + %zu)",
			  emu.brk_offset, state.peak_live_bytes, HEAP_BOUND_FACTOR, HEAP_BOUND_SLACK);
}

void contract_check_after_op(bool coalesced, bool heap_unchanged, size_t live_bytes)
{
	struct osmem_emu_stats emu;
	char why[256];

	osmem_emu_get_stats(&emu);
	if (emu.bad_munmaps)
		fuzz_fail_rule(RULE_OUTSIDE_MUNMAP, "munmap of something that was not a whole live mapping");
	if (state.heap_bound)
		check_heap_bound(live_bytes);
	if (state.target->heap_check && !heap_unchanged &&
	    state.target->heap_check(coalesced && state.target->follows_osmem_contract
					     ? OSMEM_CHECK_COALESCED : 0,
				     why, sizeof(why)))
		fuzz_fail_rule(RULE_OUTSIDE_HEAP_CHECK, "%s", why);
}

void contract_check_end(void)
{
	struct osmem_emu_stats end;

	failure_set_phase("end (leaks)");
	osmem_emu_get_stats(&end);
	if (end.live_mappings || end.bad_munmaps)
		fuzz_fail_rule(RULE_OUTSIDE_LEAK,
			       "%zu mappings still live and %zu bad munmaps after freeing every block",
			       end.live_mappings, end.bad_munmaps);
}
