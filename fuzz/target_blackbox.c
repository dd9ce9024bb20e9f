/* SPDX-License-Identifier: BSD-3-Clause */
/* The osmem allocator seen from outside: only the four calls, as a foreign allocator would offer.
 * Exercises the oracle's fallback rules (no heap checker, no heap stats, no contract). */
#include "fuzz/target_osmem.h"

const struct fuzz_target *fuzz_target_under_test(void)
{
	static struct fuzz_target blackbox;

	if (!blackbox.malloc)
		blackbox = (struct fuzz_target){
			.name = "osmem-blackbox",
			.malloc = fuzz_osmem_target.malloc,
			.free = fuzz_osmem_target.free,
			.calloc = fuzz_osmem_target.calloc,
			.realloc = fuzz_osmem_target.realloc,
			.reset = fuzz_osmem_target.reset,
		};
	return &blackbox;
}
