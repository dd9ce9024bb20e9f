/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/contract.h"

#include <stdint.h>

#include "allocator/block_meta.h"
#include "fuzz/failure.h"

/* Fallback growth rule for targets without the contract: over any churn the break stays below
 * this factor of the peak of live bytes, plus slack for preallocation and size classes. */
#define HEAP_BOUND_FACTOR 4
#define HEAP_BOUND_SLACK ((size_t)1 << 20)

/* Where the contract puts the next heap block, from the heap as it was before the call. */
struct placement {
	const char *heap_start, *heap_end; /* heap_start NULL: the call preallocates */
	const char *brk;       /* the break: past heap_end when another sbrk user moved it */
	const char *best_run;  /* header of the smallest free run that fits, first on a tie */
	size_t best_size;
	const char *tail_run;  /* header of the free run that ends the heap, if any */
};

struct gap {
	const char *start, *end;
};

static struct {
	const struct fuzz_target *target;
	bool contract;
	struct placement placement; /* before the current heap-sized allocation */
	size_t peak_live_bytes;
	struct gap gaps[CONTRACT_MAX_FOREIGN_GAPS];
	size_t gap_count;
} state;

void contract_reset(const struct fuzz_target *target)
{
	state.target = target;
	state.contract = target->follows_osmem_contract && target->heap_stats;
	state.placement = (struct placement){ 0 };
	state.peak_live_bytes = 0;
	state.gap_count = 0;
}

void contract_note_foreign_gap(const void *start, const void *end)
{
	if (state.gap_count == CONTRACT_MAX_FOREIGN_GAPS)
		fuzz_fail("more than %d foreign gaps (harness limit)", CONTRACT_MAX_FOREIGN_GAPS);
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

static const char *heap_break(void)
{
	struct osmem_emu_stats emu;

	osmem_emu_get_stats(&emu);
	return (const char *)osmem_emu_heap_base() + emu.brk_offset;
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

void contract_take(struct snapshot *snapshot)
{
	osmem_emu_get_stats(&snapshot->emu);
	if (state.target->heap_stats)
		state.target->heap_stats(&snapshot->heap);
}

/* A run of free blocks from `start`, `size` payload bytes once merged, ends at `end`. */
static void end_run(struct placement *p, const char *start, size_t size, const char *end,
		    size_t aligned)
{
	if (size >= aligned && (!p->best_run || size < p->best_size)) {
		p->best_run = start;
		p->best_size = size;
	}
	if (end == p->heap_end && end == p->brk)
		p->tail_run = start;
}

/* Runs of adjacent free blocks, as the contract merges them before a search: a run of k blocks
 * holds their sizes plus k - 1 headers. Reads only what the contract makes public, size and
 * status, walking blocks by size (they tile the heap): memory tools poison the links
 * (sanitizers/README.md). */
void contract_note_free_runs(const struct request *request)
{
	struct osmem_heap_stats heap;
	struct placement *p = &state.placement;
	const char *run_start = NULL;
	size_t run = 0;

	if (!state.contract || !contract_heap_sized(request))
		return;
	state.target->heap_stats(&heap);
	*p = (struct placement){ .heap_start = heap.heap_start, .heap_end = heap.heap_end,
				 .brk = heap_break() };
	for (const char *at = p->heap_start, *next; at && at < p->heap_end; at = next) {
		const struct block_meta *b = (const struct block_meta *)at;
		bool crossed;

		next = next_header(at, &crossed);
		if (b->status == STATUS_FREE) {
			run = run_start ? run + HEADER_SIZE + b->size : b->size;
			run_start = run_start ? run_start : at;
		} else if (run_start) {
			end_run(p, run_start, run, at, request->aligned);
			run_start = NULL;
		}
		if (crossed && run_start) {
			end_run(p, run_start, run, at + HEADER_SIZE + b->size, request->aligned);
			run_start = NULL;
		}
	}
	if (run_start)
		end_run(p, run_start, run, p->heap_end, request->aligned);
}

static bool same_heap(const struct osmem_heap_stats *a, const struct osmem_heap_stats *b)
{
	return a->heap_start == b->heap_start && a->heap_end == b->heap_end &&
	       a->heap_blocks == b->heap_blocks && a->free_blocks == b->free_blocks &&
	       a->free_bytes == b->free_bytes && a->alloc_bytes == b->alloc_bytes &&
	       a->mapped_blocks == b->mapped_blocks && a->mapped_bytes == b->mapped_bytes;
}

void contract_expect_unchanged(const struct snapshot *before, const char *what)
{
	struct snapshot after;

	if (!state.contract)
		return;
	contract_take(&after);
	if (after.emu.sbrk_calls != before->emu.sbrk_calls ||
	    after.emu.mmap_calls != before->emu.mmap_calls ||
	    after.emu.munmap_calls != before->emu.munmap_calls)
		fuzz_fail("%s made a system call (sbrk %zu, mmap %zu, munmap %zu)", what,
			  after.emu.sbrk_calls - before->emu.sbrk_calls,
			  after.emu.mmap_calls - before->emu.mmap_calls,
			  after.emu.munmap_calls - before->emu.munmap_calls);
	contract_expect_same_heap(before, what);
}

void contract_expect_same_heap(const struct snapshot *before, const char *what)
{
	struct snapshot after;

	if (!state.contract)
		return;
	contract_take(&after);
	if (!same_heap(&before->heap, &after.heap))
		fuzz_fail("%s changed the heap (blocks %zu -> %zu, free %zu -> %zu, mapped %zu -> %zu)",
			  what, before->heap.heap_blocks, after.heap.heap_blocks,
			  before->heap.free_blocks, after.heap.free_blocks, before->heap.mapped_blocks,
			  after.heap.mapped_blocks);
}

void contract_expect_refusal(const struct snapshot *before, const char *what)
{
	struct osmem_emu_stats after;

	if (!state.contract)
		return;
	osmem_emu_get_stats(&after);
	if (after.refused == before->emu.refused)
		fuzz_fail("%s returned NULL although the OS refused nothing", what);
}

static bool in_heap(const void *ptr, const struct osmem_emu_stats *emu)
{
	const char *base = osmem_emu_heap_base();

	return (const char *)ptr >= base && (const char *)ptr < base + emu->brk_offset;
}

static void check_source(const void *ptr, const struct request *request,
			 const struct osmem_emu_stats *emu)
{
	bool heap_expected = HEADER_SIZE + request->aligned < request->threshold;

	if (in_heap(ptr, emu) != heap_expected)
		fuzz_fail("returned %p from the %s, but 32 + ALIGN(%zu) %s %zu", ptr,
			  heap_expected ? "mappings" : "heap", request->total,
			  heap_expected ? "<" : ">=", request->threshold);
}

static void check_growth(const struct request *request, const struct snapshot *before,
			 const struct osmem_emu_stats *emu)
{
	if (emu->sbrk_calls == before->emu.sbrk_calls)
		return;
	if (!state.placement.heap_start) {
		if (emu->brk_offset - before->emu.brk_offset != HEAP_PREALLOC)
			fuzz_fail("first heap allocation moved the break by %zu, not %zu",
				  emu->brk_offset - before->emu.brk_offset, HEAP_PREALLOC);
		return;
	}
	if (state.placement.best_run)
		fuzz_fail("heap grew (sbrk) although a free run of %zu bytes could hold %zu",
			  state.placement.best_size, request->aligned);
}

/* The contract's choice for a heap-sized request: the best fit among the merged free runs, else
 * the free tail block extended, else a new block at the break; the first one starts the heap. */
static const char *expected_header(const char **why)
{
	const struct placement *p = &state.placement;

	if (!p->heap_start) {
		*why = "the start of the preallocated heap";
		return p->brk;
	}
	if (p->best_run) {
		*why = "the smallest free run that fits, first in address order";
		return p->best_run;
	}
	if (p->tail_run) {
		*why = "the free tail block, extended";
		return p->tail_run;
	}
	*why = "a new block at the break";
	return p->brk;
}

static void check_best_fit(const void *ptr)
{
	const char *why, *header = expected_header(&why);

	if ((const char *)ptr != header + HEADER_SIZE)
		fuzz_fail("returned %p, but the contract places it at %p: %s", ptr,
			  (const void *)(header + HEADER_SIZE), why);
}

void contract_check_new_block(const void *ptr, const struct request *request,
			      const struct snapshot *before, bool fresh)
{
	struct osmem_emu_stats emu;

	if (!state.contract)
		return;
	osmem_emu_get_stats(&emu);
	check_source(ptr, request, &emu);
	if (fresh && contract_heap_sized(request)) {
		check_growth(request, before, &emu);
		check_best_fit(ptr);
	}
}

static void check_heap_bound(size_t live_bytes)
{
	struct osmem_emu_stats emu;

	if (live_bytes > state.peak_live_bytes)
		state.peak_live_bytes = live_bytes;
	osmem_emu_get_stats(&emu);
	if (emu.brk_offset > HEAP_BOUND_FACTOR * state.peak_live_bytes + HEAP_BOUND_SLACK)
		fuzz_fail("heap of %zu bytes for a peak of %zu live bytes (bound: %d x peak + %zu)",
			  emu.brk_offset, state.peak_live_bytes, HEAP_BOUND_FACTOR, HEAP_BOUND_SLACK);
}

void contract_check_after_op(bool coalesced, size_t live_bytes)
{
	struct osmem_emu_stats emu;
	char why[256];

	osmem_emu_get_stats(&emu);
	if (emu.bad_munmaps)
		fuzz_fail("munmap of something that was not a whole live mapping");
	if (!state.target->heap_check) {
		check_heap_bound(live_bytes);
		return;
	}
	if (state.target->heap_check(coalesced && state.contract ? OSMEM_CHECK_COALESCED : 0, why,
				     sizeof(why)))
		fuzz_fail("heap check: %s", why);
}

/* A heap-sized malloc after everything was freed coalesces the heap into one free run: it must
 * fit without sbrk, at the first block, leaving at most one free block behind. Gaps another sbrk
 * user left cut the heap into runs that cannot merge: then one more free block per gap, and best
 * fit may pick any run (rule 15 checks placement op by op). */
static void check_one_free_run(void)
{
	struct snapshot before, after;
	void *ptr;

	contract_take(&before);
	if (!before.heap.heap_start)
		return;
	ptr = state.target->malloc(8);
	contract_take(&after);
	if ((!state.gap_count && ptr != (char *)before.heap.heap_start + HEADER_SIZE) ||
	    after.emu.sbrk_calls != before.emu.sbrk_calls ||
	    after.heap.free_blocks > 1 + state.gap_count)
		fuzz_fail("malloc(8) on an all-free heap of %zu blocks returned %p (heap at %p), "
			  "%zu sbrk, %zu free blocks after", before.heap.heap_blocks, ptr,
			  before.heap.heap_start, after.emu.sbrk_calls - before.emu.sbrk_calls,
			  after.heap.free_blocks);
	state.target->free(ptr);
}

void contract_check_end(void)
{
	struct snapshot end;

	failure_set_phase("end (leaks)");
	contract_take(&end);
	if (end.emu.live_mappings || end.emu.bad_munmaps)
		fuzz_fail("%zu mappings still live and %zu bad munmaps after freeing every block",
			  end.emu.live_mappings, end.emu.bad_munmaps);
	if (!state.contract)
		return;
	if (end.heap.alloc_bytes || end.heap.mapped_blocks || end.heap.free_blocks != end.heap.heap_blocks)
		fuzz_fail("heap still holds %zu allocated bytes, %zu mapped blocks, %zu of %zu blocks free",
			  end.heap.alloc_bytes, end.heap.mapped_blocks, end.heap.free_blocks,
			  end.heap.heap_blocks);
	failure_set_phase("end (one free run)");
	check_one_free_run();
}
