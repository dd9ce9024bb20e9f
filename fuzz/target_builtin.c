/* SPDX-License-Identifier: BSD-3-Clause */
/* The osmem allocator with its debug API: every oracle rule applies. */
#include "fuzz/target.h"

#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/osmem_testing.h"

static const struct fuzz_target builtin = {
	.name = "osmem",
	.malloc = os_malloc,
	.free = os_free,
	.calloc = os_calloc,
	.realloc = os_realloc,
	.reset = osmem_testing_reset,
	.heap_check = osmem_heap_check,
	.heap_stats = osmem_heap_stats,
	.set_fault_handler = osmem_set_fault_handler,
	.header_size = 32,
	.follows_osmem_contract = true,
};

const struct fuzz_target *fuzz_target_under_test(void)
{
	return &builtin;
}
