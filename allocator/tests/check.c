/* SPDX-License-Identifier: BSD-3-Clause */
#include "allocator/tests/check.h"

#include <stdio.h>
#include <string.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/osmem_testing.h"

static const char *current_case;
static int current_failed;

bool case_failed(void)
{
	return current_failed;
}

void check_failed(const char *file, int line, const char *expression, const char *detail)
{
	current_failed = 1;
	fprintf(stderr, "%s:%d: %s: CHECK(%s) failed%s%s\n", file, line, current_case, expression,
		detail ? ": " : "", detail ? detail : "");
}

void check_describe(char *out, size_t size, unsigned long long actual,
		    unsigned long long expected)
{
	snprintf(out, size, "got %llu (0x%llx), expected %llu (0x%llx)", actual, actual, expected,
		 expected);
}

static void fresh_state(void)
{
	osmem_set_fault_handler(NULL);
	osmem_testing_reset();
	osmem_emu_reset();
}

/* What must hold after any case: a sound heap and no munmap that missed its mapping. */
static void check_after_case(void)
{
	char why[256];

	if (osmem_heap_check(0, why, sizeof(why)) != 0)
		check_failed(__FILE__, __LINE__, "heap check after the case", why);
	if (emu_stats().bad_munmaps)
		check_failed(__FILE__, __LINE__, "no munmap missed its mapping", NULL);
}

int run_tests(const char *suite, const struct test_case *cases, size_t count)
{
	size_t passed = 0, failed = 0;

	for (size_t i = 0; i < count; i++) {
		current_case = cases[i].name;
		current_failed = 0;
		fresh_state();
		cases[i].run();
		if (!current_failed)
			check_after_case();
		printf("[%s] %s %s\n", current_failed ? "FAIL" : " ok ", suite, cases[i].name);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	fresh_state();
	printf("%s: %zu passed, %zu failed\n", suite, passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}

struct osmem_emu_stats emu_stats(void)
{
	struct osmem_emu_stats stats;

	osmem_emu_get_stats(&stats);
	return stats;
}

struct calls calls_now(void)
{
	struct osmem_emu_stats stats = emu_stats();

	return (struct calls){ stats.sbrk_calls, stats.mmap_calls, stats.munmap_calls };
}

size_t brk_offset(void)
{
	return emu_stats().brk_offset;
}

ptrdiff_t heap_offset(const void *payload)
{
	return (const char *)payload - (const char *)osmem_emu_heap_base();
}

bool heap_ok(unsigned flags)
{
	char why[256];

	if (osmem_heap_check(flags, why, sizeof(why)) == 0)
		return true;
	fprintf(stderr, "%s: heap check: %s\n", current_case, why);
	return false;
}

bool heap_broken(unsigned flags, const char *words)
{
	char why[256];

	if (osmem_heap_check(flags, why, sizeof(why)) != -1)
		return false;
	if (strstr(why, words))
		return true;
	fprintf(stderr, "%s: heap check said \"%s\", expected words \"%s\"\n", current_case, why,
		words);
	return false;
}

struct seen_faults seen;

void record_fault(enum osmem_fault fault, const void *ptr, const char *message)
{
	seen.count++;
	seen.fault = fault;
	seen.ptr = ptr;
	snprintf(seen.message, sizeof(seen.message), "%s", message);
}

void record_faults(void)
{
	memset(&seen, 0, sizeof(seen));
	osmem_set_fault_handler(record_fault);
}

bool merged_free_pair(char **a, char **b)
{
	char *guard;

	*a = os_malloc(100);
	*b = os_malloc(100);
	guard = os_malloc(8);
	if (!*a || !*b || !guard)
		return false;
	os_free(*a);
	os_free(*b);
	return os_malloc(50000) && header_of(*a)->size == 240;
}

static unsigned char pattern_byte(size_t i, unsigned seed)
{
	return (unsigned char)((i * 131u + seed * 7u + (i >> 8)) | 1u);
}

void fill_pattern(void *payload, size_t size, unsigned seed)
{
	unsigned char *bytes = payload;

	for (size_t i = 0; i < size; i++)
		bytes[i] = pattern_byte(i, seed);
}

bool has_pattern(const void *payload, size_t size, unsigned seed)
{
	const unsigned char *bytes = payload;

	for (size_t i = 0; i < size; i++) {
		if (bytes[i] != pattern_byte(i, seed))
			return false;
	}
	return true;
}

bool is_zero(const void *payload, size_t size)
{
	const unsigned char *bytes = payload;

	for (size_t i = 0; i < size; i++) {
		if (bytes[i])
			return false;
	}
	return true;
}
