/* SPDX-License-Identifier: BSD-3-Clause */
/* A single-file allocator with a main of its own, as some course submissions are (test data for
 * fuzz/own/own_allocator_test.sh): every block is one mapping with its length in the 32 bytes in
 * front, so it has no struct block_meta and fuzz-own-allocator checks it in memory-only mode. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define HEADER 32
#define LARGEST (SIZE_MAX / 2)

void *os_malloc(size_t size);
void os_free(void *ptr);
void *os_calloc(size_t nmemb, size_t size);
void *os_realloc(void *ptr, size_t size);

void *os_malloc(size_t size)
{
	char *block;

	if (!size || size > LARGEST)
		return NULL;
	size = (size + 7) & ~(size_t)7;
	block = mmap(NULL, HEADER + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (block == MAP_FAILED)
		return NULL;
	memcpy(block, &size, sizeof(size));
	return block + HEADER;
}

static size_t size_of(const void *ptr)
{
	size_t size;

	memcpy(&size, (const char *)ptr - HEADER, sizeof(size));
	return size;
}

void os_free(void *ptr)
{
	if (ptr)
		munmap((char *)ptr - HEADER, HEADER + size_of(ptr));
}

void *os_calloc(size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	return os_malloc(nmemb * size); /* fresh mappings read as zero */
}

void *os_realloc(void *ptr, size_t size)
{
	void *moved;

	if (!ptr)
		return os_malloc(size);
	if (!size) {
		os_free(ptr);
		return NULL;
	}
	moved = os_malloc(size);
	if (!moved)
		return NULL;
	memcpy(moved, ptr, size < size_of(ptr) ? size : size_of(ptr));
	os_free(ptr);
	return moved;
}

int main(void)
{
	char *p = os_malloc(10);

	strcpy(p, "hello");
	os_free(p);
	return 0;
}
