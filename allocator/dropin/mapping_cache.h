/* SPDX-License-Identifier: BSD-3-Clause */
/* The drop-in's OS layer keeps a few mappings that osmem gives back and serves osmem's next mmap of
 * the same page-rounded length from them, zeroed, as the kernel would hand out a fresh one. The
 * contract maps every block from 128 KiB up and every calloc from a page up, and unmaps it when it
 * is freed; real programs free and allocate such blocks over and over (gcc: thousands of 3-page
 * callocs), and on a VM each fresh page costs a fault and each munmap a TLB flush through the
 * hypervisor. Memory stays with the process while cached: at most CACHE_BYTES. Callers hold the
 * drop-in lock. */
#ifndef OSMEM_DROPIN_MAPPING_CACHE_H
#define OSMEM_DROPIN_MAPPING_CACHE_H

#include <stdbool.h>
#include <stddef.h>

/* A zeroed cached mapping of exactly `length` bytes rounded up to pages, or NULL. */
void *mapping_cache_take(size_t length);

/* Keeps [addr, addr + length rounded up to pages) instead of unmapping it; false when it is not
 * kept (too large), and the caller unmaps it. Older mappings are unmapped to make room. */
bool mapping_cache_keep(void *addr, size_t length);

#endif
