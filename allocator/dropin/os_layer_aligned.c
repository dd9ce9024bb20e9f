/* SPDX-License-Identifier: BSD-3-Clause */
/* The drop-in's OS layer: the real sbrk, mmap and munmap, except that sbrk first moves an unaligned
 * break up to the next 16 bytes. Under LD_PRELOAD the program, or libc itself, may move the break by
 * any amount; the allocator already treats a break that is not where it left it as a foreign gap
 * (allocator/README.md), so the padding is just a larger gap and every payload stays 16-aligned. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

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

void *osmem_os_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	return mmap(addr, length, prot, flags, fd, offset);
}

int osmem_os_munmap(void *addr, size_t length)
{
	return munmap(addr, length);
}
