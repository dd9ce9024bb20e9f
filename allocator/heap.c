/* SPDX-License-Identifier: BSD-3-Clause */
#include "heap.h"

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

/* Only coalescing removes a heap block, and what it removes is the successor it absorbs. */
static void unlink_next(struct block_meta *block)
{
	struct block_meta *gone = block->next;

	block->next = gone->next;
	if (!gone->next)
		osmem_state.tail = block;
	else if (!PLANTED(2))
		gone->next->prev = block;
}

static void *os_sbrk(size_t increment)
{
	void *old_break = osmem_os_sbrk((intptr_t)increment);

	return old_break == (void *)-1 ? NULL : old_break;
}

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
	return true;
}

bool heap_absorb_next(struct block_meta *block)
{
	struct block_meta *next = block->next;

	if (!adjacent(block, next) || next->status != STATUS_FREE)
		return false;
	unlink_next(block);
	block_set(block, block->size + META_SIZE + next->size, block->status);
	return true;
}

#ifdef OSMEM_PLANTED_BUG
/* Planted bug 9: the same pass in two steps, the free blocks gathered first with no bound check. */
static void coalesce_all_gathered(void)
{
	struct block_meta *free_blocks[16];
	size_t count = 0;

	for (struct block_meta *block = osmem_state.head; block; block = block->next) {
		if (block->status == STATUS_FREE)
			free_blocks[count++] = block;
	}
	/* Backwards, so that no gathered block has been absorbed when its turn comes. */
	while (count--)
		while (heap_absorb_next(free_blocks[count]))
			;
}
#endif

static void coalesce_all(void)
{
#ifdef OSMEM_PLANTED_BUG
	if (PLANTED(9)) {
		coalesce_all_gathered();
		return;
	}
#endif
	for (struct block_meta *block = osmem_state.head; block; block = block->next) {
		if (block->status != STATUS_FREE)
			continue;
		while (heap_absorb_next(block))
			;
	}
}

static struct block_meta *best_fit(size_t aligned)
{
	struct block_meta *best = NULL;

	for (struct block_meta *block = osmem_state.head; block; block = block->next) {
		if (block->status == STATUS_FREE && block->size >= aligned &&
		    (!best || block->size < best->size))
			best = block;
	}
	return best;
}

#ifdef OSMEM_PLANTED_BUG
/* Planted bug 13: from an input's 65th split on, what link_after did for the rest's successor (or
 * the tail) is undone. */
static void planted_forget_back_link(struct block_meta *block, struct block_meta *rest)
{
	if (!PLANTED(13) || ++osmem_state.planted_splits <= 64)
		return;
	if (rest->next)
		rest->next->prev = block;
	else
		osmem_state.tail = block;
}
#endif

void heap_split(struct block_meta *block, size_t aligned)
{
	struct block_meta *rest;

	if (block->size - aligned < (PLANTED(10) ? META_SIZE : MIN_SPLIT_REST))
		return;
	rest = (struct block_meta *)((char *)payload_of(block) + aligned);
	block_set(rest, block->size - aligned - META_SIZE + (PLANTED(1) ? 8 : 0), STATUS_FREE);
	block_set(block, aligned, block->status);
	link_after(block, rest);
#ifdef OSMEM_PLANTED_BUG
	planted_forget_back_link(block, rest);
#endif
}

/* Grows the tail block to `aligned` bytes at the break. When someone else moved the break since,
 * the new bytes would not follow the tail: they are given back and the caller places the block
 * elsewhere. */
enum grow_result heap_grow_tail(size_t aligned)
{
	size_t increment = PLANTED(12) ? aligned : aligned - osmem_state.tail->size;
	char *old_break = os_sbrk(increment);

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
	struct block_meta *block = os_sbrk(META_SIZE + aligned);

	if (!block)
		return NULL;
	if ((char *)block != osmem_state.end)
		osmem_state.foreign_gaps++;
	block_set(block, aligned, STATUS_ALLOC);
	link_after(osmem_state.tail, block);
	osmem_state.end = block_end(block);
	return block;
}

struct block_meta *heap_alloc(size_t aligned)
{
	struct block_meta *block;

	if (!osmem_state.head) {
		if (!preallocate())
			return NULL;
	} else {
		coalesce_all();
	}
	block = best_fit(aligned);
	if (block) {
		harden_check_taken(block, 0, aligned);
		heap_split(block, aligned);
		block_set(block, block->size, STATUS_ALLOC);
		return block;
	}
	if (osmem_state.tail->status == STATUS_FREE) {
		harden_check_taken(osmem_state.tail, 0, aligned);
		switch (heap_grow_tail(aligned)) {
		case GROW_OK:
			block_set(osmem_state.tail, aligned, STATUS_ALLOC);
			return osmem_state.tail;
		case GROW_REFUSED:
			return NULL;
		case GROW_BREAK_MOVED:
			break;
		}
	}
	return append_block(aligned);
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
	block->prev = NULL;
	block->next = osmem_state.mapped;
	if (block->next)
		block->next->prev = block;
	osmem_state.mapped = block;
	return block;
}

bool unmap_block(struct block_meta *block, const char *caller)
{
	struct block_meta *prev = block->prev, *next = block->next;
	size_t length = (PLANTED(6) ? 0 : META_SIZE) + block->size;

	track_unmap(block, length);
	if (osmem_os_munmap(block, length) != 0) {
		report_fault(OSMEM_FAULT_UNMAP_FAILED, payload_of(block), caller);
		return false;
	}
	if (prev)
		prev->next = next;
	else if (!PLANTED(14))
		osmem_state.mapped = next;
	if (next)
		next->prev = prev;
	unmapped_ring_add(&osmem_state.unmapped, block);
	return true;
}

struct block_meta *find_mapped(const struct block_meta *header)
{
	for (struct block_meta *block = osmem_state.mapped; block; block = block->next) {
		if (block == header)
			return block;
	}
	return NULL;
}
