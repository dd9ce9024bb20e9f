/* SPDX-License-Identifier: BSD-3-Clause */
/* Frees the same block twice. */
#include "allocator/osmem.h"

int main(void)
{
	void *p = os_malloc(13);

	os_free(p);
	os_free(p);
	return 0;
}
