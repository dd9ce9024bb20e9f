/* SPDX-License-Identifier: BSD-3-Clause */
/* Writes one byte past a mapped block (its mapping runs on to the end of the page). */
#include "allocator/osmem.h"

int main(void)
{
	volatile char *p = os_malloc(200000);

	p[200000] = 1;
	os_free((void *)p);
	return 0;
}
