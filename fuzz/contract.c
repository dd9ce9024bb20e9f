/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/contract.h"

#include <stdint.h>

#include "allocator/block_meta.h"
#include "fuzz/failure.h"

/* Fallback growth rule for targets without the contract: over any churn the break stays below
 * this factor of the peak of live bytes, plus slack for preallocation and size classes. */
#define HEAP_BOUND_FACTOR 4
#define HEAP_BOUND_SLACK ((size_t)1 << 20)

static struct {
	const struct fuzz_target *target;
	bool contract;
	size_t largest_free_run; /* before the current heap-sized allocation */
	size_t peak_live_bytes;
} state;

void contract_reset(const struct fuzz_target *target)
{
	state.target = target;
	state.contract = target->follows_osmem_contract && target->heap_stats;
	state.largest_free_run = 0;
	state.peak_live_bytes = 0;
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

/* Runs of adjacent free blocks, as the contract merges them before a search: a run of k blocks
 * holds their sizes plus k - 1 headers. Reads only what the contract makes public, size and
 * status, walking blocks by size (they tile the heap): memory tools poison the links
 * (sanitizers/README.md). */
void contract_note_free_runs(const struct request *request)
{
	struct osmem_heap_stats heap;
	size_t run = 0, largest = 0;

	if (!state.contract || !contract_heap_sized(request))
		return;
	state.target->heap_stats(&heap);
	for (const char *at = heap.heap_start; at && at < (const char *)heap.heap_end;
	     at += HEADER_SIZE + ((const struct block_meta *)at)->size) {
		const struct block_meta *b = (const struct block_meta *)at;

		if (b->status != STATUS_FREE) {
			run = 0;
			continue;
		}
		run = run ? run + HEADER_SIZE + b->size : b->size;
		if (run > largest)
			largest = run;
	}
	state.largest_free_run = largest;
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
	if (!before->emu.brk_offset) {
		if (emu->brk_offset != HEAP_PREALLOC)
			fuzz_fail("first heap allocation moved the break by %zu, not %zu",
				  emu->brk_offset, HEAP_PREALLOC);
		return;
	}
	if (state.largest_free_run >= request->aligned)
		fuzz_fail("heap grew (sbrk) although a free run of %zu bytes could hold %zu",
			  state.largest_free_run, request->aligned);
}

void contract_check_new_block(const void *ptr, const struct request *request,
			      const struct snapshot *before, bool fresh)
{
	struct osmem_emu_stats emu;

	if (!state.contract)
		return;
	osmem_emu_get_stats(&emu);
	check_source(ptr, request, &emu);
	if (fresh && contract_heap_sized(request))
		check_growth(request, before, &emu);
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
 * fit without sbrk, at the first block, leaving at most one free block behind. */
static void check_one_free_run(void)
{
	struct snapshot before, after;
	void *ptr;

	contract_take(&before);
	if (!before.heap.heap_start)
		return;
	ptr = state.target->malloc(8);
	contract_take(&after);
	if (ptr != (char *)before.heap.heap_start + HEADER_SIZE ||
	    after.emu.sbrk_calls != before.emu.sbrk_calls || after.heap.free_blocks > 1)
		fuzz_fail("malloc(8) on an all-free heap of %zu blocks returned %p (heap at %p), "
			  "%zu sbrk, %zu free blocks after", before.heap.heap_blocks, ptr,
			  before.heap.heap_start, after.emu.sbrk_calls - before.emu.sbrk_calls,
			  after.heap.free_blocks);
	state.target->free(ptr);
}

void contract_check_end(void)
{
	struct snapshot end;

	failure_set_end("leaks");
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
	failure_set_end("one free run");
	check_one_free_run();
}
