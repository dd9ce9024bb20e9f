/* SPDX-License-Identifier: BSD-3-Clause */
/* Allocation-failure loops: each scripted scenario is run again and again, the OS refusing its
 * Nth memory request (sbrk or mmap) for N = 0, 1, 2, ... until a run makes no refused request.
 * The call that met the refusal must return NULL and change nothing; the heap check must pass
 * after every call; the scenario then goes on, and at its end everything can be freed, no mapping
 * is left and the heap merges back into one free run. */
#include <stdio.h>
#include <string.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/osmem_testing.h"
#include "allocator/tests/check.h"

enum op_kind { OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_FREE };

struct op {
	enum op_kind kind;
	unsigned slot;
	size_t size;
};

#define SLOTS 8

struct slot {
	char *ptr;
	size_t size;
	unsigned seed;
};

static struct slot slots[SLOTS];
static unsigned next_seed;

static size_t refused_so_far(void)
{
	return emu_stats().refused;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* The contract merges free neighbours exactly when a heap block is searched for. */
static unsigned check_flags_after(const struct op *op)
{
	size_t threshold = op->kind == OP_CALLOC ? 4096 : 131072;

	if ((op->kind == OP_MALLOC || op->kind == OP_CALLOC) && 32 + align8(op->size) < threshold)
		return OSMEM_CHECK_COALESCED;
	return 0;
}

static void keep(struct slot *slot, char *ptr, size_t size)
{
	slot->ptr = ptr;
	slot->size = size;
	slot->seed = ++next_seed;
	fill_pattern(ptr, size, slot->seed);
}

static void run_op(const struct op *op)
{
	struct slot *slot = &slots[op->slot];
	size_t refused_before = refused_so_far();
	char *result = NULL;
	bool refused;

	switch (op->kind) {
	case OP_MALLOC:
		result = os_malloc(op->size);
		break;
	case OP_CALLOC:
		result = os_calloc(op->size, 1);
		CHECK(!result || is_zero(result, op->size));
		break;
	case OP_REALLOC:
		result = os_realloc(slot->ptr, op->size);
		break;
	case OP_FREE:
		os_free(slot->ptr);
		slot->ptr = NULL;
		break;
	}
	refused = refused_so_far() != refused_before;
	CHECK(heap_ok(check_flags_after(op)));
	if (op->kind == OP_FREE || (op->kind == OP_REALLOC && op->size == 0)) {
		CHECK(!refused && !result);
		slot->ptr = NULL;
		return;
	}
	CHECK_EQ(result == NULL, refused);
	if (!result) {
		/* A refused realloc keeps the old block, whole and unchanged. */
		CHECK(!slot->ptr || has_pattern(slot->ptr, slot->size, slot->seed));
		return;
	}
	if (op->kind == OP_REALLOC && slot->ptr)
		CHECK(has_pattern(result, slot->size < op->size ? slot->size : op->size, slot->seed));
	keep(slot, result, op->size);
}

/* After the script: every live block is intact and can be freed; nothing stays mapped; the next
 * heap search merges the whole heap back into one free run. */
static void free_everything(void)
{
	struct osmem_heap_stats heap;

	for (unsigned i = 0; i < SLOTS; i++) {
		CHECK(!slots[i].ptr || has_pattern(slots[i].ptr, slots[i].size, slots[i].seed));
		os_free(slots[i].ptr);
	}
	CHECK_EQ(emu_stats().live_mappings, 0);
	CHECK_EQ(emu_stats().bad_munmaps, 0);
	CHECK(os_malloc(8));
	osmem_heap_stats(&heap);
	CHECK(heap.free_blocks <= 1);
	CHECK(heap_ok(OSMEM_CHECK_COALESCED));
}

static void run_script(const struct op *ops, size_t count, size_t refuse_at)
{
	memset(slots, 0, sizeof(slots));
	osmem_testing_reset();
	osmem_emu_reset();
	osmem_emu_refuse(refuse_at, 1);
	for (size_t i = 0; i < count && !case_failed(); i++)
		run_op(&ops[i]);
	if (!case_failed())
		free_everything();
}

/* Refuses request N for every N until a run has nothing left to refuse. */
static void failure_loop(const char *name, const struct op *ops, size_t count)
{
	size_t refuse_at;

	for (refuse_at = 0;; refuse_at++) {
		run_script(ops, count, refuse_at);
		if (case_failed()) {
			fprintf(stderr, "%s: failed with request #%zu refused\n", name, refuse_at + 1);
			return;
		}
		if (refused_so_far() == 0)
			break;
		CHECK_EQ(refused_so_far(), 1);
	}
	printf("  %s: %zu runs, requests #1..#%zu each refused once and survived\n", name,
	       refuse_at + 1, refuse_at);
	CHECK(refuse_at >= 3); /* the script really asks the OS for memory several times */
}

#define FAILURE_LOOP(ops) failure_loop(#ops, ops, sizeof(ops) / sizeof(ops[0]))

/* Preallocation, a mapping, tail growth, a block appended at the break, reuse after free. */
static const struct op malloc_script[] = {
	{ OP_MALLOC, 0, 100 },    { OP_MALLOC, 1, 200000 }, { OP_MALLOC, 2, 131000 },
	{ OP_MALLOC, 3, 5000 },   { OP_FREE, 0, 0 },        { OP_MALLOC, 0, 50 },
	{ OP_MALLOC, 4, 131033 }, { OP_FREE, 1, 0 },        { OP_MALLOC, 5, 20000 },
	{ OP_MALLOC, 1, 300000 },
};

static const struct op calloc_script[] = {
	{ OP_CALLOC, 0, 4056 },   { OP_CALLOC, 1, 4057 },  { OP_CALLOC, 2, 127000 },
	{ OP_CALLOC, 3, 4000 },   { OP_FREE, 2, 0 },       { OP_CALLOC, 2, 2000 },
	{ OP_MALLOC, 4, 131000 }, { OP_CALLOC, 5, 3000 },
};

/* Every realloc path that asks the OS: rule 3 preallocating, rule 4, rule 6, rule 7 moving. */
static const struct op realloc_script[] = {
	{ OP_MALLOC, 0, 200000 },  { OP_REALLOC, 0, 1000 },    { OP_REALLOC, 1, 100 },
	{ OP_REALLOC, 1, 140000 }, { OP_REALLOC, 1, 130000 },  { OP_REALLOC, 1, 131032 },
	{ OP_MALLOC, 2, 500 },     { OP_REALLOC, 2, 4000 },    { OP_MALLOC, 3, 64 },
	{ OP_REALLOC, 0, 9000 },   { OP_REALLOC, 3, 300000 },  { OP_REALLOC, 3, 250000 },
	{ OP_REALLOC, 3, 10 },     { OP_REALLOC, 2, 0 },
};

static void malloc_failure_loop(void)
{
	FAILURE_LOOP(malloc_script);
}

static void calloc_failure_loop(void)
{
	FAILURE_LOOP(calloc_script);
}

static void realloc_failure_loop(void)
{
	FAILURE_LOOP(realloc_script);
}

/* Refusing two requests in a row: the retry inside the same call must not exist, the next call
 * meets the second refusal and also fails cleanly. */
static void consecutive_refusals(void)
{
	char *p;

	osmem_emu_refuse(0, 2);
	CHECK(os_malloc(100) == NULL);
	CHECK(heap_ok(0));
	CHECK(os_malloc(200000) == NULL);
	CHECK(heap_ok(0));
	CHECK_EQ(brk_offset(), 0);
	p = os_malloc(100);
	CHECK(p);
	CHECK_EQ(heap_offset(p), 32);
}

static const struct test_case cases[] = {
	TEST(malloc_failure_loop),
	TEST(calloc_failure_loop),
	TEST(realloc_failure_loop),
	TEST(consecutive_refusals),
};

int main(void)
{
	return RUN_TESTS("failure_test", cases);
}
