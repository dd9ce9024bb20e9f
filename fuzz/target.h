/* SPDX-License-Identifier: BSD-3-Clause */
/* The allocator under test, as a table of calls. The executor reaches the allocator only through
 * this table, so another allocator implementing osmem.h plugs in by linking a different target
 * library (one that defines fuzz_target_under_test). Optional entries may be NULL; the oracle then
 * falls back to the rules it can check from outside (fuzz/README.md, "Targets"). */
#ifndef OSMEM_FUZZ_TARGET_H
#define OSMEM_FUZZ_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "allocator/osmem_debug.h"
#include "fuzz/ops.h"

struct fuzz_target {
	const char *name;
	void *(*malloc)(size_t size);
	void (*free)(void *ptr);
	void *(*calloc)(size_t nmemb, size_t size);
	void *(*realloc)(void *ptr, size_t size);
	/* Required: forgets every block without a system call (the OS layer is reset separately). */
	void (*reset)(void);
	/* Optional: osmem_heap_check()'s contract. */
	int (*heap_check)(unsigned flags, char *why, size_t why_size);
	/* Optional: osmem_heap_stats()'s contract. */
	void (*heap_stats)(struct osmem_heap_stats *out);
	/* Optional: osmem_set_fault_handler()'s contract; the oracle turns every reported fault into
	 * a failure. */
	osmem_fault_handler (*set_fault_handler)(osmem_fault_handler handler);
	/* Optional: osmem_testing_reseal()'s contract (the misuse format's forged headers). */
	void (*reseal)(void *payload);
	/* Bytes in front of each payload that belong to the block (osmem: the 32-byte header). */
	size_t header_size;
	/* Optional: the input format (NULL: format 1, fuzz_next_op). A new format is a new fuzzer. */
	bool (*next_op)(struct fuzz_reader *reader, struct fuzz_op *op);
	/* True when SPEC.md holds to the syscall: thresholds, preallocation, growth only when no free
	 * block fits, exact NULL cases. Enables the contract rules of the oracle. */
	bool follows_osmem_contract;
	/* The contract oracle (fuzz/oracle/model_oracle.h) judges every call against the contract's model:
	 * result, system calls, the heap list through the allocator's own headers. */
	bool contract_model;
};

/* Defined by exactly one target library linked into each fuzzer. */
const struct fuzz_target *fuzz_target_under_test(void);

#endif
