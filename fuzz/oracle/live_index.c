/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/oracle/live_index.h"

#include <stddef.h>

#define NIL 0u /* node 0 is the null link, so a zeroed tree is empty */

struct node {
	struct live_interval interval;
	uint32_t priority;
	unsigned left, right;
};

static struct {
	struct node nodes[LIVE_INDEX_CAPACITY + 1];
	unsigned root, free_list, used, count;
} tree;

/* Priorities from the key keep runs reproducible without a random source. */
static uint32_t priority_of(uintptr_t key)
{
	uint64_t x = (uint64_t)key * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32);
}

void live_index_clear(void)
{
	tree.root = tree.free_list = NIL;
	tree.used = tree.count = 0;
}

static unsigned new_node(void)
{
	unsigned n = tree.free_list;

	if (n != NIL) {
		tree.free_list = tree.nodes[n].left;
		return n;
	}
	if (tree.used == LIVE_INDEX_CAPACITY)
		return NIL;
	return ++tree.used;
}

/* Splits `t` into keys < key (*less) and keys >= key (*rest). */
static void split(unsigned t, uintptr_t key, unsigned *less, unsigned *rest)
{
	if (t == NIL) {
		*less = *rest = NIL;
	} else if (tree.nodes[t].interval.start < key) {
		split(tree.nodes[t].right, key, &tree.nodes[t].right, rest);
		*less = t;
	} else {
		split(tree.nodes[t].left, key, less, &tree.nodes[t].left);
		*rest = t;
	}
}

/* Joins two treaps where every key of `a` is below every key of `b`. */
static unsigned merge(unsigned a, unsigned b)
{
	if (a == NIL || b == NIL)
		return a == NIL ? b : a;
	if (tree.nodes[a].priority > tree.nodes[b].priority) {
		tree.nodes[a].right = merge(tree.nodes[a].right, b);
		return a;
	}
	tree.nodes[b].left = merge(a, tree.nodes[b].left);
	return b;
}

bool live_index_insert(uintptr_t start, uintptr_t end, unsigned slot)
{
	unsigned n = new_node(), less, rest;

	if (n == NIL)
		return false;
	tree.nodes[n] = (struct node){ { start, end, slot }, priority_of(start), NIL, NIL };
	split(tree.root, start, &less, &rest);
	tree.root = merge(merge(less, n), rest);
	tree.count++;
	return true;
}

static unsigned *link_to(uintptr_t start)
{
	unsigned *link = &tree.root;

	while (*link != NIL && tree.nodes[*link].interval.start != start)
		link = start < tree.nodes[*link].interval.start ? &tree.nodes[*link].left
								  : &tree.nodes[*link].right;
	return link;
}

bool live_index_remove(uintptr_t start)
{
	unsigned *link = link_to(start), n = *link;

	if (n == NIL)
		return false;
	*link = merge(tree.nodes[n].left, tree.nodes[n].right);
	tree.nodes[n].left = tree.free_list;
	tree.free_list = n;
	tree.count--;
	return true;
}

/* The interval with the greatest start below `key`, or NULL. */
static const struct live_interval *last_starting_below(uintptr_t key)
{
	const struct live_interval *best = NULL;

	for (unsigned t = tree.root; t != NIL;) {
		if (tree.nodes[t].interval.start < key) {
			best = &tree.nodes[t].interval;
			t = tree.nodes[t].right;
		} else {
			t = tree.nodes[t].left;
		}
	}
	return best;
}

/* Live intervals are disjoint, so the one starting last before `end` also ends last among them:
 * [start, end) overlaps something iff it overlaps that one. */
const struct live_interval *live_index_overlap(uintptr_t start, uintptr_t end)
{
	const struct live_interval *candidate = last_starting_below(end);

	return candidate && candidate->end > start ? candidate : NULL;
}

unsigned live_index_count(void)
{
	return tree.count;
}
