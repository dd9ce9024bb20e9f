/* SPDX-License-Identifier: BSD-3-Clause */
/* The floor: the same decoder and executor driving the cheapest allocator there is, a bump pointer
 * that never reuses or touches memory, with the oracle off (no pattern written or checked, no
 * contract, no model). Its speed bounds what any oracle over any allocator can reach on this
 * machine (tools/bench-fuzz compares the fuzzers with it). Not a test of anything. */
#include <string.h>
#include <sys/mman.h>

#include "allocator/emulated_maps.h"
#include "fuzz/shadow.h"
#include "fuzz/target.h"

#define FLOOR_ARENA ((size_t)8 << 30) /* address space: untouched pages cost nothing */
#define FLOOR_SIZE_MAX ((size_t)1 << 30)

static struct {
	char *base, *next;
} bump;

/* Each block's size sits in the 8 bytes in front of it, for realloc's copy. */
static void *floor_malloc(size_t size)
{
	char *block;

	if (!size || size > FLOOR_SIZE_MAX || (size_t)(bump.base + FLOOR_ARENA - bump.next) < size + 16)
		return NULL;
	block = bump.next + 8;
	memcpy(block - 8, &size, sizeof(size));
	bump.next += 8 + (size + 7) / 8 * 8;
	return block;
}

static void floor_free(void *ptr)
{
	(void)ptr;
}

static void *floor_calloc(size_t nmemb, size_t size)
{
	size_t total;

	return __builtin_mul_overflow(nmemb, size, &total) ? NULL : floor_malloc(total);
}

static void *floor_realloc(void *ptr, size_t size)
{
	size_t old;
	char *moved;

	if (!ptr)
		return floor_malloc(size);
	if (!size)
		return NULL;
	moved = floor_malloc(size);
	if (moved) {
		memcpy(&old, (char *)ptr - 8, sizeof(old));
		memcpy(moved, ptr, old < size ? old : size);
	}
	return moved;
}

static void floor_reset(void)
{
	if (!bump.base) {
		bump.base = osmem_emu_reserve(0, FLOOR_ARENA);
		shadow_patterns_off();
	}
	bump.next = bump.base;
}

const struct fuzz_target *fuzz_target_under_test(void)
{
	static const struct fuzz_target floor_target = {
		.name = "floor",
		.malloc = floor_malloc,
		.free = floor_free,
		.calloc = floor_calloc,
		.realloc = floor_realloc,
		.reset = floor_reset,
		.header_size = 8,
	};

	return &floor_target;
}
