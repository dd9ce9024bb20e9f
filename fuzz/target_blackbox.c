/* SPDX-License-Identifier: BSD-3-Clause */
/* The osmem allocator seen from outside: only the four calls, as a foreign allocator would offer.
 * Exercises the oracle's fallback rules (no heap checker, no heap stats, no contract). */
#include "fuzz/target.h"

#include "allocator/osmem.h"
#include "allocator/osmem_testing.h"

static const struct fuzz_target blackbox = {
	.name = "osmem-blackbox",
	.malloc = os_malloc,
	.free = os_free,
	.calloc = os_calloc,
	.realloc = os_realloc,
	.reset = osmem_testing_reset,
};

const struct fuzz_target *fuzz_target_under_test(void)
{
	return &blackbox;
}
