/* SPDX-License-Identifier: BSD-3-Clause */
/* The allocator's state and the operations on its blocks: the address-ordered heap list (sbrk), the
 * index of its free blocks, the blocks freed since the last search, and the set of mapped blocks
 * (mmap). Sizes passed here are already aligned. */
#ifndef OSMEM_HEAP_H
#define OSMEM_HEAP_H

#include <stdbool.h>
#include <stddef.h>

#include "block.h"
#include "free_index.h"
#include "mapped_set.h"
#include "unmapped_ring.h"

/* The contract merges free neighbours only before a search. Blocks that became free since the last
 * one are remembered here so that the next search merges just their runs instead of walking the
 * heap; past PENDING_MAX of them it walks the heap once, as the contract's literal reading would. A
 * remembered block may have been absorbed since: it is checked before use (heap_block_listed). */
#define PENDING_MAX 1024

struct pending {
	struct block_meta *blocks[PENDING_MAX];
	size_t count;
	bool overflowed; /* more than PENDING_MAX: merge every run of the heap */
};

struct osmem_state {
	struct block_meta *head;   /* lowest heap block; NULL until the heap is preallocated */
	struct block_meta *tail;   /* highest heap block */
	char *end;                 /* end of the tail block: where the allocator left the break */
	struct free_index index;   /* the free heap blocks merged by the last search, and split rests */
	struct pending pending;    /* heap blocks that became free since the last search */
	struct mapped_set mapped;  /* mapped blocks, newest first, linked through prev/next */
	struct unmapped_ring unmapped; /* headers of the mapped blocks given back last */
	size_t foreign_gaps;       /* times another sbrk user had moved the break under us */
};

extern struct osmem_state osmem_state;

/* The malloc rules for a heap-sized request: preallocate or coalesce, best fit, split, grow.
 * Returns an allocated block, or NULL when the OS refuses memory (the heap is unchanged then). */
struct block_meta *heap_alloc(size_t aligned);

/* Splits `block` to `aligned` bytes when the rest can hold a block of its own; the rest is free
 * (and merged with a free successor at the next search). */
void heap_split(struct block_meta *block, size_t aligned);

/* A heap block was just marked free outside a search: the next search merges it. */
void heap_note_free(struct block_meta *block);

enum grow_result { GROW_OK, GROW_REFUSED, GROW_BREAK_MOVED };

/* The tail block grows in place to `aligned` bytes with one sbrk (growth rule, realloc rule 6). */
enum grow_result heap_grow_tail(size_t aligned);

/* Merges the block after `block` into it, when that one is free and adjacent. `block` is not in the
 * free index (allocated, or taken out of it). */
bool heap_absorb_next(struct block_meta *block);

/* A whole header fits between the heap start and the end of the last block. */
bool heap_header_inside(const struct block_meta *header);
/* `block`, a header inside the heap, is listed: its neighbours' links point back at it. Their
 * positions are checked first because a forged or stale header could hold anything. */
bool heap_block_listed(const struct block_meta *block);

struct block_meta *map_block(size_t aligned);
/* False when munmap refused: the fault is reported, naming `caller`, and the block stays in the set. */
bool unmap_block(struct block_meta *block, const char *caller);
/* The mapped block with this header address, or NULL (O(1)). */
struct block_meta *find_mapped(const struct block_meta *header);

/* True when `block` is the listed heap block at that address (O(blocks): for error paths). */
bool heap_lists(const struct block_meta *block);

#endif
