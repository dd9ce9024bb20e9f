/* SPDX-License-Identifier: BSD-3-Clause */
#include "osmem_testing.h"

#include "heap.h"
#include "sanitizers/track.h"

/* Blocks a test forgets on purpose are not leaks: the tools are told they are gone. */
static void untrack_live_blocks(void)
{
	for (struct block_meta *block = osmem_state.head; block; block = block->next) {
		if (block->status == STATUS_ALLOC)
			track_free(payload_of(block), block->size);
	}
	for (struct block_meta *block = osmem_state.mapped; block; block = block->next)
		track_free(payload_of(block), block->size);
}

void osmem_testing_reset(void)
{
	TRACK_ALLOCATOR_SCOPE();

	if (OSMEM_TRACKING)
		untrack_live_blocks();
	osmem_state = (struct osmem_state){ 0 };
}
