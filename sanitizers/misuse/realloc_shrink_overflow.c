/* SPDX-License-Identifier: BSD-3-Clause */
/* Shrinks a block in place to 5 bytes, then writes its sixth byte. */
#include "allocator/osmem.h"

int main(void)
{
	volatile char *p = os_malloc(64);

	p = os_realloc((void *)p, 5);
	p[5] = 1;
	os_free((void *)p);
	return 0;
}
