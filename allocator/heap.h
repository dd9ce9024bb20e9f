/* SPDX-License-Identifier: BSD-3-Clause */
/* The allocator's state and the operations on its two block lists: the address-ordered heap list
 * (sbrk) and the list of mapped blocks (mmap). Sizes passed here are already aligned. */
#ifndef OSMEM_HEAP_H
#define OSMEM_HEAP_H

#include <stdbool.h>
#include <stddef.h>

#include "block.h"
#include "unmapped_ring.h"

struct osmem_state {
	struct block_meta *head;   /* lowest heap block; NULL until the heap is preallocated */
	struct block_meta *tail;   /* highest heap block */
	char *end;                 /* end of the tail block: where the allocator left the break */
	struct block_meta *mapped; /* mapped blocks, newest first, linked through prev/next */
	struct unmapped_ring unmapped; /* headers of the mapped blocks given back last */
	size_t foreign_gaps;       /* times another sbrk user had moved the break under us */
#ifdef OSMEM_PLANTED_BUG
	size_t planted_splits;     /* planted bug 13 only: splits since the last reset */
#endif
};

extern struct osmem_state osmem_state;

/* The malloc rules for a heap-sized request: preallocate or coalesce, best fit, split, grow.
 * Returns an allocated block, or NULL when the OS refuses memory (the heap is unchanged then). */
struct block_meta *heap_alloc(size_t aligned);

/* Splits `block` to `aligned` bytes when the rest can hold a block of its own; the rest is free. */
void heap_split(struct block_meta *block, size_t aligned);

enum grow_result { GROW_OK, GROW_REFUSED, GROW_BREAK_MOVED };

/* The tail block grows in place to `aligned` bytes with one sbrk (growth rule, realloc rule 6). */
enum grow_result heap_grow_tail(size_t aligned);

/* Merges the block after `block` into it, when that one is free and adjacent. */
bool heap_absorb_next(struct block_meta *block);

struct block_meta *map_block(size_t aligned);
/* False when munmap refused: the fault is reported, naming `caller`, and the block stays listed. */
bool unmap_block(struct block_meta *block, const char *caller);
/* The listed mapped block with this header address, or NULL. */
struct block_meta *find_mapped(const struct block_meta *header);

/* True when `block` is the listed heap block at that address (O(blocks): for error paths). */
bool heap_lists(const struct block_meta *block);

#endif
