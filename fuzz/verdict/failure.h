/* SPDX-License-Identifier: BSD-3-Clause */
/* How the oracle stops the process: one line naming the op index, the op and the broken rule,
 * e.g. "osmem-fuzz: op 17 realloc(slot 3, 4064): payload byte 12 changed (expected 0x5a, got 0x00)",
 * then abort() so that every engine records a crash. */
#ifndef OSMEM_FUZZ_FAILURE_H
#define OSMEM_FUZZ_FAILURE_H

#include "fuzz/ops.h"

/* The outside rules' names (fuzz/README.md, "Oracle rules"), bracketed like the contract's. */
#define RULE_OUTSIDE_ALIGNMENT "alignment"
#define RULE_OUTSIDE_OVERLAP "no overlap"
#define RULE_OUTSIDE_PAYLOAD "payload integrity"
#define RULE_OUTSIDE_CALLOC_ZERO "calloc zero"
#define RULE_OUTSIDE_REALLOC_KEEPS "realloc keeps bytes"
#define RULE_OUTSIDE_REALLOC_ZERO "realloc(p, 0) gives NULL"
#define RULE_OUTSIDE_IMPOSSIBLE "impossible size gives NULL"
#define RULE_OUTSIDE_FAULT "no fault for a good pointer"
#define RULE_OUTSIDE_MUNMAP "whole munmap"
#define RULE_OUTSIDE_LEAK "leak at end"
#define RULE_OUTSIDE_HEAP_BOUND "heap bound"
#define RULE_OUTSIDE_HEAP_CHECK "heap check"
#define RULE_MISUSE_FAULT "misuse fault"
#define RULE_MISUSE_CHECKER "heap checker names the corruption"
#define RULE_HARNESS_LIMIT "harness limit"

/* The op the next failure is about; `index` counts ops from 0. */
void failure_set_op(unsigned index, const struct fuzz_op *op);

/* A failure outside any op: "start of input", or "end (leaks)" and the other end checks. */
void failure_set_phase(const char *phase);

/* One line with the rule's name in brackets first: "osmem-fuzz: op 7 malloc(slot 2, 100):
 * [best fit, tie to the lowest address] expected ..., got ... (seen by a tracing grader)". */
__attribute__((noreturn, format(printf, 2, 3))) void fuzz_fail_rule(const char *rule,
								   const char *fmt, ...);

/* The same line without stopping: the process is dying already (a sanitizer's report follows). */
__attribute__((format(printf, 2, 3))) void fuzz_report_rule(const char *rule, const char *fmt, ...);

/* A line the oracle already wrote in a child process (isolate.h), passed on as it is. */
__attribute__((noreturn)) void fuzz_fail_line(const char *line);

#endif
