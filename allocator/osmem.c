/* SPDX-License-Identifier: BSD-3-Clause */
/* The four public calls, each a short sequence of the contract's rules (allocator/README.md). */
#include "osmem.h"

#include <string.h>
#include <unistd.h>

#include "heap.h"
#include "pointer.h"

/* The malloc rules: heap below `threshold` (header included), a fresh mapping otherwise. */
static struct block_meta *alloc_block(size_t aligned, size_t threshold)
{
	return META_SIZE + aligned < threshold ? heap_alloc(aligned) : map_block(aligned);
}

void *os_malloc(size_t size)
{
	size_t aligned;
	struct block_meta *block;

	if (!size || !align_size(size, &aligned))
		return NULL;
	block = alloc_block(aligned, MMAP_THRESHOLD);
	return block ? payload_of(block) : NULL;
}

void *os_calloc(size_t nmemb, size_t size)
{
	size_t total, aligned;
	struct block_meta *block;

	if (!nmemb || !size || __builtin_mul_overflow(nmemb, size, &total) ||
	    !align_size(total, &aligned))
		return NULL;
	block = alloc_block(aligned, (size_t)getpagesize());
	if (!block)
		return NULL;
	/* A fresh mapping is already zero; a reused heap block may be dirty. */
	if (block->status != STATUS_MAPPED)
		memset(payload_of(block), 0, total);
	return payload_of(block);
}

static void release(struct block_meta *block, const char *caller)
{
	if (block->status == STATUS_MAPPED)
		unmap_block(block, caller);
	else
		block_set(block, block->size, STATUS_FREE);
}

/* `caller` is the call the program made: os_realloc(ptr, 0) frees too, and its faults say so. */
static void free_pointer(void *ptr, const char *caller)
{
	struct block_meta *block;

	if (!ptr)
		return;
	block = block_from_pointer(ptr, caller, 1);
	if (block)
		release(block, caller);
}

void os_free(void *ptr)
{
	free_pointer(ptr, "os_free");
}

/* Rules 3, 4 and the last step of 7: a new block by the malloc rules while the old one is still
 * allocated, copy what both can hold, then let the old one go. */
static void *move_block(struct block_meta *old, size_t old_size, size_t aligned)
{
	struct block_meta *fresh = alloc_block(aligned, MMAP_THRESHOLD);

	if (!fresh)
		return NULL;
	memcpy(payload_of(fresh), payload_of(old), old_size < aligned ? old_size : aligned);
	release(old, "os_realloc");
	return payload_of(fresh);
}

/* Rule 7 before moving: absorb free followers one at a time until the block is big enough. */
static bool grow_by_absorbing(struct block_meta *block, size_t aligned)
{
	while (block->size < aligned && heap_absorb_next(block))
		;
	return block->size >= aligned;
}

static void *realloc_heap_block(struct block_meta *block, size_t aligned)
{
	size_t old_size = block->size;

	if (META_SIZE + aligned >= MMAP_THRESHOLD)
		return move_block(block, old_size, aligned);
	if (aligned <= block->size) {
		heap_split(block, aligned);
		return payload_of(block);
	}
	if (block == osmem_state.tail) {
		switch (heap_grow_tail(aligned)) {
		case GROW_OK:
			return payload_of(block);
		case GROW_REFUSED:
			return NULL;
		case GROW_BREAK_MOVED:
			return move_block(block, old_size, aligned);
		}
	}
	if (grow_by_absorbing(block, aligned)) {
		heap_split(block, aligned);
		return payload_of(block);
	}
	return move_block(block, old_size, aligned);
}

void *os_realloc(void *ptr, size_t size)
{
	size_t aligned;
	struct block_meta *block;

	if (!ptr)
		return os_malloc(size);
	if (!size) {
		free_pointer(ptr, "os_realloc");
		return NULL;
	}
	block = block_from_pointer(ptr, "os_realloc", 0);
	if (!block || block->status == STATUS_FREE || !align_size(size, &aligned))
		return NULL;
	if (block->status == STATUS_MAPPED)
		return move_block(block, block->size, aligned);
	return realloc_heap_block(block, aligned);
}
