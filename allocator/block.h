/* SPDX-License-Identifier: BSD-3-Clause */
/* Tiny helpers over struct block_meta: sizes, header <-> payload, and the header seal. */
#ifndef OSMEM_BLOCK_H
#define OSMEM_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "block_meta.h"
#include "sanitizers/track.h"

#define META_SIZE sizeof(struct block_meta)
#define MMAP_THRESHOLD ((size_t)128 * 1024)
#define HEAP_PREALLOC ((size_t)128 * 1024)
/* The contract aligns to 8. The drop-in malloc (allocator/dropin) builds the same code with
 * -DOSMEM_ALIGNMENT=16, as the x86-64 ABI wants of malloc: every size is then a multiple of 16, and
 * with the 32-byte header a 16-aligned heap start keeps every payload 16-aligned. */
#ifndef OSMEM_ALIGNMENT
#define OSMEM_ALIGNMENT 8
#endif
#define ALIGN_MASK ((size_t)OSMEM_ALIGNMENT - 1)
_Static_assert(OSMEM_ALIGNMENT >= 8 && (OSMEM_ALIGNMENT & (OSMEM_ALIGNMENT - 1)) == 0,
	       "OSMEM_ALIGNMENT is a power of two, at least 8");
/* A split leaves a free rest only when it can hold a header and one aligned unit. */
#define MIN_SPLIT_REST (META_SIZE + OSMEM_ALIGNMENT)

/* No coverage callbacks: for accessors and byte loops whose branches tell a fuzzer nothing about the
 * allocator's behaviour, and for the checker, which runs after every op of a fuzzing run (its
 * callbacks once took a fifth of a libFuzzer run). */
#if defined(__clang__)
#define UNGUIDED __attribute__((no_sanitize("coverage")))
#else
#define UNGUIDED
#endif

_Static_assert(sizeof(struct block_meta) == 32, "the contract fixes the header at 32 bytes");
_Static_assert(offsetof(struct block_meta, status) + sizeof(int) + sizeof(uint32_t) ==
		       offsetof(struct block_meta, prev),
	       "the seal lives in the 4 padding bytes after status");

/* ALIGN(x) = (x + 7) & ~7 (or 15 for 16), or false when the aligned size plus a header cannot be
 * represented. */
static inline bool align_size(size_t size, size_t *aligned)
{
	if (size > SIZE_MAX - ALIGN_MASK - META_SIZE)
		return false;
	*aligned = (size + ALIGN_MASK) & ~ALIGN_MASK;
	return true;
}

static inline struct block_meta *block_of(void *payload)
{
	return (struct block_meta *)((char *)payload - META_SIZE);
}

static inline void *payload_of(struct block_meta *block)
{
	return (char *)block + META_SIZE;
}

static inline char *block_end(struct block_meta *block)
{
	return (char *)payload_of(block) + block->size;
}

/* The seal is a hash of the header's address, size and status, keyed per process. It lets os_free
 * tell a real header from payload bytes or an overwritten header in O(1), without a system call.
 * Those payload bytes may never have been written: memory tools must not check these reads. */
TRACK_UNCHECKED_READS static inline uint32_t block_seal_value(const struct block_meta *block)
{
	extern uintptr_t osmem_seal_key;
	uint64_t x = (uint64_t)(uintptr_t)block ^ osmem_seal_key;

	x ^= (uint64_t)block->size * 0x9e3779b97f4a7c15ull;
	x ^= (uint64_t)(unsigned)block->status * 0xc2b2ae3d27d4eb4full;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 29;
	return (uint32_t)x;
}

#define SEAL_OFFSET (offsetof(struct block_meta, status) + sizeof(int))
#define LINKS_OFFSET offsetof(struct block_meta, prev)

/* For memory tools: callers may read size and status (the contract), so those and the seal stay
 * readable; the links, and the payload of a free block (`free_size` bytes), are inaccessible. */
#define track_header(block, free_size)                                                           \
	(track_mem_defined((block), LINKS_OFFSET),                                               \
	 track_mem_noaccess((char *)(block) + LINKS_OFFSET, META_SIZE - LINKS_OFFSET + (free_size)))

TRACK_UNCHECKED_READS static inline bool block_seal_ok(struct block_meta *block)
{
	uint32_t seal;

	memcpy(&seal, (char *)block + SEAL_OFFSET, sizeof(seal));
	return seal == block_seal_value(block);
}

/* Every change of size or status goes through here so the seal always matches. */
static inline void block_set(struct block_meta *block, size_t size, int status)
{
	uint32_t seal;

	block->size = size;
	block->status = status;
	seal = block_seal_value(block);
	memcpy((char *)block + SEAL_OFFSET, &seal, sizeof(seal));
	track_header(block, status == STATUS_FREE ? size : 0);
}

#endif
