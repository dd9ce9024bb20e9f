/* SPDX-License-Identifier: BSD-3-Clause */
/* The mapped blocks: a list through the headers' prev and next, newest first, and a hash table of
 * their header addresses, so that a pointer is looked up in O(1) without reading any memory at its
 * address first. The table lives in the allocator's state (no malloc, no system call): past
 * MAPPED_TABLE_MAX blocks it stops taking new ones and lookups walk the list, until the set has
 * shrunk to half of that and the table is rebuilt. */
#ifndef OSMEM_MAPPED_SET_H
#define OSMEM_MAPPED_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "block_meta.h"

/* A build may shrink the table so that a few blocks reach the overflow path: the fuzz configs
 * (.bazelrc) and //allocator/tests:mapped_overflow_test use 4 slots. */
#ifndef OSMEM_MAPPED_TABLE_SLOTS
#define OSMEM_MAPPED_TABLE_SLOTS 32768
#endif
#define MAPPED_TABLE_SLOTS OSMEM_MAPPED_TABLE_SLOTS
#define MAPPED_TABLE_MAX (MAPPED_TABLE_SLOTS / 4 * 3)

struct mapped_set {
	struct block_meta *head;   /* newest first, linked through prev/next */
	size_t count;
	size_t bytes;              /* header included, as passed to mmap */
	bool overflowed;           /* some listed blocks are not in the table */
	size_t table_count;        /* entries in the table */
	const struct block_meta *table[MAPPED_TABLE_SLOTS]; /* NULL: an empty slot */
};

void mapped_set_add(struct mapped_set *set, struct block_meta *block);
void mapped_set_remove(struct mapped_set *set, struct block_meta *block);
/* The block in the set whose header is at `header`, or NULL. */
struct block_meta *mapped_set_find(const struct mapped_set *set, const struct block_meta *header);
/* Whether the table holds `header` (for the checker: every listed block is in it unless
 * overflowed). */
bool mapped_table_holds(const struct mapped_set *set, const struct block_meta *header);

#endif
