/* SPDX-License-Identifier: BSD-3-Clause */
/* The mapped blocks, a treap ordered by address whose links are the headers' prev (left child) and
 * next (right child): the contract leaves how mapped blocks are linked to the implementation. A
 * pointer is looked up in O(log n) without reading any memory at its address first. */
#ifndef OSMEM_MAPPED_SET_H
#define OSMEM_MAPPED_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "block_meta.h"

struct mapped_set {
	struct block_meta *root;
	size_t count;
};

void mapped_set_add(struct mapped_set *set, struct block_meta *block);
void mapped_set_remove(struct mapped_set *set, struct block_meta *block);
/* The block in the set whose header is at `header`, or NULL. */
struct block_meta *mapped_set_find(const struct mapped_set *set, const struct block_meta *header);

/* Calls visit(block, context) for each block, a block before its links are followed, so `visit`
 * can refuse a broken header. Stops at the first nonzero result, or -1 with *why set when a link
 * breaks the tree's order or the count disagrees. */
int mapped_set_walk(const struct mapped_set *set, int (*visit)(struct block_meta *, void *),
		    void *context, const char **why);

#endif
