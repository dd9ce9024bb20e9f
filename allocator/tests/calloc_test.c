/* SPDX-License-Identifier: BSD-3-Clause */
/* os_calloc: the page threshold (header included), zeroing, preallocation, coalescing. */
#include <string.h>
#include <unistd.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/tests/check.h"

static void page_size_is_4096(void)
{
	/* The boundaries below are written for the page size the contract names. */
	CHECK_EQ(getpagesize(), 4096);
}

/* 32 + ALIGN(k*n) < 4096 is heap: 4056 is the largest such total; 4057..4064 align to 4064. */
static void page_threshold_header_included(void)
{
	struct calls before = calls_now();
	char *heap = os_calloc(4056, 1), *mapped;

	CHECK(heap);
	CHECK_EQ(header_of(heap)->status, STATUS_ALLOC);
	CHECK_EQ(header_of(heap)->size, 4056);
	CHECK_CALLS_SINCE(before, 1, 0, 0);
	mapped = os_calloc(4057, 1);
	CHECK(mapped);
	CHECK_EQ(header_of(mapped)->status, STATUS_MAPPED);
	CHECK_EQ(header_of(mapped)->size, 4064);
	CHECK_EQ(emu_stats().mapped_bytes, 4096);
	CHECK(os_calloc(1, 4064));
	CHECK_EQ(emu_stats().mapped_bytes, 2 * 4096);
	CHECK_CALLS_SINCE(before, 1, 2, 0);
}

/* The threshold applies to the product k*n, not to either factor. */
static void page_threshold_uses_product(void)
{
	char *heap = os_calloc(4, 1014), *mapped = os_calloc(2, 2032);

	CHECK(heap && mapped);
	CHECK_EQ(header_of(heap)->status, STATUS_ALLOC);
	CHECK_EQ(header_of(heap)->size, 4056);
	CHECK_EQ(header_of(mapped)->status, STATUS_MAPPED);
	CHECK_EQ(header_of(mapped)->size, 4064);
}

static void spec_worked_trace_calloc(void)
{
	char *p = os_calloc(4080, 1);

	CHECK(p);
	CHECK_EQ(emu_stats().mapped_bytes, 4112);
	CHECK_CALLS_SINCE(((struct calls){ 0, 0, 0 }), 0, 1, 0);
	CHECK(is_zero(p, 4080));
}

/* Between the calloc and the malloc thresholds calloc maps where malloc would use the heap. */
static void calloc_maps_what_malloc_keeps_on_heap(void)
{
	char *c = os_calloc(10000, 1), *m = os_malloc(10000);

	CHECK(c && m);
	CHECK_EQ(header_of(c)->status, STATUS_MAPPED);
	CHECK_EQ(header_of(m)->status, STATUS_ALLOC);
}

static void first_heap_calloc_preallocates(void)
{
	char *p = os_calloc(10, 10);

	CHECK(p);
	CHECK_CALLS_SINCE(((struct calls){ 0, 0, 0 }), 1, 0, 0);
	CHECK_EQ(brk_offset(), 131072);
	CHECK_EQ(heap_offset(p), 32);
	CHECK_EQ(header_of(p)->size, 104);
	CHECK(is_zero(p, 100));
}

static void zeroes_dirty_reused_block(void)
{
	char *p = os_malloc(1000), *guard = os_malloc(8), *q;

	CHECK(p && guard);
	memset(p, 0xff, 1000);
	os_free(p);
	q = os_calloc(250, 4);
	CHECK(q == p);
	CHECK(is_zero(q, 1000));
}

/* The reused block is dirty beyond the first block too: a merged run is zeroed as a whole. */
static void zeroes_dirty_merged_block(void)
{
	char *a = os_malloc(64), *b = os_malloc(64), *guard = os_malloc(8), *q;

	CHECK(a && b && guard);
	memset(a, 0xee, 64);
	memset(b, 0xdd, 64);
	os_free(a);
	os_free(b); /* b's old header stays behind inside the merged run: also dirt */
	q = os_calloc(1, 160);
	CHECK(q == a);
	CHECK(is_zero(q, 160));
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

static void mapped_calloc_is_zero(void)
{
	char *p = os_calloc(50000, 4);

	CHECK(p);
	CHECK_EQ(header_of(p)->status, STATUS_MAPPED);
	CHECK_EQ(header_of(p)->size, 200000);
	CHECK(is_zero(p, 200000));
	CHECK_EQ(brk_offset(), 0);
}

static void calloc_coalesces_before_search(void)
{
	char *a = os_malloc(64), *b = os_malloc(64), *guard = os_malloc(8);

	CHECK(a && b && guard);
	os_free(a);
	os_free(b);
	CHECK(os_calloc(2, 80) == a); /* 160 = 64 + 32 + 64 */
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

static const struct test_case cases[] = {
	TEST(page_size_is_4096),
	TEST(page_threshold_header_included),
	TEST(page_threshold_uses_product),
	TEST(spec_worked_trace_calloc),
	TEST(calloc_maps_what_malloc_keeps_on_heap),
	TEST(first_heap_calloc_preallocates),
	TEST(zeroes_dirty_reused_block),
	TEST(zeroes_dirty_merged_block),
	TEST(mapped_calloc_is_zero),
	TEST(calloc_coalesces_before_search),
};

int main(void)
{
	return RUN_TESTS("calloc_test", cases);
}
