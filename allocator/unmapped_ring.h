/* SPDX-License-Identifier: BSD-3-Clause */
/* The header addresses of the last mappings osmem gave back. Once a mapped block is unmapped
 * nothing else remembers it, so without this a second os_free of it could only be called an invalid
 * pointer. A fixed ring: no allocation, no system call, and an address a later mmap hands out
 * again leaves it. Only pointers that are neither on the heap nor in a listed mapping are looked
 * up here. */
#ifndef OSMEM_UNMAPPED_RING_H
#define OSMEM_UNMAPPED_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block_meta.h"

#define UNMAPPED_RING_SIZE 16

struct unmapped_ring {
	const struct block_meta *headers[UNMAPPED_RING_SIZE]; /* NULL: an empty slot */
	unsigned next;                                         /* the slot the next one overwrites */
};

static inline void unmapped_ring_add(struct unmapped_ring *ring, const struct block_meta *header)
{
	ring->headers[ring->next] = header;
	ring->next = (ring->next + 1) % UNMAPPED_RING_SIZE;
}

/* A new mapping [start, start + length) makes every header inside it a live address again: a
 * pointer there is a block or an interior pointer now, not a freed block. */
static inline void unmapped_ring_forget_range(struct unmapped_ring *ring, const void *start,
					      size_t length)
{
	for (unsigned i = 0; i < UNMAPPED_RING_SIZE; i++) {
		uintptr_t offset = (uintptr_t)ring->headers[i] - (uintptr_t)start;

		if (ring->headers[i] && offset < length)
			ring->headers[i] = NULL;
	}
}

static inline bool unmapped_ring_holds(const struct unmapped_ring *ring,
				       const struct block_meta *header)
{
	for (unsigned i = 0; header && i < UNMAPPED_RING_SIZE; i++) {
		if (ring->headers[i] == header)
			return true;
	}
	return false;
}

#endif
