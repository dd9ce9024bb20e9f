/* SPDX-License-Identifier: BSD-3-Clause */
/* The four public calls, each a short sequence of the contract's rules (allocator/README.md). */
#include "osmem.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "hardening.h"
#include "heap.h"
#include "pointer.h"
#include "sanitizers/track.h"

/* The malloc rules: heap below `threshold` (header included), a fresh mapping otherwise. */
static struct block_meta *alloc_block(size_t aligned, size_t threshold)
{
	return META_SIZE + aligned < threshold ? heap_alloc(aligned) : map_block(aligned);
}

void *os_malloc(size_t size)
{
	size_t aligned;
	struct block_meta *block;

	TRACK_ALLOCATOR_SCOPE();

	harden_name_call("os_malloc");
	if (!size || !align_size(size, &aligned))
		return NULL;
	block = alloc_block(aligned, MMAP_THRESHOLD);
	if (!block)
		return NULL;
	track_malloc(payload_of(block), size, block->size, false);
	return payload_of(block);
}

void *os_calloc(size_t nmemb, size_t size)
{
	size_t total, aligned;
	struct block_meta *block;
	TRACK_ALLOCATOR_SCOPE();

	harden_name_call("os_calloc");
	if (!nmemb || !size || __builtin_mul_overflow(nmemb, size, &total) ||
	    !align_size(total, &aligned))
		return NULL;
	block = alloc_block(aligned, (size_t)getpagesize());
	if (!block)
		return NULL;
	track_malloc(payload_of(block), total, block->size, true);
	/* A fresh mapping is already zero; a reused heap block may be dirty. */
	if (block->status != STATUS_MAPPED)
		memset(payload_of(block), 0, total);
	return payload_of(block);
}

static void release(struct block_meta *block, const char *caller)
{
	/* Junk first: the memory tools must see the freed bytes as freed, not as freshly written. */
	if (block->status != STATUS_MAPPED)
		harden_junk(payload_of(block), block->size);
	track_free(payload_of(block), block->size);
	if (block->status == STATUS_MAPPED) {
		unmap_block(block, caller);
	} else {
		block_set(block, block->size, STATUS_FREE);
		heap_note_free(block);
	}
}

/* `caller` is the call the program made: os_realloc(ptr, 0) frees too, and its faults say so. */
static void free_pointer(void *ptr, const char *caller)
{
	struct block_meta *block;
	TRACK_ALLOCATOR_SCOPE();

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

/* A copy into a fresh mapping skips its all-zero pages, except where a memory tool follows the bytes
 * (track_copy) or MSan would see its zero test read uninitialized bytes that memcpy only moves. */
#if !OSMEM_TRACKING && !defined(OSMEM_TRACK_MSAN_RUNTIME)
#define SKIP_ZERO_PAGES 1
#else
#define SKIP_ZERO_PAGES 0
#endif

#if SKIP_ZERO_PAGES
/* Whether [at, at + length) holds only zero bytes; stops at the first word that is not. */
UNGUIDED static bool all_zero(const char *at, size_t length)
{
	uint64_t word, any = 0;
	size_t i = 0;

	for (; i + 64 <= length; i += 64) {
		for (size_t k = 0; k < 64; k += 8) {
			memcpy(&word, at + i + k, sizeof(word));
			any |= word;
		}
		if (any)
			return false;
	}
	for (; i < length; i++)
		any |= (unsigned char)at[i];
	return !any;
}

/* A fresh mapping reads as zero (the kernel's pages, or the drop-in's cache, which clears them): a
 * page of it whose bytes would all be zero is left untouched instead of faulted in and written.
 * Not inlined: in its caller, its loops would carry the caller's coverage callbacks. */
UNGUIDED __attribute__((noinline)) static void copy_into_mapping(char *to, const char *from, size_t length)
{
	const size_t page = 4096; /* any chunk is correct; a page saves a whole page fault */

	while (length) {
		size_t chunk = page - (uintptr_t)to % page;

		if (chunk > length)
			chunk = length;
		if (!all_zero(from, chunk))
			memcpy(to, from, chunk);
		to += chunk;
		from += chunk;
		length -= chunk;
	}
}
#endif

/* The realloc copy. Memory tools follow the bytes through track_copy, every one of them. */
static void copy_payload(struct block_meta *to, struct block_meta *from, size_t length)
{
#if SKIP_ZERO_PAGES
	if (to->status == STATUS_MAPPED) {
		copy_into_mapping(payload_of(to), payload_of(from), length);
		return;
	}
#endif
	track_copy(payload_of(to), payload_of(from), length);
}

/* Rules 3, 4 and the last step of 7: a new block by the malloc rules while the old one is still
 * allocated, copy what both can hold, then let the old one go. */
static void *move_block(struct block_meta *old, size_t old_size, size_t size, size_t aligned)
{
	struct block_meta *fresh = alloc_block(aligned, MMAP_THRESHOLD);

	if (!fresh)
		return NULL;
	track_malloc(payload_of(fresh), size, fresh->size, false);
	copy_payload(fresh, old, old_size < aligned ? old_size : aligned);
	release(old, "os_realloc");
	return payload_of(fresh);
}

/* Rule 7 before moving: absorb free followers one at a time until the block is big enough. */
static bool grow_by_absorbing(struct block_meta *block, size_t aligned)
{
	size_t old_size = block->size;

	while (block->size < aligned && heap_absorb_next(block))
		;
	harden_check_taken(block, old_size, aligned);
	return block->size >= aligned;
}

/* The tools learn the new usable size of a block that stays in place. Must run before a split:
 * the tool's old usable size is read within the old extent. */
static void resized_in_place(struct block_meta *block, size_t old_size, size_t size)
{
	void *payload = payload_of(block);

	track_resize(payload, track_requested_size(payload, old_size), size, block->size);
}

static void *realloc_heap_block(struct block_meta *block, size_t size, size_t aligned)
{
	size_t old_size = block->size;

	if (META_SIZE + aligned >= MMAP_THRESHOLD)
		return move_block(block, old_size, size, aligned);
	if (aligned <= block->size) {
		resized_in_place(block, old_size, size);
		heap_split(block, aligned);
		harden_junk_split_rest(block, old_size);
		return payload_of(block);
	}
	if (block == osmem_state.tail) {
		switch (heap_grow_tail(aligned)) {
		case GROW_OK:
			resized_in_place(block, old_size, size);
			return payload_of(block);
		case GROW_REFUSED:
			return NULL;
		case GROW_BREAK_MOVED:
			return move_block(block, old_size, size, aligned);
		}
	}
	if (grow_by_absorbing(block, aligned)) {
		heap_split(block, aligned);
		resized_in_place(block, old_size, size);
		return payload_of(block);
	}
	return move_block(block, old_size, size, aligned);
}

void *os_realloc(void *ptr, size_t size)
{
	size_t aligned;
	struct block_meta *block;
	TRACK_ALLOCATOR_SCOPE();

	if (!ptr)
		return os_malloc(size);
	harden_name_call("os_realloc");
	if (!size) {
		free_pointer(ptr, "os_realloc");
		return NULL;
	}
	block = block_from_pointer(ptr, "os_realloc", 0);
	if (!block || block->status == STATUS_FREE)
		return NULL;
	if (!align_size(size, &aligned)) {
		return NULL;
	}
	if (block->status == STATUS_MAPPED)
		return move_block(block, block->size, size, aligned);
	return realloc_heap_block(block, size, aligned);
}
