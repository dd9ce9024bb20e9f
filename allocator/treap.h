/* SPDX-License-Identifier: BSD-3-Clause */
/* A treap of block headers. A node's priority is a hash of its
 * address, so the tree needs no room for it and its shape is that of a random binary search tree:
 * expected depth O(log n) whatever the order of inserts.
 *
 * Included once per kind of tree, like a template. Before including, define
 *   TREAP(name)                  the prefix of the generated functions' names
 *   TREAP_BEFORE(a, b)           the order: true when node a comes before node b
 *   TREAP_CHILD(node, side)      the child on `side` (0 left, 1 right), or NULL
 *   TREAP_SET_CHILD(node, side, child)
 * The links live wherever the includer keeps them (free payloads, spare header fields); nothing
 * here allocates, and recursion depth is the tree's depth. */
#include <stdbool.h>
#include <stdint.h>

#include "block.h"

#ifndef OSMEM_TREAP_PRIORITY
#define OSMEM_TREAP_PRIORITY
/* A fixed mix of the address (murmur3's finalizer): distinct addresses, well spread priorities. */
static inline uint64_t treap_priority(const struct block_meta *node)
{
	uint64_t x = (uint64_t)(uintptr_t)node;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}
#endif

/* Stores `child` only when it changes: most links on a search path stay as they are, and a store
 * would dirty a cache line of a free block for nothing. */
static inline void TREAP(relink)(struct block_meta *node, int side, struct block_meta *child)
{
	if (TREAP_CHILD(node, side) != child)
		TREAP_SET_CHILD(node, side, child);
}

/* Cuts `tree` into the nodes before `key` (*before) and the others (*after). */
static void TREAP(split)(struct block_meta *tree, const struct block_meta *key,
			 struct block_meta **before, struct block_meta **after)
{
	struct block_meta *part;

	if (!tree) {
		*before = *after = NULL;
	} else if (TREAP_BEFORE(tree, key)) {
		TREAP(split)(TREAP_CHILD(tree, 1), key, &part, after);
		TREAP(relink)(tree, 1, part);
		*before = tree;
	} else {
		TREAP(split)(TREAP_CHILD(tree, 0), key, before, &part);
		TREAP(relink)(tree, 0, part);
		*after = tree;
	}
}

/* Joins two trees whose every node of `low` comes before every node of `high`. */
static struct block_meta *TREAP(join)(struct block_meta *low, struct block_meta *high)
{
	if (!low || !high)
		return low ? low : high;
	if (treap_priority(low) > treap_priority(high)) {
		TREAP(relink)(low, 1, TREAP(join)(TREAP_CHILD(low, 1), high));
		return low;
	}
	TREAP(relink)(high, 0, TREAP(join)(low, TREAP_CHILD(high, 0)));
	return high;
}

/* Returns the new root. `node` is not in the tree; its links are overwritten. */
static struct block_meta *TREAP(insert)(struct block_meta *tree, struct block_meta *node)
{
	struct block_meta *before, *after;

	if (!tree || treap_priority(node) > treap_priority(tree)) {
		TREAP(split)(tree, node, &before, &after);
		TREAP_SET_CHILD(node, 0, before);
		TREAP_SET_CHILD(node, 1, after);
		return node;
	}
	if (TREAP_BEFORE(node, tree))
		TREAP(relink)(tree, 0, TREAP(insert)(TREAP_CHILD(tree, 0), node));
	else
		TREAP(relink)(tree, 1, TREAP(insert)(TREAP_CHILD(tree, 1), node));
	return tree;
}

/* Returns the new root; *found tells whether `node` was in the tree. Only `node`'s key is read
 * before it is found, so a block that is not in the tree may be asked about. */
static struct block_meta *TREAP(remove)(struct block_meta *tree, struct block_meta *node,
					bool *found)
{
	int side;

	if (!tree) {
		*found = false;
		return NULL;
	}
	if (tree == node) {
		*found = true;
		return TREAP(join)(TREAP_CHILD(node, 0), TREAP_CHILD(node, 1));
	}
	side = !TREAP_BEFORE(node, tree);
	TREAP(relink)(tree, side, TREAP(remove)(TREAP_CHILD(tree, side), node, found));
	return tree;
}

#undef TREAP
#undef TREAP_BEFORE
#undef TREAP_CHILD
#undef TREAP_SET_CHILD
