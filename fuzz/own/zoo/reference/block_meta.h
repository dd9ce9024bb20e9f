/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>

struct block_meta {
	size_t size;
	int status;
	struct block_meta *prev;
	struct block_meta *next;
};

/* Block metadata status values. */
#define STATUS_FREE   0
#define STATUS_ALLOC  1
#define STATUS_MAPPED 2
