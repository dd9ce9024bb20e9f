/* SPDX-License-Identifier: BSD-3-Clause */
/* os_free: heap blocks are only marked free, the break never shrinks, mappings go exactly. */
#include <stdint.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/tests/check.h"

static void heap_free_only_marks(void)
{
	char *p = os_malloc(100), *q = os_malloc(200);
	struct calls before = calls_now();

	CHECK(p && q);
	os_free(p);
	CHECK_CALLS_SINCE(before, 0, 0, 0);
	CHECK_EQ(header_of(p)->status, STATUS_FREE);
	CHECK_EQ(header_of(p)->size, 104);
	CHECK_EQ(header_of(q)->status, STATUS_ALLOC);
}

/* Freeing neighbours leaves them separate: merging waits for the next heap search. */
static void free_does_not_merge(void)
{
	char *p = os_malloc(100), *q = os_malloc(200), *guard = os_malloc(8);

	CHECK(p && q && guard);
	os_free(q);
	os_free(p);
	CHECK_EQ(header_of(p)->size, 104);
	CHECK_EQ(header_of(q)->size, 200);
	CHECK_EQ(header_of(q)->status, STATUS_FREE);
}

static void break_never_shrinks(void)
{
	char *all = os_malloc(131032), *a = os_malloc(5000), *b = os_malloc(7000);
	size_t high = brk_offset();
	struct calls before = calls_now();

	CHECK(all && a && b);
	CHECK_EQ(high, 131072 + 32 + 5000 + 32 + 7000);
	os_free(b);
	os_free(a);
	os_free(all);
	CHECK_EQ(brk_offset(), high);
	CHECK_CALLS_SINCE(before, 0, 0, 0);
	CHECK(os_malloc(8)); /* the merged heap serves it without a system call */
	CHECK_EQ(brk_offset(), high);
	CHECK_CALLS_SINCE(before, 0, 0, 0);
}

/* munmap(header, 32 + ALIGN(size)): the emulated layer fails any other length. */
static void mapped_free_unmaps_exact_length(void)
{
	static const size_t sizes[] = { 131033, 131040, 200001, 1 << 20, 3000000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *p = os_malloc(sizes[i]);
		struct calls before = calls_now();

		CHECK(p);
		os_free(p);
		CHECK_CALLS_SINCE(before, 0, 0, 1);
		CHECK_EQ(emu_stats().bad_munmaps, 0);
		CHECK_EQ(emu_stats().live_mappings, 0);
	}
}

static void mapped_calloc_free_unmaps_exact_length(void)
{
	char *p = os_calloc(4057, 1);

	CHECK(p);
	os_free(p);
	CHECK_EQ(emu_stats().munmap_calls, 1);
	CHECK_EQ(emu_stats().bad_munmaps, 0);
	CHECK_EQ(emu_stats().live_mappings, 0);
}

/* Among several mappings, exactly the freed one goes. */
static void mapped_free_unmaps_only_that_block(void)
{
	char *a = os_malloc(200000), *b = os_malloc(300000), *c = os_malloc(400000);

	CHECK(a && b && c);
	os_free(b);
	CHECK_EQ(emu_stats().live_mappings, 2);
	CHECK_EQ(emu_stats().mapped_bytes, 200032 + 400032);
	CHECK_EQ(header_of(a)->status, STATUS_MAPPED);
	CHECK_EQ(header_of(c)->status, STATUS_MAPPED);
	os_free(a);
	os_free(c);
	CHECK_EQ(emu_stats().live_mappings, 0);
	CHECK_EQ(brk_offset(), 0);
}

static void free_null_does_nothing(void)
{
	struct osmem_heap_stats before, after;

	CHECK(os_malloc(100));
	osmem_heap_stats(&before);
	os_free(NULL);
	osmem_heap_stats(&after);
	CHECK_EQ(after.free_blocks, before.free_blocks);
	CHECK_EQ(after.alloc_bytes, before.alloc_bytes);
	CHECK_CALLS_SINCE(((struct calls){ 0, 0, 0 }), 1, 0, 0);
}

static const struct test_case cases[] = {
	TEST(heap_free_only_marks),
	TEST(free_does_not_merge),
	TEST(break_never_shrinks),
	TEST(mapped_free_unmaps_exact_length),
	TEST(mapped_calloc_free_unmaps_exact_length),
	TEST(mapped_free_unmaps_only_that_block),
	TEST(free_null_does_nothing),
};

int main(void)
{
	return RUN_TESTS("free_test", cases);
}
