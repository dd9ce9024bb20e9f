/* SPDX-License-Identifier: BSD-3-Clause */
/* The mapped set past its lookup table (mapped_set.h), in a build whose table has 4 slots: the
 * 4th live mapped block overflows it, lookups then walk the list, and the table is rebuilt once
 * half of its limit is left. Through all of it every block is found, a bad pointer is still
 * refused, and the heap check passes. */
#include <stddef.h>

#include "allocator/heap.h"
#include "allocator/osmem.h"
#include "allocator/tests/check.h"
#include "allocator/tests/death.h"

_Static_assert(MAPPED_TABLE_SLOTS == 4, "built with OSMEM_MAPPED_TABLE_SLOTS=4 (BUILD.bazel)");

#define MAPPED 200000
#define BLOCKS (MAPPED_TABLE_MAX + 4)

static char *blocks[BLOCKS];

static const struct mapped_set *set(void)
{
	return &osmem_state.mapped;
}

/* Maps blocks[0..count) and writes the first and last byte of each. */
static bool map_blocks(size_t count)
{
	for (size_t i = 0; i < count; i++) {
		blocks[i] = os_malloc(MAPPED);
		if (!blocks[i])
			return false;
		blocks[i][0] = blocks[i][MAPPED - 1] = (char)i;
	}
	return true;
}

static void table_takes_blocks_up_to_its_limit(void)
{
	CHECK(map_blocks(MAPPED_TABLE_MAX));
	CHECK(!set()->overflowed);
	CHECK_EQ(set()->table_count, MAPPED_TABLE_MAX);
	CHECK(heap_ok(0));
}

static void one_more_block_overflows_the_table(void)
{
	CHECK(map_blocks(MAPPED_TABLE_MAX + 1));
	CHECK(set()->overflowed);
	CHECK_EQ(set()->count, MAPPED_TABLE_MAX + 1);
	CHECK_EQ(set()->table_count, MAPPED_TABLE_MAX);
	CHECK(heap_ok(0));
}

/* The block left out of the table is the newest: found by the walk, freed, not refused. */
static void overflowed_blocks_are_found_and_freed(void)
{
	CHECK(map_blocks(BLOCKS));
	for (size_t i = BLOCKS; i-- > 0;) {
		CHECK_EQ(blocks[i][MAPPED - 1], (char)i);
		os_free(blocks[i]);
		CHECK(heap_ok(0));
	}
	CHECK_EQ(set()->count, 0);
	CHECK(!set()->overflowed);
	CHECK_EQ(set()->table_count, 0);
}

static void overflowed_set_still_refuses_interior_pointers(void)
{
	char *m;

	CHECK(map_blocks(BLOCKS));
	CHECK(set()->overflowed);
	m = blocks[BLOCKS - 1];
	CHECK(dies_with(call_free, m + 4096, fault_line("invalid pointer", m + 4096, "os_free")));
	m = blocks[0] + 8;
	CHECK(dies_with(call_free, m, fault_line("invalid pointer", m, "os_free")));
}

static void realloc_of_an_overflowed_block_moves_it(void)
{
	char *m;

	CHECK(map_blocks(BLOCKS));
	m = os_realloc(blocks[BLOCKS - 1], 2 * MAPPED);
	CHECK(m);
	CHECK_EQ(m[MAPPED - 1], (char)(BLOCKS - 1));
	CHECK_EQ(set()->count, BLOCKS);
	CHECK(heap_ok(0));
}

/* Down to half the limit the table is rebuilt from the list: every live block in it again, none
 * of the freed ones, and the check of the table is back on (heap_check.c skips it while
 * overflowed). */
static void table_is_rebuilt_at_half_its_limit(void)
{
	size_t left = MAPPED_TABLE_MAX / 2;

	CHECK(map_blocks(BLOCKS));
	for (size_t i = 0; i < BLOCKS - left - 1; i++)
		os_free(blocks[i]);
	CHECK(set()->overflowed);
	os_free(blocks[BLOCKS - left - 1]);
	CHECK(!set()->overflowed);
	CHECK_EQ(set()->count, left);
	CHECK_EQ(set()->table_count, left);
	for (size_t i = 0; i < BLOCKS; i++)
		CHECK(mapped_table_holds(set(), header_of(blocks[i])) == (i >= BLOCKS - left));
	CHECK(heap_ok(0));
	CHECK(dies_with(call_free, blocks[0], fault_line("double free of", blocks[0], "os_free")));
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST(table_takes_blocks_up_to_its_limit),
		TEST(one_more_block_overflows_the_table),
		TEST(overflowed_blocks_are_found_and_freed),
		TEST(overflowed_set_still_refuses_interior_pointers),
		TEST(realloc_of_an_overflowed_block_moves_it),
		TEST(table_is_rebuilt_at_half_its_limit),
	};

	return RUN_TESTS("mapped_overflow_test", cases);
}
