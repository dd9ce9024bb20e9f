/* SPDX-License-Identifier: BSD-3-Clause */
/* A standalone C test from an op list: the same os_* calls, checked without the fuzzing runtime. */
#ifndef OSMEM_TOOLS_CTEST_H
#define OSMEM_TOOLS_CTEST_H

#include <stdio.h>

#include "fuzz/ops.h"

/* Which allocator the program is built against: osmem (its heap checker is called after every op),
 * or one of your own (tools/fuzz-own-allocator: your osmem.h; with the contract's block_meta, the
 * header in front of each live block is checked too). */
enum ctest_target { CTEST_OSMEM, CTEST_OWN, CTEST_OWN_CONTRACT };

/* Writes a C program to `out`. `source` and `rule` (the oracle's message, may be NULL) go into its
 * header comment. Ops with refusals need the emulated OS layer; the program says so itself. */
void ctest_write(FILE *out, const struct fuzz_op *ops, size_t n_ops, const char *source,
		 const char *rule, enum ctest_target target);

#endif
