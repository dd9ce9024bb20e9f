/* SPDX-License-Identifier: BSD-3-Clause */
/* The allocator tests' own tiny harness: CHECK macros that name the failing expression and its
 * place, a table of test cases, and helpers that read the emulated OS layer. Every case starts from
 * a fresh allocator and a fresh emulated OS; after every case the heap must pass its check and
 * nothing may be unmapped wrongly. */
#ifndef OSMEM_TESTS_CHECK_H
#define OSMEM_TESTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator/block_meta.h"
#include "allocator/os_layer_emulated.h"
#include "allocator/osmem_debug.h"

struct test_case {
	const char *name;
	void (*run)(void);
};

#define TEST(fn) { #fn, fn }

/* Runs every case in order, prints one line per case and `N passed, M failed`; returns the exit
 * status (0 only when every case passed). */
int run_tests(const char *suite, const struct test_case *cases, size_t count);

#define RUN_TESTS(suite, cases) run_tests(suite, cases, sizeof(cases) / sizeof(cases[0]))

/* True once a check of the running case failed (for loops that call checking helpers). */
bool case_failed(void);

/* Records a failed check in the running case. */
void check_failed(const char *file, int line, const char *expression, const char *detail);

/* A failed CHECK ends the case: later steps usually depend on the failed one. */
#define CHECK(expr)                                                     \
	do {                                                            \
		if (!(expr)) {                                          \
			check_failed(__FILE__, __LINE__, #expr, NULL);  \
			return;                                         \
		}                                                       \
	} while (0)

#define CHECK_EQ(actual, expected)                                                          \
	do {                                                                                \
		unsigned long long check_a_ = (unsigned long long)(actual);                 \
		unsigned long long check_e_ = (unsigned long long)(expected);               \
		if (check_a_ != check_e_) {                                                 \
			char check_detail_[96];                                             \
			check_describe(check_detail_, sizeof(check_detail_), check_a_,      \
				       check_e_);                                           \
			check_failed(__FILE__, __LINE__, #actual " == " #expected,          \
				     check_detail_);                                        \
			return;                                                             \
		}                                                                           \
	} while (0)

void check_describe(char *out, size_t size, unsigned long long actual,
		    unsigned long long expected);

/* ---- Reading the emulated OS layer ------------------------------------------------------- */

/* The emulated OS layer's counters now. */
struct osmem_emu_stats emu_stats(void);

/* System calls made so far (the counters restart with every case). */
struct calls {
	size_t sbrk, mmap, munmap;
};

struct calls calls_now(void);

/* The system calls made since `before` equal the expected ones. */
#define CHECK_CALLS_SINCE(before, sbrks, mmaps, munmaps)                \
	do {                                                            \
		struct calls check_now_ = calls_now();                  \
		CHECK_EQ(check_now_.sbrk - (before).sbrk, sbrks);       \
		CHECK_EQ(check_now_.mmap - (before).mmap, mmaps);       \
		CHECK_EQ(check_now_.munmap - (before).munmap, munmaps); \
	} while (0)

/* Break position relative to the emulated heap base. */
size_t brk_offset(void);

/* Offset of a payload from the emulated heap base. */
ptrdiff_t heap_offset(const void *payload);

/* The header in front of a payload, as programs and graders read it. */
static inline struct block_meta *header_of(void *payload)
{
	return (struct block_meta *)((char *)payload - 32);
}

/* osmem_heap_check returned 0 with these flags (the reason is printed when it did not). */
bool heap_ok(unsigned flags);
/* osmem_heap_check returned -1 with these flags, and its reason contains `words` (silent). */
bool heap_broken(unsigned flags, const char *words);

/* ---- A fault handler that returns -------------------------------------------------------- */

/* How many faults record_fault() saw since record_faults(), and the last one. */
struct seen_faults {
	size_t count;
	enum osmem_fault fault;
	const void *ptr;
	char message[160];
};

extern struct seen_faults seen;

void record_fault(enum osmem_fault fault, const void *ptr, const char *message);
/* Clears `seen` and installs record_fault(), a handler that returns. */
void record_faults(void);

/* Two 100-byte neighbours a and b (a guard after them), both freed, then merged into one free
 * block of 240 by a heap search (an os_malloc(50000)). False when a step went otherwise. */
bool merged_free_pair(char **a, char **b);

/* Fills a payload with a pattern derived from `seed`, and checks it is still there. */
void fill_pattern(void *payload, size_t size, unsigned seed);
bool has_pattern(const void *payload, size_t size, unsigned seed);
bool is_zero(const void *payload, size_t size);

#endif
