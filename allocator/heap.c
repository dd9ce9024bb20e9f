/* SPDX-License-Identifier: BSD-3-Clause */
#include "heap.h"

#include <assert.h>
#include <sys/mman.h>

#include "hardening.h"
#include "os_layer.h"
#include "report.h"

struct osmem_state osmem_state;
uintptr_t osmem_seal_key;

static void seal_key_init(void)
{
	/* Where the library is loaded differs per process (ASLR): enough to make a forged seal unlikely
	 * without a system call to fetch randomness. */
	if (!osmem_seal_key)
		osmem_seal_key = ((uintptr_t)&osmem_seal_key * 0x9e3779b97f4a7c15ull) | 1;
}

static bool adjacent(struct block_meta *block, struct block_meta *next)
{
	return next && block_end(block) == (char *)next;
}

/* The heap list is never empty once it exists: a new block always has a predecessor. */
static void link_after(struct block_meta *block, struct block_meta *fresh)
{
	fresh->prev = block;
	fresh->next = block->next;
	block->next = fresh;
	if (fresh->next)
		fresh->next->prev = fresh;
	else
		osmem_state.tail = fresh;
}

/* Only coalescing removes a heap block, and what it removes is the successor it absorbs. The gone
 * header keeps its size and status (a second os_free of it is still a double free) but loses its
 * links, so that a stale pending entry for it is never taken for a listed block. */
static void unlink_next(struct block_meta *block)
{
	struct block_meta *gone = block->next;

	block->next = gone->next;
	if (!gone->next)
		osmem_state.tail = block;
	else
		gone->next->prev = block;
	gone->prev = gone->next = NULL;
}

static void *os_sbrk(size_t increment)
{
	void *old_break = osmem_os_sbrk((intptr_t)increment);

	return old_break == (void *)-1 ? NULL : old_break;
}

/* The free index links blocks by 32-bit distances: the heap may not outgrow what they reach. */
static bool heap_may_grow(size_t increment)
{
	return increment <= INDEX_HEAP_LIMIT &&
	       (size_t)(osmem_state.end - (char *)osmem_state.head) <= INDEX_HEAP_LIMIT - increment;
}

/* ---- The free index: what goes in and out of it -------------------------------------------- */

/* `block` joins the index; `was_indexed`: its first bytes already hold its node, not junk. */
static void index_put(struct block_meta *block, bool was_indexed)
{
	if (!was_indexed)
		harden_check_node(block);
	free_index_insert(&osmem_state.index, block);
}

/* Takes `block` out of the index when it is there (false: it was freed since the last search). */
static bool index_leave(struct block_meta *block)
{
	/* The memory-tool builds write no mark, and MSan reports reading a freed payload. */
	if (!OSMEM_TRACKING && free_index_marked_out(block)) {
		assert(!free_index_holds(&osmem_state.index, block));
		return false;
	}
	return free_index_remove(&osmem_state.index, block);
}

/* `block` leaves the index to be taken: its node bytes turn back into junk. */
static void index_take(struct block_meta *block)
{
	bool found = free_index_remove(&osmem_state.index, block);

	assert(found);
	(void)found;
	harden_junk(payload_of(block), INDEX_NODE_SIZE);
}

/* ---- Coalescing: the runs of the blocks freed since the last search ------------------------- */

bool heap_header_inside(const struct block_meta *header)
{
	return osmem_state.head && (const char *)header >= (const char *)osmem_state.head &&
	       (const char *)header + META_SIZE <= osmem_state.end;
}

UNGUIDED bool heap_block_listed(const struct block_meta *block)
{
	struct block_meta *prev = block->prev, *next = block->next;

	if (prev ? !heap_header_inside(prev) || prev->next != block : osmem_state.head != block)
		return false;
	return next ? heap_header_inside(next) && next->prev == block : osmem_state.tail == block;
}

bool heap_absorb_next(struct block_meta *block)
{
	struct block_meta *next = block->next;

	if (!adjacent(block, next) || next->status != STATUS_FREE)
		return false;
	if (index_leave(next))
		harden_junk(payload_of(next), INDEX_NODE_SIZE);
	unlink_next(block);
	block_set(block, block->size + META_SIZE + next->size, block->status);
	return true;
}

/* The hardened build writes no mark: its junk is one, and a split rest's payload may start with an
 * absorbed header that has to stay whole (hardening.h); such a block is looked up in the index. Nor
 * do the memory-tool builds: a freed payload must stay unaddressable or uninitialized for them
 * (sanitizers/misuse's read_after_free under MSan). */
void heap_note_free(struct block_meta *block)
{
	struct pending *pending = &osmem_state.pending;

#if !defined(OSMEM_HARDENED) && !OSMEM_TRACKING
	free_index_mark_out(block);
#endif
	if (pending->count < PENDING_MAX)
		pending->blocks[pending->count++] = block;
	else
		pending->overflowed = true;
}

/* Merges the run of free blocks that `block` is part of into its first block, and indexes that. */
static void merge_run(struct block_meta *block)
{
	bool was_indexed;

	while (block->prev && adjacent(block->prev, block) && block->prev->status == STATUS_FREE)
		block = block->prev;
	was_indexed = index_leave(block);
	while (heap_absorb_next(block))
		;
	index_put(block, was_indexed);
}

/* A pending entry still names a free block of the heap list (it may have been absorbed since). */
TRACK_UNCHECKED_READS static bool pending_still_free(const struct block_meta *block)
{
	return heap_header_inside(block) && block_seal_ok((struct block_meta *)block) &&
	       block->status == STATUS_FREE && heap_block_listed(block);
}

static void merge_every_run(void)
{
	for (struct block_meta *block = osmem_state.head; block; block = block->next) {
		if (block->status == STATUS_FREE)
			merge_run(block);
	}
}

/* The contract's coalescing point: afterwards no two free blocks of the heap are neighbours. */
static void coalesce_pending(void)
{
	struct pending *pending = &osmem_state.pending;

	if (pending->overflowed) {
		merge_every_run();
	} else {
		for (size_t i = 0; i < pending->count; i++) {
			if (pending_still_free(pending->blocks[i]))
				merge_run(pending->blocks[i]);
		}
	}
	pending->count = 0;
	pending->overflowed = false;
}

/* ---- Preallocation, split, growth ----------------------------------------------------------- */

static bool preallocate(void)
{
	struct block_meta *block = os_sbrk(HEAP_PREALLOC);

	if (!block)
		return false;
	seal_key_init();
	block->prev = block->next = NULL;
	block_set(block, HEAP_PREALLOC - META_SIZE, STATUS_FREE);
	harden_junk(payload_of(block), block->size);
	osmem_state.head = osmem_state.tail = block;
	osmem_state.end = block_end(block);
	index_put(block, false);
	return true;
}

/* The split itself: returns the free rest, or NULL when the block keeps its whole size. */
static struct block_meta *split_off(struct block_meta *block, size_t aligned)
{
	struct block_meta *rest;

	if (block->size - aligned < MIN_SPLIT_REST)
		return NULL;
	rest = (struct block_meta *)((char *)payload_of(block) + aligned);
	block_set(rest, block->size - aligned - META_SIZE, STATUS_FREE);
	block_set(block, aligned, block->status);
	link_after(block, rest);
	return rest;
}

void heap_split(struct block_meta *block, size_t aligned)
{
	struct block_meta *rest = split_off(block, aligned);

	if (rest)
		heap_note_free(rest);
}

/* Grows the tail block to `aligned` bytes at the break. When someone else moved the break since,
 * the new bytes would not follow the tail: they are given back and the caller places the block
 * elsewhere. */
enum grow_result heap_grow_tail(size_t aligned)
{
	size_t increment = aligned - osmem_state.tail->size;
	char *old_break;

	if (!heap_may_grow(increment))
		return GROW_REFUSED;
	old_break = os_sbrk(increment);
	if (!old_break)
		return GROW_REFUSED;
	if (old_break != osmem_state.end) {
		/* If the break cannot go back, those bytes are lost but nothing points into them: the
		 * next block appended at the break is placed after them, as after any foreign sbrk. */
		if (osmem_os_sbrk(-(intptr_t)increment) == (void *)-1)
			osmem_state.foreign_gaps++;
		return GROW_BREAK_MOVED;
	}
	osmem_state.end += increment;
	block_set(osmem_state.tail, aligned, osmem_state.tail->status);
	return GROW_OK;
}

static struct block_meta *append_block(size_t aligned)
{
	struct block_meta *block = heap_may_grow(META_SIZE + aligned) ? os_sbrk(META_SIZE + aligned)
								       : NULL;

	if (!block)
		return NULL;
	if ((char *)block != osmem_state.end)
		osmem_state.foreign_gaps++;
	block_set(block, aligned, STATUS_ALLOC);
	link_after(osmem_state.tail, block);
	osmem_state.end = block_end(block);
	return block;
}

/* Nothing fits: the free tail grows in place, or a block is added at the break. */
static struct block_meta *alloc_at_break(size_t aligned)
{
	struct block_meta *tail = osmem_state.tail;

	if (tail->status == STATUS_FREE) {
		index_take(tail);
		harden_check_taken(tail, 0, aligned);
		switch (heap_grow_tail(aligned)) {
		case GROW_OK:
			block_set(tail, aligned, STATUS_ALLOC);
			return tail;
		case GROW_REFUSED:
			index_put(tail, false);
			return NULL;
		case GROW_BREAK_MOVED:
			index_put(tail, false);
			break;
		}
	}
	return append_block(aligned);
}

struct block_meta *heap_alloc(size_t aligned)
{
	struct block_meta *block, *rest;

	if (!osmem_state.head) {
		if (!preallocate())
			return NULL;
	} else {
		coalesce_pending();
	}
	block = free_index_best_fit(&osmem_state.index, aligned);
	if (!block)
		return alloc_at_break(aligned);
	index_take(block);
	harden_check_taken(block, 0, aligned);
	rest = split_off(block, aligned);
	/* The block's successor is not free (the search merged it): the rest needs no merging. */
	if (rest)
		index_put(rest, false);
	block_set(block, block->size, STATUS_ALLOC);
	return block;
}

bool heap_lists(const struct block_meta *block)
{
	for (struct block_meta *it = osmem_state.head; it; it = it->next) {
		if (it == block)
			return true;
	}
	return false;
}

struct block_meta *map_block(size_t aligned)
{
	struct block_meta *block = osmem_os_mmap(NULL, META_SIZE + aligned, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (block == MAP_FAILED)
		return NULL;
	seal_key_init();
	unmapped_ring_forget_range(&osmem_state.unmapped, block, META_SIZE + aligned);
	track_map(block, META_SIZE + aligned);
	block_set(block, aligned, STATUS_MAPPED);
	mapped_set_add(&osmem_state.mapped, block);
	return block;
}

bool unmap_block(struct block_meta *block, const char *caller)
{
	size_t length = META_SIZE + block->size;

	/* Out of the set first: that reads the block's links, in the header munmap takes away. */
	mapped_set_remove(&osmem_state.mapped, block);
	track_unmap(block, length);
	if (osmem_os_munmap(block, length) != 0) {
		mapped_set_add(&osmem_state.mapped, block);
		report_fault(OSMEM_FAULT_UNMAP_FAILED, payload_of(block), caller);
		return false;
	}
	unmapped_ring_add(&osmem_state.unmapped, block);
	return true;
}

struct block_meta *find_mapped(const struct block_meta *header)
{
	return mapped_set_find(&osmem_state.mapped, header);
}
