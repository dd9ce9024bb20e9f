/* SPDX-License-Identifier: BSD-3-Clause */
/* The model against SPEC.md and allocator/README.md's rule table, rule by rule: each case builds a
 * heap with model calls and checks the predicted result, system calls and heap list. Prints one
 * line per case and "N passed, M failed"; exits non-zero on any failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/model/model.h"

static struct model m;
static struct model_outcome out;
static int case_failed;

#define EXPECT(cond)                                                               \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "  %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			case_failed = 1;                                           \
		}                                                                  \
	} while (0)

static const struct model_ref NOWHERE = { MODEL_NOWHERE, 0 };

static struct model_ref heap(size_t offset)
{
	return (struct model_ref){ MODEL_HEAP, offset };
}

static struct model_ref mapping(size_t id)
{
	return (struct model_ref){ MODEL_MAPPING, id };
}

/* The header offset of the heap block a call returned. */
static size_t got_heap(void)
{
	EXPECT(out.result.where == MODEL_HEAP);
	return out.result.at;
}

static size_t malloc_heap(size_t n)
{
	model_malloc(&m, n, &out);
	return got_heap();
}

static int calls_are(size_t count)
{
	return out.call_count == count;
}

static int sbrk_call(size_t i, intptr_t increment)
{
	return i < out.call_count && out.calls[i].kind == MODEL_SBRK &&
	       out.calls[i].increment == increment && !out.calls[i].refused;
}

static int mmap_call(size_t i, size_t length)
{
	return i < out.call_count && out.calls[i].kind == MODEL_MMAP && out.calls[i].length == length;
}

static int munmap_call(size_t i, unsigned id, size_t length)
{
	return i < out.call_count && out.calls[i].kind == MODEL_MUNMAP &&
	       out.calls[i].map_id == id && out.calls[i].length == length;
}

/* The heap list is exactly these (offset, size, status) triples. */
static int heap_is(size_t count, const size_t *triples)
{
	if (m.block_count != count)
		return 0;
	for (size_t i = 0; i < count; i++) {
		const struct model_block *b = &m.blocks[i];

		if (b->offset != triples[3 * i] || b->size != triples[3 * i + 1] ||
		    b->status != (int)triples[3 * i + 2])
			return 0;
	}
	return 1;
}
#define HEAP_IS(...) heap_is(sizeof((size_t[]){ __VA_ARGS__ }) / sizeof(size_t) / 3, (size_t[]){ __VA_ARGS__ })

enum { F = MODEL_FREE, A = MODEL_ALLOC };

static void malloc_threshold(void)
{
	model_malloc(&m, 131032, &out);
	EXPECT(out.result.where == MODEL_HEAP && sbrk_call(0, 131072) && calls_are(1));
	model_malloc(&m, 131033, &out);
	EXPECT(out.result.where == MODEL_MAPPING && mmap_call(0, 131072) && calls_are(1));
	EXPECT(out.status == MODEL_MAPPED && out.size == 131040);
	model_malloc(&m, 131040, &out);
	EXPECT(out.result.where == MODEL_MAPPING && mmap_call(0, 131072));
	EXPECT(out.rule == RULE_MALLOC_THRESHOLD);
}

static void calloc_threshold(void)
{
	model_calloc(&m, 4056, 1, &out);
	EXPECT(out.result.where == MODEL_HEAP);
	model_calloc(&m, 4057, 1, &out);
	EXPECT(out.result.where == MODEL_MAPPING && mmap_call(0, 4096) && calls_are(1));
	model_calloc(&m, 1, 4080, &out);
	EXPECT(mmap_call(0, 4112) && out.rule == RULE_CALLOC_THRESHOLD);
	model_calloc(&m, 2, 2032, &out); /* the product counts: 4064 */
	EXPECT(out.result.where == MODEL_MAPPING);
}

static void mmap_length_not_rounded(void)
{
	model_malloc(&m, 200001, &out);
	EXPECT(mmap_call(0, 32 + 200008) && out.size == 200008);
	model_free(&m, mapping(0), &out);
	EXPECT(munmap_call(0, 0, 200040) && calls_are(1) && m.map_count == 0);
}

static void preallocation(void)
{
	EXPECT(malloc_heap(100) == 0 && sbrk_call(0, 131072) && calls_are(1));
	EXPECT(out.rule == RULE_PREALLOC && out.size == 104 && out.status == A);
	EXPECT(HEAP_IS(0, 104, A, 136, 130904, F));
	EXPECT(malloc_heap(100) == 136 && calls_are(0) && out.rule == RULE_BEST_FIT);
}

static void only_mappings_never_touch_the_break(void)
{
	model_malloc(&m, 1 << 20, &out);
	model_calloc(&m, 1, 8192, &out);
	model_free(&m, mapping(0), &out);
	EXPECT(m.brk == 0 && m.block_count == 0 && !m.preallocated);
}

static void preallocated_block_whole(void)
{
	/* 131040 - 131008 = 32: no split, the block keeps its whole size */
	EXPECT(malloc_heap(131008) == 0 && out.size == 131040 && HEAP_IS(0, 131040, A));
}

static void split_rest_40_vs_32(void)
{
	EXPECT(malloc_heap(131000) == 0 && HEAP_IS(0, 131000, A, 131032, 8, F));
}

static void best_fit_smallest_and_tie(void)
{
	size_t a = malloc_heap(200), b = malloc_heap(8), c = malloc_heap(104), d = malloc_heap(8);
	size_t e = malloc_heap(104), f = malloc_heap(8);

	(void)b, (void)d, (void)f;
	model_free(&m, heap(a), &out);
	model_free(&m, heap(c), &out);
	model_free(&m, heap(e), &out);
	EXPECT(malloc_heap(100) == c && out.tie_at == e && out.fit_size == 104);
	EXPECT(malloc_heap(100) == e);
	EXPECT(malloc_heap(150) == a && out.rule == RULE_BEST_FIT);
}

static void coalescing_only_before_search(void)
{
	size_t a = malloc_heap(64), b = malloc_heap(64), c = malloc_heap(64);

	model_free(&m, heap(a), &out);
	model_free(&m, heap(b), &out);
	EXPECT(out.rule == RULE_FREE_MARKS && calls_are(0));
	EXPECT(m.blocks[0].status == F && m.blocks[1].status == F && m.blocks[0].size == 64);
	/* a and b merged hold 64 + 32 + 64 = 160: the best fit, ahead of the tail */
	EXPECT(malloc_heap(160) == a && HEAP_IS(0, 160, A, c, 64, A, 288, 130752, F));
}

static void growth_extends_free_tail(void)
{
	size_t a = malloc_heap(131000);

	(void)a;
	EXPECT(HEAP_IS(0, 131000, A, 131032, 8, F));
	EXPECT(malloc_heap(1000) == 131032 && sbrk_call(0, 1000 - 8) && calls_are(1));
	EXPECT(out.rule == RULE_GROW_TAIL && HEAP_IS(0, 131000, A, 131032, 1000, A));
	EXPECT(m.brk == 131032 + 32 + 1000);
}

static void growth_extends_merged_free_tail(void)
{
	size_t a = malloc_heap(130000), b = malloc_heap(400);

	(void)a;
	model_free(&m, heap(b), &out); /* b (400) + rest (568): merged, 1000 */
	EXPECT(HEAP_IS(0, 130000, A, 130032, 400, F, 130464, 576, F));
	EXPECT(malloc_heap(2000) == 130032 && sbrk_call(0, 2000 - 1008) && calls_are(1));
}

static void growth_appends_at_break(void)
{
	EXPECT(malloc_heap(131008) == 0);
	EXPECT(malloc_heap(24) == 131072 && sbrk_call(0, 32 + 24) && out.rule == RULE_GROW_BREAK);
	EXPECT(malloc_heap(100) == 131072 + 56 && sbrk_call(0, 136));
}

static void free_marks_and_break_never_shrinks(void)
{
	size_t a = malloc_heap(131008);

	model_free(&m, heap(a), &out);
	EXPECT(calls_are(0) && m.brk == 131072 && HEAP_IS(0, 131040, F));
	model_free(&m, heap(a), &out); /* a double free: ignored */
	EXPECT(out.bad_pointer && calls_are(0) && out.rule == RULE_BAD_POINTER);
}

static void zero_and_impossible_sizes(void)
{
	const size_t impossible[] = { SIZE_MAX, SIZE_MAX - 38, SIZE_MAX - 32 };

	model_malloc(&m, 0, &out);
	EXPECT(out.result.where == MODEL_NOWHERE && calls_are(0) && out.rule == RULE_ZERO);
	model_calloc(&m, 0, 8, &out);
	EXPECT(calls_are(0) && out.rule == RULE_ZERO);
	model_calloc(&m, 8, 0, &out);
	EXPECT(calls_are(0) && out.rule == RULE_ZERO);
	model_realloc(&m, NOWHERE, 0, &out);
	EXPECT(calls_are(0) && out.rule == RULE_ZERO);
	model_free(&m, NOWHERE, &out);
	EXPECT(calls_are(0));
	for (size_t i = 0; i < 3; i++) {
		model_malloc(&m, impossible[i], &out);
		EXPECT(calls_are(0) && out.rule == RULE_IMPOSSIBLE && out.result.where == MODEL_NOWHERE);
	}
	model_malloc(&m, SIZE_MAX - 39, &out); /* 32 + ALIGN(n) = SIZE_MAX - 7: the OS says no */
	EXPECT(mmap_call(0, SIZE_MAX - 7) && out.calls[0].refused && out.rule == RULE_REFUSED);
	model_calloc(&m, SIZE_MAX / 2 + 1, 2, &out);
	EXPECT(calls_are(0) && out.rule == RULE_IMPOSSIBLE);
	EXPECT(m.brk == 0 && m.block_count == 0);
}

static void os_refusals(void)
{
	model_refuse(&m, 0, 1);
	model_malloc(&m, 100, &out);
	EXPECT(sbrk_call(0, 131072) == 0 && out.calls[0].refused && out.result.where == MODEL_NOWHERE);
	EXPECT(!m.preallocated && m.brk == 0);
	EXPECT(malloc_heap(100) == 0); /* the plan is used up */
	model_refuse(&m, 1, 1);
	model_malloc(&m, 1 << 20, &out); /* skipped */
	EXPECT(out.result.where == MODEL_MAPPING);
	model_malloc(&m, 1 << 20, &out);
	EXPECT(out.calls[0].refused && out.rule == RULE_REFUSED && m.map_count == 1);
	model_malloc(&m, (size_t)1 << 30, &out); /* over the 1 GiB of mappings */
	EXPECT(out.calls[0].refused && out.result.where == MODEL_NOWHERE);
	EXPECT(model_foreign_sbrk(&m, MODEL_HEAP_LIMIT - m.brk - 64));
	model_malloc(&m, 131000, &out); /* no room below the heap limit */
	EXPECT(out.calls[0].refused && out.result.where == MODEL_NOWHERE);
}

static void growth_after_another_sbrk_user_moves(void)
{
	(void)malloc_heap(131000);
	EXPECT(model_foreign_sbrk(&m, 4096));
	EXPECT(malloc_heap(1000) == 131072 + 4096); /* osmem's reading: give the bytes back, then a new block */
	EXPECT(calls_are(3) && sbrk_call(0, 1000 - 8) && sbrk_call(1, -(1000 - 8)) && sbrk_call(2, 1032));
}

/* A heap adopted after a skipped rule whose free last block stops short of the break, with no
 * other sbrk user: the contract's growth, not osmem's reading of a foreign gap. */
static void growth_of_adopted_heap_short_of_break(void)
{
	const struct model_block seen[] = { { 0, 96, MODEL_ALLOC }, { 128, 8, MODEL_FREE } };

	model_adopt_heap(&m, seen, 2, 131072);
	EXPECT(malloc_heap(1000) == 128 && calls_are(1) && sbrk_call(0, 1000 - 8));
	EXPECT(out.rule == RULE_GROW_TAIL);
}

static void refused_growth_keeps_coalescing(void)
{
	size_t a = malloc_heap(131008), b = malloc_heap(16), c = malloc_heap(16);

	(void)a;
	model_free(&m, heap(b), &out);
	model_free(&m, heap(c), &out);
	model_refuse(&m, 0, 1);
	model_malloc(&m, 1000, &out); /* coalesces b and c, then sbrk(1000 - 64) is refused */
	EXPECT(out.calls[0].increment == 1000 - 64 && out.calls[0].refused);
	EXPECT(HEAP_IS(0, 131040, A, 131072, 64, F));
}

static void realloc_rule_1(void)
{
	model_realloc(&m, NOWHERE, 100, &out);
	EXPECT(out.result.where == MODEL_HEAP && sbrk_call(0, 131072));
	model_realloc(&m, heap(0), 0, &out);
	EXPECT(out.result.where == MODEL_NOWHERE && out.rule == RULE_REALLOC_1 && m.blocks[0].status == F);
}

static void realloc_rule_2(void)
{
	size_t a = malloc_heap(100);

	malloc_heap(100);
	model_free(&m, heap(a), &out);
	model_realloc(&m, heap(a), 50, &out);
	EXPECT(out.result.where == MODEL_NOWHERE && calls_are(0) && out.rule == RULE_REALLOC_2);
}

static void realloc_rule_3(void)
{
	model_malloc(&m, 200000, &out);
	model_realloc(&m, mapping(0), 100, &out); /* preallocates, then unmaps */
	EXPECT(out.rule == RULE_REALLOC_3 && got_heap() == 0);
	EXPECT(sbrk_call(0, 131072) && munmap_call(1, 0, 200032) && calls_are(2));
	model_malloc(&m, 200000, &out);
	model_realloc(&m, mapping(1), 300000, &out);
	EXPECT(mmap_call(0, 300032) && munmap_call(1, 1, 200032) && out.result.at == 2);
	model_refuse(&m, 0, 1);
	model_realloc(&m, mapping(2), 400000, &out); /* refused: the old mapping stays */
	EXPECT(calls_are(1) && out.calls[0].refused && model_mapping(&m, 2));
}

static void realloc_rule_4(void)
{
	size_t a = malloc_heap(131008);

	model_realloc(&m, heap(a), 131040, &out); /* before rule 5, although it would fit */
	EXPECT(out.rule == RULE_REALLOC_4 && mmap_call(0, 131072) && calls_are(1));
	EXPECT(out.result.where == MODEL_MAPPING && HEAP_IS(0, 131040, F));
}

static void realloc_rule_5(void)
{
	size_t a = malloc_heap(200);

	malloc_heap(8);
	model_realloc(&m, heap(a), 160, &out); /* rest 40: split */
	EXPECT(out.rule == RULE_REALLOC_5 && got_heap() == a && calls_are(0));
	EXPECT(m.blocks[0].size == 160 && m.blocks[1].size == 8 && m.blocks[1].status == F);
	model_realloc(&m, heap(a), 128, &out); /* rest 32: no split */
	EXPECT(m.blocks[0].size == 160);
}

static void realloc_rule_6(void)
{
	size_t a = malloc_heap(131008), b = malloc_heap(100);

	(void)a;
	model_realloc(&m, heap(b), 1000, &out);
	EXPECT(out.rule == RULE_REALLOC_6 && got_heap() == b && sbrk_call(0, 1000 - 104));
	model_refuse(&m, 0, 1);
	model_realloc(&m, heap(b), 2000, &out);
	EXPECT(out.result.where == MODEL_NOWHERE && out.calls[0].refused && m.blocks[1].size == 1000);
}

static void realloc_rule_7_absorbs_and_splits(void)
{
	size_t a = malloc_heap(64), b = malloc_heap(64), c = malloc_heap(64), d = malloc_heap(64);

	(void)d;
	model_free(&m, heap(b), &out);
	model_free(&m, heap(c), &out);
	model_realloc(&m, heap(a), 150, &out); /* b is enough: c is not absorbed, 8 left */
	EXPECT(out.rule == RULE_REALLOC_7_ABSORB && got_heap() == a && calls_are(0));
	EXPECT(m.blocks[0].size == 160 && m.blocks[1].offset == c && m.blocks[1].status == F);
	model_realloc(&m, heap(a), 200, &out); /* c absorbed, 256 - 200 = 56: split */
	EXPECT(m.blocks[0].size == 200 && m.blocks[1].size == 24 && m.blocks[1].status == F);
}

static void realloc_rule_7_too_small_moves(void)
{
	size_t a = malloc_heap(64), b = malloc_heap(64), c = malloc_heap(64), big = malloc_heap(400);

	(void)c;
	model_free(&m, heap(b), &out);
	model_free(&m, heap(big), &out);
	model_realloc(&m, heap(a), 300, &out); /* a + b = 160: too small, moves to big */
	EXPECT(out.rule == RULE_REALLOC_7_MOVE && got_heap() == big && calls_are(0));
	EXPECT(m.blocks[0].offset == a && m.blocks[0].size == 160 && m.blocks[0].status == F);
}

static void realloc_rule_7_made_last_moves(void)
{
	size_t x = malloc_heap(131008), y = malloc_heap(1000), z = malloc_heap(100);

	(void)x;
	model_free(&m, heap(z), &out);
	model_realloc(&m, heap(y), 2000, &out); /* y + z = 1136: too small, and now last */
	EXPECT(out.rule == RULE_REALLOC_7_MADE_LAST);
	/* not extended in place: a new block at the break, then y is freed */
	EXPECT(got_heap() == 132240 && sbrk_call(0, 32 + 2000) && calls_are(1));
	EXPECT(HEAP_IS(0, 131040, A, y, 1136, F, 132240, 2000, A));
}

struct test_case {
	const char *name;
	void (*run)(void);
};

static const struct test_case cases[] = {
	{ "malloc_threshold", malloc_threshold },
	{ "calloc_threshold", calloc_threshold },
	{ "mmap_length_not_rounded", mmap_length_not_rounded },
	{ "preallocation", preallocation },
	{ "only_mappings_never_touch_the_break", only_mappings_never_touch_the_break },
	{ "preallocated_block_whole", preallocated_block_whole },
	{ "split_rest_40_vs_32", split_rest_40_vs_32 },
	{ "best_fit_smallest_and_tie", best_fit_smallest_and_tie },
	{ "coalescing_only_before_search", coalescing_only_before_search },
	{ "growth_extends_free_tail", growth_extends_free_tail },
	{ "growth_extends_merged_free_tail", growth_extends_merged_free_tail },
	{ "growth_appends_at_break", growth_appends_at_break },
	{ "free_marks_and_break_never_shrinks", free_marks_and_break_never_shrinks },
	{ "zero_and_impossible_sizes", zero_and_impossible_sizes },
	{ "os_refusals", os_refusals },
	{ "growth_after_another_sbrk_user_moves", growth_after_another_sbrk_user_moves },
	{ "growth_of_adopted_heap_short_of_break", growth_of_adopted_heap_short_of_break },
	{ "refused_growth_keeps_coalescing", refused_growth_keeps_coalescing },
	{ "realloc_rule_1", realloc_rule_1 },
	{ "realloc_rule_2", realloc_rule_2 },
	{ "realloc_rule_3", realloc_rule_3 },
	{ "realloc_rule_4", realloc_rule_4 },
	{ "realloc_rule_5", realloc_rule_5 },
	{ "realloc_rule_6", realloc_rule_6 },
	{ "realloc_rule_7_absorbs_and_splits", realloc_rule_7_absorbs_and_splits },
	{ "realloc_rule_7_too_small_moves", realloc_rule_7_too_small_moves },
	{ "realloc_rule_7_made_last_moves", realloc_rule_7_made_last_moves },
};

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]), failed = 0;

	for (size_t i = 0; i < n; i++) {
		model_reset(&m);
		case_failed = 0;
		cases[i].run();
		printf("%s %s\n", case_failed ? "FAIL" : "ok", cases[i].name);
		failed += (size_t)case_failed;
	}
	printf("%zu passed, %zu failed\n", n - failed, failed);
	return failed ? 1 : 0;
}
