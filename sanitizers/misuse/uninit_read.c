/* SPDX-License-Identifier: BSD-3-Clause */
/* Lets an os_malloc byte that was never written decide a branch. */
#include <stdio.h>

#include "allocator/osmem.h"

int main(void)
{
	volatile char *p = os_malloc(16);

	if (p[3] == 42)
		puts("uninitialized 42");
	os_free((void *)p);
	return 0;
}
