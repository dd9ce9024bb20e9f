/* SPDX-License-Identifier: BSD-3-Clause */
#include "osmem_testing.h"

#include <stddef.h>
#include <string.h>

#include "heap.h"
#include "sanitizers/track.h"

/* Blocks a test forgets on purpose are not leaks: the tool is told they are gone. Tests also
 * forget heaps they corrupted on purpose, so the walk trusts no header: it stays inside the heap,
 * stops after as many steps as blocks could fit, and tells the tool about every listed block
 * whatever its status (forgetting a block the tool does not hold is a no-op). */
#if OSMEM_TRACK_KEEPS_BLOCKS
static void forget_live_blocks(void)
{
	char *start = (char *)osmem_state.head;
	size_t steps = start ? (size_t)(osmem_state.end - start) / (META_SIZE + 8) + 1 : 0;
	struct block_meta *block;

	for (block = osmem_state.head; block && steps--; block = block->next) {
		if ((char *)block < start || (char *)block + META_SIZE > osmem_state.end)
			break;
		track_forget(payload_of(block));
	}
	for (block = osmem_state.mapped.head; block && block_seal_ok(block); block = block->next)
		track_forget(payload_of(block));
}
#endif

/* The mapped table is 256 KiB of the state's 260, cleared for every fuzz input. A table that counts
 * no entry holds none (removals leave no tombstones, and the count never falls short of the
 * entries), so then everything but the table is cleared. */
static void clear_state(void)
{
	char *state = (char *)&osmem_state;
	size_t table = offsetof(struct osmem_state, mapped.table);
	size_t after = table + sizeof(osmem_state.mapped.table);

	if (osmem_state.mapped.table_count) {
		osmem_state = (struct osmem_state){ 0 };
		return;
	}
	memset(state, 0, table);
	memset(state + after, 0, sizeof(osmem_state) - after);
}

void osmem_testing_reset(void)
{
	TRACK_ALLOCATOR_SCOPE();

#if OSMEM_TRACK_KEEPS_BLOCKS
	forget_live_blocks();
#endif
	clear_state();
}

void osmem_testing_reseal(void *payload)
{
	struct block_meta *block = block_of(payload);

	block_set(block, block->size, block->status);
}
