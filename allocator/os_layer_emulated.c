/* SPDX-License-Identifier: BSD-3-Clause */
#include "os_layer_emulated.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emulated_maps.h"
#include "os_layer.h"
#include "sanitizers/track.h"

#define EMU_MEMSET_MAX ((size_t)1 << 20)
/* The same heap addresses in every process (emulated_maps.h says why this address). */
#define EMU_HEAP_HINT ((uintptr_t)0x540000000000)

struct mapping {
	void *addr;
	size_t length;
	bool carved; /* from the recycled reserve (emulated_maps.h); false: a real mmap */
};

static struct {
	char *base, *brk, *high_water;
	struct mapping *maps;
	size_t map_count, map_capacity;
	size_t skip, refuse;
	size_t refuse_munmaps;
	struct osmem_emu_stats stats;
	struct osmem_emu_call calls[OSMEM_EMU_CALL_LOG];
	size_t call_count; /* including those past the log's end */
} emu;

static void log_call(const struct osmem_emu_call *call)
{
	if (emu.call_count < OSMEM_EMU_CALL_LOG)
		emu.calls[emu.call_count] = *call;
	emu.call_count++;
}

static void reserve_heap(void)
{
	if (emu.base)
		return;
	emu.base = osmem_emu_reserve(EMU_HEAP_HINT, OSMEM_EMU_HEAP_LIMIT);
	emu.brk = emu.high_water = emu.base;
}

/* The planned refusals, counted over memory requests only. */
static int refuse_request(void)
{
	if (emu.skip) {
		emu.skip--;
		return 0;
	}
	if (!emu.refuse)
		return 0;
	emu.refuse--;
	return 1;
}

static void *refused(void *failure)
{
	emu.stats.refused++;
	errno = ENOMEM;
	return failure;
}

static void move_break(intptr_t increment)
{
	emu.brk += increment;
	if (emu.brk > emu.high_water)
		emu.high_water = emu.brk;
	emu.stats.brk_offset = (size_t)(emu.brk - emu.base);
}

static void *emulate_sbrk(intptr_t increment);

void *osmem_os_sbrk(intptr_t increment)
{
	void *result = emulate_sbrk(increment);

	log_call(&(struct osmem_emu_call){ .kind = OSMEM_EMU_SBRK, .increment = increment,
					   .result = result });
	return result;
}

static void *emulate_sbrk(intptr_t increment)
{
	char *old;

	reserve_heap();
	old = emu.brk;
	emu.stats.sbrk_calls++;
	if (increment > 0 && (refuse_request() ||
			      (size_t)increment > OSMEM_EMU_HEAP_LIMIT - (size_t)(emu.brk - emu.base)))
		return refused((void *)-1);
	if (increment < 0 && (size_t)-increment > (size_t)(emu.brk - emu.base)) {
		errno = EINVAL;
		return (void *)-1;
	}
	move_break((intptr_t)increment);
	return old;
}

static int remember_mapping(void *addr, size_t length, bool carved)
{
	if (emu.map_count == emu.map_capacity) {
		size_t capacity = emu.map_capacity ? 2 * emu.map_capacity : 64;
		struct mapping *maps = realloc(emu.maps, capacity * sizeof(*maps));

		if (!maps)
			return -1;
		emu.maps = maps;
		emu.map_capacity = capacity;
	}
	emu.maps[emu.map_count++] = (struct mapping){ addr, length, carved };
	emu.stats.live_mappings = emu.map_count;
	emu.stats.mapped_bytes += length;
	return 0;
}

static void *emulate_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);

void *osmem_os_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	void *result = emulate_mmap(addr, length, prot, flags, fd, offset);

	log_call(&(struct osmem_emu_call){ .kind = OSMEM_EMU_MMAP, .addr = addr, .length = length,
					   .prot = prot, .flags = flags, .fd = fd,
					   .offset = offset, .result = result });
	return result;
}

/* What the reserve can serve: fresh anonymous read-write memory anywhere (a hint without
 * MAP_FIXED binds the kernel to nothing either). Anything else goes to the kernel. */
static bool carvable(int prot, int flags, int fd, off_t offset)
{
	return prot == (PROT_READ | PROT_WRITE) && fd == -1 && offset == 0 &&
	       (flags & ~MAP_NORESERVE) == (MAP_PRIVATE | MAP_ANONYMOUS);
}

static void give_back(const struct mapping *mapping)
{
	if (mapping->carved)
		osmem_emu_maps_give_back(mapping->addr, mapping->length);
	else
		munmap(mapping->addr, mapping->length);
}

static void *emulate_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	struct mapping mapping = { NULL, length, false };

	emu.stats.mmap_calls++;
	if (refuse_request() || length > OSMEM_EMU_MAP_LIMIT - emu.stats.mapped_bytes)
		return refused(MAP_FAILED);
	if (carvable(prot, flags, fd, offset))
		mapping.addr = osmem_emu_maps_carve(length);
	mapping.carved = mapping.addr != NULL;
	if (!mapping.carved)
		mapping.addr = mmap(addr, length, prot, flags, fd, offset);
	if (mapping.addr == MAP_FAILED)
		return MAP_FAILED;
	if (remember_mapping(mapping.addr, length, mapping.carved)) {
		give_back(&mapping);
		return refused(MAP_FAILED);
	}
	return mapping.addr;
}

static int emulate_munmap(void *addr, size_t length);

int osmem_os_munmap(void *addr, size_t length)
{
	int result = emulate_munmap(addr, length);

	log_call(&(struct osmem_emu_call){ .kind = OSMEM_EMU_MUNMAP, .addr = addr, .length = length,
					   .result = result ? (void *)-1 : NULL });
	return result;
}

static int emulate_munmap(void *addr, size_t length)
{
	emu.stats.munmap_calls++;
	if (emu.refuse_munmaps) {
		emu.refuse_munmaps--;
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < emu.map_count; i++) {
		if (emu.maps[i].addr != addr)
			continue;
		if (emu.maps[i].length != length)
			break;
		give_back(&emu.maps[i]);
		emu.stats.mapped_bytes -= length;
		emu.maps[i] = emu.maps[--emu.map_count];
		emu.stats.live_mappings = emu.map_count;
		return 0;
	}
	/* Only whole mappings may go: the allocator must pass back exactly what mmap gave it. */
	emu.stats.bad_munmaps++;
	errno = EINVAL;
	return -1;
}

/* A foreign sbrk can leave the high-water mark near the limit: pages past the first MiB are
 * given back (they read as zero again) rather than written. */
static void zero_used_heap(void)
{
	size_t used = (size_t)(emu.high_water - emu.base);
	size_t written = used < EMU_MEMSET_MAX ? used : EMU_MEMSET_MAX;

	memset(emu.base, 0, written);
	if (used > written)
		madvise(emu.base + written, used - written, MADV_DONTNEED);
}

size_t osmem_emu_reset(void)
{
	size_t leaked = emu.map_count;

	reserve_heap();
	for (size_t i = 0; i < emu.map_count; i++)
		give_back(&emu.maps[i]);
	emu.map_count = 0;
	osmem_emu_maps_recycle();
	/* The allocator left its headers and free blocks inaccessible to the tools. */
	track_mem_undefined(emu.base, (size_t)(emu.high_water - emu.base));
	zero_used_heap();
	emu.brk = emu.high_water = emu.base;
	emu.skip = emu.refuse = emu.refuse_munmaps = 0;
	emu.stats = (struct osmem_emu_stats){ 0 };
	emu.call_count = 0;
	return leaked;
}

void osmem_emu_refuse(size_t skip, size_t count)
{
	emu.skip = skip;
	emu.refuse = count;
}

void osmem_emu_refusal_plan(size_t *skip, size_t *count)
{
	*skip = emu.skip;
	*count = emu.refuse;
}

void *osmem_emu_foreign_sbrk(size_t increment)
{
	char *old;

	reserve_heap();
	old = emu.brk;
	if (increment > OSMEM_EMU_HEAP_LIMIT - (size_t)(emu.brk - emu.base))
		return NULL;
	move_break((intptr_t)increment);
	return old;
}

void osmem_emu_refuse_munmap(size_t count)
{
	emu.refuse_munmaps = count;
}

void osmem_emu_get_stats(struct osmem_emu_stats *out)
{
	*out = emu.stats;
}

void *osmem_emu_heap_base(void)
{
	reserve_heap();
	return emu.base;
}

size_t osmem_emu_calls(const struct osmem_emu_call **calls, size_t *dropped)
{
	size_t kept = emu.call_count < OSMEM_EMU_CALL_LOG ? emu.call_count : OSMEM_EMU_CALL_LOG;

	*calls = emu.calls;
	if (dropped)
		*dropped = emu.call_count - kept;
	return kept;
}

void osmem_emu_calls_clear(void)
{
	emu.call_count = 0;
}
