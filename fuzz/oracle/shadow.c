/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/oracle/shadow.h"

#include <string.h>

#include "fuzz/verdict/failure.h"
#include "fuzz/oracle/graveyard.h"
#include "fuzz/oracle/live_index.h"
#include "fuzz/ops.h"
#include "fuzz/oracle/pattern.h"

static struct {
	struct shadow_block slots[FUZZ_SLOTS];
	size_t header_size;
	size_t live_bytes;
	uint64_t next_seed;
} shadow;

static bool patterns_off; /* for the whole process: shadow_patterns_off() */

void shadow_patterns_off(void)
{
	patterns_off = true;
}

void shadow_reset(size_t header_size)
{
	for (unsigned i = 0; i < FUZZ_SLOTS; i++)
		shadow.slots[i] = (struct shadow_block){ 0 };
	shadow.header_size = header_size;
	shadow.live_bytes = 0;
	shadow.next_seed = 1;
	live_index_clear();
}

const struct shadow_block *shadow_slot(unsigned slot)
{
	return &shadow.slots[slot];
}

/* The bytes a block owns: its header (if any) and at least one payload byte, so that two
 * zero-sized blocks at one address still collide. */
static void extent_of(const uint8_t *ptr, size_t size, uintptr_t *start, uintptr_t *end)
{
	*start = (uintptr_t)ptr - shadow.header_size;
	*end = (uintptr_t)ptr + (size ? size : 1);
}

static void check_placement(unsigned slot, const uint8_t *ptr, size_t size)
{
	const struct live_interval *other;
	uintptr_t start, end;

	if ((uintptr_t)ptr % 8)
		fuzz_fail_rule(RULE_OUTSIDE_ALIGNMENT, "returned %p, which is not 8-aligned", (const void *)ptr);
	extent_of(ptr, size, &start, &end);
	if (end < start)
		fuzz_fail_rule(RULE_OUTSIDE_OVERLAP, "returned %p with size %zu, which wraps the address space",
			  (const void *)ptr, size);
	other = live_index_overlap(start, end);
	if (other)
		fuzz_fail_rule(RULE_OUTSIDE_OVERLAP, "block %p..%p (slot %u) overlaps live block %p..%p (slot %u)",
			  (void *)start, (void *)end, slot, (void *)other->start, (void *)other->end,
			  other->slot);
	if (!live_index_insert(start, end, slot))
		fuzz_fail_rule(RULE_HARNESS_LIMIT, "shadow index full");
}

static void fail_mismatch(unsigned slot, const struct shadow_block *block, const char *what,
			  const struct pattern_mismatch *m)
{
	fuzz_fail_rule(strcmp(what, "kept") ? RULE_OUTSIDE_PAYLOAD : RULE_OUTSIDE_REALLOC_KEEPS,
		       "slot %u (%p, size %zu): %s byte %zu changed (expected 0x%02x, got 0x%02x)",
		       slot, (void *)block->ptr, block->size, what, m->offset, m->expected, m->got);
}

void shadow_adopt(unsigned slot, void *ptr, size_t size, bool zeroed)
{
	struct shadow_block *block = &shadow.slots[slot];
	struct pattern_mismatch m;

	check_placement(slot, ptr, size);
	*block = (struct shadow_block){ ptr, size, shadow.next_seed++ };
	shadow.live_bytes += size;
	graveyard_mapped(ptr, size);
	if (patterns_off)
		return;
	if (zeroed && !pattern_verify_zero(ptr, size, &m))
		fuzz_fail_rule(RULE_OUTSIDE_CALLOC_ZERO, "slot %u (%p, size %zu): calloc byte %zu is 0x%02x, not zero", slot, ptr, size,
			  m.offset, m.got);
	pattern_write(ptr, size, block->seed);
}

void shadow_verify(unsigned slot)
{
	const struct shadow_block *block = &shadow.slots[slot];
	struct pattern_mismatch m;

	if (block->ptr && !patterns_off &&
	    !pattern_verify(block->ptr, block->size, block->seed, block->size, &m))
		fail_mismatch(slot, block, "payload", &m);
}

void shadow_adopt_resized(unsigned slot, const struct shadow_block *old, void *ptr, size_t size)
{
	size_t kept = old->size < size ? old->size : size;
	struct shadow_block moved = { ptr, old->size, old->seed };
	struct pattern_mismatch m;

	if (!patterns_off && (uintptr_t)ptr % 8 == 0 &&
	    !pattern_verify(ptr, old->size, old->seed, kept, &m))
		fail_mismatch(slot, &moved, "kept", &m);
	shadow_adopt(slot, ptr, size, false);
}

struct shadow_block shadow_release(unsigned slot)
{
	struct shadow_block block = shadow.slots[slot];
	uintptr_t start, end;

	if (block.ptr) {
		extent_of(block.ptr, block.size, &start, &end);
		live_index_remove(start);
		shadow.live_bytes -= block.size;
		shadow.slots[slot] = (struct shadow_block){ 0 };
		graveyard_bury(slot, block.ptr);
	}
	return block;
}

void shadow_verify_all(void)
{
	for (unsigned i = 0; i < FUZZ_SLOTS; i++)
		shadow_verify(i);
}

size_t shadow_live_bytes(void)
{
	return shadow.live_bytes;
}
