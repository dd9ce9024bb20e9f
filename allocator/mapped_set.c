/* SPDX-License-Identifier: BSD-3-Clause */
#include "mapped_set.h"

static bool address_before(const struct block_meta *a, const struct block_meta *b)
{
	return a < b;
}

static struct block_meta *header_child(const struct block_meta *node, int side)
{
	return side ? node->next : node->prev;
}

static void header_set_child(struct block_meta *node, int side, struct block_meta *child)
{
	if (side)
		node->next = child;
	else
		node->prev = child;
}

#define TREAP(name) mapped_tree_##name
#define TREAP_BEFORE(a, b) address_before((a), (b))
#define TREAP_CHILD(node, side) header_child((node), (side))
#define TREAP_SET_CHILD(node, side, child) header_set_child((node), (side), (child))
#include "treap.h"

void mapped_set_add(struct mapped_set *set, struct block_meta *block)
{
	set->root = mapped_tree_insert(set->root, block);
	set->count++;
}

void mapped_set_remove(struct mapped_set *set, struct block_meta *block)
{
	bool found;

	set->root = mapped_tree_remove(set->root, block, &found);
	set->count -= found;
}

struct block_meta *mapped_set_find(const struct mapped_set *set, const struct block_meta *header)
{
	struct block_meta *node = set->root;

	while (node && node != header)
		node = header_child(node, !address_before(header, node));
	return node;
}

struct set_walk {
	int (*visit)(struct block_meta *, void *);
	void *context;
	const char **why;
	size_t visited;
};

/* Every node lies strictly between the bounds its ancestors set, checked before it is visited:
 * the bounds narrow at each step, so a cycle of links cannot pass either. */
static int walk_tree(struct set_walk *walk, struct block_meta *node, const struct block_meta *low,
		     const struct block_meta *high, const struct block_meta *parent)
{
	int result;

	if (!node)
		return 0;
	if ((low && node <= low) || (high && node >= high)) {
		*walk->why = "mapped list links disagree: a link breaks the address order";
		return -1;
	}
	walk->visited++;
	result = walk->visit(node, walk->context);
	if (result)
		return result;
	if (parent && treap_priority(node) >= treap_priority(parent)) {
		*walk->why = "a mapped node does not rank below its parent";
		return -1;
	}
	result = walk_tree(walk, node->prev, low, node, node);
	return result ? result : walk_tree(walk, node->next, node, high, node);
}

int mapped_set_walk(const struct mapped_set *set, int (*visit)(struct block_meta *, void *),
		    void *context, const char **why)
{
	struct set_walk walk = { visit, context, why, 0 };
	int result = walk_tree(&walk, set->root, NULL, NULL, NULL);

	if (!result && walk.visited != set->count) {
		*why = "the mapped set's count disagrees with its tree";
		return -1;
	}
	return result;
}
