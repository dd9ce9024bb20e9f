/* SPDX-License-Identifier: BSD-3-Clause */
/* An OS layer for tests and fuzzing. The break lives in a private reservation, so libc's own
 * malloc never moves it and every run starts from the same address-independent state; mappings
 * are real but tracked, so a wrong munmap or a leaked mapping is seen; and memory requests can be
 * refused on demand. Not thread-safe, like the allocator. */
#ifndef OSMEM_OS_LAYER_EMULATED_H
#define OSMEM_OS_LAYER_EMULATED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Limits of the emulated machine: a larger request is refused, as the OS would refuse it. */
#define OSMEM_EMU_HEAP_LIMIT ((size_t)256 << 20)
#define OSMEM_EMU_MAP_LIMIT ((size_t)1 << 30) /* all live mappings together */

struct osmem_emu_stats {
	size_t sbrk_calls, mmap_calls, munmap_calls;
	size_t refused;       /* memory requests refused (planned or over a limit) */
	size_t bad_munmaps;   /* munmap calls that matched no live mapping exactly */
	size_t brk_offset;    /* break - heap base */
	size_t live_mappings;
	size_t mapped_bytes;  /* lengths as passed to mmap */
};

/* Unmaps whatever is still mapped, moves the break back to the base and zeroes what the heap had
 * used, clears the refusal plan and the counters. Returns how many mappings were still live. */
size_t osmem_emu_reset(void);

/* Lets the next `skip` memory requests (sbrk with a positive increment, mmap) succeed and refuses
 * the `count` after them. A new plan replaces the old one. */
void osmem_emu_refuse(size_t skip, size_t count);

/* What is left of the plan: requests still let through, then refused. */
void osmem_emu_refusal_plan(size_t *skip, size_t *count);

/* Moves the break by `increment` bytes as another sbrk user in the process would (not counted in
 * sbrk_calls, never refused by the plan). Returns the old break, or NULL (nothing moved) when the
 * heap limit would be passed. The allocator must place its next block after the gap. */
void *osmem_emu_foreign_sbrk(size_t increment);

/* Makes the next `count` munmap calls fail (EINVAL, the mapping stays; not counted as bad). */
void osmem_emu_refuse_munmap(size_t count);

void osmem_emu_get_stats(struct osmem_emu_stats *out);

/* Every sbrk, mmap and munmap call the allocator made, with its arguments and result, as a tracing
 * grader would see it (foreign sbrk moves are not the allocator's and are not logged). */
enum osmem_emu_call_kind { OSMEM_EMU_SBRK, OSMEM_EMU_MMAP, OSMEM_EMU_MUNMAP };
struct osmem_emu_call {
	enum osmem_emu_call_kind kind;
	intptr_t increment; /* sbrk */
	void *addr;         /* mmap's hint, munmap's address */
	size_t length;      /* mmap, munmap */
	int prot, flags, fd;
	off_t offset;
	void *result;       /* sbrk: old break or (void *)-1; mmap: mapping or MAP_FAILED; munmap: NULL
			     * on success, (void *)-1 on failure */
};
#define OSMEM_EMU_CALL_LOG 64

/* The calls logged since the last osmem_emu_calls_clear() or reset; at most OSMEM_EMU_CALL_LOG are
 * kept, `*dropped` (when not NULL) says how many more were made. */
size_t osmem_emu_calls(const struct osmem_emu_call **calls, size_t *dropped);
void osmem_emu_calls_clear(void);

/* Where the emulated break starts: the heap's first block sits here. */
void *osmem_emu_heap_base(void);

#endif
