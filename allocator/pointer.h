/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef OSMEM_POINTER_H
#define OSMEM_POINTER_H

#include "block_meta.h"

/* The block whose payload starts at `ptr`, checked in O(1) for heap blocks and O(1) for mapped ones up to MAPPED_TABLE_MAX of them
 * otherwise. A pointer that is not one is reported as a fault (naming `caller`) and NULL comes back
 * if the handler returns. A heap block that is already free is a double free for os_free, but is
 * returned to os_realloc, whose rule 2 answers it. */
struct block_meta *block_from_pointer(void *ptr, const char *caller, int free_is_fault);

#endif
