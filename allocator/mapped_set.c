/* SPDX-License-Identifier: BSD-3-Clause */
#include "mapped_set.h"

#include <stdint.h>

#include "block.h"

/* Open addressing with linear probing; a removal shifts the entries after it back, so there are
 * no tombstones and a probe stops at the first empty slot. */
static size_t home_slot(const struct block_meta *header)
{
	uint64_t x = (uint64_t)(uintptr_t)header;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x % MAPPED_TABLE_SLOTS;
}

static size_t next_slot(size_t slot)
{
	return (slot + 1) % MAPPED_TABLE_SLOTS;
}

/* The slot holding `header`, or the empty slot where the probe ends. */
static size_t probe(const struct mapped_set *set, const struct block_meta *header)
{
	size_t slot = home_slot(header);

	while (set->table[slot] && set->table[slot] != header)
		slot = next_slot(slot);
	return slot;
}

static void table_insert(struct mapped_set *set, const struct block_meta *header)
{
	set->table[probe(set, header)] = header;
	set->table_count++;
}

/* Whether `from` lies cyclically in (empty, slot]: an entry there may not move to `empty`. */
static bool stays(size_t empty, size_t from, size_t slot)
{
	return empty <= slot ? empty < from && from <= slot : empty < from || from <= slot;
}

static void table_remove(struct mapped_set *set, const struct block_meta *header)
{
	size_t empty = probe(set, header);

	if (!set->table[empty])
		return;
	set->table[empty] = NULL;
	set->table_count--;
	for (size_t slot = next_slot(empty); set->table[slot]; slot = next_slot(slot)) {
		if (stays(empty, home_slot(set->table[slot]), slot))
			continue;
		set->table[empty] = set->table[slot];
		set->table[slot] = NULL;
		empty = slot;
	}
}

static void table_rebuild(struct mapped_set *set)
{
	for (size_t slot = 0; slot < MAPPED_TABLE_SLOTS; slot++)
		set->table[slot] = NULL;
	set->table_count = 0;
	for (struct block_meta *block = set->head; block; block = block->next)
		table_insert(set, block);
	set->overflowed = false;
}

void mapped_set_add(struct mapped_set *set, struct block_meta *block)
{
	block->prev = NULL;
	block->next = set->head;
	if (block->next)
		block->next->prev = block;
	set->head = block;
	set->count++;
	set->bytes += META_SIZE + block->size;
	if (set->count > MAPPED_TABLE_MAX)
		set->overflowed = true;
	else
		table_insert(set, block);
}

void mapped_set_remove(struct mapped_set *set, struct block_meta *block)
{
	if (block->prev)
		block->prev->next = block->next;
	else
		set->head = block->next;
	if (block->next)
		block->next->prev = block->prev;
	set->count--;
	set->bytes -= META_SIZE + block->size;
	table_remove(set, block);
	if (set->overflowed && set->count <= MAPPED_TABLE_MAX / 2)
		table_rebuild(set);
}

struct block_meta *mapped_set_find(const struct mapped_set *set, const struct block_meta *header)
{
	if (set->overflowed) {
		for (struct block_meta *block = set->head; block; block = block->next) {
			if (block == header)
				return block;
		}
		return NULL;
	}
	return (struct block_meta *)set->table[probe(set, header)];
}

bool mapped_table_holds(const struct mapped_set *set, const struct block_meta *header)
{
	return set->table[probe(set, header)] == header;
}
