/* SPDX-License-Identifier: BSD-3-Clause */
/* The realloc copy (rules 3, 4, 7) keeps every byte, including sparse ones: a copy into a fresh
 * mapping skips the pages whose bytes are all zero (osmem.c, copy_into_mapping), so a lone nonzero
 * byte anywhere in a page, and the zero bytes copied onto a dirty heap block, must still arrive. */
#include <stdint.h>
#include <string.h>

#include "allocator/osmem.h"
#include "allocator/tests/check.h"

#define OLD_SIZE 200000
#define PAGE 4096

/* Where the lone bytes go: at most one per page of the destination (whose payload starts 32 bytes
 * into its mapping), so that a zero test that skips part of a page misses it; its place cycles
 * through both ends of the page, both ends of the 64-byte steps the zero test reads at once, and
 * the tail that is no whole step. Every seventh page has none; the copy's first and last bytes are
 * the lone bytes of their pages. */
static const size_t lone_in_page[] = { PAGE - 1, 0, 63, 64, 64 * 31 + 57, 2048 + 8, 4000, 4031,
				       4032, 4063, PAGE - 33, PAGE - 32, PAGE - 8 };

static bool sparse_offset(size_t i)
{
	size_t page = (i + 32) / PAGE, in_page = (i + 32) % PAGE;
	size_t last_page = (OLD_SIZE - 1 + 32) / PAGE;

	if (page == 0 || page == last_page)
		return i == 0 || i == OLD_SIZE - 1;
	return page % 7 != 6 && in_page == lone_in_page[page % (sizeof(lone_in_page) / sizeof(size_t))];
}

static unsigned char sparse_byte(size_t i)
{
	return sparse_offset(i) ? (unsigned char)(i % 251 + 1) : 0;
}

/* `p` holds OLD_SIZE bytes: zero them all (a heap block may be dirty), then place the lone bytes. */
static void write_sparse(unsigned char *p)
{
	memset(p, 0, OLD_SIZE);
	for (size_t i = 0; i < OLD_SIZE; i++) {
		if (sparse_offset(i))
			p[i] = sparse_byte(i);
	}
}

/* The first byte of [0, length) that differs from the sparse pattern, or `length`. */
static size_t first_wrong(const unsigned char *p, size_t length)
{
	for (size_t i = 0; i < length; i++) {
		if (p[i] != sparse_byte(i))
			return i;
	}
	return length;
}

static void mapped_to_mapped_keeps_sparse_bytes(void)
{
	unsigned char *m = os_malloc(OLD_SIZE), *bigger;

	CHECK(m);
	CHECK_EQ(header_of(m)->status, STATUS_MAPPED);
	write_sparse(m);
	bigger = os_realloc(m, 3 * OLD_SIZE);
	CHECK(bigger);
	CHECK_EQ(header_of(bigger)->status, STATUS_MAPPED);
	CHECK_EQ(first_wrong(bigger, OLD_SIZE), OLD_SIZE);
}

static void mapped_to_smaller_mapping_keeps_sparse_bytes(void)
{
	unsigned char *m = os_malloc(OLD_SIZE), *smaller;
	size_t kept = OLD_SIZE - 3 * PAGE - 40;

	CHECK(m);
	write_sparse(m);
	smaller = os_realloc(m, kept);
	CHECK(smaller);
	CHECK_EQ(header_of(smaller)->status, STATUS_MAPPED);
	CHECK_EQ(first_wrong(smaller, kept), kept);
}

/* Rule 4: the source is a heap block, dirty from an earlier use. */
static void heap_to_mapping_keeps_sparse_bytes(void)
{
	unsigned char *dirty = os_malloc(OLD_SIZE / 2), *h, *mapped;

	CHECK(dirty);
	memset(dirty, 0xa5, OLD_SIZE / 2);
	os_free(dirty);
	h = os_malloc(OLD_SIZE / 2);
	CHECK(h == dirty);
	for (size_t i = 0; i < OLD_SIZE / 2; i++)
		h[i] = sparse_byte(i);
	mapped = os_realloc(h, OLD_SIZE);
	CHECK(mapped);
	CHECK_EQ(header_of(mapped)->status, STATUS_MAPPED);
	CHECK_EQ(first_wrong(mapped, OLD_SIZE / 2), OLD_SIZE / 2);
}

/* Rule 3 onto the heap: the destination may be dirty, every byte is copied. */
static void mapped_to_dirty_heap_keeps_zero_bytes(void)
{
	unsigned char *dirty = os_malloc(60000), *m, *h;

	CHECK(dirty);
	memset(dirty, 0xa5, 60000);
	os_free(dirty);
	m = os_malloc(OLD_SIZE);
	CHECK(m);
	write_sparse(m);
	h = os_realloc(m, 50000);
	CHECK(h == dirty);
	CHECK_EQ(first_wrong(h, 50000), 50000);
}

static const struct test_case cases[] = {
	TEST(mapped_to_mapped_keeps_sparse_bytes),
	TEST(mapped_to_smaller_mapping_keeps_sparse_bytes),
	TEST(heap_to_mapping_keeps_sparse_bytes),
	TEST(mapped_to_dirty_heap_keeps_zero_bytes),
};

int main(void)
{
	return RUN_TESTS("realloc_copy_test", cases);
}
