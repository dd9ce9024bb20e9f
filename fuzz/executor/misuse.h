/* SPDX-License-Identifier: BSD-3-Clause */
/* The misuse format's own ops (fuzz/README.md, "Misuse format 1"): bad pointers given to os_free
 * and os_realloc with the fault the oracle predicts, corrupted headers the heap checker must name,
 * and another sbrk user moving the break. Needs a target with the heap checker, heap stats and a
 * fault handler (osmem) reading an input format of its own; otherwise these ops do nothing. */
#ifndef OSMEM_FUZZ_MISUSE_H
#define OSMEM_FUZZ_MISUSE_H

#include "fuzz/ops.h"
#include "fuzz/target.h"

void misuse_reset(const struct fuzz_target *target);

void misuse_run(const struct fuzz_op *op);

#endif
