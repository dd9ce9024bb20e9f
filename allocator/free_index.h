/* SPDX-License-Identifier: BSD-3-Clause */
/* The free heap blocks, indexed by (size, address) for the contract's best fit in O(log n): one
 * treap per exact size up to SMALL_BIN_MAX bytes (all its blocks tie on size, so it is ordered by
 * address) with a bitmap of the sizes that have one, and one treap ordered by (size, address) for
 * the larger blocks.
 *
 * The allocator may not call malloc and the header is fixed by the contract, so a node lives in the
 * first 8 bytes of its block's free payload, the least a free block has: the two child links as
 * signed 32-bit distances from the node in 8-byte units (0: none; no node is its own child). Two
 * free blocks must then lie within INDEX_HEAP_LIMIT bytes: heap.c refuses to grow the heap past it. */
#ifndef OSMEM_FREE_INDEX_H
#define OSMEM_FREE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block_meta.h"

#define SMALL_BIN_MAX 1024u
#define SMALL_BINS (SMALL_BIN_MAX / 8)
#define INDEX_NODE_SIZE 8u
#define INDEX_HEAP_LIMIT ((size_t)INT32_MAX * 8)

struct free_index {
	struct block_meta *small[SMALL_BINS];    /* small[i]: free blocks of size 8 * (i + 1) */
	uint64_t small_used[SMALL_BINS / 64];    /* bit i: small[i] is not empty */
	struct block_meta *large;                /* free blocks above SMALL_BIN_MAX */
	size_t count;                            /* blocks in the index */
};

/* A free block that is not in the index (freed since the last search) has its node bytes marked
 * (free_index_mark_out), so that merging it needs no search of the index to learn that: the mark is
 * two equal nonzero child distances, which no node has (its children are two blocks). The mark is
 * the hardened build's junk (hardening.c), so a junk-filled payload reads as marked too. */
#define INDEX_OUT_MARK 0x5a5a5a5au
void free_index_mark_out(struct block_meta *block);
/* True for a marked block: it is not in the index (a node never reads as marked). */
bool free_index_marked_out(const struct block_meta *block);

/* `block` is free, listed, and not in the index. */
void free_index_insert(struct free_index *index, struct block_meta *block);
/* Takes `block` out of the index; false (and nothing changes) when it was not in it. */
bool free_index_remove(struct free_index *index, struct block_meta *block);
/* The first indexed block in best-fit order with at least `size` bytes, or NULL. */
struct block_meta *free_index_best_fit(const struct free_index *index, size_t size);
bool free_index_holds(const struct free_index *index, struct block_meta *block);

/* For the heap checker: calls visit(block, context) for every block of the bins the bitmap marks
 * used and of the large tree, and checks the trees' shape (order, priorities, each block in the
 * tree of its size). Returns the first nonzero visit result, or -1 with *why set when the shape is
 * broken. A tree whose bit is clear is not visited: fewer visits than index->count blocks, and
 * free_index_bitmap_ok() says whether that is why (it reads every bin: only once something is
 * already wrong). */
int free_index_walk(const struct free_index *index, int (*visit)(struct block_meta *, void *),
		    void *context, const char **why);
bool free_index_bitmap_ok(const struct free_index *index);
#define BITMAP_DISAGREES "the bitmap of used bins disagrees with the bins"

#endif
