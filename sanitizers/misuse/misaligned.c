/* SPDX-License-Identifier: BSD-3-Clause */
/* Stores an int through an os_malloc pointer moved off its 8-byte alignment. */
#include "allocator/osmem.h"

int main(void)
{
	char *p = os_malloc(16);
	int *misaligned = (int *)(p + 1);

	*misaligned = 1;
	os_free(p);
	return 0;
}
