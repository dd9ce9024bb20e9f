/* SPDX-License-Identifier: BSD-3-Clause */
/* Pointers osmem did not hand out, or took back: every detected fault goes through the fault
 * handler. The default one prints one exact line and aborts (death tests); a handler that returns
 * makes the allocator ignore the call, and the heap stays sound. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/osmem_testing.h"
#include "allocator/tests/check.h"
#include "allocator/tests/death.h"
#include "allocator/unmapped_ring.h"

static void call_realloc(void *ptr)
{
	os_realloc(ptr, 10);
}

static void call_realloc_to_zero(void *ptr)
{
	os_realloc(ptr, 0);
}

#define DOUBLE_FREE "double free of"
#define INVALID "invalid pointer"
#define CORRUPTED "corrupted block header"

/* ---- Default handler: one line on standard error, then SIGABRT ---------------------------- */

static void double_free_of_heap_block_aborts(void)
{
	char *p = os_malloc(100);

	CHECK(p);
	os_free(p);
	CHECK(dies_with(call_free, p, fault_line(DOUBLE_FREE, p, "os_free")));
}

/* b's header now lies inside the merged free run, but it is still recognised. */
static void double_free_after_coalescing_aborts(void)
{
	char *a, *b;

	CHECK(merged_free_pair(&a, &b));
	CHECK(dies_with(call_free, b, fault_line(DOUBLE_FREE, b, "os_free")));
	CHECK(dies_with(call_free, a, fault_line(DOUBLE_FREE, a, "os_free")));
}

static void interior_pointer_aborts(void)
{
	static const size_t offsets[] = { 8, 16, 24, 32, 40, 96 };
	char *p = os_malloc(100), *q = os_malloc(100);

	CHECK(p && q);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++)
		CHECK(dies_with(call_free, p + offsets[i], fault_line(INVALID, p + offsets[i], "os_free")));
}

static void interior_pointer_of_mapped_block_aborts(void)
{
	char *m = os_malloc(200000);

	CHECK(m);
	CHECK(dies_with(call_free, m + 4096, fault_line(INVALID, m + 4096, "os_free")));
	CHECK(dies_with(call_free, m + 8, fault_line(INVALID, m + 8, "os_free")));
}

static long global_words[16];

static void never_allocated_pointers_abort(void)
{
	long stack_words[16];
	char *p = os_malloc(100);

	CHECK(p);
	CHECK(dies_with(call_free, &stack_words[8], fault_line(INVALID, &stack_words[8], "os_free")));
	CHECK(dies_with(call_free, &global_words[8], fault_line(INVALID, &global_words[8], "os_free")));
	/* Beyond the heap's last block, inside the emulated break's reservation. */
	{
		char *beyond = (char *)osmem_emu_heap_base() + 131072 + 4096;

		CHECK(dies_with(call_free, beyond, fault_line(INVALID, beyond, "os_free")));
	}
}

/* Pointers at and just past the end of the last heap block: their headers are not (wholly) on the
 * heap, so nothing may be read through them as a header. */
static void pointers_at_heap_end_abort(void)
{
	char *all = os_malloc(131032);
	char *end = all + 131040;

	CHECK(all);
	for (size_t offset = 0; offset <= 32; offset += 8)
		CHECK(dies_with(call_free, end + offset, fault_line(INVALID, end + offset, "os_free")));
	CHECK(dies_with(call_realloc, end, fault_line(INVALID, end, "os_realloc")));
}

static void never_allocated_before_any_heap_aborts(void)
{
	CHECK(dies_with(call_free, &global_words[4], fault_line(INVALID, &global_words[4], "os_free")));
	CHECK(dies_with(call_realloc, &global_words[4], fault_line(INVALID, &global_words[4], "os_realloc")));
}

static void misaligned_pointer_aborts(void)
{
	char *p = os_malloc(100), *m = os_malloc(200000);

	CHECK(p && m);
	CHECK(dies_with(call_free, p + 1, fault_line(INVALID, p + 1, "os_free")));
	CHECK(dies_with(call_free, p - 4, fault_line(INVALID, p - 4, "os_free")));
	CHECK(dies_with(call_free, m + 3, fault_line(INVALID, m + 3, "os_free")));
	CHECK(dies_with(call_realloc, p + 2, fault_line(INVALID, p + 2, "os_realloc")));
}

/* The mapping is gone after the first free, but osmem remembers the last 16 it gave back. */
static void mapped_block_freed_twice_aborts(void)
{
	char *m = os_malloc(200000);

	CHECK(m);
	os_free(m);
	CHECK(dies_with(call_free, m, fault_line(DOUBLE_FREE, m, "os_free")));
	CHECK(dies_with(call_realloc_to_zero, m, fault_line(DOUBLE_FREE, m, "os_realloc")));
}

/* Not a free: realloc rule 2 needs the block's header, and that went with the mapping. */
static void realloc_of_unmapped_block_aborts(void)
{
	char *m = os_malloc(200000);

	CHECK(m);
	os_free(m);
	CHECK(dies_with(call_realloc, m, fault_line(INVALID, m, "os_realloc")));
}

/* m is unmapped first, then `later` other mappings (all live until then, so every address differs). */
static void free_mapped_then_others(char **m, size_t later)
{
	char *others[UNMAPPED_RING_SIZE];

	*m = os_malloc(200000);
	for (size_t i = 0; i < later; i++)
		others[i] = os_malloc(200000);
	os_free(*m);
	for (size_t i = 0; i < later; i++)
		os_free(others[i]);
}

/* After 15 more unmaps m is still remembered; the 16th pushes it out of the ring. */
static void mapped_double_free_remembered_for_16_unmaps(void)
{
	char *m;

	free_mapped_then_others(&m, UNMAPPED_RING_SIZE - 1);
	CHECK(m);
	CHECK(dies_with(call_free, m, fault_line(DOUBLE_FREE, m, "os_free")));
	osmem_testing_reset();
	osmem_emu_reset();
	free_mapped_then_others(&m, UNMAPPED_RING_SIZE);
	CHECK(m);
	CHECK(dies_with(call_free, m, fault_line(INVALID, m, "os_free")));
}

/* White box: a header inside a new mapping leaves the ring (it names live memory again); one
 * outside stays; an empty slot never matches. */
static void unmapped_ring_forgets_addresses_mapped_again(void)
{
	static struct block_meta headers[4];
	struct unmapped_ring ring = { 0 };

	CHECK(!unmapped_ring_holds(&ring, NULL));
	unmapped_ring_add(&ring, &headers[1]);
	unmapped_ring_add(&ring, &headers[3]);
	CHECK(unmapped_ring_holds(&ring, &headers[1]) && unmapped_ring_holds(&ring, &headers[3]));
	unmapped_ring_forget_range(&ring, (char *)&headers[1] - 8, sizeof(headers[0]));
	CHECK(!unmapped_ring_holds(&ring, &headers[1]));
	unmapped_ring_forget_range(&ring, &headers[2], sizeof(headers[0]));
	CHECK(unmapped_ring_holds(&ring, &headers[3]));
	unmapped_ring_forget_range(&ring, &headers[0], sizeof(headers));
	CHECK(!unmapped_ring_holds(&ring, &headers[3]));
	CHECK(!unmapped_ring_holds(&ring, NULL));
}

static void realloc_of_interior_pointer_aborts(void)
{
	char *p = os_malloc(100), *m = os_malloc(200000);

	CHECK(p && m);
	CHECK(dies_with(call_realloc, p + 8, fault_line(INVALID, p + 8, "os_realloc")));
	CHECK(dies_with(call_realloc, m + 64, fault_line(INVALID, m + 64, "os_realloc")));
}

/* Size 0 frees (rule 1, before rule 2), but the fault names the call the program made. */
static void realloc_to_zero_names_os_realloc(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && guard);
	CHECK(dies_with(call_realloc_to_zero, p + 8, fault_line(INVALID, p + 8, "os_realloc")));
	os_free(p);
	CHECK(dies_with(call_realloc_to_zero, p, fault_line(DOUBLE_FREE, p, "os_realloc")));
}

/* An underflow write from the payload back over the size field of its own header. */
static void overwritten_size_aborts(void)
{
	char *p = os_malloc(100), *q = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && q && guard);
	memset(q - 32, 0x41, sizeof(size_t));
	CHECK(dies_with(call_free, q, fault_line(CORRUPTED, q, "os_free")));
	CHECK(dies_with(call_realloc, q, fault_line(CORRUPTED, q, "os_realloc")));
	osmem_testing_reset(); /* the heap is broken on purpose: forget it */
}

static void overwritten_status_aborts(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && guard);
	header_of(p)->status = STATUS_FREE; /* a forged free: the seal no longer matches */
	CHECK(dies_with(call_free, p, fault_line(CORRUPTED, p, "os_free")));
	osmem_testing_reset();
}

/* The links are not sealed, but a listed block whose neighbours disagree is still caught. */
static void overwritten_links_abort(void)
{
	char *p = os_malloc(100), *q = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && q && guard);
	header_of(q)->prev = header_of(guard);
	CHECK(dies_with(call_free, q, fault_line(CORRUPTED, q, "os_free")));
	osmem_testing_reset();
}

static void overwritten_mapped_header_aborts(void)
{
	char *m = os_malloc(200000);

	CHECK(m);
	header_of(m)->size = 8;
	CHECK(dies_with(call_free, m, fault_line(CORRUPTED, m, "os_free")));
	header_of(m)->size = 200000; /* repaired: the sealed values are back */
	os_free(m);
}

/* Rule 2 of realloc, not a fault: the default handler stays silent and the process lives. */
static void realloc_of_freed_heap_block_is_not_a_fault(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);

	CHECK(p && guard);
	os_free(p);
	CHECK(os_realloc(p, 50) == NULL);
	CHECK(os_realloc(p, 500) == NULL);
	CHECK_EQ(header_of(p)->status, STATUS_FREE);
}

/* ---- A handler that returns: the faulty call is ignored ----------------------------------- */

static void handler_sees_double_free_and_call_is_ignored(void)
{
	char *p = os_malloc(100), *guard = os_malloc(8);
	struct calls before;

	CHECK(p && guard);
	record_faults();
	os_free(p);
	before = calls_now();
	os_free(p);
	CHECK_CALLS_SINCE(before, 0, 0, 0);
	CHECK_EQ(seen.count, 1);
	CHECK_EQ(seen.fault, OSMEM_FAULT_DOUBLE_FREE);
	CHECK(seen.ptr == p);
	CHECK(strcmp(seen.message, fault_line(DOUBLE_FREE, p, "os_free")) == 0);
	CHECK(heap_ok(0));
	CHECK(os_malloc(100) == p);
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

static void handler_sees_invalid_pointers_and_heap_is_untouched(void)
{
	char *p = os_malloc(100), *m = os_malloc(200000);
	struct osmem_heap_stats before, after;

	CHECK(p && m);
	fill_pattern(p, 100, 1);
	record_faults();
	osmem_heap_stats(&before);
	os_free(p + 8);
	os_free(p + 3);
	os_free(m + 64);
	os_free(&seen);
	CHECK(os_realloc(p + 16, 50) == NULL);
	CHECK(os_realloc(m + 8, 50) == NULL);
	osmem_heap_stats(&after);
	CHECK_EQ(seen.count, 6);
	CHECK_EQ(seen.fault, OSMEM_FAULT_INVALID_POINTER);
	CHECK(strcmp(seen.message, fault_line(INVALID, m + 8, "os_realloc")) == 0);
	CHECK(memcmp(&before, &after, sizeof(after)) == 0);
	CHECK(has_pattern(p, 100, 1));
	CHECK_EQ(header_of(p)->status, STATUS_ALLOC);
	CHECK_EQ(header_of(m)->status, STATUS_MAPPED);
	CHECK(heap_ok(0));
}

static void handler_sees_corrupted_header_and_call_is_ignored(void)
{
	char *p = os_malloc(100), *q = os_malloc(100), *guard = os_malloc(8);
	size_t saved;

	CHECK(p && q && guard);
	record_faults();
	memcpy(&saved, q - 32, sizeof(saved));
	memset(q - 32, 0x41, sizeof(saved));
	os_free(q);
	CHECK(os_realloc(q, 10) == NULL);
	CHECK_EQ(seen.count, 2);
	CHECK_EQ(seen.fault, OSMEM_FAULT_CORRUPT_HEADER);
	CHECK(strcmp(seen.message, fault_line(CORRUPTED, q, "os_realloc")) == 0);
	memcpy(q - 32, &saved, sizeof(saved));
	CHECK_EQ(header_of(q)->status, STATUS_ALLOC); /* neither call changed the block */
	CHECK(heap_ok(0));
	os_free(q);
	CHECK_EQ(seen.count, 2);
	CHECK_EQ(header_of(q)->status, STATUS_FREE);
}

static void handler_sees_mapped_double_free_and_nothing_is_unmapped(void)
{
	char *m = os_malloc(200000), *other = os_malloc(300000);
	struct osmem_emu_stats os;

	CHECK(m && other);
	record_faults();
	os_free(m);
	os_free(m);
	CHECK_EQ(seen.count, 1);
	CHECK_EQ(seen.fault, OSMEM_FAULT_DOUBLE_FREE);
	CHECK(strcmp(seen.message, fault_line(DOUBLE_FREE, m, "os_free")) == 0);
	osmem_emu_get_stats(&os);
	CHECK_EQ(os.munmap_calls, 1);
	CHECK_EQ(os.live_mappings, 1);
	CHECK_EQ(header_of(other)->status, STATUS_MAPPED);
	CHECK(heap_ok(0));
}

static void set_fault_handler_returns_previous_and_null_restores_default(void)
{
	char *p = os_malloc(100);
	osmem_fault_handler default_handler = osmem_set_fault_handler(record_fault);

	CHECK(p && default_handler);
	CHECK(osmem_set_fault_handler(NULL) == record_fault);
	CHECK(osmem_set_fault_handler(NULL) == default_handler);
	os_free(p);
	CHECK(dies_with(call_free, p, fault_line(DOUBLE_FREE, p, "os_free")));
}

static void fault_names(void)
{
	CHECK(strcmp(osmem_fault_name(OSMEM_FAULT_DOUBLE_FREE), "double free") == 0);
	CHECK(strcmp(osmem_fault_name(OSMEM_FAULT_INVALID_POINTER), "invalid pointer") == 0);
	CHECK(strcmp(osmem_fault_name(OSMEM_FAULT_CORRUPT_HEADER), "corrupted block header") == 0);
	CHECK(strcmp(osmem_fault_name(OSMEM_FAULT_UNMAP_FAILED), "munmap failed") == 0);
	CHECK(strcmp(osmem_fault_name((enum osmem_fault)99), "unknown fault") == 0);
}

static void do_nothing(void *arg)
{
	(void)arg;
}

/* The death helper itself: a survivor or a different line is not a pass. */
static void death_helper_rejects_survivor_and_wrong_line(void)
{
	char *p = os_malloc(100);

	CHECK(p);
	CHECK(!dies_with(do_nothing, p, "osmem: nothing"));
	os_free(p);
	CHECK(!dies_with(call_free, p, fault_line(INVALID, p, "os_free")));
	CHECK(!dies_with(call_free, p, fault_line(DOUBLE_FREE, p, "os_realloc")));
}

static const struct test_case cases[] = {
	TEST(death_helper_rejects_survivor_and_wrong_line),
	TEST(double_free_of_heap_block_aborts),
	TEST(double_free_after_coalescing_aborts),
	TEST(interior_pointer_aborts),
	TEST(interior_pointer_of_mapped_block_aborts),
	TEST(never_allocated_pointers_abort),
	TEST(pointers_at_heap_end_abort),
	TEST(never_allocated_before_any_heap_aborts),
	TEST(misaligned_pointer_aborts),
	TEST(mapped_block_freed_twice_aborts),
	TEST(realloc_of_unmapped_block_aborts),
	TEST(mapped_double_free_remembered_for_16_unmaps),
	TEST(unmapped_ring_forgets_addresses_mapped_again),
	TEST(realloc_of_interior_pointer_aborts),
	TEST(realloc_to_zero_names_os_realloc),
	TEST(overwritten_size_aborts),
	TEST(overwritten_status_aborts),
	TEST(overwritten_links_abort),
	TEST(overwritten_mapped_header_aborts),
	TEST(realloc_of_freed_heap_block_is_not_a_fault),
	TEST(handler_sees_double_free_and_call_is_ignored),
	TEST(handler_sees_invalid_pointers_and_heap_is_untouched),
	TEST(handler_sees_corrupted_header_and_call_is_ignored),
	TEST(handler_sees_mapped_double_free_and_nothing_is_unmapped),
	TEST(set_fault_handler_returns_previous_and_null_restores_default),
	TEST(fault_names),
};

int main(void)
{
	return RUN_TESTS("bad_pointer_test", cases);
}
