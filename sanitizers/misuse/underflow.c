/* SPDX-License-Identifier: BSD-3-Clause */
/* Writes the byte just before the payload: the top byte of the header's next pointer. */
#include "allocator/osmem.h"

int main(void)
{
	volatile char *p = os_malloc(24);

	p[-1] = 0x5a;
	os_free((void *)p);
	return 0;
}
