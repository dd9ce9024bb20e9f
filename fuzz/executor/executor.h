/* SPDX-License-Identifier: BSD-3-Clause */
/* Runs decoded ops against the target and applies the oracle after each one. */
#ifndef OSMEM_FUZZ_EXECUTOR_H
#define OSMEM_FUZZ_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "fuzz/ops.h"
#include "fuzz/target.h"

/* Bytes a realloc may make the allocator copy per input, summed: the first realloc that would go
 * over ends the input (it is not run). Copies into fresh mappings fault in every page: without this
 * bound a few multi-megabyte reallocs dominate the fuzzer's time. */
#define FUZZ_MAX_COPY_BYTES ((size_t)1 << 20)

/* Runs an op of a kind beyond format 1's (the misuse format's: misuse.h). */
typedef void (*executor_more_ops)(const struct fuzz_op *op);

void executor_reset(const struct fuzz_target *target, executor_more_ops more_ops);

/* Runs one op and its checks; false when the op would go over FUZZ_MAX_COPY_BYTES (not run). */
bool executor_run(const struct fuzz_op *op);

/* Verifies and frees every live block, then checks the end state. */
void executor_finish(void);

#endif
