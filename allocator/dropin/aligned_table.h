/* SPDX-License-Identifier: BSD-3-Clause */
/* Pointers that memalign and its relatives handed out with an alignment above 16. Such a pointer
 * lies `offset` bytes into the payload of an over-sized osmem block, so the header in front of it is
 * not a block's header: osmem would refuse it as an invalid pointer. free, realloc and
 * malloc_usable_size look every pointer up here first (O(1), and only while the table holds any)
 * and hand osmem the payload it really gave out. The table lives in its own mappings: the drop-in
 * never calls libc's malloc. Callers hold the drop-in lock. */
#ifndef OSMEM_DROPIN_ALIGNED_TABLE_H
#define OSMEM_DROPIN_ALIGNED_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* Records that `aligned` lies `offset` (> 0) bytes past the payload osmem returned. False when no
 * memory could be mapped for the table (nothing is recorded then). */
bool aligned_table_add(void *aligned, size_t offset);

/* The offset recorded for `ptr`, or 0 when it is not an over-aligned pointer. */
size_t aligned_table_offset(const void *ptr);

/* Forgets `ptr`, which must be recorded. */
void aligned_table_remove(const void *ptr);

#endif
