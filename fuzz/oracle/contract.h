/* SPDX-License-Identifier: BSD-3-Clause */
/* The oracle rules that look at the allocator and the emulated OS rather than at payloads, apart
 * from the contract model (model_oracle.h): whole munmaps and no leak at the end, the target's own
 * heap checker, a bound on the break; and what the misuse format needs to know of the heap from
 * its public headers (free neighbours, what lies at an address, the gaps another sbrk user left). */
#ifndef OSMEM_FUZZ_CONTRACT_H
#define OSMEM_FUZZ_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "allocator/os_layer_emulated.h"
#include "allocator/osmem_debug.h"
#include "fuzz/target.h"

#define HEADER_SIZE ((size_t)32)
#define MMAP_THRESHOLD ((size_t)128 * 1024)
#define PAGE_THRESHOLD ((size_t)4096)
#define HEAP_PREALLOC ((size_t)128 * 1024)

/* A request as the contract sees it: `total` bytes (nmemb * size for calloc). */
struct request {
	size_t total;
	bool representable; /* no overflow in nmemb * size or in 32 + ALIGN(total) */
	size_t aligned;     /* ALIGN(total), when representable */
	size_t threshold;   /* heap below it (header included), mmap otherwise */
};

void contract_reset(const struct fuzz_target *target);

/* Another sbrk user took [start, end) (misuse format): the heap walk steps over it, the next
 * block at the break lands after it. At most this many per input: */
#define CONTRACT_MAX_FOREIGN_GAPS 16
void contract_note_foreign_gap(const void *start, const void *end);

/* True when two free blocks are neighbours (legal between coalescing points), from the public
 * size and status. */
bool contract_free_neighbours(void);

/* What the contract's public header fields say is at `header`: STATUS_FREE or STATUS_ALLOC for a
 * block header, else inside a free or an allocated block, or outside the heap. Needs heap_stats. */
enum { HEAP_INSIDE_FREE = -1, HEAP_INSIDE_ALLOC = -2, HEAP_OUTSIDE = -3 };
int contract_heap_status_at(const void *header);

struct request contract_request(size_t nmemb, size_t size, size_t threshold);

/* True for a nonzero representable request below its threshold: it searches the heap. */
bool contract_heap_sized(const struct request *request);

/* After every op: no bad munmap; the target's own heap checker (osmem_heap_check, with
 * OSMEM_CHECK_COALESCED when `coalesced`) unless `heap_unchanged` (the op neither called the target
 * nor wrote memory since the checker last passed); for targets that neither the checker nor the
 * contract model walk, a bound of heap bytes against the peak of live bytes. */
void contract_check_after_op(bool coalesced, bool heap_unchanged, size_t live_bytes);

/* After every block was freed: nothing mapped, no bad munmap. */
void contract_check_end(void);

#endif
