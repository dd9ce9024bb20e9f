/* SPDX-License-Identifier: BSD-3-Clause */
/* The drop-in's OS layer: the real sbrk, mmap and munmap, with two differences. sbrk first moves an
 * unaligned break up to the next 16 bytes: under LD_PRELOAD the program, or libc itself, may move
 * the break by any amount; the allocator already treats a break that is not where it left it as a
 * foreign gap (allocator/README.md), so the padding is just a larger gap and every payload stays
 * 16-aligned. And mappings given back are kept a while for the next mmap (mapping_cache.h). */
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "allocator/dropin/mapping_cache.h"
#include "allocator/os_layer.h"

#define BREAK_ALIGNMENT 16

void *osmem_os_sbrk(intptr_t increment)
{
	uintptr_t padding;

	if (increment <= 0)
		return sbrk(increment);
	padding = -(uintptr_t)sbrk(0) & (BREAK_ALIGNMENT - 1);
	if (padding && sbrk((intptr_t)padding) == (void *)-1)
		return (void *)-1;
	return sbrk(increment);
}

/* The hardened drop-in unmaps at once: a use after free of a freed mapping then faults, where a
 * kept mapping would take the write silently and zero it away when handed out again. */
#ifdef OSMEM_HARDENED
#define KEEP_MAPPINGS false
#else
#define KEEP_MAPPINGS true
#endif

/* osmem asks only for fresh private anonymous read-write memory: the cache serves just that. */
static bool plain_anonymous(void *addr, int prot, int flags, int fd)
{
	return KEEP_MAPPINGS && !addr && prot == (PROT_READ | PROT_WRITE) &&
	       flags == (MAP_PRIVATE | MAP_ANONYMOUS) && fd == -1;
}

void *osmem_os_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	void *cached = plain_anonymous(addr, prot, flags, fd) ? mapping_cache_take(length) : NULL;

	return cached ? cached : mmap(addr, length, prot, flags, fd, offset);
}

int osmem_os_munmap(void *addr, size_t length)
{
	return KEEP_MAPPINGS && mapping_cache_keep(addr, length) ? 0 : munmap(addr, length);
}
