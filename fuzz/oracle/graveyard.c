/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/oracle/graveyard.h"

#include <stdbool.h>
#include <string.h>

#include "allocator/block_meta.h"
#include "allocator/os_layer_emulated.h"
#include "fuzz/oracle/contract.h"
#include "fuzz/oracle/live_index.h"
#include "fuzz/ops.h"
#include "fuzz/oracle/pattern.h"
#include "fuzz/oracle/shadow.h"

/* Size, status and seal: the bytes that tell a header the allocator wrote from anything else. */
#define SEALED_BYTES 16

struct grave {
	const uint8_t *ptr;         /* NULL: nothing given back yet */
	bool heap, settled, whole;  /* whole: its header read as a free block when it was given back */
	uint8_t header[SEALED_BYTES];
};

static struct {
	struct grave graves[FUZZ_SLOTS];
	uint64_t unsettled; /* slots given back during the current op */
	const uint8_t *unmapped[GRAVEYARD_UNMAPPED_REMEMBERED]; /* headers, oldest overwritten */
	unsigned next_unmapped;
	bool enabled;
} yard;

static bool in_heap(const uint8_t *ptr)
{
	const uint8_t *base = osmem_emu_heap_base();

	return ptr >= base && ptr < base + OSMEM_EMU_HEAP_LIMIT;
}

void graveyard_reset(bool enabled)
{
	memset(&yard, 0, sizeof(yard));
	yard.enabled = enabled;
}

void graveyard_bury(unsigned slot, const uint8_t *ptr)
{
	if (!yard.enabled)
		return;
	yard.graves[slot] = (struct grave){ .ptr = ptr, .heap = in_heap(ptr) };
	if (yard.graves[slot].heap) {
		yard.unsettled |= (uint64_t)1 << slot;
		return;
	}
	yard.unmapped[yard.next_unmapped] = ptr - HEADER_SIZE;
	yard.next_unmapped = (yard.next_unmapped + 1) % GRAVEYARD_UNMAPPED_REMEMBERED;
}

void graveyard_mapped(const uint8_t *ptr, size_t size)
{
	const uint8_t *start = ptr - HEADER_SIZE;
	size_t length = HEADER_SIZE + ((size + 7) & ~(size_t)7);

	if (!yard.enabled || in_heap(ptr))
		return;
	for (unsigned i = 0; i < GRAVEYARD_UNMAPPED_REMEMBERED; i++) {
		if (yard.unmapped[i] >= start && yard.unmapped[i] < start + length)
			yard.unmapped[i] = NULL;
	}
}

void graveyard_settle(void)
{
	for (unsigned slot = 0; yard.unsettled; slot++) {
		struct grave *grave = &yard.graves[slot];

		if (!(yard.unsettled & (uint64_t)1 << slot))
			continue;
		yard.unsettled &= ~((uint64_t)1 << slot);
		grave->whole = contract_heap_status_at(grave->ptr - HEADER_SIZE) == STATUS_FREE;
		if (grave->whole)
			memcpy(grave->header, grave->ptr - HEADER_SIZE, SEALED_BYTES);
	}
}

static bool unmapped_lately(const uint8_t *header)
{
	for (unsigned i = 0; i < GRAVEYARD_UNMAPPED_REMEMBERED; i++) {
		if (yard.unmapped[i] == header)
			return true;
	}
	return false;
}

/* [header, header + SEALED_BYTES) against the live blocks: 1 inside the harness's pattern or
 * a live header (so not a sealed header: an invalid pointer), -1 the slot's block itself or a
 * partial overlap (unknown bytes), 0 no live block there. */
static int live_bytes_at(const uint8_t *header, bool heap)
{
	const struct live_interval *live = live_index_overlap((uintptr_t)header,
							      (uintptr_t)header + SEALED_BYTES);
	const struct shadow_block *block;
	size_t patterned;

	if (!live)
		return 0;
	block = shadow_slot(live->slot);
	if (block->ptr == header + HEADER_SIZE)
		return -1;
	if (!heap)
		return 1; /* a mapped header is found by address only, never read */
	patterned = block->size < PATTERN_WINDOW ? block->size : PATTERN_WINDOW;
	return header >= block->ptr - HEADER_SIZE && header + SEALED_BYTES <= block->ptr + patterned
		       ? 1 : -1;
}

static bool predict_heap(const struct grave *grave, enum osmem_fault *fault)
{
	const uint8_t *header = grave->ptr - HEADER_SIZE;
	int status = contract_heap_status_at(header);

	*fault = OSMEM_FAULT_DOUBLE_FREE;
	if (status == STATUS_FREE)
		return true;
	return status == HEAP_INSIDE_FREE && grave->whole &&
	       !memcmp(header, grave->header, SEALED_BYTES);
}

/* For os_free. */
static bool predict_free(const struct grave *grave, enum osmem_fault *fault)
{
	int live = live_bytes_at(grave->ptr - HEADER_SIZE, grave->heap);

	if (live) {
		*fault = OSMEM_FAULT_INVALID_POINTER;
		return live > 0;
	}
	if (grave->heap)
		return predict_heap(grave, fault);
	*fault = unmapped_lately(grave->ptr - HEADER_SIZE) ? OSMEM_FAULT_DOUBLE_FREE
							    : OSMEM_FAULT_INVALID_POINTER;
	return true;
}

const uint8_t *graveyard_last(unsigned slot)
{
	return yard.graves[slot].ptr;
}

bool graveyard_predict(unsigned slot, bool by_realloc, struct fault_prediction *p)
{
	const struct grave *grave = &yard.graves[slot];

	if (!grave->ptr || shadow_slot(slot)->ptr || !predict_free(grave, &p->fault))
		return false;
	p->ptr = (void *)grave->ptr;
	p->fault_expected = true;
	if (by_realloc && p->fault == OSMEM_FAULT_DOUBLE_FREE) {
		/* Realloc rule 2 answers a free heap block; a mapping given back has no header left. */
		p->fault_expected = !grave->heap;
		p->fault = OSMEM_FAULT_INVALID_POINTER;
	}
	return true;
}
