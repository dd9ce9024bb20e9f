/* SPDX-License-Identifier: BSD-3-Clause */
#include "osmem_testing.h"

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

void osmem_testing_reset(void)
{
	TRACK_ALLOCATOR_SCOPE();

#if OSMEM_TRACK_KEEPS_BLOCKS
	forget_live_blocks();
#endif
	osmem_state = (struct osmem_state){ 0 };
}

void osmem_testing_reseal(void *payload)
{
	struct block_meta *block = block_of(payload);

	block_set(block, block->size, block->status);
}
