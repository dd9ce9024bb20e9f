/* SPDX-License-Identifier: BSD-3-Clause */
/* The osmem allocator with its debug API: every oracle rule applies. */
#include "fuzz/target_osmem.h"

const struct fuzz_target *fuzz_target_under_test(void)
{
	return &fuzz_osmem_target;
}
