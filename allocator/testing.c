/* SPDX-License-Identifier: BSD-3-Clause */
#include "osmem_testing.h"

#include "heap.h"
#include "osmem_debug.h"
#include "sanitizers/track.h"

/* Blocks a test forgets on purpose are not leaks: the tools are told they are gone. A heap a test
 * corrupted on purpose cannot be walked; its blocks stay known to the tool. */
static void forget_live_blocks(void)
{
	if (osmem_heap_check(0, NULL, 0))
		return;
	for (struct block_meta *block = osmem_state.head; block; block = block->next) {
		if (block->status == STATUS_ALLOC)
			track_forget(payload_of(block));
	}
	for (struct block_meta *block = osmem_state.mapped; block; block = block->next)
		track_forget(payload_of(block));
}

void osmem_testing_reset(void)
{
	TRACK_ALLOCATOR_SCOPE();

	if (OSMEM_TRACKING)
		forget_live_blocks();
	osmem_state = (struct osmem_state){ 0 };
}
