/* SPDX-License-Identifier: BSD-3-Clause */
#include "pointer.h"

#include <stdbool.h>
#include <stdint.h>

#include "hardening.h"
#include "heap.h"
#include "report.h"

static struct block_meta *refuse(enum osmem_fault fault, void *ptr, const char *caller)
{
	report_fault(fault, ptr, caller);
	return NULL;
}

/* A header that is listed but fails its checks was overwritten; anything else was never one. */
static struct block_meta *refuse_heap_pointer(void *ptr, const char *caller)
{
	struct block_meta *block = block_of(ptr);

	return refuse(heap_lists(block) ? OSMEM_FAULT_CORRUPT_HEADER : OSMEM_FAULT_INVALID_POINTER,
		      ptr, caller);
}

static struct block_meta *heap_block_from_pointer(void *ptr, const char *caller, int free_is_fault)
{
	struct block_meta *block = block_of(ptr);

	if (!block_seal_ok(block))
		return refuse_heap_pointer(ptr, caller);
	if (block->status == STATUS_FREE)
		return free_is_fault ? refuse(OSMEM_FAULT_DOUBLE_FREE, ptr, caller) : block;
	if (block->status != STATUS_ALLOC)
		return refuse_heap_pointer(ptr, caller);
#ifdef OSMEM_HARDENED
	/* Before the links: a long overflow reaches the next header's prev link too. */
	if (harden_overflowed(block))
		return refuse(OSMEM_FAULT_HEAP_OVERFLOW, ptr, caller);
#endif
	if (!heap_block_listed(block))
		return refuse_heap_pointer(ptr, caller);
	return block;
}

/* A pointer that names no block: an os_free of a mapping osmem gave back lately is a double free. */
static struct block_meta *refuse_unknown_pointer(void *ptr, const char *caller, int free_is_fault)
{
	bool unmapped = free_is_fault && unmapped_ring_holds(&osmem_state.unmapped, block_of(ptr));

	return refuse(unmapped ? OSMEM_FAULT_DOUBLE_FREE : OSMEM_FAULT_INVALID_POINTER, ptr, caller);
}

struct block_meta *block_from_pointer(void *ptr, const char *caller, int free_is_fault)
{
	struct block_meta *block;

	/* Up to META_SIZE, even computing the header address is undefined (NULL or below). */
	if ((uintptr_t)ptr % 8 || (uintptr_t)ptr <= META_SIZE)
		return refuse(OSMEM_FAULT_INVALID_POINTER, ptr, caller);
	if (heap_header_inside(block_of(ptr)))
		return (char *)ptr < osmem_state.end ? heap_block_from_pointer(ptr, caller, free_is_fault)
						     : refuse(OSMEM_FAULT_INVALID_POINTER, ptr, caller);
	block = find_mapped(block_of(ptr));
	if (!block)
		return refuse_unknown_pointer(ptr, caller, free_is_fault);
	if (!block_seal_ok(block) || block->status != STATUS_MAPPED)
		return refuse(OSMEM_FAULT_CORRUPT_HEADER, ptr, caller);
#ifdef OSMEM_HARDENED
	if (harden_overflowed(block))
		return refuse(OSMEM_FAULT_HEAP_OVERFLOW, ptr, caller);
#endif
	return block;
}
