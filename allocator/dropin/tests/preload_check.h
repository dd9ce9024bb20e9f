/* SPDX-License-Identifier: BSD-3-Clause */
/* For the programs that run under LD_PRELOAD of the drop-in: a CHECK that names the failed
 * expression and its line and counts failures, and the proof that osmem (not glibc) serves malloc.
 * Plain C and stdio only: the program must not link the allocator itself. */
#ifndef OSMEM_DROPIN_PRELOAD_CHECK_H
#define OSMEM_DROPIN_PRELOAD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "allocator/block_meta.h"

static int preload_failures;

#define CHECK(expr)                                                                       \
	((expr) ? true                                                                    \
		: (fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr), \
		   preload_failures++, false))

/* The contract's header sits 32 bytes before the payload osmem handed out: an allocated heap
 * block of `size` rounded up to 16, or a mapped one. glibc's chunk header looks nothing like it. */
static inline bool served_by_osmem(void *payload, size_t size)
{
	const struct block_meta *header = (const struct block_meta *)payload - 1;
	size_t aligned = (size + 15) & ~(size_t)15;

	return (header->status == STATUS_ALLOC || header->status == STATUS_MAPPED) &&
	       header->size == (aligned ? aligned : 16);
}

static inline int preload_result(const char *program)
{
	if (preload_failures)
		fprintf(stderr, "%s: %d checks failed\n", program, preload_failures);
	else
		fprintf(stderr, "%s: all checks passed\n", program);
	return preload_failures ? 1 : 0;
}

#endif
