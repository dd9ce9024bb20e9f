/* SPDX-License-Identifier: BSD-3-Clause */
/* The hardened build (-DOSMEM_HARDENED, `bazel build --config=hardened`): checks for programs that
 * run without a memory tool. Each one reports through report_fault() with a fault of its own. In a
 * plain build every macro below generates no code and evaluates no argument.
 *
 *   harden_name_call(caller)             the os_* call that may take a free block from here on
 *   harden_junk(at, length)              these bytes become free payload: fill them with junk
 *   harden_junk_split_rest(block, old_size)
 *                                        after a shrink split: the rest's payload held user data
 *   harden_check_taken(block, from, aligned)
 *                                        bytes [from, min(size, aligned + 32)) of the payload of a
 *                                        free (or freshly absorbed) block leave the free state: the
 *                                        first written one is a write after free
 *   harden_check_node(block)            the first INDEX_NODE_SIZE bytes of a free block's payload are
 *                                        about to hold its free-index node: the first written one
 *                                        is a write after free (found now: the node overwrites it)
 *   harden_overflowed(block)             on os_free / os_realloc: the header after a heap block, or
 *                                        the page tail after a mapped block, was written (hardened
 *                                        build only: its callers are inside #ifdef OSMEM_HARDENED)
 *
 * What a free payload holds in a hardened build: junk, except the headers of free blocks that
 * coalescing absorbed. Those stay as they were, sealed and free, so that a second os_free of such a
 * block is still named a double free; the check steps over them. A block is taken only up to
 * `aligned + 32` bytes: the taken payload plus the header a split puts after it. The rest stays
 * junk and is checked when it is taken in turn, so no call costs more than what it takes. The one
 * exception is the free index's node in the first bytes of an indexed block (free_index.h): those
 * bytes are checked when the node is written there, and turn back into junk when it leaves. */
#ifndef OSMEM_HARDENING_H
#define OSMEM_HARDENING_H

#include <stdbool.h>
#include <stddef.h>

#include "block_meta.h"

#ifdef OSMEM_HARDENED
void harden_name_call(const char *caller);
void harden_junk(void *at, size_t length);
void harden_junk_split_rest(struct block_meta *block, size_t old_size);
void harden_check_taken(struct block_meta *block, size_t from, size_t aligned);
void harden_check_node(struct block_meta *block);
bool harden_overflowed(struct block_meta *block);
#else
/* Arguments are named inside sizeof only: never evaluated, yet not "unused". */
#define HARDEN_NOTHING(x) ((void)sizeof(x))
#define harden_name_call(caller) HARDEN_NOTHING(caller)
#define harden_junk(at, length) (HARDEN_NOTHING(at), HARDEN_NOTHING(length))
#define harden_junk_split_rest(block, old_size) (HARDEN_NOTHING(block), HARDEN_NOTHING(old_size))
#define harden_check_taken(block, from, aligned) \
	(HARDEN_NOTHING(block), HARDEN_NOTHING(from), HARDEN_NOTHING(aligned))
#define harden_check_node(block) HARDEN_NOTHING(block)
#endif

#endif
