/* SPDX-License-Identifier: BSD-3-Clause */
/* The emulated OS's mappings (os_layer_emulated.c), served without a system call in the steady
 * state. On these VMs each real munmap flushes the TLB through the hypervisor and each first touch
 * of a fresh mapping faults: together most of a fuzzing run. So mappings are carved one after the
 * other from a reserve that stays mapped, at the same addresses for the same sequence of requests
 * (a fixed hint: the same in a fresh process), and the reserve is recycled between inputs:
 *
 * - a mapping given back stays out of use until the next recycle, and any access to it is
 *   reported: ASan poisoning where ASan runs (mappings up to 16 MiB, in an arena of 2 GiB),
 *   PROT_NONE elsewhere and for most of a larger mapping, whose shadow would cost more to write
 *   than one mprotect (sanitizers/track.h);
 * - recycling makes every page the input dirtied read as zero again, as a fresh mmap would: it
 *   asks the kernel which pages of the used part are resident (mincore, no TLB flush) and zeroes
 *   those that are not zero. Its cost follows what the inputs touched, not the reserve's size
 *   (on a machine that swaps, a dirty page swapped out would be missed: the bound below keeps the
 *   reserve's resident part small);
 * - a page an input dirtied stays resident, zeroed in place, until it stayed clean for a while
 *   (OSMEM_EMU_MAPS_COLD_AFTER recycles): a page fault costs 300 times a read of a clean page here.
 *   Only where given-back mappings are poisoned: a protected mapping's resident page costs a
 *   page-table update in both mprotects of every input, so there recycling gives every page back.
 *   Where ASan runs, a larger mapping is split as it is given back: the resident pages at its two
 *   ends are poisoned and kept, the rest protected (emulated_maps.c);
 * - the resident pages the reserve keeps between inputs are bounded (OSMEM_EMU_MAPS_RESIDENT_MAX):
 *   past the bound, recycling gives the used part back to the kernel instead (one madvise).
 *
 * Internal to the emulated OS layer; not thread-safe. */
#ifndef OSMEM_OSMEM_EMU_MAPS_H
#define OSMEM_OSMEM_EMU_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Address space, not memory. The larger mappings' arena is most of it: an input may map and unmap
 * up to OSMEM_EMU_MAP_LIMIT a hundred times, and each of those needs fresh addresses until the next
 * recycle (past the reserve, the kernel serves them, at a real mmap, munmap and page tables each). */
#if defined(OSMEM_TRACK_VALGRIND)
/* Memcheck scans a reserve it was told is defined at each leak check: it stays at 8 GiB there. */
#define OSMEM_EMU_MAPS_RESERVE ((size_t)8 << 30)
#else
#define OSMEM_EMU_MAPS_RESERVE ((size_t)64 << 30)
#endif
#define OSMEM_EMU_MAPS_SMALL_ARENA ((size_t)2 << 30)
/* Mappings up to this size are poisoned where ASan runs, larger ones protected (emulated_maps.c). */
#define OSMEM_EMU_MAPS_POISON_MAX ((size_t)16 << 20)

/* `length` bytes of read-write address space, not backed until touched (MAP_NORESERVE), at `hint`
 * if it is free (the same addresses in a fresh process), anywhere otherwise. Hints should lie in
 * every tool's application range: MemorySanitizer's app-2 is 0x510000000000-0x600000000000, and
 * ASan's high memory and Valgrind take it too. Aborts when the kernel gives nothing. */
void *osmem_emu_reserve(uintptr_t hint, size_t length);
#define OSMEM_EMU_MAPS_RESIDENT_MAX ((size_t)32 << 20) /* per arena */
/* Where larger mappings are split: past this many pieces in one input, a mapping is protected whole
 * and the next recycle gives every page of the larger arena back (emulated_maps.c). */
#define OSMEM_EMU_MAPS_SPLIT_MAX_PIECES 256
/* A resident page found clean at this many recycles in a row is cold; cold pages go back to the
 * kernel once at least COLD_BATCH of them gathered in the used part (emulated_maps.c says why). */
#define OSMEM_EMU_MAPS_COLD_AFTER 8
#define OSMEM_EMU_MAPS_COLD_BATCH 256

/* A fresh zeroed mapping of `length` bytes (page-rounded), or NULL when the reserve has no room
 * left before the next recycle (the caller then asks the kernel). */
void *osmem_emu_maps_carve(size_t length);

/* True for any address inside the reserve. */
bool osmem_emu_maps_owns(const void *addr);

/* True where given-back mappings up to OSMEM_EMU_MAPS_POISON_MAX are poisoned (the emulated OS was
 * built with ASan's runtime and without osmem's own annotations), and the larger ones split (their
 * touched ends poisoned, the rest protected); false where all are protected. Only where it is true
 * are pages kept across recycles. */
bool osmem_emu_maps_poisons(void);

/* A carved mapping is given back whole: every access to it reports until the next recycle. */
void osmem_emu_maps_give_back(void *addr, size_t length);

/* Every carved mapping must have been given back: the reserve can be carved from its start again
 * and reads as zero wherever it will be handed out. */
void osmem_emu_maps_recycle(void);

struct osmem_emu_maps_stats {
	size_t recycles;
	size_t pages_zeroed;    /* resident pages found dirty and zeroed */
	size_t pages_checked;   /* resident pages looked at */
	size_t releases;        /* madvise calls: cold pages, or the used part past the resident bound */
};
void osmem_emu_maps_get_stats(struct osmem_emu_maps_stats *out);

#endif
