/* SPDX-License-Identifier: BSD-3-Clause */
/* The hardened build's checks (allocator/hardening.h), against //allocator:osmem_emulated_hardened
 * so that they run in every configuration: a write after free is found when the free block is
 * handed out again, an overflow past a block when that block is freed. Each fault prints one exact
 * line and aborts; a handler that returns sees it; a clean workload raises nothing. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/osmem_testing.h"
#include "allocator/tests/check.h"
#include "allocator/tests/death.h"

#define JUNK_BYTE 0x5a

static size_t request; /* the size the call_* helpers below ask for */

static void call_malloc(void *unused)
{
	(void)unused;
	os_malloc(request);
}

static void call_calloc(void *unused)
{
	(void)unused;
	os_calloc(1, request);
}

static void call_realloc(void *ptr)
{
	os_realloc(ptr, request);
}

#define WRITE_AFTER_FREE "write after free at"
#define OVERFLOW "heap overflow past block"
#define DOUBLE_FREE "double free of"

/* ---- Write after free: found when the free block is handed out again ---------------------- */

static void freed_payload_is_junk(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && guard);
	fill_pattern(p, 100, 1);
	os_free(p);
	for (size_t i = 0; i < 104; i++)
		CHECK_EQ((unsigned char)p[i], JUNK_BYTE);
}

static void write_after_free_found_by_malloc(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && guard);
	os_free(p);
	p[10] = 1;
	request = 100;
	CHECK(dies_with(call_malloc, NULL, fault_line(WRITE_AFTER_FREE, p + 10, "os_malloc")));
}

/* The last byte of the aligned payload (the slack of a 100-byte request) counts as well. */
static void write_after_free_found_by_calloc(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && guard);
	os_free(p);
	p[103] = 0;
	request = 100;
	CHECK(dies_with(call_calloc, NULL, fault_line(WRITE_AFTER_FREE, p + 103, "os_calloc")));
}

/* Realloc rule 7 moves the block: the new one comes from the malloc rules, inside os_realloc. */
static void write_after_free_found_by_realloc_move(void)
{
	char *p = os_malloc(200), *guard = os_malloc(8), *a = os_malloc(40), *guard2 = os_malloc(8);

	CHECK(p && guard && a && guard2);
	os_free(p);
	p[64] = 1;
	request = 200;
	CHECK(dies_with(call_realloc, a, fault_line(WRITE_AFTER_FREE, p + 64, "os_realloc")));
}

/* Realloc rule 7 absorbs the free block that follows and stays in place. */
static void write_after_free_found_when_realloc_absorbs(void)
{
	char *a = os_malloc(100), *b = os_malloc(100), *guard = os_malloc(8);

	CHECK(a && b && guard);
	os_free(b);
	b[40] = 1;
	request = 150;
	CHECK(dies_with(call_realloc, a, fault_line(WRITE_AFTER_FREE, b + 40, "os_realloc")));
}

/* ... and also when it absorbs but is still too small and moves: the absorbed bytes are checked. */
static void write_after_free_found_when_realloc_absorbs_and_moves(void)
{
	char *a = os_malloc(100), *b = os_malloc(100), *guard = os_malloc(8);

	CHECK(a && b && guard);
	os_free(b);
	b[96] = 1;
	request = 1000;
	CHECK(dies_with(call_realloc, a, fault_line(WRITE_AFTER_FREE, b + 96, "os_realloc")));
}

/* Nothing fits, the free tail (b merged into it) is extended with sbrk: its bytes are checked. */
static void write_after_free_found_when_free_tail_grows(void)
{
	char *a = os_malloc(100000), *b = os_malloc(1000);

	CHECK(a && b);
	os_free(b);
	b[8] = 1;
	request = 50000;
	CHECK(dies_with(call_malloc, NULL, fault_line(WRITE_AFTER_FREE, b + 8, "os_malloc")));
}

/* a and b merge at the next heap search; a write into b is found when the merged block is taken. */
static void write_after_free_found_in_coalesced_block(void)
{
	char *a, *b;

	CHECK(merged_free_pair(&a, &b));
	b[50] = 1;
	request = 200;
	CHECK(dies_with(call_malloc, NULL, fault_line(WRITE_AFTER_FREE, b + 50, "os_malloc")));
}

/* b's header stays inside the merged block (a double free of b is still named), but a write over
 * its sealed fields is a write after free. */
static void write_over_absorbed_header_found(void)
{
	char *a, *b;

	CHECK(merged_free_pair(&a, &b));
	CHECK(dies_with(call_free, b, fault_line(DOUBLE_FREE, b, "os_free")));
	b[-32] = 1; /* the low byte of b's old size */
	request = 200;
	CHECK(dies_with(call_malloc, NULL, fault_line(WRITE_AFTER_FREE, b - 32, "os_malloc")));
}

/* Realloc rule 5: the rest split off a shrunk block held user data; it is junk from then on. */
static void write_after_free_found_in_shrink_rest(void)
{
	char *p = os_malloc(1000), *guard = os_malloc(8);

	CHECK(p && guard);
	fill_pattern(p, 1000, 2);
	CHECK(os_realloc(p, 100) == p);
	CHECK_EQ((unsigned char)p[500], JUNK_BYTE);
	p[500] = 1;
	request = 800;
	CHECK(dies_with(call_malloc, NULL, fault_line(WRITE_AFTER_FREE, p + 500, "os_malloc")));
}

/* ---- Heap overflow: found when the block is freed ----------------------------------------- */

/* One byte past a 24-byte block is the low byte of the next header's size. */
static void overflow_found_by_free(void)
{
	char *p = os_malloc(24), *q = os_malloc(24), *guard = os_malloc(8);

	CHECK(p && q && guard);
	p[24] = 1;
	CHECK(dies_with(call_free, p, fault_line(OVERFLOW, p, "os_free")));
	request = 10;
	CHECK(dies_with(call_realloc, p, fault_line(OVERFLOW, p, "os_realloc")));
	request = 0;
	CHECK(dies_with(call_realloc, p, fault_line(OVERFLOW, p, "os_realloc")));
	osmem_testing_reset(); /* the heap is broken on purpose: forget it */
}

/* Long enough to reach the next header's links: still named an overflow, not a broken header. */
static void long_overflow_is_still_an_overflow(void)
{
	char *p = os_malloc(24), *q = os_malloc(24), *guard = os_malloc(8);

	CHECK(p && q && guard);
	memset(p + 24, 0x41, 32 + 8);
	CHECK(dies_with(call_free, p, fault_line(OVERFLOW, p, "os_free")));
	osmem_testing_reset();
}

static void overflow_into_free_neighbour_found(void)
{
	char *p = os_malloc(24), *q = os_malloc(24), *guard = os_malloc(8);

	CHECK(p && q && guard);
	os_free(q);
	p[32] = 1; /* q's status */
	CHECK(dies_with(call_free, p, fault_line(OVERFLOW, p, "os_free")));
	osmem_testing_reset();
}

/* The contract's mmap length is not page-rounded; the kernel zero-fills the rest of the page. */
static void overflow_past_mapped_block_found(void)
{
	char *m = os_malloc(200000);

	CHECK(m);
	m[200000] = 1;
	CHECK(dies_with(call_free, m, fault_line(OVERFLOW, m, "os_free")));
	m[200000] = 0;
	os_free(m);
}

/* ---- A handler that returns --------------------------------------------------------------- */

/* The damage is to data the program gave up: the block is still handed out. */
static void handler_sees_write_after_free_and_block_is_handed_out(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && guard);
	record_faults();
	os_free(p);
	p[0] = 1;
	CHECK(os_calloc(100, 1) == p);
	CHECK_EQ(seen.count, 1);
	CHECK_EQ(seen.fault, OSMEM_FAULT_WRITE_AFTER_FREE);
	CHECK(seen.ptr == p);
	CHECK(strcmp(seen.message, fault_line(WRITE_AFTER_FREE, p, "os_calloc")) == 0);
	CHECK(is_zero(p, 100));
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

/* The next header is broken: freeing would let coalescing trust it, so the call is ignored. */
static void handler_sees_overflow_and_free_is_ignored(void)
{
	char *p = os_malloc(24), *q = os_malloc(24), *guard = os_malloc(8);

	CHECK(p && q && guard);
	record_faults();
	p[24] = 1;
	os_free(p);
	CHECK(os_realloc(p, 100) == NULL);
	CHECK_EQ(seen.count, 2);
	CHECK_EQ(seen.fault, OSMEM_FAULT_HEAP_OVERFLOW);
	CHECK(strcmp(seen.message, fault_line(OVERFLOW, p, "os_realloc")) == 0);
	CHECK_EQ(header_of(p)->status, STATUS_ALLOC);
	p[24] = 24; /* repaired: q's size is back */
	os_free(p);
	CHECK_EQ(seen.count, 2);
	CHECK_EQ(header_of(p)->status, STATUS_FREE);
}

static void fault_names(void)
{
	CHECK(strcmp(osmem_fault_name(OSMEM_FAULT_WRITE_AFTER_FREE), "write after free") == 0);
	CHECK(strcmp(osmem_fault_name(OSMEM_FAULT_HEAP_OVERFLOW), "heap overflow") == 0);
}

/* ---- Clean programs raise nothing --------------------------------------------------------- */

/* x and y merge; a request cut 8 bytes before y's old header puts the split header over its start,
 * so y's old links end up in the rest's payload. They must not count as a write after free. */
static void absorbed_header_cut_by_split_is_not_a_write(void)
{
	char *x = os_malloc(96), *y = os_malloc(96), *guard = os_malloc(8), *rest;

	CHECK(x && y && guard);
	record_faults();
	os_free(x);
	os_free(y);
	CHECK(os_malloc(88) == x); /* merged to 224; split at 88, rest header at y - 40 */
	rest = x + 88 + 32;
	CHECK(os_malloc(104) == rest);
	CHECK_EQ(seen.count, 0);
}

/* Calloc of a junk-filled block is zero; realloc copies and keeps what it must. */
static void calloc_and_realloc_see_no_junk(void)
{
	char *p = os_malloc(300), *guard = os_malloc(8), *q;

	CHECK(p && guard);
	record_faults();
	os_free(p);
	q = os_calloc(30, 10);
	CHECK(q == p);
	CHECK(is_zero(q, 300));
	fill_pattern(q, 300, 3);
	q = os_realloc(q, 200000);
	CHECK(q && has_pattern(q, 300, 3));
	q = os_realloc(q, 500);
	CHECK(q && has_pattern(q, 300, 3));
	CHECK_EQ(seen.count, 0);
}

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static size_t random_size(uint64_t *state)
{
	uint64_t r = next_random(state);

	if (r % 50 == 0)
		return 131072 + r % 70000; /* mapped */
	return 1 + (r >> 8) % (r % 4 ? 512 : 6000);
}

#define SLOTS 48

struct live {
	char *ptr;
	size_t size;
};

/* One op on slot `s`: allocate an empty slot (malloc or calloc), else free or realloc it. Checks
 * the contents it can; returns false on a content mismatch. */
static bool workload_step(struct live *slot, uint64_t *state, unsigned seed)
{
	uint64_t r = next_random(state);
	size_t size = random_size(state);

	if (!slot->ptr) {
		slot->ptr = r % 3 ? os_malloc(size) : os_calloc(1, size);
		if (!slot->ptr || (r % 3 == 0 && !is_zero(slot->ptr, size)))
			return false;
	} else if (r % 3) {
		if (!has_pattern(slot->ptr, slot->size, seed))
			return false;
		os_free(slot->ptr);
		slot->ptr = NULL;
		return true;
	} else {
		slot->ptr = os_realloc(slot->ptr, size);
		if (!slot->ptr || !has_pattern(slot->ptr, slot->size < size ? slot->size : size, seed))
			return false;
	}
	slot->size = size;
	fill_pattern(slot->ptr, size, seed);
	return true;
}

/* Mixed malloc/calloc/realloc/free with coalescing and reuse: no fault, every byte as written. */
static void clean_workload_raises_nothing(void)
{
	struct live slots[SLOTS] = { { 0 } };
	uint64_t state = 0x9e3779b97f4a7c15ull;
	size_t ops = 20000, i;

	record_faults();
	for (i = 0; i < ops; i++) {
		size_t s = next_random(&state) % SLOTS;

		CHECK(workload_step(&slots[s], &state, (unsigned)s));
		CHECK_EQ(seen.count, 0);
		if (i % 1000 == 0)
			CHECK(heap_ok(0));
	}
	for (i = 0; i < SLOTS; i++)
		os_free(slots[i].ptr);
	CHECK_EQ(seen.count, 0);
	/* Reuse really happened: far fewer sbrk calls than heap allocations. */
	CHECK(calls_now().sbrk < ops / 100);
}

static const struct test_case cases[] = {
	TEST(freed_payload_is_junk),
	TEST(write_after_free_found_by_malloc),
	TEST(write_after_free_found_by_calloc),
	TEST(write_after_free_found_by_realloc_move),
	TEST(write_after_free_found_when_realloc_absorbs),
	TEST(write_after_free_found_when_realloc_absorbs_and_moves),
	TEST(write_after_free_found_when_free_tail_grows),
	TEST(write_after_free_found_in_coalesced_block),
	TEST(write_over_absorbed_header_found),
	TEST(write_after_free_found_in_shrink_rest),
	TEST(overflow_found_by_free),
	TEST(long_overflow_is_still_an_overflow),
	TEST(overflow_into_free_neighbour_found),
	TEST(overflow_past_mapped_block_found),
	TEST(handler_sees_write_after_free_and_block_is_handed_out),
	TEST(handler_sees_overflow_and_free_is_ignored),
	TEST(fault_names),
	TEST(absorbed_header_cut_by_split_is_not_a_write),
	TEST(calloc_and_realloc_see_no_junk),
	TEST(clean_workload_raises_nothing),
};

int main(void)
{
	return RUN_TESTS("hardened_test", cases);
}
