/* SPDX-License-Identifier: BSD-3-Clause */
/* Open addressing with linear probing, at most half full, and deletion by backward shift: no
 * tombstones, so a lookup stops at the first empty slot. */
#include "aligned_table.h"

#include <assert.h>
#include <stdint.h>
#include <sys/mman.h>

struct slot {
	uintptr_t key; /* the aligned pointer; 0 marks an empty slot */
	size_t offset;
};

static struct slot *slots;
static size_t capacity; /* a power of two, or 0 before the first add */
static size_t used;

#define FIRST_CAPACITY ((size_t)4096 / sizeof(struct slot))

static size_t home_of(uintptr_t key, size_t cap)
{
	/* Aligned pointers have their low bits clear: a multiplicative hash spreads the high ones. */
	return (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static size_t slot_of(uintptr_t key)
{
	size_t i = home_of(key, capacity);

	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (capacity - 1);
	return i;
}

static void put(struct slot *table, size_t cap, struct slot entry)
{
	size_t i = home_of(entry.key, cap);

	while (table[i].key)
		i = (i + 1) & (cap - 1);
	table[i] = entry;
}

static bool grow(void)
{
	size_t cap = capacity ? 2 * capacity : FIRST_CAPACITY;
	struct slot *table = mmap(NULL, cap * sizeof(*table), PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (table == MAP_FAILED)
		return false;
	for (size_t i = 0; i < capacity; i++) {
		if (slots[i].key)
			put(table, cap, slots[i]);
	}
	if (slots)
		munmap(slots, capacity * sizeof(*slots));
	slots = table;
	capacity = cap;
	return true;
}

bool aligned_table_add(void *aligned, size_t offset)
{
	assert(aligned && offset);
	if (2 * (used + 1) > capacity && !grow())
		return false;
	put(slots, capacity, (struct slot){ (uintptr_t)aligned, offset });
	used++;
	return true;
}

size_t aligned_table_offset(const void *ptr)
{
	if (!used)
		return 0;
	return slots[slot_of((uintptr_t)ptr)].offset;
}

/* Whether the entry at `at`, whose probe starts at `home`, may move back into the hole at `hole`:
 * only when `hole` lies cyclically within [home, at). */
static bool may_fill(size_t hole, size_t home, size_t at)
{
	return ((at - home) & (capacity - 1)) >= ((at - hole) & (capacity - 1));
}

void aligned_table_remove(const void *ptr)
{
	size_t hole = slot_of((uintptr_t)ptr);

	assert(slots[hole].key == (uintptr_t)ptr);
	for (size_t at = (hole + 1) & (capacity - 1); slots[at].key; at = (at + 1) & (capacity - 1)) {
		if (may_fill(hole, home_of(slots[at].key, capacity), at)) {
			slots[hole] = slots[at];
			hole = at;
		}
	}
	slots[hole] = (struct slot){ 0, 0 };
	used--;
}
