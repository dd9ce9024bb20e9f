/* SPDX-License-Identifier: BSD-3-Clause */
/* The oracle rules that look at the allocator and the emulated OS rather than at payloads: the
 * contract's NULL cases, where memory comes from, when the heap may grow, the heap walk, the end
 * state. Rules needing SPEC.md to the syscall run only for targets that follow it; the others
 * still get the outside rules (fuzz/README.md, "Oracle rules"). */
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

/* State before a call, to compare with the state after it. */
struct snapshot {
	struct osmem_emu_stats emu;
	struct osmem_heap_stats heap;
};

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

void contract_take(struct snapshot *snapshot);

/* Before a heap-sized allocation: notes the merged free runs, for contract_check_new_block. */
void contract_note_free_runs(const struct request *request);

/* A NULL result, a NULL free or an impossible size: nothing may have changed, no system call. */
void contract_expect_unchanged(const struct snapshot *before, const char *what);

/* The heap figures only (a call that may make a system call but must change no block). */
void contract_expect_same_heap(const struct snapshot *before, const char *what);

/* A NULL result for a possible size is legal only when the OS refused memory meanwhile. */
void contract_expect_refusal(const struct snapshot *before, const char *what);

/* A block just returned for `request`: heap or mapping as the threshold says. For a block by the
 * malloc rules (`fresh`, after contract_note_free_runs): the heap grew only when no free run could
 * hold it, the first heap block preallocated exactly 128 KiB, and the block is where best fit puts
 * it (smallest merged free run that fits, first on a tie; else the free tail; else the break). */
void contract_check_new_block(const void *ptr, const struct request *request,
			      const struct snapshot *before, bool fresh);

/* After every op: the heap walk (OSMEM_CHECK_COALESCED when `coalesced`), no bad munmap, and for
 * targets without a heap walk a bound of heap bytes against the peak of live bytes. */
void contract_check_after_op(bool coalesced, size_t live_bytes);

/* After every block was freed: nothing mapped, nothing allocated, the heap one free run. */
void contract_check_end(void);

#endif
