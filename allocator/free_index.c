/* SPDX-License-Identifier: BSD-3-Clause */
#include "free_index.h"

#include <assert.h>
#include <string.h>

#include "block.h"

UNGUIDED static struct block_meta *node_child(const struct block_meta *node, int side)
{
	int32_t distance;

	memcpy(&distance, (const char *)payload_of((struct block_meta *)node) + side * 4, 4);
	return distance ? (struct block_meta *)((char *)node + (intptr_t)distance * 8) : NULL;
}

UNGUIDED static void node_set_child(struct block_meta *node, int side, struct block_meta *child)
{
	int32_t distance = child ? (int32_t)(((char *)child - (char *)node) / 8) : 0;

	assert(!child || (char *)node + (intptr_t)distance * 8 == (char *)child);
	memcpy((char *)payload_of(node) + side * 4, &distance, 4);
}

void free_index_mark_out(struct block_meta *block)
{
	uint32_t mark[2] = { INDEX_OUT_MARK, INDEX_OUT_MARK };

	memcpy(payload_of(block), mark, sizeof(mark));
}

bool free_index_marked_out(const struct block_meta *block)
{
	uint32_t distance[2];

	memcpy(distance, payload_of((struct block_meta *)block), sizeof(distance));
	return distance[0] == distance[1] && distance[0] != 0;
}

/* The best-fit order: size first, then address. */
static bool fit_before(const struct block_meta *a, const struct block_meta *b)
{
	return a->size < b->size || (a->size == b->size && a < b);
}

#define TREAP(name) free_tree_##name
#define TREAP_BEFORE(a, b) fit_before((a), (b))
#define TREAP_CHILD(node, side) node_child((node), (side))
#define TREAP_SET_CHILD(node, side, child) node_set_child((node), (side), (child))
#include "treap.h"

static bool is_small(size_t size)
{
	return size <= SMALL_BIN_MAX;
}

static size_t bin_of(size_t size)
{
	return size / 8 - 1;
}

static struct block_meta **tree_of(struct free_index *index, size_t size)
{
	return is_small(size) ? &index->small[bin_of(size)] : &index->large;
}

static void mark_bin(struct free_index *index, size_t bin)
{
	uint64_t bit = 1ull << (bin % 64);

	if (index->small[bin])
		index->small_used[bin / 64] |= bit;
	else
		index->small_used[bin / 64] &= ~bit;
}

void free_index_insert(struct free_index *index, struct block_meta *block)
{
	struct block_meta **tree = tree_of(index, block->size);

	assert(block->status == STATUS_FREE && block->size % 8 == 0);
	*tree = free_tree_insert(*tree, block);
	if (is_small(block->size))
		mark_bin(index, bin_of(block->size));
	index->count++;
}

bool free_index_remove(struct free_index *index, struct block_meta *block)
{
	struct block_meta **tree = tree_of(index, block->size);
	bool found;

	*tree = free_tree_remove(*tree, block, &found);
	if (!found)
		return false;
	if (is_small(block->size))
		mark_bin(index, bin_of(block->size));
	index->count--;
	return true;
}

UNGUIDED bool free_index_holds(const struct free_index *index, struct block_meta *block)
{
	const struct block_meta *tree =
		is_small(block->size) ? index->small[bin_of(block->size)] : index->large;

	while (tree && tree != block)
		tree = node_child(tree, !fit_before(block, tree));
	return tree != NULL;
}

/* The first node in best-fit order whose size is at least `size`, or NULL. */
static struct block_meta *lower_bound(struct block_meta *tree, size_t size)
{
	struct block_meta *best = NULL;

	while (tree) {
		if (tree->size >= size) {
			best = tree;
			tree = node_child(tree, 0);
		} else {
			tree = node_child(tree, 1);
		}
	}
	return best;
}

static struct block_meta *leftmost(struct block_meta *tree)
{
	struct block_meta *left;

	while (tree && (left = node_child(tree, 0)))
		tree = left;
	return tree;
}

/* The first non-empty small bin from `bin` on, or SMALL_BINS. */
static size_t next_used_bin(const struct free_index *index, size_t bin)
{
	for (size_t word = bin / 64; word < SMALL_BINS / 64; word++) {
		uint64_t bits = index->small_used[word];

		if (word == bin / 64)
			bits &= ~0ull << (bin % 64);
		if (bits)
			return word * 64 + (size_t)__builtin_ctzll(bits);
	}
	return SMALL_BINS;
}

struct block_meta *free_index_best_fit(const struct free_index *index, size_t size)
{
	size_t bin;

	if (!is_small(size))
		return lower_bound(index->large, size);
	bin = next_used_bin(index, bin_of(size < 8 ? 8 : size));
	return bin < SMALL_BINS ? leftmost(index->small[bin]) : leftmost(index->large);
}

/* ---- The checker's walk -------------------------------------------------------------------- */


struct tree_walk {
	int (*visit)(struct block_meta *, void *);
	void *context;
	const char **why;
	const struct block_meta *previous; /* the last node visited in order */
};

/* `visit` vouches for a node (a listed free heap block) before any of its fields is read. Priorities
 * fall strictly from parent to child, so a cycle of links cannot pass. */
UNGUIDED static int walk_tree(struct tree_walk *walk, struct block_meta *tree, size_t bin_size,
		     const struct block_meta *parent)
{
	int result;

	if (!tree)
		return 0;
	result = walk->visit(tree, walk->context);
	if (result)
		return result;
	if (parent && treap_priority(tree) >= treap_priority(parent)) {
		*walk->why = "a node does not rank below its parent";
		return -1;
	}
	if (bin_size ? tree->size != bin_size : is_small(tree->size)) {
		*walk->why = "a block sits in the tree of another size";
		return -1;
	}
	result = walk_tree(walk, node_child(tree, 0), bin_size, tree);
	if (result)
		return result;
	if (walk->previous && !fit_before(walk->previous, tree)) {
		*walk->why = "nodes out of (size, address) order";
		return -1;
	}
	walk->previous = tree;
	return walk_tree(walk, node_child(tree, 1), bin_size, tree);
}

UNGUIDED bool free_index_bitmap_ok(const struct free_index *index)
{
	for (size_t bin = 0; bin < SMALL_BINS; bin++) {
		if ((index->small_used[bin / 64] >> (bin % 64) & 1) != (index->small[bin] != NULL))
			return false;
	}
	return true;
}

/* Walks the bins whose bit is set: a tree in a bin without its bit is left out, which the caller's
 * count of the nodes visited shows (free_index.h). */
UNGUIDED int free_index_walk(const struct free_index *index,
			     int (*visit)(struct block_meta *, void *), void *context,
			     const char **why)
{
	struct tree_walk walk = { visit, context, why, NULL };
	int result;

	for (size_t word = 0; word < SMALL_BINS / 64; word++) {
		for (uint64_t bits = index->small_used[word]; bits; bits &= bits - 1) {
			size_t bin = word * 64 + (size_t)__builtin_ctzll(bits);

			if (!index->small[bin]) {
				*why = BITMAP_DISAGREES;
				return -1;
			}
			walk.previous = NULL;
			result = walk_tree(&walk, index->small[bin], 8 * (bin + 1), NULL);
			if (result)
				return result;
		}
	}
	walk.previous = NULL;
	return walk_tree(&walk, index->large, 0, NULL);
}
