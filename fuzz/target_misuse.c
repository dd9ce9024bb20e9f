/* SPDX-License-Identifier: BSD-3-Clause */
/* osmem with every oracle rule, fed the misuse format (fuzz/README.md, "Misuse format 1"). */
#include "fuzz/target_osmem.h"

static struct fuzz_target misuse_target;

const struct fuzz_target *fuzz_target_under_test(void)
{
	if (!misuse_target.name) {
		misuse_target = fuzz_osmem_target;
		misuse_target.name = "osmem (misuse format)";
		misuse_target.next_op = fuzz_next_misuse_op;
	}
	return &misuse_target;
}
