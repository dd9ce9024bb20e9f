/* SPDX-License-Identifier: BSD-3-Clause */
#include "emulated_maps.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sanitizers/track.h"

/* 64 GiB above the emulated heap's reserve (os_layer_emulated.c). */
#define MAPS_HINT ((uintptr_t)0x541000000000)

/* OSMEM_EMU_MAPS_POISON_MAX: mappings up to this size are poisoned where a tool reports poisoned
 * memory; larger ones are protected with PROT_NONE even there: ASan's shadow for a 512 MiB calloc
 * is 64 MiB to write at each mmap and munmap, where mprotect costs one system call whatever the
 * size. Measured here (2 vCPUs, load 23, a second thread in the process as libFuzzer has):
 * poisoning and unpoisoning 4 MiB took 57-113 us, 16 MiB 450-800 us, 64 MiB 3.4 ms; an mprotect
 * to PROT_NONE and back 290-1800 us whatever the size; a real mmap, two touched pages and munmap
 * 450-3100 us. */

/* On this VM a page fault costs 17-18 us, reading a resident page that is still zero 0.06 us from
 * the cache (0.3-0.4 us from memory), one madvise of a range 29 us (its TLB flush): a page is worth
 * keeping resident if any input in a hundred or so dirties it again. So recycling keeps every page
 * an input dirtied, zeroed in place, and gives back to the kernel only pages that stayed clean for
 * COLD_AFTER recycles in a row, and those only once COLD_BATCH of them have gathered, at one
 * madvise per run (runs closer than RUN_GAP pages are given back as one). */
#define COLD_AFTER OSMEM_EMU_MAPS_COLD_AFTER
#define COLD_BATCH OSMEM_EMU_MAPS_COLD_BATCH
#define RUN_GAP 16

/* Where ASan runs, a larger mapping given back is split (give_back_split): the resident pages at
 * its two ends, where the allocator's header and the harness's pattern windows are, are poisoned,
 * which keeps them (the next input's first touch of them takes no page fault, 17 us here), and
 * the rest is protected. The recycle zeroes the kept pages in place, and gives the rest back to
 * the kernel before lifting its protection, so that no page-table entry changes. Past
 * SPLIT_MAX_PIECES in one input, a mapping is protected whole and the recycle gives everything
 * back, as where ASan does not run. */
#define SPLIT_EDGE 2 /* pages at each end */
#define SPLIT_MAX_PIECES OSMEM_EMU_MAPS_SPLIT_MAX_PIECES

/* A run of a given-back mapping: poisoned (kept pages), or protected. */
struct piece {
	char *start;
	size_t length;
	bool poisoned;
};

/* A part of the reserve carved from its start, one mapping after the other. */
struct arena {
	char *base, *cursor, *end; /* carved: [base, cursor) */
	char *protected_end;       /* [base, protected_end) may hold PROT_NONE pages (pieces aside) */
	bool poisons;              /* given-back pages are poisoned, not protected */
	bool keeps_pages;          /* recycling keeps dirtied pages resident (zeroed in place) */
	bool splits;               /* given-back mappings are split into pieces (above) */
	bool release_all;          /* a mapping was protected whole: the recycle gives all back */
	char *high_water;          /* [base, high_water) may hold pages kept by splits */
	size_t kept_pages;         /* pages kept by splits, counted at each recycle */
	size_t piece_count;
	struct piece pieces[SPLIT_MAX_PIECES];
};

static struct {
	struct arena small, large;
	unsigned char *residency; /* mincore's answer, one byte per page of the larger arena */
	unsigned char *clean_for; /* per page of the reserve: recycles in a row it was found clean */
	size_t page;
	struct osmem_emu_maps_stats stats;
} maps;

void *osmem_emu_reserve(uintptr_t hint, size_t length)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	/* No MAP_FIXED_NOREPLACE without a hint: root may map page 0. */
	void *p = hint ? mmap((void *)hint, length, PROT_READ | PROT_WRITE,
			      flags | MAP_FIXED_NOREPLACE, -1, 0)
		       : MAP_FAILED;

	if (p == MAP_FAILED)
		p = mmap(NULL, length, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		abort(); /* no reserve: the emulated OS cannot serve anything */
	return p;
}

static void arena_init(struct arena *arena, char *base, size_t size, bool poisons, bool splits)
{
	arena->base = arena->cursor = arena->protected_end = arena->high_water = base;
	arena->end = base + size;
	arena->poisons = arena->keeps_pages = poisons;
	arena->splits = splits;
}

static void reserve(void)
{
	char *base;

	if (maps.page)
		return;
	maps.page = (size_t)getpagesize();
	base = osmem_emu_reserve(MAPS_HINT, OSMEM_EMU_MAPS_RESERVE);
	/* A huge page would make one touched byte 2 MiB to zero at every recycle. */
	madvise(base, OSMEM_EMU_MAPS_RESERVE, MADV_NOHUGEPAGE);
	/* A protected mapping keeps no page across recycles: a resident page of a protected mapping costs
	 * a page-table update (a hypercall on these VMs) in each of its two mprotects per input.
	 * Measured: the larger arena's kept pages, protected with their mappings, made mprotect 6% of a
	 * libFuzzer run (97 us a call, about 20 pages each); in a build without ASan (AFL++'s),
	 * releasing the smaller arena's pages too ran a fixed set of inputs in 15% less CPU time. */
	arena_init(&maps.small, base, OSMEM_EMU_MAPS_SMALL_ARENA, TRACK_OS_POISONS, false);
	arena_init(&maps.large, maps.small.end, OSMEM_EMU_MAPS_RESERVE - OSMEM_EMU_MAPS_SMALL_ARENA,
		   false, TRACK_OS_POISONS);
	maps.residency = osmem_emu_reserve(0, OSMEM_EMU_MAPS_RESERVE / maps.page);
	maps.clean_for = osmem_emu_reserve(0, OSMEM_EMU_MAPS_RESERVE / maps.page);
}

static size_t page_round(size_t length)
{
	return (length + maps.page - 1) / maps.page * maps.page;
}

static struct arena *arena_of_size(size_t size)
{
	return size <= OSMEM_EMU_MAPS_POISON_MAX ? &maps.small : &maps.large;
}

static bool arena_owns(const struct arena *arena, const void *addr)
{
	return (const char *)addr >= arena->base && (const char *)addr < arena->end;
}

void *osmem_emu_maps_carve(size_t length)
{
	struct arena *arena;
	char *mapping;
	size_t size, guard;

	reserve();
	size = page_round(length);
	arena = arena_of_size(size);
	/* Where the arena poisons, one poisoned page stays between two mappings: an overrun past a
	 * page end reports. Elsewhere such a page would catch nothing: the next mapping, given back,
	 * does. */
	guard = arena->poisons ? maps.page : 0;
	if (!size || size + guard > (size_t)(arena->end - arena->cursor))
		return NULL;
	mapping = arena->cursor;
	arena->cursor += size + guard;
	if (arena->poisons) {
		track_os_unpoison(mapping, size);
		track_os_poison(mapping + size, maps.page);
	}
	track_os_fresh(mapping, size);
	return mapping;
}

bool osmem_emu_maps_owns(const void *addr)
{
	return maps.page && (arena_owns(&maps.small, addr) || arena_owns(&maps.large, addr));
}

bool osmem_emu_maps_poisons(void)
{
	return TRACK_OS_POISONS;
}

static void protect(char *addr, size_t size, int prot)
{
	if (mprotect(addr, size, prot))
		abort(); /* the range is ours and page-aligned: cannot fail */
}

static void protect_whole(struct arena *arena, char *addr, size_t size)
{
	protect(addr, size, PROT_NONE);
	if (addr + size > arena->protected_end)
		arena->protected_end = addr + size;
}

/* The pieces of one split from pieces[first] on, in address order: a piece per run of pages that
 * are alike. */
static void add_piece(struct arena *arena, size_t first, char *start, bool poisoned)
{
	struct piece *last = arena->piece_count > first ? &arena->pieces[arena->piece_count - 1] : NULL;

	if (last && last->poisoned == poisoned)
		last->length += maps.page;
	else
		arena->pieces[arena->piece_count++] = (struct piece){ start, maps.page, poisoned };
}

/* The first and last SPLIT_EDGE pages are asked about: the header and the pattern windows live
 * there. The pages between are protected, whatever they hold: the recycle gives them back first. */
static void give_back_split(struct arena *arena, char *addr, size_t size)
{
	size_t pages = size / maps.page, first_piece = arena->piece_count;
	char *tail = addr + (pages - SPLIT_EDGE) * maps.page;
	unsigned char head_in_core[SPLIT_EDGE], tail_in_core[SPLIT_EDGE];
	struct piece *interior;

	assert(pages > 2 * SPLIT_EDGE);
	if (arena->piece_count + 2 * SPLIT_EDGE + 1 > SPLIT_MAX_PIECES ||
	    mincore(addr, SPLIT_EDGE * maps.page, head_in_core) ||
	    mincore(tail, SPLIT_EDGE * maps.page, tail_in_core)) {
		protect_whole(arena, addr, size);
		arena->release_all = true;
		return;
	}
	for (size_t i = 0; i < SPLIT_EDGE; i++)
		add_piece(arena, first_piece, addr + i * maps.page, head_in_core[i] & 1);
	add_piece(arena, first_piece, addr + SPLIT_EDGE * maps.page, false);
	interior = &arena->pieces[arena->piece_count - 1];
	interior->length = (size_t)(tail - interior->start);
	for (size_t i = 0; i < SPLIT_EDGE; i++)
		add_piece(arena, first_piece, tail + i * maps.page, tail_in_core[i] & 1);
	for (size_t i = first_piece; i < arena->piece_count; i++) {
		const struct piece *piece = &arena->pieces[i];

		if (piece->poisoned)
			track_os_poison(piece->start, piece->length);
		else
			protect(piece->start, piece->length, PROT_NONE);
	}
}

void osmem_emu_maps_give_back(void *addr, size_t length)
{
	size_t size = page_round(length);
	struct arena *arena = arena_of_size(size);

	assert(arena_owns(arena, addr) && (char *)addr + size <= arena->cursor);
	if (arena->poisons)
		track_os_poison(addr, size);
	else if (arena->splits)
		give_back_split(arena, addr, size);
	else
		protect_whole(arena, addr, size);
}

/* Reads a page the tools were told is gone, as the kernel would; a dirty page is usually dirty
 * near its start, so the check stops at the first nonzero line. */
TRACK_OS_UNCHECKED_READS static bool page_reads_zero(const char *page, size_t size)
{
	const uint64_t *word = (const uint64_t *)(const void *)page;

	for (size_t line = 0; line < size / sizeof(*word); line += 32) {
		uint64_t any = 0;

		for (size_t i = line; i < line + 32; i++)
			any |= word[i];
		if (any)
			return false;
	}
	return true;
}

static void zero_page(const struct arena *arena, char *page)
{
	maps.stats.pages_zeroed++;
	/* Given back and poisoned by us, or still carrying the allocator's own annotations (its
	 * headers, with --config=asan): either way the OS may write it. */
	if (arena->poisons)
		track_os_unpoison(page, maps.page);
	else
		track_mem_undefined(page, maps.page);
	memset(page, 0, maps.page);
	if (arena->poisons)
		track_os_poison(page, maps.page);
}

static unsigned char *clean_for(const char *page)
{
	return &maps.clean_for[(size_t)(page - maps.small.base) / maps.page];
}

/* A resident page reads as zero afterwards; true when it stayed clean long enough to go back. */
static bool recycle_page(const struct arena *arena, char *page)
{
	unsigned char *clean = clean_for(page);

	maps.stats.pages_checked++;
	if (!page_reads_zero(page, maps.page)) {
		zero_page(arena, page);
		*clean = 0;
		return false;
	}
	if (*clean < COLD_AFTER)
		(*clean)++;
	return *clean >= COLD_AFTER;
}

/* mincore's answer for [base, base + used): a byte per page, bit 0 set when resident. Scanned a
 * word at a time: a large mapping is mostly pages nobody touched. */
static size_t count_resident(size_t pages)
{
	size_t resident = 0, i = 0;

	for (; i + 8 <= pages; i += 8) {
		uint64_t word;

		memcpy(&word, maps.residency + i, sizeof(word));
		resident += (size_t)__builtin_popcountll(word & 0x0101010101010101ull);
	}
	for (; i < pages; i++)
		resident += maps.residency[i] & 1;
	return resident;
}

/* Zeroes the pages mincore found resident that are not zero; returns how many are cold. */
static size_t recycle_resident_pages(const struct arena *arena, size_t pages)
{
	size_t cold = 0;

	for (size_t i = 0; i < pages; i += 8) {
		uint64_t word = 0;

		memcpy(&word, maps.residency + i, pages - i < 8 ? pages - i : 8);
		for (size_t j = 0; word; j++, word >>= 8) {
			if (word & 1)
				cold += recycle_page(arena, arena->base + (i + j) * maps.page);
		}
	}
	return cold;
}

static bool is_cold(const struct arena *arena, size_t i)
{
	return (maps.residency[i] & 1) && *clean_for(arena->base + i * maps.page) >= COLD_AFTER;
}

static void give_back_pages(const struct arena *arena, size_t first, size_t count)
{
	char *start = arena->base + first * maps.page;

	maps.stats.releases++;
	if (madvise(start, count * maps.page, MADV_DONTNEED))
		abort(); /* the range is ours and page-aligned: cannot fail */
	/* Only an arena that keeps pages counts clean recycles: the other's count would be a memset
	 * of a byte per page given back, faulting in the counts of every page ever carved. */
	if (arena->keeps_pages)
		memset(clean_for(start), 0, count);
	/* The allocator's annotations of the last input's blocks go with the pages. */
	if (!arena->poisons)
		track_mem_undefined(start, count * maps.page);
}

/* Gives the cold pages back to the kernel, a run at a time. */
static void give_back_cold(const struct arena *arena, size_t pages)
{
	size_t i = 0;

	while (i < pages) {
		size_t first, last;

		while (i < pages && !is_cold(arena, i))
			i++;
		if (i == pages)
			return;
		first = last = i;
		for (; i < pages && i <= last + RUN_GAP; i++) {
			if (is_cold(arena, i))
				last = i;
		}
		give_back_pages(arena, first, last + 1 - first);
		i = last + 1;
	}
}

/* Makes the arena's used part read as zero: the resident pages are zeroed in place (mincore says
 * which are resident, no TLB flush), the cold ones given back; past the resident bound, or where
 * the arena keeps no pages, the whole used part goes back at one madvise. */
static void zero_used(const struct arena *arena, size_t used)
{
	size_t pages = used / maps.page;

	if (!arena->keeps_pages || mincore(arena->base, used, maps.residency) ||
	    count_resident(pages) * maps.page > OSMEM_EMU_MAPS_RESIDENT_MAX) {
		give_back_pages(arena, 0, pages);
		return;
	}
	if (recycle_resident_pages(arena, pages) >= COLD_BATCH)
		give_back_cold(arena, pages);
}

/* A kept page reads as zero again, and is no longer poisoned. */
static void recycle_kept_page(const struct arena *arena, char *page)
{
	maps.stats.pages_checked++;
	track_os_unpoison(page, maps.page);
	if (!page_reads_zero(page, maps.page))
		zero_page(arena, page);
}

/* The pieces of split mappings are memory again and read as zero: the kept pages zeroed in place
 * (only they can hold a page: no mincore of a used part that can be tens of GiB), the protected
 * runs lifted, which costs no page-table update as they hold none. Every page kept is counted, once
 * per recycle; past the resident bound all of them go back to the kernel. */
static void recycle_pieces(struct arena *arena)
{
	for (size_t i = 0; i < arena->piece_count; i++) {
		const struct piece *piece = &arena->pieces[i];

		if (!piece->poisoned) {
			give_back_pages(arena, (size_t)(piece->start - arena->base) / maps.page,
					piece->length / maps.page);
			protect(piece->start, piece->length, PROT_READ | PROT_WRITE);
			continue;
		}
		for (size_t offset = 0; offset < piece->length; offset += maps.page)
			recycle_kept_page(arena, piece->start + offset);
		arena->kept_pages += piece->length / maps.page;
	}
	if (arena->kept_pages * maps.page > OSMEM_EMU_MAPS_RESIDENT_MAX) {
		give_back_pages(arena, 0, (size_t)(arena->high_water - arena->base) / maps.page);
		arena->kept_pages = 0;
		arena->high_water = arena->base;
	}
}

/* release_all: every page goes back, so the kept ones need only their poison lifted; the
 * protected ones are lifted with the rest of [base, protected_end). */
static void unpoison_pieces(const struct arena *arena)
{
	for (size_t i = 0; i < arena->piece_count; i++) {
		if (arena->pieces[i].poisoned)
			track_os_unpoison(arena->pieces[i].start, arena->pieces[i].length);
	}
}

static void arena_recycle(struct arena *arena)
{
	size_t used = (size_t)(arena->cursor - arena->base);

	if (!used)
		return;
	if (arena->cursor > arena->high_water)
		arena->high_water = arena->cursor;
	if (arena->splits && !arena->release_all) {
		recycle_pieces(arena);
	} else {
		unpoison_pieces(arena);
		/* Mappings go back in any order: a split one may lie past the last one protected
		 * whole. Lifting the whole used part costs no more once its pages are gone. */
		if (arena->release_all)
			arena->protected_end = arena->cursor;
		/* Pages first, protection after: a page still there when the protection changes
		 * costs a page-table update (a hypercall here); a protected mapping keeps none. */
		zero_used(arena, used);
	}
	if (arena->protected_end > arena->base)
		protect(arena->base, (size_t)(arena->protected_end - arena->base),
			PROT_READ | PROT_WRITE);
	arena->protected_end = arena->base;
	arena->cursor = arena->base;
	arena->release_all = false;
	arena->piece_count = 0;
}

void osmem_emu_maps_recycle(void)
{
	reserve();
	/* Valgrind: the pages are NOACCESS; reading them here is the OS's business. */
	TRACK_ALLOCATOR_SCOPE();
	maps.stats.recycles++;
	arena_recycle(&maps.small);
	arena_recycle(&maps.large);
}

void osmem_emu_maps_get_stats(struct osmem_emu_maps_stats *out)
{
	*out = maps.stats;
}
