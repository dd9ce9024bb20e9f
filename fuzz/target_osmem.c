/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/target_osmem.h"

#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"
#include "allocator/osmem_testing.h"

const struct fuzz_target fuzz_osmem_target = {
	.name = "osmem",
	.malloc = os_malloc,
	.free = os_free,
	.calloc = os_calloc,
	.realloc = os_realloc,
	.reset = osmem_testing_reset,
	.heap_check = osmem_heap_check,
	.heap_stats = osmem_heap_stats,
	.set_fault_handler = osmem_set_fault_handler,
	.reseal = osmem_testing_reseal,
	.header_size = 32,
	.follows_osmem_contract = true,
	.contract_model = true,
};
