/* SPDX-License-Identifier: BSD-3-Clause */
/* osmem_heap_check: 0 on healthy heaps; on a heap broken on purpose, -1 and the first broken
 * invariant in words. White box: to forge a header that still carries a valid seal (so that the
 * check has to find the deeper breakage) the test uses the allocator's own block_set(). */
#include <stdint.h>
#include <string.h>

#include "allocator/block.h"
#include "allocator/heap.h"
#include "allocator/os_layer.h"
#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/osmem_testing.h"
#include "allocator/tests/check.h"

/* a, b, c, d on the heap (d is followed by the free rest of the preallocation), two mappings. */
static char *a, *b, *c, *d, *m1, *m2;

static void build_heap(void)
{
	a = os_malloc(100);
	b = os_malloc(200);
	c = os_malloc(300);
	d = os_malloc(400);
	m1 = os_malloc(200000);
	m2 = os_malloc(300000);
}

static void healthy_heaps_pass(void)
{
	char why[128] = "stale";

	CHECK_EQ(osmem_heap_check(OSMEM_CHECK_COALESCED, why, sizeof(why)), 0); /* no heap yet */
	CHECK_EQ(why[0], '\0');
	build_heap();
	CHECK(a && b && c && d && m1 && m2);
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
	os_free(b);
	os_free(c);
	os_free(m1);
	CHECK(heap_ok(0)); /* b and c free side by side: legal until the next search */
	CHECK(os_realloc(a, 50) == a);
	CHECK(os_realloc(d, 5000));
	CHECK(heap_ok(0));
	CHECK(os_malloc(10));
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
	CHECK_EQ(osmem_heap_check(0, NULL, 0), 0);
}

static void broken_prev_link(void)
{
	build_heap();
	header_of(c)->prev = header_of(a);
	CHECK(heap_broken(0, "list links disagree"));
	CHECK_EQ(osmem_heap_check(0, NULL, 0), -1); /* no reason buffer: still answers */
	osmem_testing_reset();
}

static void list_ends_before_tail(void)
{
	build_heap();
	header_of(b)->next = NULL;
	CHECK(heap_broken(0, "ends the list but the tail is"));
	osmem_testing_reset();
}

static void overlapping_sizes(void)
{
	build_heap();
	block_set(header_of(b), 200 + 64, STATUS_ALLOC); /* sealed, but reaches into c */
	CHECK(heap_broken(0, "blocks overlap"));
	osmem_testing_reset();
}

static void gap_between_blocks(void)
{
	build_heap();
	block_set(header_of(b), 200 - 16, STATUS_ALLOC);
	CHECK(heap_broken(0, "do not tile the heap"));
	osmem_testing_reset();
}

static void misaligned_size(void)
{
	build_heap();
	header_of(b)->size += 4;
	CHECK(heap_broken(0, "misaligned size 204"));
	osmem_testing_reset();
}

static void bad_status(void)
{
	build_heap();
	header_of(c)->status = 7;
	CHECK(heap_broken(0, "bad status 7"));
	header_of(c)->status = STATUS_MAPPED; /* valid elsewhere, not on the heap */
	CHECK(heap_broken(0, "bad status 2"));
	osmem_testing_reset();
}

/* A raw write that keeps every field plausible still breaks the header's seal. */
static void unsealed_header(void)
{
	build_heap();
	header_of(b)->size = 192;
	CHECK(heap_broken(0, "broken header seal"));
	osmem_testing_reset();
}

static void size_runs_past_heap_end(void)
{
	char *all = os_malloc(131032);

	CHECK(all);
	block_set(header_of(all), 131040 + 4096, STATUS_ALLOC);
	CHECK(heap_broken(0, "runs past the heap end"));
	osmem_testing_reset();
}

static void free_neighbours_only_broken_when_coalesced(void)
{
	build_heap();
	os_free(b);
	os_free(c);
	CHECK(heap_ok(0));
	CHECK(heap_broken(OSMEM_CHECK_COALESCED, "is followed by free block"));
	CHECK(os_malloc(5)); /* the search merges them */
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

/* Another sbrk user moved the break: the gap is legal, a block beyond the break is not. */
static void block_outside_heap(void)
{
	char *all = os_malloc(131032), *after_gap, *fake_payload;
	struct block_meta *fake;

	CHECK(all);
	CHECK(osmem_os_sbrk(4096) != (void *)-1); /* a foreign sbrk */
	after_gap = os_malloc(100);
	CHECK(after_gap);
	CHECK_EQ(heap_offset(after_gap), 131072 + 4096 + 32);
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
	fake_payload = (char *)osmem_emu_heap_base() + brk_offset() + 4096 + 32;
	fake = (struct block_meta *)header_of(fake_payload);
	fake->prev = header_of(after_gap);
	fake->next = NULL;
	block_set(fake, 64, STATUS_ALLOC);
	header_of(after_gap)->next = fake;
	CHECK(heap_broken(0, "lies outside the heap"));
	osmem_testing_reset();
}

/* A wild next link is reported before anything is read through it (no crash in the checker). */
static void wild_next_link(void)
{
	build_heap();
	header_of(b)->next = (struct block_meta *)(uintptr_t)0x40;
	CHECK(heap_broken(0, "heap block #2 at 0x40 lies outside the heap"));
	header_of(b)->next = (struct block_meta *)((char *)header_of(c) + 4);
	CHECK(heap_broken(0, "heap block #2 at "));
	CHECK(heap_broken(0, " is not 8-aligned"));
	osmem_testing_reset();
}

static void mapped_block_bad_status(void)
{
	build_heap();
	header_of(m1)->status = STATUS_ALLOC;
	CHECK(heap_broken(0, "has status 1"));
	osmem_testing_reset();
}

static void mapped_list_links_disagree(void)
{
	build_heap();
	/* Newest first: m2 -> m1. */
	header_of(m1)->prev = header_of(a);
	CHECK(heap_broken(0, "mapped list links disagree"));
	osmem_testing_reset();
}

static void mapped_block_misaligned_size(void)
{
	build_heap();
	header_of(m2)->size = 300001;
	CHECK(heap_broken(0, "mapped block"));
	CHECK(heap_broken(0, "misaligned size 300001"));
	osmem_testing_reset();
}

static void mapped_block_unsealed(void)
{
	build_heap();
	header_of(m2)->size = 299992;
	CHECK(heap_broken(0, "mapped block"));
	CHECK(heap_broken(0, "broken header seal"));
	osmem_testing_reset();
}

/* ---- The free index ---------------------------------------------------------------------- */

/* d's rest is indexed after the search; a sealed ALLOC status on it leaves a node that is no free
 * block. */
static void index_holds_allocated_block(void)
{
	build_heap();
	block_set(header_of(d + 432), header_of(d + 432)->size, STATUS_ALLOC);
	CHECK(heap_broken(0, "free index holds"));
	osmem_testing_reset();
}

/* A block that turns free without os_free is in neither the index nor the pending list. */
static void free_block_neither_indexed_nor_pending(void)
{
	build_heap();
	block_set(header_of(b), header_of(b)->size, STATUS_FREE);
	CHECK(heap_broken(0, "neither indexed nor pending"));
	osmem_testing_reset();
}

/* b's split rest (152 bytes) sits in a small bin: its bit cleared, or the bit of an empty bin set. */
static void bin_bitmap_disagrees(void)
{
	struct free_index *index = &osmem_state.index;
	size_t rest_bin = 152 / 8 - 1;

	build_heap();
	os_free(b);
	CHECK(os_malloc(10) == b);
	CHECK(index->small[rest_bin] && heap_ok(OSMEM_CHECK_COALESCED));
	index->small_used[rest_bin / 64] &= ~(1ull << rest_bin % 64);
	CHECK(heap_broken(0, "bitmap of used bins"));
	index->small_used[rest_bin / 64] |= 1ull << rest_bin % 64;
	CHECK(heap_ok(0));
	index->small_used[1] |= 1ull << 63;
	CHECK(heap_broken(0, "bitmap of used bins"));
	osmem_testing_reset();
}

/* The O(1) footprint is what the walk adds up. */
static void footprint_is_heap_plus_mapped_bytes(void)
{
	struct osmem_heap_stats stats;

	CHECK_EQ(osmem_heap_footprint(), 0);
	build_heap();
	os_free(m1);
	osmem_heap_stats(&stats);
	CHECK_EQ(osmem_heap_footprint(), stats.heap_bytes + stats.mapped_bytes);
	CHECK_EQ(stats.mapped_bytes, 32 + 300000);
	os_free(m2);
	CHECK_EQ(osmem_heap_footprint(), stats.heap_bytes);
	osmem_testing_reset();
}

static void reason_is_truncated_to_buffer(void)
{
	char why[8];

	build_heap();
	header_of(c)->status = 7;
	memset(why, 'x', sizeof(why));
	CHECK_EQ(osmem_heap_check(0, why, sizeof(why)), -1);
	CHECK_EQ(strlen(why), sizeof(why) - 1);
	osmem_testing_reset();
}

static const struct test_case cases[] = {
	TEST(healthy_heaps_pass),
	TEST(broken_prev_link),
	TEST(list_ends_before_tail),
	TEST(overlapping_sizes),
	TEST(gap_between_blocks),
	TEST(misaligned_size),
	TEST(bad_status),
	TEST(unsealed_header),
	TEST(size_runs_past_heap_end),
	TEST(free_neighbours_only_broken_when_coalesced),
	TEST(block_outside_heap),
	TEST(wild_next_link),
	TEST(mapped_block_bad_status),
	TEST(mapped_list_links_disagree),
	TEST(mapped_block_misaligned_size),
	TEST(mapped_block_unsealed),
	TEST(index_holds_allocated_block),
	TEST(free_block_neither_indexed_nor_pending),
	TEST(bin_bitmap_disagrees),
	TEST(footprint_is_heap_plus_mapped_bytes),
	TEST(reason_is_truncated_to_buffer),
};

int main(void)
{
	return RUN_TESTS("heap_check_test", cases);
}
