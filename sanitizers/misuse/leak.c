/* SPDX-License-Identifier: BSD-3-Clause */
/* Loses the only pointer to a block. */
#include <string.h>

#include "allocator/osmem.h"

__attribute__((noinline)) static void allocate_and_forget(void)
{
	char *p = os_malloc(100);

	memset(p, 1, 100);
}

/* Overwrites the stack the lost pointer lived in, so that no stale copy keeps it reachable. */
__attribute__((noinline)) static void scrub_stack(void)
{
	volatile char scratch[512];

	memset((char *)scratch, 0, sizeof(scratch));
}

int main(void)
{
	allocate_and_forget();
	scrub_stack();
	return 0;
}
