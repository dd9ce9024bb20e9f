/* SPDX-License-Identifier: BSD-3-Clause */
#include "osmem_testing.h"

#include "heap.h"

void osmem_testing_reset(void)
{
	osmem_state = (struct osmem_state){ 0 };
}
