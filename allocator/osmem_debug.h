/* SPDX-License-Identifier: BSD-3-Clause */
/* The allocator's debug API: an integrity check of the whole heap, heap figures, and the hook
 * through which every detected misuse (bad pointer, corrupted header) is reported. */
#ifndef OSMEM_DEBUG_H
#define OSMEM_DEBUG_H

#include <stddef.h>

/* ---- Heap integrity ---------------------------------------------------------------------- */

/* Also require that no two free blocks are neighbours. The contract merges free neighbours only
 * when a heap block is searched for, so pass this flag only right after such a search (a heap-sized
 * os_malloc or os_calloc, whatever its result). */
#define OSMEM_CHECK_COALESCED 1u

/* Walks every heap block, the index of the free heap blocks and every mapped block. Returns 0 when
 * all invariants hold; otherwise -1, with the first broken invariant described in `why`
 * (NUL-terminated, truncated to why_size). `why` may be NULL. Costs O(blocks) and makes no system call and no allocation. */
int osmem_heap_check(unsigned flags, char *why, size_t why_size);

struct osmem_heap_stats {
	void *heap_start;        /* first heap block, NULL before the first heap allocation */
	void *heap_end;          /* end of the last heap block */
	size_t heap_bytes;       /* heap_end - heap_start */
	size_t heap_blocks;
	size_t free_blocks;
	size_t free_bytes;       /* payload bytes in free blocks */
	size_t alloc_bytes;      /* payload bytes in allocated heap blocks */
	size_t mapped_blocks;
	size_t mapped_bytes;     /* header included, as passed to mmap */
};

void osmem_heap_stats(struct osmem_heap_stats *out);

/* heap_bytes + mapped_bytes of osmem_heap_stats, in O(1): what osmem holds from the OS, cheap enough
 * to sample after every call. */
size_t osmem_heap_footprint(void);

/* ---- Fault reporting --------------------------------------------------------------------- */

enum osmem_fault {
	OSMEM_FAULT_DOUBLE_FREE,     /* os_free of a block that is already free */
	OSMEM_FAULT_INVALID_POINTER, /* not the start of a payload osmem handed out */
	OSMEM_FAULT_CORRUPT_HEADER,  /* a real block whose header was overwritten */
	OSMEM_FAULT_UNMAP_FAILED,    /* munmap refused a mapped block */
	/* Hardened builds only (-DOSMEM_HARDENED, allocator/README.md): */
	OSMEM_FAULT_WRITE_AFTER_FREE, /* a free block's junk fill was written; ptr: the first byte */
	OSMEM_FAULT_HEAP_OVERFLOW,    /* a write ran past the end of the block being freed */
};

/* Called once per detected fault with a one-line message (no trailing newline), e.g.
 * "osmem: double free of 0x5555555592a0 in os_free". The default handler writes the line to
 * standard error and aborts. A handler that returns makes the allocator ignore the faulty call:
 * os_free does nothing, os_realloc returns NULL; the heap is left untouched either way. The one
 * exception is a write after free: it is found while a free block is handed out, the damage is to
 * data the program had given up, and the call goes on. */
typedef void (*osmem_fault_handler)(enum osmem_fault fault, const void *ptr, const char *message);

/* Installs `handler` (NULL restores the default) and returns the previous one. */
osmem_fault_handler osmem_set_fault_handler(osmem_fault_handler handler);

const char *osmem_fault_name(enum osmem_fault fault);

#endif
