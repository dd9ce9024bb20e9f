/* SPDX-License-Identifier: BSD-3-Clause */
/* Correct use of every call, including the states the tools must get right: calloc memory is
 * defined, realloc keeps its bytes defined whether it shrinks, grows in place or moves, a freed and
 * reused block is usable again, and mapped blocks behave like heap blocks. Must pass every tool. */
#include <stdio.h>
#include <string.h>

#include "allocator/osmem.h"

static int sum(const unsigned char *p, size_t n)
{
	int total = 0;

	for (size_t i = 0; i < n; i++)
		total += p[i];
	return total;
}

int main(void)
{
	unsigned char *a = os_malloc(13), *z = os_calloc(7, 3), *big = os_malloc(200000);
	unsigned char *zbig = os_calloc(1000, 5);
	int failures = 0;

	memset(a, 1, 13);
	memset(big, 2, 200000);
	failures += sum(z, 21) != 0;
	failures += sum(zbig, 5000) != 0;
	a = os_realloc(a, 5);          /* shrink in place */
	failures += sum(a, 5) != 5;
	a = os_realloc(a, 29);         /* grow in place over the split-off rest */
	memset(a + 5, 1, 24);
	failures += sum(a, 29) != 29;
	z = os_realloc(z, 3000);       /* moves: z's neighbours are allocated */
	failures += sum(z, 21) != 0;
	big = os_realloc(big, 100);    /* mapped -> heap */
	failures += sum(big, 100) != 200;
	os_free(a);
	a = os_malloc(16);             /* reuses the freed block */
	memset(a, 3, 16);
	failures += sum(a, 16) != 48;
	os_free(a);
	os_free(z);
	os_free(big);
	os_free(zbig);
	printf("clean: %d failures\n", failures);
	return failures != 0;
}
