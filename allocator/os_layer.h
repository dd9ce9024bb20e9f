/* SPDX-License-Identifier: BSD-3-Clause */
/* The only way the allocator reaches memory. Same signatures as libc's sbrk, mmap and munmap, so a
 * production build is a thin pass-through (os_layer_syscalls.c) and a test or fuzz build can serve
 * them from a private emulated break (os_layer_emulated.c) without touching the allocator. Code
 * written against libc directly can be pointed here with -Dsbrk=osmem_os_sbrk and so on. */
#ifndef OSMEM_OS_LAYER_H
#define OSMEM_OS_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

void *osmem_os_sbrk(intptr_t increment);
void *osmem_os_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
int osmem_os_munmap(void *addr, size_t length);

#endif
