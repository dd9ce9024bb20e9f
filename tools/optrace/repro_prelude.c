/* SPDX-License-Identifier: BSD-3-Clause */
/* The checks every generated reproducer starts with (tools/optrace/ctest.c copies this file into
 * each one, so that a reproducer is one self-contained C file). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef OSMEM_REPRO_OWN
/* An allocator of your own (tools/fuzz-own-allocator): your osmem.h, found through -I; a
 * submission made of osmem.c alone gets the four declarations here. */
#if __has_include("osmem.h")
#include "osmem.h"
#else
void *os_malloc(size_t size);
void os_free(void *ptr);
void *os_calloc(size_t nmemb, size_t size);
void *os_realloc(void *ptr, size_t size);
#endif
#else
#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#endif
#ifdef OSMEM_REPRO_EMULATED
#include "allocator/os_layer_emulated.h"
#endif

#define SLOTS 64
/* Payloads up to FULL bytes are patterned whole; bigger ones only EDGE bytes at each end. */
#define FULL ((size_t)1 << 20)
#define EDGE 4096

static void *slot[SLOTS];
static size_t slot_size[SLOTS];
static const char *op_text = "start";

static void fail(const char *rule, const void *ptr)
{
	fprintf(stderr, "repro: %s: %s (%p)\n", op_text, rule, ptr);
	exit(1);
}

static unsigned char pattern(unsigned s, size_t i)
{
	return (unsigned char)(s * 151u + i * 7u + 1u);
}

/* Calls f(s, i) on each patterned byte of an n-byte payload. */
static void each_marked_byte(unsigned s, size_t n, void (*f)(unsigned, size_t))
{
	for (size_t i = 0; i < n; i++) {
		if (i == EDGE && n > FULL)
			i = n - EDGE;
		f(s, i);
	}
}

static void put(unsigned s, size_t i) { ((unsigned char *)slot[s])[i] = pattern(s, i); }
static void get(unsigned s, size_t i)
{
	if (((unsigned char *)slot[s])[i] != pattern(s, i))
		fail("payload byte changed", (char *)slot[s] + i);
}
static void zero(unsigned s, size_t i)
{
	if (((unsigned char *)slot[s])[i])
		fail("calloc memory is not zero", (char *)slot[s] + i);
}

#ifdef OSMEM_REPRO_OWN
/* No heap checker outside osmem: what the contract makes visible, the header 32 bytes in front of
 * each live payload (size at offset 0, status at 8: STATUS_ALLOC 1 or STATUS_MAPPED 2). */
static void heap_ok(unsigned flags)
{
	(void)flags;
#ifdef OSMEM_REPRO_CONTRACT
	for (unsigned s = 0; s < SLOTS; s++) {
		const char *header = slot[s] ? (const char *)slot[s] - 32 : NULL;
		size_t size;
		int status;

		if (!header)
			continue;
		memcpy(&size, header, sizeof(size));
		memcpy(&status, header + 8, sizeof(status));
		if (status != 1 && status != 2)
			fail("the header of a live block has a status other than STATUS_ALLOC or STATUS_MAPPED", slot[s]);
		if (size < slot_size[s])
			fail("the header of a live block gives a size smaller than requested", slot[s]);
	}
#endif
}
#else
static void heap_ok(unsigned flags)
{
	char why[256];

	if (osmem_heap_check(flags, why, sizeof(why)))
		fail(why, NULL);
}
#endif

/* How many leading bytes realloc must have kept that were patterned: a big block shrunk
 * below its size had only its first EDGE bytes patterned in that range. */
static size_t kept_prefix(size_t kept, size_t n)
{
	if (kept <= n)
		return kept;
	return kept <= FULL || n < EDGE ? n : EDGE;
}

/* A block just handed out: aligned, overlapping no other live block, zero if calloc'd. */
static void adopt(unsigned s, void *ptr, size_t n, int zeroed, size_t kept)
{
	slot[s] = ptr, slot_size[s] = n;
	if (!ptr)
		return;
	if ((uintptr_t)ptr % 8)
		fail("payload not 8-aligned", ptr);
	for (unsigned o = 0; o < SLOTS; o++)
		if (o != s && slot[o] && (char *)ptr < (char *)slot[o] + slot_size[o] &&
		    (char *)slot[o] < (char *)ptr + n)
			fail("overlaps another live block", slot[o]);
	if (zeroed)
		each_marked_byte(s, n, zero);
	each_marked_byte(s, kept_prefix(kept, n), get);
	each_marked_byte(s, n, put);
}

static void drop(unsigned s)
{
	if (slot[s])
		each_marked_byte(s, slot_size[s], get);
	os_free(slot[s]);
	slot[s] = NULL;
}

static __attribute__((unused)) void do_malloc(unsigned s, size_t n)
{
	drop(s);
	adopt(s, os_malloc(n), n, 0, 0);
	if (!n && slot[s])
		fail("malloc(0) did not return NULL", slot[s]);
}

static __attribute__((unused)) void do_calloc(unsigned s, size_t k, size_t n)
{
	size_t total;

	drop(s);
	if (__builtin_mul_overflow(k, n, &total))
		total = 0;
	adopt(s, os_calloc(k, n), total, 1, 0);
	if (!total && slot[s])
		fail("calloc of zero or an overflowing size did not return NULL", slot[s]);
}

static __attribute__((unused)) void do_realloc(unsigned s, size_t n)
{
	void *ptr;

	if (slot[s])
		each_marked_byte(s, slot_size[s], get);
	ptr = os_realloc(slot[s], n);
	if (!n) {
		if (ptr)
			fail("realloc to 0 did not return NULL", ptr);
		slot[s] = NULL;
	} else if (ptr) {
		size_t kept = slot[s] ? slot_size[s] : 0;

		slot[s] = NULL;
		adopt(s, ptr, n, 0, kept);
	}
}

static __attribute__((unused)) void do_free(unsigned s)
{
	drop(s);
}

static __attribute__((unused)) void do_check(void)
{
	for (unsigned s = 0; s < SLOTS; s++)
		if (slot[s])
			each_marked_byte(s, slot_size[s], get);
	heap_ok(0);
}

#ifdef OSMEM_REPRO_OWN
static void finish(void)
{
	op_text = "end";
	for (unsigned s = 0; s < SLOTS; s++)
		drop(s);
	puts("repro: all checks passed");
}
#else
/* Everything freed: nothing mapped, and the heap is one free run. */
static void finish(void)
{
	struct osmem_heap_stats st;
	void *last;

	op_text = "end";
	for (unsigned s = 0; s < SLOTS; s++)
		drop(s);
	heap_ok(0);
#ifdef OSMEM_REPRO_EMULATED
	osmem_emu_refuse(0, 0);
#endif
	last = os_malloc(1); /* a heap search coalesces every free neighbour */
	heap_ok(OSMEM_CHECK_COALESCED);
	osmem_heap_stats(&st);
	os_free(last);
	if (st.mapped_blocks)
		fail("a mapped block is still live after freeing everything", NULL);
	if (st.heap_blocks > 2) /* the 1-byte block and one free run */
		fail("the heap is not one free run after freeing everything", st.heap_start);
	puts("repro: all checks passed");
}
#endif
