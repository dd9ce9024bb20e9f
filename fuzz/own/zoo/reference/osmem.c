// SPDX-License-Identifier: BSD-3-Clause
/* The zoo's reference: the osmem contract (SPEC.md) written the way a student writes it, in one
 * plain file. Heap blocks form one list in address order starting at the preallocated block;
 * mapped blocks sit in a list of their own. sbrk, mmap and munmap are called directly.
 *
 * Bad pointers (a double free, an interior or never-allocated pointer) are IGNORED: os_free and
 * os_realloc only act on a pointer that is the payload of a block found in one of the two lists,
 * so a bad pointer changes nothing and os_realloc returns NULL for it. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block_meta.h"
#include "osmem.h"

#define ALIGNMENT 8
#define ALIGN(size) (((size) + (ALIGNMENT - 1)) & ~(size_t)(ALIGNMENT - 1))
#define META_SIZE sizeof(struct block_meta)
#define MMAP_THRESHOLD (128 * 1024)
/* A split leaves a free block only if it can hold a header and at least one aligned word. */
#define MIN_SPLIT_REST (META_SIZE + ALIGNMENT)
#define SBRK_FAILED ((void *)-1)

static struct block_meta *heap_head;   /* the preallocated block; NULL until the first heap use */
static struct block_meta *mapped_head; /* most recently mapped first */

static void *payload_of(struct block_meta *block)
{
	return (char *)block + META_SIZE;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* 32 + ALIGN(size) must be representable: otherwise the request is impossible. */
static int size_fits(size_t size)
{
	return size <= SIZE_MAX - META_SIZE - (ALIGNMENT - 1);
}

static int ends_at(struct block_meta *block, struct block_meta *next)
{
	return (char *)payload_of(block) + block->size == (char *)next;
}

static struct block_meta *last_block(void)
{
	struct block_meta *block = heap_head;

	while (block->next)
		block = block->next;
	return block;
}

static int preallocate(void)
{
	struct block_meta *block = sbrk(MMAP_THRESHOLD);

	if (block == SBRK_FAILED)
		return -1;
	block->size = MMAP_THRESHOLD - META_SIZE;
	block->status = STATUS_FREE;
	block->prev = NULL;
	block->next = NULL;
	heap_head = block;
	return 0;
}

/* Merges the block with the one after it. */
static void absorb_next(struct block_meta *block)
{
	struct block_meta *next = block->next;

	block->size += META_SIZE + next->size;
	block->next = next->next;
	if (block->next)
		block->next->prev = block;
}

static int next_is_free(struct block_meta *block)
{
	return block->next && block->next->status == STATUS_FREE && ends_at(block, block->next);
}

static void coalesce_all(void)
{
	for (struct block_meta *block = heap_head; block; block = block->next) {
		if (block->status != STATUS_FREE)
			continue;
		while (next_is_free(block))
			absorb_next(block);
	}
}

/* Keeps `size` bytes in the block and makes the rest a free block, if the rest is large enough. */
static void split(struct block_meta *block, size_t size)
{
	struct block_meta *rest;

	if (block->size - size < MIN_SPLIT_REST)
		return;
	rest = (struct block_meta *)((char *)payload_of(block) + size);
	rest->size = block->size - size - META_SIZE;
	rest->status = STATUS_FREE;
	rest->prev = block;
	rest->next = block->next;
	if (rest->next)
		rest->next->prev = rest;
	block->next = rest;
	block->size = size;
}

static struct block_meta *find_best_fit(size_t size)
{
	struct block_meta *best = NULL;

	for (struct block_meta *block = heap_head; block; block = block->next) {
		if (block->status != STATUS_FREE || block->size < size)
			continue;
		if (!best || block->size < best->size)
			best = block;
	}
	return best;
}

static struct block_meta *grow_last(struct block_meta *last, size_t size)
{
	if (sbrk(size - last->size) == SBRK_FAILED)
		return NULL;
	last->size = size;
	last->status = STATUS_ALLOC;
	return last;
}

static struct block_meta *append_block(size_t size)
{
	struct block_meta *last = last_block();
	struct block_meta *block = sbrk(META_SIZE + size);

	if (block == SBRK_FAILED)
		return NULL;
	block->size = size;
	block->status = STATUS_ALLOC;
	block->prev = last;
	block->next = NULL;
	last->next = block;
	return block;
}

/* The heap rules for an aligned size: preallocate, coalesce, best fit, else grow. */
static struct block_meta *heap_alloc(size_t size)
{
	struct block_meta *block, *last;

	if (!heap_head && preallocate() < 0)
		return NULL;
	coalesce_all();
	block = find_best_fit(size);
	if (block) {
		split(block, size);
		block->status = STATUS_ALLOC;
		return block;
	}
	last = last_block();
	if (last->status == STATUS_FREE)
		return grow_last(last, size);
	return append_block(size);
}

static struct block_meta *map_block(size_t size)
{
	struct block_meta *block = mmap(NULL, META_SIZE + size, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (block == MAP_FAILED)
		return NULL;
	block->size = size;
	block->status = STATUS_MAPPED;
	block->prev = NULL;
	block->next = mapped_head;
	if (mapped_head)
		mapped_head->prev = block;
	mapped_head = block;
	return block;
}

static int unmap_block(struct block_meta *block)
{
	struct block_meta *prev = block->prev, *next = block->next;

	if (munmap(block, META_SIZE + block->size) < 0)
		return -1;
	if (prev)
		prev->next = next;
	else
		mapped_head = next;
	if (next)
		next->prev = prev;
	return 0;
}

/* A block for `size` bytes from the heap when header + aligned size stays under `threshold`,
 * else from a new mapping. The size must be non-zero and representable. */
static struct block_meta *alloc_block(size_t size, size_t threshold)
{
	size_t aligned = ALIGN(size);

	if (META_SIZE + aligned < threshold)
		return heap_alloc(aligned);
	return map_block(aligned);
}

/* The block whose payload is `ptr`, heap (any status) or mapped, or NULL if there is none. */
static struct block_meta *find_block(void *ptr)
{
	for (struct block_meta *block = heap_head; block; block = block->next)
		if (payload_of(block) == ptr)
			return block;
	for (struct block_meta *block = mapped_head; block; block = block->next)
		if (payload_of(block) == ptr)
			return block;
	return NULL;
}

void *os_malloc(size_t size)
{
	struct block_meta *block;

	if (size == 0 || !size_fits(size))
		return NULL;
	block = alloc_block(size, MMAP_THRESHOLD);
	return block ? payload_of(block) : NULL;
}

void os_free(void *ptr)
{
	struct block_meta *block;

	if (!ptr)
		return;
	block = find_block(ptr);
	if (!block)
		return;
	if (block->status == STATUS_ALLOC)
		block->status = STATUS_FREE;
	else if (block->status == STATUS_MAPPED)
		unmap_block(block); /* a refused munmap leaves the block listed and usable */
}

void *os_calloc(size_t nmemb, size_t size)
{
	struct block_meta *block;
	size_t total;

	if (nmemb == 0 || size == 0 || size > SIZE_MAX / nmemb)
		return NULL;
	total = nmemb * size;
	if (!size_fits(total))
		return NULL;
	block = alloc_block(total, (size_t)getpagesize());
	if (!block)
		return NULL;
	if (block->status != STATUS_MAPPED)
		memset(payload_of(block), 0, total); /* a fresh mapping is zero already */
	return payload_of(block);
}

/* Realloc rules 3, 4 and the move of rule 7: a new block by the malloc rules (the old one is still
 * allocated meanwhile), then the copy of what the old block held. */
static void *move_block(struct block_meta *old, size_t old_size, size_t size, size_t threshold)
{
	struct block_meta *block = alloc_block(size, threshold);

	if (!block)
		return NULL;
	memcpy(payload_of(block), payload_of(old), min_size(old_size, size));
	return payload_of(block);
}

/* Rule 7: absorbs free followers one at a time until the block is big enough; else moves. */
static void *grow_or_move(struct block_meta *block, size_t size)
{
	size_t aligned = ALIGN(size), old_size = block->size;
	void *moved;

	while (block->size < aligned && next_is_free(block))
		absorb_next(block);
	if (block->size >= aligned) {
		split(block, aligned);
		return payload_of(block);
	}
	moved = move_block(block, old_size, size, MMAP_THRESHOLD);
	if (moved)
		block->status = STATUS_FREE;
	return moved;
}

static void *realloc_heap_block(struct block_meta *block, size_t size)
{
	size_t aligned = ALIGN(size);
	void *moved;

	if (META_SIZE + aligned >= MMAP_THRESHOLD) { /* rule 4 */
		moved = move_block(block, block->size, size, MMAP_THRESHOLD);
		if (moved)
			block->status = STATUS_FREE;
		return moved;
	}
	if (aligned <= block->size) { /* rule 5 */
		split(block, aligned);
		return payload_of(block);
	}
	if (!block->next) /* rule 6 */
		return grow_last(block, aligned) ? payload_of(block) : NULL;
	return grow_or_move(block, size); /* rule 7 */
}

void *os_realloc(void *ptr, size_t size)
{
	struct block_meta *block;
	void *moved;

	if (!ptr) /* rule 1 */
		return os_malloc(size);
	if (size == 0) {
		os_free(ptr);
		return NULL;
	}
	block = find_block(ptr);
	if (!block || block->status == STATUS_FREE || !size_fits(size)) /* rule 2, bad pointers */
		return NULL;
	if (block->status == STATUS_MAPPED) { /* rule 3 */
		moved = move_block(block, block->size, size, MMAP_THRESHOLD);
		if (moved)
			unmap_block(block);
		return moved;
	}
	return realloc_heap_block(block, size);
}
