/* SPDX-License-Identifier: BSD-3-Clause */
/* os_realloc: the contract's rules 1 to 7, each case also showing that an earlier rule wins. */
#include <stdint.h>
#include <string.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/tests/check.h"

#define PREALLOC 131072

static size_t faults_seen;

static void count_fault(enum osmem_fault fault, const void *ptr, const char *message)
{
	(void)fault;
	(void)ptr;
	(void)message;
	faults_seen++;
}

/* ---- Rule 1: NULL is malloc, size 0 is free ---------------------------------------------- */

static void rule1_null_pointer_is_malloc(void)
{
	char *p = os_realloc(NULL, 100), *m;

	CHECK(p);
	CHECK_EQ(heap_offset(p), 32);
	CHECK_EQ(header_of(p)->size, 104);
	CHECK_EQ(brk_offset(), PREALLOC);
	m = os_realloc(NULL, 131033);
	CHECK(m);
	CHECK_EQ(header_of(m)->status, STATUS_MAPPED);
	CHECK_CALLS_SINCE(((struct calls){ 0, 0, 0 }), 1, 1, 0);
}

static void rule1_size_zero_frees(void)
{
	char *p = os_malloc(100), *m = os_malloc(200000);
	struct calls before = calls_now();

	CHECK(p && m);
	CHECK(os_realloc(p, 0) == NULL);
	CHECK_EQ(header_of(p)->status, STATUS_FREE);
	CHECK_CALLS_SINCE(before, 0, 0, 0);
	CHECK(os_realloc(m, 0) == NULL);
	CHECK_CALLS_SINCE(before, 0, 0, 1);
	CHECK_EQ(emu_stats().live_mappings, 0);
}

/* ---- Rule 2: a free block gives NULL, no system call, no fault --------------------------- */

static void rule2_free_block_returns_null(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);
	struct calls before;

	CHECK(p && guard);
	os_free(p);
	faults_seen = 0;
	osmem_set_fault_handler(count_fault);
	before = calls_now();
	CHECK(os_realloc(p, 50) == NULL);       /* would shrink (rule 5) */
	CHECK(os_realloc(p, 200000) == NULL);   /* would map (rule 4) */
	CHECK(os_realloc(p, 5000) == NULL);     /* would move (rule 7) */
	CHECK(os_realloc(p, SIZE_MAX) == NULL); /* impossible size */
	CHECK_CALLS_SINCE(before, 0, 0, 0);
	CHECK_EQ(faults_seen, 0);
	CHECK_EQ(header_of(p)->status, STATUS_FREE);
	CHECK_EQ(header_of(p)->size, 104);
}

/* The free tail block too: rule 2 comes before rule 6's growth. */
static void rule2_before_rule6_free_tail(void)
{
	char *p = os_malloc(131032 - 200), *tail, *q;
	struct calls before;

	CHECK(p);
	tail = p + 131032 - 200 + 32;
	CHECK_EQ(header_of(tail)->status, STATUS_FREE); /* the split-off rest is the tail */
	q = tail;
	before = calls_now();
	CHECK(os_realloc(q, 100000) == NULL);
	CHECK_CALLS_SINCE(before, 0, 0, 0);
}

/* ---- Rule 3: a mapped block always moves by the malloc rules, copy, then munmap ---------- */

static void rule3_mapped_to_heap_preallocates(void)
{
	char *m = os_malloc(200000), *p;
	struct calls before = calls_now();

	CHECK(m);
	fill_pattern(m, 200000, 3);
	p = os_realloc(m, 1000);
	CHECK(p);
	CHECK_CALLS_SINCE(before, 1, 0, 1);
	CHECK_EQ(brk_offset(), PREALLOC);
	CHECK_EQ(heap_offset(p), 32);
	CHECK_EQ(header_of(p)->status, STATUS_ALLOC);
	CHECK(has_pattern(p, 1000, 3));
	CHECK_EQ(emu_stats().live_mappings, 0);
}

static void rule3_mapped_to_mapped_copies(void)
{
	char *m = os_malloc(200000), *bigger, *smaller;
	struct calls before = calls_now();

	CHECK(m);
	fill_pattern(m, 200000, 4);
	bigger = os_realloc(m, 300000);
	CHECK(bigger);
	CHECK_CALLS_SINCE(before, 0, 1, 1);
	CHECK(has_pattern(bigger, 200000, 4));
	/* Even when the new size fits the old mapping, a new one is made. */
	smaller = os_realloc(bigger, 150000);
	CHECK(smaller);
	CHECK_CALLS_SINCE(before, 0, 2, 2);
	CHECK_EQ(header_of(smaller)->size, 150000);
	CHECK(has_pattern(smaller, 150000, 4));
	CHECK_EQ(emu_stats().live_mappings, 1);
	CHECK_EQ(brk_offset(), 0);
}

/* The new block comes first: when the OS refuses it, the old mapping is still there, intact. */
static void rule3_allocates_before_unmapping(void)
{
	char *m = os_malloc(200000);

	CHECK(m);
	fill_pattern(m, 200000, 5);
	osmem_emu_refuse(0, 1);
	CHECK(os_realloc(m, 100) == NULL);
	CHECK_CALLS_SINCE(((struct calls){ 0, 1, 0 }), 1, 0, 0);
	CHECK_EQ(emu_stats().live_mappings, 1);
	CHECK_EQ(header_of(m)->status, STATUS_MAPPED);
	CHECK(has_pattern(m, 200000, 5));
	osmem_emu_refuse(0, 1);
	CHECK(os_realloc(m, 300000) == NULL);
	CHECK_EQ(emu_stats().live_mappings, 1);
	CHECK(has_pattern(m, 200000, 5));
}

/* ---- Rule 4: heap block to a mapped size: map, copy, mark the old block free ------------- */

static void rule4_heap_to_mmap(void)
{
	char *p = os_malloc(1000), *guard = os_malloc(8), *m;
	size_t brk = brk_offset();
	struct calls before = calls_now();

	CHECK(p && guard);
	fill_pattern(p, 1000, 6);
	m = os_realloc(p, 131033);
	CHECK(m);
	CHECK_CALLS_SINCE(before, 0, 1, 0);
	CHECK_EQ(header_of(m)->status, STATUS_MAPPED);
	CHECK_EQ(header_of(m)->size, 131040);
	CHECK_EQ(emu_stats().mapped_bytes, 131072);
	CHECK(has_pattern(m, 1000, 6));
	CHECK_EQ(header_of(p)->status, STATUS_FREE);
	CHECK_EQ(header_of(p)->size, 1000);
	CHECK_EQ(brk_offset(), brk);
}

/* 131032 stays on the heap: the tail grows (rule 6) instead. */
static void rule4_threshold_boundary(void)
{
	char *all = os_malloc(131032 - 2000), *p;

	CHECK(all);
	p = os_realloc(all, 131032);
	CHECK(p == all);
	CHECK_EQ(header_of(p)->status, STATUS_ALLOC);
}

/* A heap block of 131040 asked for 131040 bytes: it fits (rule 5), but rule 4 comes first. */
static void rule4_before_rule5(void)
{
	char *p = os_malloc(131032), *m;

	CHECK(p);
	CHECK_EQ(header_of(p)->size, 131040);
	m = os_realloc(p, 131040);
	CHECK(m && m != p);
	CHECK_EQ(header_of(m)->status, STATUS_MAPPED);
	CHECK_EQ(header_of(p)->status, STATUS_FREE);
}

/* ---- Rule 5: shrink in place, split when the rest holds at least 40 bytes ---------------- */

static void rule5_shrink_with_split(void)
{
	char *p = os_malloc(1000), *guard = os_malloc(8);
	struct calls before = calls_now();

	CHECK(p && guard);
	fill_pattern(p, 1000, 7);
	CHECK(os_realloc(p, 500) == p);
	CHECK_CALLS_SINCE(before, 0, 0, 0);
	CHECK_EQ(header_of(p)->size, 504);
	CHECK_EQ(header_of(p + 504 + 32)->status, STATUS_FREE);
	CHECK_EQ(header_of(p + 504 + 32)->size, 1000 - 504 - 32);
	CHECK(has_pattern(p, 500, 7));
}

static void rule5_split_rest_40_vs_32(void)
{
	char *p = os_malloc(1000), *q = os_malloc(1000), *guard = os_malloc(8);

	CHECK(p && q && guard);
	CHECK(os_realloc(p, 960) == p); /* rest 40: split */
	CHECK_EQ(header_of(p)->size, 960);
	CHECK_EQ(header_of(p + 960 + 32)->size, 8);
	CHECK(os_realloc(q, 961) == q); /* rest 32: kept whole */
	CHECK_EQ(header_of(q)->size, 1000);
	CHECK(os_realloc(q, 1000) == q); /* same size: nothing to do */
	CHECK_EQ(header_of(q)->size, 1000);
	CHECK_CALLS_SINCE(((struct calls){ 1, 0, 0 }), 0, 0, 0);
}

/* The tail shrinks like any block: rule 5 comes before rule 6, the break stays. */
static void rule5_before_rule6_tail_shrinks(void)
{
	char *all = os_malloc(131032), *tail = os_malloc(5000);
	size_t brk = brk_offset();
	struct calls before = calls_now();

	CHECK(all && tail);
	CHECK(os_realloc(tail, 1000) == tail);
	CHECK_EQ(header_of(tail)->size, 1000);
	CHECK_EQ(brk_offset(), brk);
	CHECK_CALLS_SINCE(before, 0, 0, 0);
}

/* ---- Rule 6: the last block grows in place with exactly one sbrk(ALIGN(n) - size) -------- */

static void rule6_tail_grows_in_place(void)
{
	char *all = os_malloc(131032), *tail = os_malloc(1000), *p;
	size_t brk = brk_offset();
	struct calls before = calls_now();

	CHECK(all && tail);
	fill_pattern(tail, 1000, 8);
	p = os_realloc(tail, 1999);
	CHECK(p == tail);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	CHECK_EQ(brk_offset(), brk + 2000 - 1000);
	CHECK_EQ(header_of(p)->size, 2000);
	CHECK(has_pattern(p, 1000, 8));
}

/* A free block that would fit elsewhere does not matter: rule 6 before rule 7. */
static void rule6_before_rule7(void)
{
	char *all = os_malloc(131032), *hole = os_malloc(5000), *guard = os_malloc(8);
	char *tail = os_malloc(1000), *p;
	struct calls before;

	CHECK(all && hole && guard && tail);
	os_free(hole);
	before = calls_now();
	p = os_realloc(tail, 3000);
	CHECK(p == tail);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	CHECK_EQ(header_of(hole)->status, STATUS_FREE);
}

static void rule6_refused_growth_keeps_block(void)
{
	char *all = os_malloc(131032), *tail = os_malloc(1000);
	size_t brk = brk_offset();

	CHECK(all && tail);
	fill_pattern(tail, 1000, 9);
	osmem_emu_refuse(0, 1);
	CHECK(os_realloc(tail, 3000) == NULL);
	CHECK_EQ(brk_offset(), brk);
	CHECK_EQ(header_of(tail)->size, 1000);
	CHECK_EQ(header_of(tail)->status, STATUS_ALLOC);
	CHECK(has_pattern(tail, 1000, 9));
}

/* ---- Rule 7: absorb free followers, then split in place or move by the malloc rules ------- */

/* a b c d guard: with b, c, d free. */
static void four_blocks(char **a, char **b, char **c, char **d)
{
	*a = os_malloc(100);
	*b = os_malloc(100);
	*c = os_malloc(100);
	*d = os_malloc(100);
	os_malloc(8);
	os_free(*b);
	os_free(*c);
	os_free(*d);
	fill_pattern(*a, 100, 10);
}

static void rule7_absorbs_one_follower_and_stops(void)
{
	char *a, *b, *c, *d;
	struct calls before;

	four_blocks(&a, &b, &c, &d);
	before = calls_now();
	CHECK(os_realloc(a, 240) == a); /* 104 + 32 + 104: exactly big enough, no split */
	CHECK_CALLS_SINCE(before, 0, 0, 0);
	CHECK_EQ(header_of(a)->size, 240);
	CHECK_EQ(header_of(c)->status, STATUS_FREE); /* not absorbed */
	CHECK_EQ(header_of(c)->size, 104);
	CHECK(has_pattern(a, 100, 10));
}

static void rule7_absorbs_two_and_splits(void)
{
	char *a, *b, *c, *d;

	four_blocks(&a, &b, &c, &d);
	CHECK(os_realloc(a, 300) == a); /* 240 is not enough; with c 376: split 304 + 32 + 40 */
	CHECK_EQ(header_of(a)->size, 304);
	CHECK_EQ(header_of(a + 304 + 32)->status, STATUS_FREE);
	CHECK_EQ(header_of(a + 304 + 32)->size, 40);
	CHECK_EQ(header_of(d)->status, STATUS_FREE); /* d stays separate */
	CHECK_EQ(header_of(d)->size, 104);
	CHECK(has_pattern(a, 100, 10));
}

/* Not big enough even with every free follower: they stay merged, the block moves. */
static void rule7_too_small_stays_merged_and_moves(void)
{
	char *a, *b, *c, *d, *p;
	size_t brk;

	four_blocks(&a, &b, &c, &d);
	brk = brk_offset();
	p = os_realloc(a, 2000);
	CHECK(p && p != a);
	CHECK_EQ(brk_offset(), brk); /* the free tail of the preallocation serves it */
	CHECK(has_pattern(p, 100, 10));
	CHECK_EQ(header_of(a)->status, STATUS_FREE);
	CHECK_EQ(header_of(a)->size, 104 + 3 * (32 + 104));
}

/* The new block is found while the old one is still allocated: freeing first would have let the
 * free block in front of it merge with it into the best fit. */
static void rule7_moves_while_old_block_allocated(void)
{
	char *front = os_malloc(200), *a = os_malloc(100), *guard = os_malloc(8), *hole, *p;
	char *guard2;

	hole = os_malloc(400);
	guard2 = os_malloc(8);
	CHECK(front && a && guard && hole && guard2);
	os_free(front);
	os_free(hole);
	fill_pattern(a, 100, 11);
	/* front + a would be 200 + 32 + 104 = 336 >= 304; the only legal fit is hole (400). */
	p = os_realloc(a, 300);
	CHECK(p == hole);
	CHECK(has_pattern(p, 100, 11));
	CHECK_EQ(header_of(a)->status, STATUS_FREE);
	CHECK_EQ(header_of(front)->status, STATUS_FREE);
	CHECK_EQ(header_of(front)->size, 200);
}

/* a then a free last block b: merging makes a last, yet it is moved, not grown with sbrk. */
static void rule7_block_made_last_by_merging_moves(void)
{
	char *all = os_malloc(131032), *a = os_malloc(100), *b = os_malloc(100), *p;
	size_t brk = brk_offset();
	struct calls before;

	CHECK(all && a && b);
	os_free(b);
	fill_pattern(a, 100, 12);
	before = calls_now();
	p = os_realloc(a, 1000);
	CHECK(p);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	CHECK_EQ(heap_offset(p), (ptrdiff_t)(brk + 32));
	CHECK_EQ(brk_offset(), brk + 32 + 1000);
	CHECK_EQ(header_of(a)->status, STATUS_FREE);
	CHECK_EQ(header_of(a)->size, 240);
	CHECK(has_pattern(p, 100, 12));
}

/* A refused move leaves the old block allocated (merged with its followers) and intact. */
static void rule7_refused_move_keeps_block(void)
{
	char *all = os_malloc(131032), *a = os_malloc(100), *b = os_malloc(100), *tail;

	tail = os_malloc(8);
	CHECK(all && a && b && tail);
	os_free(b);
	fill_pattern(a, 100, 13);
	osmem_emu_refuse(0, 1);
	CHECK(os_realloc(a, 1000) == NULL);
	CHECK_EQ(header_of(a)->status, STATUS_ALLOC);
	CHECK_EQ(header_of(a)->size, 240);
	CHECK(has_pattern(a, 100, 13));
}

static const struct test_case cases[] = {
	TEST(rule1_null_pointer_is_malloc),
	TEST(rule1_size_zero_frees),
	TEST(rule2_free_block_returns_null),
	TEST(rule2_before_rule6_free_tail),
	TEST(rule3_mapped_to_heap_preallocates),
	TEST(rule3_mapped_to_mapped_copies),
	TEST(rule3_allocates_before_unmapping),
	TEST(rule4_heap_to_mmap),
	TEST(rule4_threshold_boundary),
	TEST(rule4_before_rule5),
	TEST(rule5_shrink_with_split),
	TEST(rule5_split_rest_40_vs_32),
	TEST(rule5_before_rule6_tail_shrinks),
	TEST(rule6_tail_grows_in_place),
	TEST(rule6_before_rule7),
	TEST(rule6_refused_growth_keeps_block),
	TEST(rule7_absorbs_one_follower_and_stops),
	TEST(rule7_absorbs_two_and_splits),
	TEST(rule7_too_small_stays_merged_and_moves),
	TEST(rule7_moves_while_old_block_allocated),
	TEST(rule7_block_made_last_by_merging_moves),
	TEST(rule7_refused_move_keeps_block),
};

int main(void)
{
	return RUN_TESTS("realloc_test", cases);
}
