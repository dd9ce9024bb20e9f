/* SPDX-License-Identifier: BSD-3-Clause */
/* The oracle's shadow of the live blocks: what each slot holds, the ordered index that proves no
 * two live blocks overlap, and the payload pattern each block must still carry. */
#ifndef OSMEM_FUZZ_SHADOW_H
#define OSMEM_FUZZ_SHADOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shadow_block {
	uint8_t *ptr; /* NULL when the slot is empty */
	size_t size;  /* as requested */
	uint64_t seed;
};

/* Empties every slot; `header_size` bytes in front of each payload count as part of its block. */
void shadow_reset(size_t header_size);

/* The floor fuzzer only (fuzz/target_floor.c), for the whole process: blocks are still tracked,
 * but nothing is written into them and nothing is checked (no pattern, no calloc zero check). */
void shadow_patterns_off(void);

const struct shadow_block *shadow_slot(unsigned slot);

/* A fresh block from the allocator: checks alignment and overlap, records it in the (empty) slot
 * and writes its pattern. `zeroed` first checks that it reads as zero (calloc). */
void shadow_adopt(unsigned slot, void *ptr, size_t size, bool zeroed);

/* Fails unless the slot's block still carries its pattern. */
void shadow_verify(unsigned slot);

/* After a realloc moved or resized `old` to `ptr`: checks the min(old, new) bytes that must have
 * been kept, then adopts the new block in the slot. */
void shadow_adopt_resized(unsigned slot, const struct shadow_block *old, void *ptr, size_t size);

/* Empties the slot (the block is about to be given back); returns what it held. */
struct shadow_block shadow_release(unsigned slot);

void shadow_verify_all(void);

/* Sum of the requested sizes of all live blocks. */
size_t shadow_live_bytes(void);

#endif
