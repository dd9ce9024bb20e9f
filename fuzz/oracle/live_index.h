/* SPDX-License-Identifier: BSD-3-Clause */
/* The oracle's ordered index of live allocations: disjoint intervals [start, end) keyed by start,
 * in a treap (O(log n) expected per operation). Plain static storage: it never allocates. */
#ifndef OSMEM_FUZZ_LIVE_INDEX_H
#define OSMEM_FUZZ_LIVE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#define LIVE_INDEX_CAPACITY 256

struct live_interval {
	uintptr_t start, end;
	unsigned slot;
};

void live_index_clear(void);

/* A live interval sharing at least one byte with [start, end), or NULL. */
const struct live_interval *live_index_overlap(uintptr_t start, uintptr_t end);

/* Adds [start, end); the caller has checked that it overlaps nothing. False when full. */
bool live_index_insert(uintptr_t start, uintptr_t end, unsigned slot);

/* Removes the interval that starts at `start`; false when there is none. */
bool live_index_remove(uintptr_t start);

unsigned live_index_count(void);

#endif
