/* SPDX-License-Identifier: BSD-3-Clause */
/* What the oracle remembers of the blocks the harness gave back, to predict what the allocator
 * must say when one of them is given back again (misuse format): a double free, or an invalid
 * pointer once its memory means something else. The prediction follows allocator/README.md
 * ("Bad pointers"): a heap block that is free, also merged into a neighbour with its header
 * whole, is a double free; a mapped block is one while it is among the last 16 mappings given back
 * and no later mapping covers its header. Anything it cannot tell for sure is not predicted. */
#ifndef OSMEM_FUZZ_GRAVEYARD_H
#define OSMEM_FUZZ_GRAVEYARD_H

#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

#include "fuzz/oracle/faults.h"

/* How many mappings given back the allocator remembers (allocator/README.md). */
#define GRAVEYARD_UNMAPPED_REMEMBERED 16

/* Forgets everything; only an enabled graveyard records (it costs a heap walk per block given
 * back, which only the misuse format needs). */
void graveyard_reset(bool enabled);

/* The slot's block `ptr` is being given back (heap or mapping). */
void graveyard_bury(unsigned slot, const uint8_t *ptr);

/* A new mapped block: addresses inside it are live again. */
void graveyard_mapped(const uint8_t *ptr, size_t size);

/* After each op: reads the headers of the heap blocks given back during it, as freed. */
void graveyard_settle(void);

/* The slot's last pointer given back, or NULL. */
const uint8_t *graveyard_last(unsigned slot);

/* The slot's last pointer and what giving it back again must do (`by_realloc`: os_realloc(p, n > 0),
 * else os_free); false when there is none or the oracle cannot tell (the op is then skipped). */
bool graveyard_predict(unsigned slot, bool by_realloc, struct fault_prediction *p);

#endif
