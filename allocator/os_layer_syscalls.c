/* SPDX-License-Identifier: BSD-3-Clause */
/* Production OS layer: the real calls, so a traced program shows exactly the contract's syscalls. */
#include "os_layer.h"

#include <sys/mman.h>
#include <unistd.h>

void *osmem_os_sbrk(intptr_t increment)
{
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
