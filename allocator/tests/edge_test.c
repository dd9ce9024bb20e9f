/* SPDX-License-Identifier: BSD-3-Clause */
/* Zero sizes and impossible sizes: NULL, and the allocator's state and the OS are untouched. */
#include <stdint.h>
#include <string.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/tests/check.h"

/* Everything observable about the allocator and the emulated OS, to compare before and after. */
struct snapshot {
	struct osmem_heap_stats heap;
	struct osmem_emu_stats os;
};

static struct snapshot snapshot_now(void)
{
	struct snapshot s;

	memset(&s, 0, sizeof(s));
	osmem_heap_stats(&s.heap);
	osmem_emu_get_stats(&s.os);
	return s;
}

static bool unchanged_since(const struct snapshot *before)
{
	struct snapshot now = snapshot_now();

	return memcmp(&now, before, sizeof(now)) == 0;
}

/* A heap with a live block, a free block and a mapping, so that "changes nothing" means much. */
static char *populate(void)
{
	char *p = os_malloc(100), *hole = os_malloc(64);

	os_malloc(8);
	os_free(hole);
	os_malloc(200000);
	fill_pattern(p, 100, 1);
	return p;
}

static void zero_sizes_return_null_without_syscall(void)
{
	struct snapshot before = snapshot_now();

	CHECK(os_malloc(0) == NULL);
	CHECK(os_calloc(0, 16) == NULL);
	CHECK(os_calloc(16, 0) == NULL);
	CHECK(os_calloc(0, 0) == NULL);
	CHECK(os_realloc(NULL, 0) == NULL);
	CHECK(unchanged_since(&before));
	CHECK_EQ(brk_offset(), 0); /* not even the preallocation happened */
}

static void zero_sizes_on_a_live_heap(void)
{
	char *p = populate();
	struct snapshot before = snapshot_now();

	CHECK(os_malloc(0) == NULL);
	CHECK(os_calloc(0, 100) == NULL);
	CHECK(os_calloc(100, 0) == NULL);
	CHECK(os_realloc(NULL, 0) == NULL);
	os_free(NULL);
	CHECK(unchanged_since(&before));
	CHECK(has_pattern(p, 100, 1));
}

/* SIZE_MAX and every size whose 32 + ALIGN(n) wraps: NULL before any system call. */
static void wrapping_sizes_return_null_without_syscall(void)
{
	char *p = populate();
	struct snapshot before = snapshot_now();

	for (size_t n = SIZE_MAX; n >= SIZE_MAX - 38; n--) {
		CHECK(os_malloc(n) == NULL);
		CHECK(os_calloc(1, n) == NULL);
		CHECK(os_calloc(n, 1) == NULL);
		CHECK(os_realloc(NULL, n) == NULL);
		CHECK(os_realloc(p, n) == NULL);
	}
	CHECK(unchanged_since(&before));
	CHECK(has_pattern(p, 100, 1));
	CHECK_EQ(header_of(p)->status, STATUS_ALLOC);
}

static void impossible_realloc_of_mapped_block_keeps_it(void)
{
	char *m = os_malloc(200000);
	struct snapshot before;

	CHECK(m);
	fill_pattern(m, 200000, 2);
	before = snapshot_now();
	CHECK(os_realloc(m, SIZE_MAX) == NULL);
	CHECK(os_realloc(m, SIZE_MAX - 38) == NULL);
	CHECK(unchanged_since(&before));
	CHECK_EQ(header_of(m)->status, STATUS_MAPPED);
	CHECK(has_pattern(m, 200000, 2));
}

/* The largest size that does not wrap is asked of the OS, which refuses: NULL, nothing kept. */
static void largest_size_refused_by_os(void)
{
	char *p = populate();
	struct osmem_heap_stats heap_before, heap_after;
	struct osmem_emu_stats os;
	struct calls before = calls_now();

	osmem_heap_stats(&heap_before);
	CHECK(os_malloc(SIZE_MAX - 39) == NULL);
	CHECK(os_malloc(SIZE_MAX / 2) == NULL);
	CHECK_CALLS_SINCE(before, 0, 2, 0);
	osmem_emu_get_stats(&os);
	CHECK_EQ(os.refused, 2);
	CHECK_EQ(os.live_mappings, 1);
	osmem_heap_stats(&heap_after);
	CHECK(memcmp(&heap_before, &heap_after, sizeof(heap_after)) == 0);
	CHECK(has_pattern(p, 100, 1));
}

static void calloc_product_overflow_returns_null(void)
{
	char *p = populate();
	struct snapshot before = snapshot_now();

	CHECK(os_calloc(SIZE_MAX / 2 + 1, 2) == NULL);
	CHECK(os_calloc(2, SIZE_MAX / 2 + 1) == NULL);
	CHECK(os_calloc((size_t)1 << 33, (size_t)1 << 31) == NULL);
	CHECK(os_calloc(SIZE_MAX, SIZE_MAX) == NULL);
	/* Products that fit but wrap once the header is added. */
	CHECK(os_calloc(SIZE_MAX / 3, 3) == NULL);
	CHECK(unchanged_since(&before));
	CHECK(has_pattern(p, 100, 1));
}

/* A failed request leaves a heap in which the next request still works as usual. */
static void heap_works_after_impossible_sizes(void)
{
	char *p = populate(), *q;

	CHECK(os_malloc(SIZE_MAX) == NULL);
	CHECK(os_calloc(SIZE_MAX, 2) == NULL);
	q = os_malloc(40);
	CHECK(q);
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
	CHECK(os_realloc(p, 300));
}

static const struct test_case cases[] = {
	TEST(zero_sizes_return_null_without_syscall),
	TEST(zero_sizes_on_a_live_heap),
	TEST(wrapping_sizes_return_null_without_syscall),
	TEST(impossible_realloc_of_mapped_block_keeps_it),
	TEST(largest_size_refused_by_os),
	TEST(calloc_product_overflow_returns_null),
	TEST(heap_works_after_impossible_sizes),
};

int main(void)
{
	return RUN_TESTS("edge_test", cases);
}
