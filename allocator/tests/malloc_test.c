/* SPDX-License-Identifier: BSD-3-Clause */
/* os_malloc: header, alignment, thresholds, preallocation, split, best fit, coalescing, growth. */
#include <stdint.h>
#include <string.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/tests/check.h"

#define PREALLOC 131072
#define FIRST_FREE 131040 /* the preallocated block's payload */

static size_t free_blocks(void)
{
	struct osmem_heap_stats stats;

	osmem_heap_stats(&stats);
	return stats.free_blocks;
}

static void header_readable_before_payload(void)
{
	for (size_t n = 1; n <= 100; n++) {
		char *p = os_malloc(n);

		CHECK(p);
		CHECK_EQ((uintptr_t)p % 8, 0);
		CHECK_EQ(header_of(p)->size, (n + 7) & ~(size_t)7);
		CHECK_EQ(header_of(p)->status, STATUS_ALLOC);
		memset(p, 0xab, n);
	}
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

static void mapped_header_readable_and_aligned(void)
{
	char *p = os_malloc(200001);

	CHECK(p);
	CHECK_EQ((uintptr_t)p % 8, 0);
	CHECK_EQ(header_of(p)->size, 200008);
	CHECK_EQ(header_of(p)->status, STATUS_MAPPED);
}

static void first_heap_malloc_preallocates_once(void)
{
	struct calls before = calls_now();
	char *p = os_malloc(100);

	CHECK(p);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	CHECK_EQ(brk_offset(), PREALLOC);
	CHECK_EQ(heap_offset(p), 32);
	CHECK_EQ(header_of(p)->size, 104);
	/* The rest of the 131040 bytes is one free block right after the payload. */
	CHECK_EQ(header_of(p + 104 + 32)->status, STATUS_FREE);
	CHECK_EQ(header_of(p + 104 + 32)->size, FIRST_FREE - 104 - 32);
	before = calls_now();
	CHECK(os_malloc(1000));
	CHECK_CALLS_SINCE(before, 0, 0, 0);
}

static void spec_worked_trace(void)
{
	struct calls before = calls_now();
	char *p = os_malloc(1986);
	char *m;

	CHECK_EQ(heap_offset(p), 0x20);
	CHECK_EQ(header_of(p)->size, 1992);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	m = os_malloc(131072);
	CHECK(m);
	CHECK_EQ(header_of(m)->size, 131072);
	CHECK_CALLS_SINCE(before, 1, 1, 0);
	CHECK_EQ(emu_stats().mapped_bytes, 131104);
	os_free(m);
	CHECK_CALLS_SINCE(before, 1, 1, 1);
}

/* The whole preallocated block is taken when the rest could not hold a header and 8 bytes. */
static void preallocated_block_split_or_whole(void)
{
	char *whole = os_malloc(131008); /* rest 32: no split */

	CHECK(whole);
	CHECK_EQ(header_of(whole)->size, FIRST_FREE);
	CHECK_EQ(free_blocks(), 0);
	os_free(whole);
	{
		char *split = os_malloc(131000); /* rest 40: split, free block of 8 */

		CHECK_EQ((char *)split - whole, 0);
		CHECK_EQ(header_of(split)->size, 131000);
		CHECK_EQ(header_of(split + 131000 + 32)->size, 8);
		CHECK_EQ(header_of(split + 131000 + 32)->status, STATUS_FREE);
	}
}

/* A program that only maps never moves the break. */
static void mapping_only_program_never_touches_break(void)
{
	char *a = os_malloc(131040), *b = os_malloc(500000);

	CHECK(a && b);
	os_free(a);
	os_free(b);
	CHECK_CALLS_SINCE(((struct calls){ 0, 0, 0 }), 0, 2, 2);
	CHECK_EQ(brk_offset(), 0);
}

/* 32 + ALIGN(n) < 131072 goes to the heap: 131032 is the largest such n, 131033 is mapped. */
static void mmap_threshold_header_included(void)
{
	struct calls before;
	char *heap = os_malloc(131032), *mapped;

	CHECK(heap);
	CHECK_EQ(header_of(heap)->status, STATUS_ALLOC);
	CHECK_EQ(header_of(heap)->size, FIRST_FREE);
	before = calls_now();
	mapped = os_malloc(131033);
	CHECK(mapped);
	CHECK_EQ(header_of(mapped)->status, STATUS_MAPPED);
	CHECK_EQ(header_of(mapped)->size, 131040);
	CHECK_CALLS_SINCE(before, 0, 1, 0);
	CHECK(os_malloc(131040));
	CHECK_CALLS_SINCE(before, 0, 2, 0);
	CHECK_EQ(emu_stats().mapped_bytes, 2 * 131072); /* exact lengths, not rounded to pages */
}

static void mmap_length_not_rounded_to_pages(void)
{
	CHECK(os_malloc(131075));
	CHECK_EQ(emu_stats().mapped_bytes, 32 + 131080);
}

/* A free block of 200 reused for 160 leaves exactly 40 bytes: split; for 168 it leaves 32: kept. */
static void split_rest_40_vs_32(void)
{
	char *a = os_malloc(200), *guard = os_malloc(8), *b, *c;

	CHECK(a && guard);
	os_free(a);
	b = os_malloc(160);
	CHECK(b == a);
	CHECK_EQ(header_of(b)->size, 160);
	CHECK_EQ(header_of(b + 160 + 32)->size, 8);
	CHECK_EQ(header_of(b + 160 + 32)->status, STATUS_FREE);
	os_free(b);
	c = os_malloc(168); /* coalesces 160 + 32 + 8 = 200 back first */
	CHECK(c == a);
	CHECK_EQ(header_of(c)->size, 200);
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

/* Allocates `count` blocks of the given sizes separated by guards, then frees them. */
static void make_holes(char **holes, const size_t *sizes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		holes[i] = os_malloc(sizes[i]);
		os_malloc(8);
	}
	for (size_t i = 0; i < count; i++)
		os_free(holes[i]);
}

static void best_fit_takes_smallest(void)
{
	static const size_t sizes[] = { 64, 256, 48, 40, 56 };
	char *holes[5];

	make_holes(holes, sizes, 5);
	CHECK(os_malloc(41) == holes[2]); /* 48 beats 56, 64, 256 and the big tail */
	CHECK(os_malloc(50) == holes[4]);
	CHECK(os_malloc(1) == holes[3]);
	CHECK(os_malloc(200) == holes[1]);
}

static void best_fit_tie_takes_lowest_address(void)
{
	static const size_t sizes[] = { 96, 72, 72, 72 };
	char *holes[4];

	make_holes(holes, sizes, 4);
	CHECK(os_malloc(72) == holes[1]);
	CHECK(os_malloc(65) == holes[2]);
	CHECK(os_malloc(72) == holes[3]);
	CHECK(os_malloc(72) == holes[0]); /* only 96 is left below the tail: 24 over, kept whole */
	CHECK_EQ(header_of(holes[0])->size, 96);
}

/* Free only marks; the next heap-sized search merges every run of free neighbours first. */
static void coalescing_happens_before_search(void)
{
	char *a = os_malloc(64), *b = os_malloc(64), *c = os_malloc(64), *guard = os_malloc(8);
	char *p;

	CHECK(a && b && c && guard);
	os_free(a);
	os_free(b);
	os_free(c);
	CHECK_EQ(free_blocks(), 4); /* a, b, c and the tail: free merged nothing */
	CHECK(heap_ok(0));
	CHECK(heap_broken(OSMEM_CHECK_COALESCED, "after coalescing"));
	/* 64 + 32 + 64 + 32 + 64 = 256 fits only after merging; otherwise it would go to the tail. */
	p = os_malloc(256);
	CHECK(p == a);
	CHECK_EQ(header_of(p)->size, 256);
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

static void coalescing_only_on_heap_search(void)
{
	char *a = os_malloc(64), *b = os_malloc(64), *guard = os_malloc(8);
	struct calls before;

	CHECK(a && b && guard);
	os_free(a);
	os_free(b);
	before = calls_now();
	CHECK(os_malloc(200000)); /* a mapped request searches nothing */
	CHECK_CALLS_SINCE(before, 0, 1, 0);
	CHECK_EQ(free_blocks(), 3);
	CHECK(os_malloc(0) == NULL);
	CHECK_EQ(free_blocks(), 3);
	CHECK(os_malloc(8) == a); /* a heap search merges a and b, then splits */
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

/* Nothing fits and the last block is free: it grows by exactly ALIGN(n) - last->size. */
static void growth_extends_free_tail(void)
{
	char *a = os_malloc(1000), *b;
	size_t tail_size = FIRST_FREE - 1000 - 32;
	struct calls before = calls_now();

	CHECK(a);
	b = os_malloc(131000);
	CHECK(b);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	CHECK_EQ(heap_offset(b), 32 + 1000 + 32);
	CHECK_EQ(header_of(b)->size, 131000);
	CHECK_EQ(brk_offset(), PREALLOC + (131000 - tail_size));
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

/* The free tail that grows is the merged one: its size after coalescing counts. */
static void growth_extends_merged_free_tail(void)
{
	char *all = os_malloc(131032), *x = os_malloc(1000), *y = os_malloc(2000), *z;
	size_t brk = brk_offset();
	struct calls before;

	CHECK(all && x && y);
	os_free(x);
	os_free(y);
	before = calls_now();
	z = os_malloc(5000);
	CHECK(z == x);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	CHECK_EQ(brk_offset(), brk + 5000 - (1000 + 32 + 2000));
	CHECK_EQ(header_of(z)->size, 5000);
}

/* Nothing fits and the last block is allocated: a new block of 32 + ALIGN(n) at the break. */
static void growth_appends_block_at_break(void)
{
	char *all = os_malloc(131032), *b;
	struct calls before = calls_now();

	CHECK(all);
	b = os_malloc(100);
	CHECK(b);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	CHECK_EQ(heap_offset(b), PREALLOC + 32);
	CHECK_EQ(header_of(b)->size, 104);
	CHECK_EQ(brk_offset(), PREALLOC + 32 + 104);
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

/* A free block that is not last and too small does not stop the break from moving. */
static void growth_ignores_small_free_blocks(void)
{
	char *all = os_malloc(131032), *small = os_malloc(64), *last = os_malloc(8), *b;

	CHECK(all && small && last);
	os_free(small);
	b = os_malloc(100);
	CHECK_EQ(heap_offset(b), PREALLOC + 32 + 64 + 32 + 8 + 32);
	CHECK_EQ(header_of(small)->status, STATUS_FREE);
}

static const struct test_case cases[] = {
	TEST(header_readable_before_payload),
	TEST(mapped_header_readable_and_aligned),
	TEST(first_heap_malloc_preallocates_once),
	TEST(spec_worked_trace),
	TEST(preallocated_block_split_or_whole),
	TEST(mapping_only_program_never_touches_break),
	TEST(mmap_threshold_header_included),
	TEST(mmap_length_not_rounded_to_pages),
	TEST(split_rest_40_vs_32),
	TEST(best_fit_takes_smallest),
	TEST(best_fit_tie_takes_lowest_address),
	TEST(coalescing_happens_before_search),
	TEST(coalescing_only_on_heap_search),
	TEST(growth_extends_free_tail),
	TEST(growth_extends_merged_free_tail),
	TEST(growth_appends_block_at_break),
	TEST(growth_ignores_small_free_blocks),
};

int main(void)
{
	return RUN_TESTS("malloc_test", cases);
}
