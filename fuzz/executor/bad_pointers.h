/* SPDX-License-Identifier: BSD-3-Clause */
/* Bad pointers (the misuse format's misuse ops) for allocators without osmem's fault handler: a
 * foreign allocator may ignore the call (then nothing may change: the contract model predicts no
 * system call and the same heap) or stop the process with one line on standard error. Each such
 * call first runs in a child process (isolate.h): a crash, a sanitizer report, or a stop without
 * exactly one line is a finding; a stop is allowed and the input goes on without the call; a call
 * that returned is made again in the harness itself, so that what it did to the allocator's state
 * shows later (an overlap, a changed payload). */
#ifndef OSMEM_FUZZ_BAD_POINTERS_H
#define OSMEM_FUZZ_BAD_POINTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "fuzz/ops.h"
#include "fuzz/target.h"

/* Enabled for a target reading the misuse format without a fault handler. */
void bad_pointers_reset(const struct fuzz_target *target);
bool bad_pointers_enabled(void);

/* Runs a misuse op of a kind that needs nothing of osmem (dead, interior, misaligned, stack,
 * global, break, near NULL); other ops do nothing. */
void bad_pointers_run(const struct fuzz_op *op);

/* The pointer an op of those kinds but MISUSE_DEAD gives back (`stack_words`: the caller's
 * stack); false when the slot does not allow it. */
bool bad_pointer_of(const struct fuzz_op *op, uint64_t *stack_words, void **ptr);

#endif
