/* SPDX-License-Identifier: BSD-3-Clause */
/* Grows a written block in place; the new bytes were never written, one decides a branch. */
#include <stdio.h>
#include <string.h>

#include "allocator/osmem.h"

int main(void)
{
	volatile char *p = os_malloc(8);

	memset((char *)p, 1, 8);
	p = os_realloc((void *)p, 64);
	if (p[40] == 42)
		puts("uninitialized 42");
	os_free((void *)p);
	return 0;
}
