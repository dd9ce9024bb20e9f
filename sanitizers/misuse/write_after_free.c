/* SPDX-License-Identifier: BSD-3-Clause */
/* Writes into a freed block. */
#include "allocator/osmem.h"

int main(void)
{
	volatile char *p = os_malloc(13);

	os_free((void *)p);
	p[0] = 7;
	return 0;
}
