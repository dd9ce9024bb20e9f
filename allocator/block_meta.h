/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BLOCK_META_H
#define BLOCK_META_H

#include <stddef.h>

/* The header in front of every payload, heap and mapped alike. Programs and graders read `size`
 * and `status` at `ptr - sizeof(struct block_meta)`: the layout is part of the contract. */
struct block_meta {
	size_t size;
	int status;
	struct block_meta *prev;
	struct block_meta *next;
};

#define STATUS_FREE 0
#define STATUS_ALLOC 1
#define STATUS_MAPPED 2

#endif
