/* SPDX-License-Identifier: BSD-3-Clause */
/* Reads a freed block and lets the value decide something. */
#include <stdio.h>

#include "allocator/osmem.h"

int main(void)
{
	volatile char *p = os_malloc(13);

	p[0] = 7;
	os_free((void *)p);
	if (p[0] == 7)
		puts("stale value");
	return 0;
}
