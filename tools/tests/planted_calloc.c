/* SPDX-License-Identifier: BSD-3-Clause */
/* The planted bug of planted_calloc.h: the real os_calloc, then a dirty last byte. */
#include <stddef.h>

void *planted_calloc(size_t nmemb, size_t size);
void *real_os_calloc(size_t nmemb, size_t size) __asm__("os_calloc");

void *planted_calloc(size_t nmemb, size_t size)
{
	unsigned char *ptr = real_os_calloc(nmemb, size);

	if (ptr && nmemb * size >= 16)
		ptr[nmemb * size - 1] = 0x55;
	return ptr;
}
