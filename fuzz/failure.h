/* SPDX-License-Identifier: BSD-3-Clause */
/* How the oracle stops the process: one line naming the op index, the op and the broken rule,
 * e.g. "osmem-fuzz: op 17 realloc(slot 3, 4064): payload byte 12 changed (expected 0x5a, got 0x00)",
 * then abort() so that every engine records a crash. */
#ifndef OSMEM_FUZZ_FAILURE_H
#define OSMEM_FUZZ_FAILURE_H

#include "fuzz/ops.h"

/* The op the next failure is about; `index` counts ops from 0. */
void failure_set_op(unsigned index, const struct fuzz_op *op);

/* A failure outside any op: "start of input", or "end (leaks)" and the other end checks. */
void failure_set_phase(const char *phase);

__attribute__((noreturn, format(printf, 1, 2))) void fuzz_fail(const char *rule, ...);

/* The same with the rule's name in brackets first: "osmem-fuzz: op 7 malloc(slot 2, 100):
 * [best fit, tie to the lowest address] expected ..., got ... (seen by a tracing grader)". */
__attribute__((noreturn, format(printf, 2, 3))) void fuzz_fail_rule(const char *rule,
								   const char *fmt, ...);

#endif
