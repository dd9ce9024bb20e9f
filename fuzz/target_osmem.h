/* SPDX-License-Identifier: BSD-3-Clause */
/* osmem as a fuzz target, with everything it offers: the table the built-in, blackbox and test
 * targets start from. */
#ifndef OSMEM_FUZZ_TARGET_OSMEM_H
#define OSMEM_FUZZ_TARGET_OSMEM_H

#include "fuzz/target.h"

extern const struct fuzz_target fuzz_osmem_target;

#endif
