/* SPDX-License-Identifier: BSD-3-Clause */
/* The integrity check of the debug API: one walk over the heap list, the free index and the mapped
 * set, the first broken invariant in words. Nothing here allocates; snprintf runs only once something is already broken. */
#include <stdarg.h>
#include <stdio.h>

#include "heap.h"
#include "osmem_debug.h"
#include "sanitizers/track.h"

struct walk {
	char *why;
	size_t why_size;
};

__attribute__((format(printf, 2, 3))) static int broken(struct walk *walk, const char *format, ...)
{
	va_list args;

	if (walk->why && walk->why_size) {
		va_start(args, format);
		vsnprintf(walk->why, walk->why_size, format, args);
		va_end(args);
	}
	return -1;
}

/* Whether a header a link leads to can be read at all. */
static int check_heap_position(struct walk *walk, struct block_meta *block, size_t index)
{
	char *start = (char *)osmem_state.head;

	if ((char *)block < start || (char *)block + META_SIZE > osmem_state.end)
		return broken(walk, "heap block #%zu at %p lies outside the heap [%p, %p)", index,
			      (void *)block, (void *)start, (void *)osmem_state.end);
	if ((uintptr_t)block % 8)
		return broken(walk, "heap block #%zu at %p is not 8-aligned", index, (void *)block);
	return 0;
}

/* The block's position is known good: the head starts the heap, every other block was placed by
 * check_heap_position before its link was followed. */
static int check_heap_block(struct walk *walk, struct block_meta *block, size_t index)
{
	if (block->status != STATUS_FREE && block->status != STATUS_ALLOC)
		return broken(walk, "heap block #%zu at %p has bad status %d", index, (void *)block,
			      block->status);
	if (block->size == 0 || block->size % 8)
		return broken(walk, "heap block #%zu at %p has misaligned size %zu", index,
			      (void *)block, block->size);
	if (block->size > (size_t)(osmem_state.end - (char *)payload_of(block)))
		return broken(walk, "heap block #%zu at %p (size %zu) runs past the heap end %p", index,
			      (void *)block, block->size, (void *)osmem_state.end);
	if (!block_seal_ok(block))
		return broken(walk, "heap block #%zu at %p has a broken header seal", index,
			      (void *)block);
	return 0;
}

static int check_heap_links(struct walk *walk, struct block_meta *block, size_t index,
			    unsigned flags)
{
	struct block_meta *next = block->next;

	if (!next) {
		if (block != osmem_state.tail)
			return broken(walk, "heap block #%zu at %p ends the list but the tail is %p",
				      index, (void *)block, (void *)osmem_state.tail);
		if (block_end(block) != osmem_state.end)
			return broken(walk, "last heap block at %p ends at %p, not at the heap end %p",
				      (void *)block, (void *)block_end(block),
				      (void *)osmem_state.end);
		return 0;
	}
	/* A wild next is named before its prev link is read; the rest of its header is checked in
	 * its own turn, after the link that leads to it. */
	if (check_heap_position(walk, next, index + 1))
		return -1;
	if (next->prev != block)
		return broken(walk, "list links disagree: block #%zu at %p -> next %p, whose prev is %p",
			      index, (void *)block, (void *)next, (void *)next->prev);
	if ((char *)next < block_end(block))
		return broken(walk, "blocks overlap: #%zu at %p ends at %p, after the next block %p",
			      index, (void *)block, (void *)block_end(block), (void *)next);
	if ((char *)next > block_end(block) && !osmem_state.foreign_gaps)
		return broken(walk, "blocks do not tile the heap: gap of %zu bytes after #%zu at %p",
			      (size_t)((char *)next - block_end(block)), index, (void *)block);
	if ((flags & OSMEM_CHECK_COALESCED) && block->status == STATUS_FREE &&
	    next->status == STATUS_FREE && (char *)next == block_end(block))
		return broken(walk, "free block #%zu at %p is followed by free block %p after coalescing",
			      index, (void *)block, (void *)next);
	return 0;
}

static int check_heap(struct walk *walk, unsigned flags)
{
	struct block_meta *block = osmem_state.head;
	size_t index = 0;

	if (!block)
		return osmem_state.tail ? broken(walk, "heap has a tail %p but no head",
						 (void *)osmem_state.tail) : 0;
	if (block->prev)
		return broken(walk, "first heap block %p has prev %p", (void *)block,
			      (void *)block->prev);
	/* No cycle can pass: each next lies inside the heap and at or past the end of its block. */
	for (; block; block = block->next, index++) {
		if (check_heap_block(walk, block, index) || check_heap_links(walk, block, index, flags))
			return -1;
	}
	return 0;
}

/* ---- The free index and the pending blocks -------------------------------------------------- */

struct index_count {
	struct walk *walk;
	size_t nodes;
};

/* An index node is a listed free heap block: placed before its header is read. */
static int check_index_node(struct block_meta *block, void *context)
{
	struct index_count *count = context;

	count->nodes++;
	if (check_heap_position(count->walk, block, 0))
		return -1;
	if (block->status != STATUS_FREE || !block_seal_ok(block) || !heap_block_listed(block))
		return broken(count->walk, "free index holds %p, which is not a free heap block",
			      (void *)block);
	return 0;
}

static bool pending_lists(const struct block_meta *block)
{
	const struct pending *pending = &osmem_state.pending;

	if (pending->overflowed)
		return true;
	for (size_t i = 0; i < pending->count; i++) {
		if (pending->blocks[i] == block)
			return true;
	}
	return false;
}

/* Every free block is indexed or was freed since the last search; every node is a free block. */
static int check_index(struct walk *walk)
{
	struct index_count count = { walk, 0 };
	const char *why = NULL;
	size_t indexed = 0;

	if (free_index_walk(&osmem_state.index, check_index_node, &count, &why))
		return why ? broken(walk, "free index broken: %s", why) : -1;
	if (count.nodes != osmem_state.index.count)
		return free_index_bitmap_ok(&osmem_state.index)
			       ? broken(walk, "free index counts %zu blocks but holds %zu",
					osmem_state.index.count, count.nodes)
			       : broken(walk, "free index broken: %s", BITMAP_DISAGREES);
	for (struct block_meta *block = osmem_state.head; block; block = block->next) {
		if (block->status != STATUS_FREE)
			continue;
		if (free_index_holds(&osmem_state.index, block))
			indexed++;
		else if (!pending_lists(block))
			return broken(walk, "free block %p is neither indexed nor pending", (void *)block);
	}
	return indexed == count.nodes ? 0
				      : broken(walk, "free index holds %zu blocks, %zu of them listed",
					       count.nodes, indexed);
}

/* ---- Mapped blocks -------------------------------------------------------------------------- */

static int check_mapped_block(struct walk *walk, struct block_meta *block, struct block_meta *prev)
{
	const struct mapped_set *set = &osmem_state.mapped;

	if (block->prev != prev)
		return broken(walk, "mapped list links disagree at block %p (prev %p, expected %p)",
			      (void *)block, (void *)block->prev, (void *)prev);
	if (block->status != STATUS_MAPPED)
		return broken(walk, "mapped block %p has status %d", (void *)block, block->status);
	if (block->size % 8)
		return broken(walk, "mapped block %p has misaligned size %zu", (void *)block,
			      block->size);
	if (!block_seal_ok(block))
		return broken(walk, "mapped block %p has a broken header seal", (void *)block);
	if (!set->overflowed && !mapped_table_holds(set, block))
		return broken(walk, "mapped block %p is missing from the lookup table", (void *)block);
	return 0;
}

static int check_mapped(struct walk *walk)
{
	const struct mapped_set *set = &osmem_state.mapped;
	struct block_meta *prev = NULL;
	size_t count = 0;

	/* No cycle can pass: a block met twice is met from another block than its prev names the
	 * first time (or from a block, when it was the head with prev NULL). */
	for (struct block_meta *block = set->head; block; prev = block, block = block->next, count++) {
		if (check_mapped_block(walk, block, prev))
			return -1;
	}
	if (count != set->count)
		return broken(walk, "mapped list holds %zu blocks, its count says %zu", count,
			      set->count);
	/* Each listed block is in the table: as many entries means no stale one. */
	if (!set->overflowed && set->table_count != count)
		return broken(walk, "mapped lookup table holds %zu entries for %zu blocks",
			      set->table_count, count);
	return 0;
}

int osmem_heap_check(unsigned flags, char *why, size_t why_size)
{
	struct walk walk = { why, why_size };
	TRACK_ALLOCATOR_SCOPE();

	if (why && why_size)
		why[0] = '\0';
	return check_heap(&walk, flags) || check_index(&walk) || check_mapped(&walk) ? -1 : 0;
}

size_t osmem_heap_footprint(void)
{
	size_t heap = osmem_state.head ? (size_t)(osmem_state.end - (char *)osmem_state.head) : 0;

	return heap + osmem_state.mapped.bytes;
}

void osmem_heap_stats(struct osmem_heap_stats *out)
{
	TRACK_ALLOCATOR_SCOPE();

	*out = (struct osmem_heap_stats){ .heap_start = osmem_state.head, .heap_end = osmem_state.end };
	if (osmem_state.head)
		out->heap_bytes = (size_t)(osmem_state.end - (char *)osmem_state.head);
	for (struct block_meta *block = osmem_state.head; block; block = block->next) {
		out->heap_blocks++;
		if (block->status == STATUS_FREE) {
			out->free_blocks++;
			out->free_bytes += block->size;
		} else {
			out->alloc_bytes += block->size;
		}
	}
	out->mapped_blocks = osmem_state.mapped.count;
	out->mapped_bytes = osmem_state.mapped.bytes;
}
