/* SPDX-License-Identifier: BSD-3-Clause */
/* A fixed, seeded sequence of allocation ops: first a fill up to `live` blocks, then a mix of
 * malloc, calloc, free and realloc that keeps about that many blocks live. The same sequence is
 * replayed against every allocator. */
#ifndef OSMEM_BENCH_WORKLOAD_H
#define OSMEM_BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

enum op_kind { OP_MALLOC, OP_CALLOC, OP_FREE, OP_REALLOC };

struct op {
	uint8_t kind;
	uint32_t slot;  /* index into the replay's pointer table */
	uint32_t nmemb; /* OP_CALLOC only */
	uint32_t size;  /* bytes (per element for OP_CALLOC); unused for OP_FREE */
};

struct workload {
	struct op *ops;       /* fill ops first, then mix ops */
	size_t fill_ops;
	size_t mix_ops;
	size_t slots;         /* pointer table size the replay needs */
	size_t peak_live_bytes; /* largest sum of requested bytes live at once */
};

/* Builds the sequence in anonymous memory (never malloc: the allocators under test must start from
 * an untouched heap). Returns 0, or -1 when memory for it cannot be mapped. */
int workload_build(struct workload *w, size_t live, size_t mix_ops, uint64_t seed);
void workload_release(struct workload *w);

#endif
