/* SPDX-License-Identifier: BSD-3-Clause */
/* The contract's situations as coverage for libFuzzer (its extra counters), for the fuzzers that
 * link this file (tools/fuzz-own-allocator's). The harness and the model are built without
 * coverage (fuzz/fuzz.bzl: NO_COVERAGE), and the allocator under test may not branch where the
 * contract decides: a first-fit allocator has no branch for "a smaller free block comes later",
 * one that breaks best-fit ties the wrong way none for "two free blocks of the same size". So the
 * fuzzer is told which rule decided each call, how many free blocks could hold a request, whether
 * the best fit was not the first that fits, and whether there was a tie. An input reaching such a
 * situation for the first time is kept, and mutated from there. */
#include "fuzz/guidance/contract_features.h"

#include <stdint.h>

/* One counter per rule, then the situations of a heap search. */
enum {
	FITS = 32,            /* FITS + n: n = 1, 2, 3 or 4 and more free blocks hold the request */
	BEST_NOT_FIRST = 37,  /* a later, smaller free block won */
	TIE = 38,             /* two free blocks of the best size */
	FEATURES = 40
};

/* libFuzzer reads this section after every input (clang's libFuzzer: extra counters). */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t counters[FEATURES];

static const char *const rules[] = {
	RULE_HEADER, RULE_MALLOC_THRESHOLD, RULE_CALLOC_THRESHOLD, RULE_MMAP_CALL,
	RULE_PREALLOC, RULE_SPLIT, RULE_BEST_FIT, RULE_COALESCE, RULE_COALESCE_ONLY,
	RULE_GROW_TAIL, RULE_GROW_BREAK, RULE_FREE_MARKS, RULE_MUNMAP, RULE_ZERO,
	RULE_IMPOSSIBLE, RULE_REFUSED, RULE_LIST, RULE_REALLOC_1, RULE_REALLOC_2,
	RULE_REALLOC_3, RULE_REALLOC_4, RULE_REALLOC_5, RULE_REALLOC_6,
	RULE_REALLOC_7_ABSORB, RULE_REALLOC_7_MOVE, RULE_REALLOC_7_MADE_LAST,
	RULE_BAD_POINTER,
};
_Static_assert(sizeof(rules) / sizeof(rules[0]) <= FITS, "one counter per rule");

static void count(unsigned feature)
{
	if (counters[feature] < UINT8_MAX)
		counters[feature]++;
}

static void count_rule(const char *rule)
{
	for (unsigned i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i] == rule)
			count(i);
	}
}

void contract_features_note(const struct model_outcome *out)
{
	count_rule(out->rule);
	if (out->placement)
		count_rule(out->placement);
	if (!out->fits)
		return;
	count(FITS + (out->fits < 4 ? out->fits : 4));
	if (out->first_fit_at != out->fit_at)
		count(BEST_NOT_FIRST);
	if (out->tie_at != SIZE_MAX)
		count(TIE);
}
