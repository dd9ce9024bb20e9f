/* SPDX-License-Identifier: BSD-3-Clause */
/* Writes one byte past the 13 bytes requested (inside the aligned block of 16). */
#include "allocator/osmem.h"

int main(void)
{
	volatile char *p = os_malloc(13);

	p[13] = 1;
	os_free((void *)p);
	return 0;
}
