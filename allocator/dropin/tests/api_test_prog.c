/* SPDX-License-Identifier: BSD-3-Clause */
/* The malloc API as a C program sees it, run with LD_PRELOAD=libosmem_malloc.so: every function's
 * alignment, usable sizes, realloc contents, and the C standard's edge cases and errno values. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator/dropin/tests/preload_check.h"

static bool aligned_to(const void *p, size_t alignment)
{
	return p && (uintptr_t)p % alignment == 0;
}

/* Every usable byte can be written and the block freed: usable size does not overstate. */
static void use_fully_and_free(void *p, size_t at_least)
{
	size_t usable = malloc_usable_size(p);

	CHECK(usable >= at_least);
	memset(p, 0xa5, usable);
	free(p);
}

static void test_malloc_aligns_every_size(void)
{
	for (size_t size = 0; size <= 300; size++) {
		void *p = malloc(size);

		CHECK(aligned_to(p, 16));
		CHECK(served_by_osmem(p, size));
		use_fully_and_free(p, size);
	}
	/* Past the mmap threshold. */
	void *big = malloc(1 << 20);

	CHECK(aligned_to(big, 16));
	CHECK(served_by_osmem(big, 1 << 20));
	use_fully_and_free(big, 1 << 20);
}

static void test_calloc_zeroes_reused_memory(void)
{
	unsigned char *dirty = malloc(200), *zeroed;

	memset(dirty, 0xff, 200);
	free(dirty);
	zeroed = calloc(25, 8);
	CHECK(aligned_to(zeroed, 16));
	for (size_t i = 0; i < 200; i++)
		if (!CHECK(zeroed[i] == 0))
			break;
	free(zeroed);
	zeroed = calloc(0, 8);
	CHECK(zeroed != NULL);
	free(zeroed);
}

/* A freed mapping may be kept and handed out again (mapping_cache.h; the plain build hands out
 * the newest kept one of the same length, so the second calloc gets the dirtied mapping back):
 * calloc must still read zero. */
static void test_calloc_zeroes_reused_mapping(void)
{
	static const size_t sizes[] = { 5000, 300000 };

	/* Both mapped: calloc maps from a page up. */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *dirty = calloc(1, sizes[i]), *zeroed;

		memset(dirty, 0xff, sizes[i]);
		free(dirty);
		zeroed = calloc(1, sizes[i]);
		for (size_t j = 0; j < sizes[i]; j++)
			if (!CHECK(zeroed[j] == 0))
				break;
		free(zeroed);
	}
}

static void test_calloc_overflow_is_enomem(void)
{
	errno = 0;
	CHECK(calloc(SIZE_MAX / 2, 3) == NULL);
	CHECK(errno == ENOMEM);
	errno = 0;
	CHECK(malloc(SIZE_MAX - 8) == NULL);
	CHECK(errno == ENOMEM);
	errno = 0;
	CHECK(reallocarray(NULL, SIZE_MAX / 2, 3) == NULL);
	CHECK(errno == ENOMEM);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static bool holds(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 31 + seed))
			return false;
	return true;
}

static void test_realloc_keeps_contents(void)
{
	static const size_t sizes[] = { 24, 1000, 100, 200000, 50, 5000, 8 };
	unsigned char *p = malloc(10), *guard;
	size_t size = 10;

	fill(p, size, 7);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		guard = malloc(16); /* a neighbour, so that some of these moves cannot grow in place */
		p = realloc(p, sizes[i]);
		CHECK(aligned_to(p, 16));
		CHECK(holds(p, size < sizes[i] ? size : sizes[i], 7));
		size = sizes[i];
		fill(p, size, 7);
		free(guard);
	}
	errno = 0;
	CHECK(realloc(p, SIZE_MAX - 8) == NULL);
	CHECK(errno == ENOMEM);
	CHECK(holds(p, size, 7)); /* a failed realloc leaves the block as it was */
	CHECK(realloc(p, 0) == NULL); /* frees, as glibc's does */
	p = realloc(NULL, 0);
	CHECK(p != NULL);
	free(p);
}

static void test_free_null_and_errno(void)
{
	void *p = malloc(64);

	free(NULL);
	errno = EILSEQ;
	free(p);
	CHECK(errno == EILSEQ);
	p = malloc(1 << 20);
	errno = EILSEQ;
	free(p); /* munmap */
	CHECK(errno == EILSEQ);
	CHECK(malloc_usable_size(NULL) == 0);
}

static void test_posix_memalign(void)
{
	static const size_t alignments[] = { 8, 16, 32, 64, 256, 4096, 65536 };
	void *p = NULL;

	for (size_t i = 0; i < sizeof(alignments) / sizeof(alignments[0]); i++) {
		for (size_t size = 1; size < 300000; size = size * 7 + 3) {
			CHECK(posix_memalign(&p, alignments[i], size) == 0);
			CHECK(aligned_to(p, alignments[i]));
			use_fully_and_free(p, size);
		}
	}
	p = &p;
	CHECK(posix_memalign(&p, 24, 10) == EINVAL);
	CHECK(posix_memalign(&p, 4, 10) == EINVAL);
	CHECK(posix_memalign(&p, 64, SIZE_MAX - 8) == ENOMEM);
	CHECK(p == &p); /* untouched on failure */
}

static void test_other_aligned_calls(void)
{
	size_t page = (size_t)getpagesize();
	volatile size_t odd = 48; /* not a power of two; volatile keeps the compiler's warning out */
	void *p = aligned_alloc(64, 640);

	CHECK(aligned_to(p, 64));
	use_fully_and_free(p, 640);
	errno = 0;
	CHECK(aligned_alloc(odd, 96) == NULL);
	CHECK(errno == EINVAL);
	p = memalign(odd, 100); /* rounded up to 64, as glibc does */
	CHECK(aligned_to(p, 64));
	use_fully_and_free(p, 100);
	p = valloc(100);
	CHECK(aligned_to(p, page));
	use_fully_and_free(p, 100);
	p = pvalloc(100);
	CHECK(aligned_to(p, page));
	use_fully_and_free(p, page);
}

/* realloc and free find the block behind an over-aligned pointer. */
static void test_over_aligned_realloc(void)
{
	unsigned char *p = memalign(256, 300);

	CHECK(aligned_to(p, 256));
	fill(p, 300, 3);
	p = realloc(p, 5000);
	CHECK(aligned_to(p, 16));
	CHECK(holds(p, 300, 3));
	free(p);
	/* Many live at once: the table grows and keeps every entry. */
	void *many[2000];

	for (size_t i = 0; i < 2000; i++) {
		many[i] = memalign(64, 16);
		memset(many[i], (int)i, 16);
	}
	for (size_t i = 0; i < 2000; i += 2)
		free(many[i]);
	for (size_t i = 1; i < 2000; i += 2) {
		CHECK(malloc_usable_size(many[i]) >= 16);
		CHECK(((unsigned char *)many[i])[15] == (unsigned char)i);
		free(many[i]);
	}
}

int main(void)
{
	test_malloc_aligns_every_size();
	test_calloc_zeroes_reused_memory();
	test_calloc_zeroes_reused_mapping();
	test_calloc_overflow_is_enomem();
	test_realloc_keeps_contents();
	test_free_null_and_errno();
	test_posix_memalign();
	test_other_aligned_calls();
	test_over_aligned_realloc();
	return preload_result("api_test");
}
