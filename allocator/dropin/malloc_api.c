/* SPDX-License-Identifier: BSD-3-Clause */
/* The C library's allocation API on top of osmem, for LD_PRELOAD (README.md, "The drop-in malloc").
 * Each call takes the drop-in lock around the os_* calls it makes. osmem's own edge cases differ
 * from the C standard's where a program would notice, so they are answered here: malloc(0) returns
 * a unique pointer, every failure sets errno to ENOMEM, free leaves errno alone. Alignments above
 * 16 come from an over-sized block (aligned_table.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator/block_meta.h"
#include "allocator/dropin/aligned_table.h"
#include "allocator/dropin/lock.h"
#include "allocator/osmem.h"
#include "sanitizers/track.h"

/* What every osmem payload is aligned to in this build (-DOSMEM_ALIGNMENT=16). */
#define NATURAL_ALIGNMENT 16

/* Exported names: the version script (libosmem_malloc.lds) keeps exactly these. */
void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);
void *reallocarray(void *ptr, size_t nmemb, size_t size);
int posix_memalign(void **out, size_t alignment, size_t size);
void *aligned_alloc(size_t alignment, size_t size);
void *memalign(size_t alignment, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);
size_t malloc_usable_size(void *ptr);

static void *out_of_memory(void)
{
	errno = ENOMEM;
	return NULL;
}

static void *unless_null(void *result)
{
	return result ? result : out_of_memory();
}

/* osmem returns NULL for 0 bytes; C wants a pointer that free accepts. */
static size_t at_least_one(size_t size)
{
	return size ? size : 1;
}

void *malloc(size_t size)
{
	void *result;

	dropin_lock();
	result = os_malloc(at_least_one(size));
	dropin_unlock();
	return unless_null(result);
}

void *calloc(size_t nmemb, size_t size)
{
	size_t total;
	void *result;

	if (__builtin_mul_overflow(nmemb, size, &total))
		return out_of_memory();
	dropin_lock();
	result = total ? os_calloc(nmemb, size) : os_calloc(1, 1);
	dropin_unlock();
	return unless_null(result);
}

/* The payload osmem gave out for a pointer this library returned. Under the lock. */
static void *payload_of_pointer(void *ptr)
{
	return (char *)ptr - aligned_table_offset(ptr);
}

/* Usable bytes from `ptr` to the end of its block: the header's size, as the contract lets callers
 * read it, less the over-alignment offset. Under Valgrind the slack past the requested size is
 * inaccessible, so there the usable size is the requested one. Under the lock. */
static size_t usable_size(void *ptr)
{
	size_t offset = aligned_table_offset(ptr);
	void *payload = (char *)ptr - offset;
	const struct block_meta *header = (const struct block_meta *)payload - 1;

	return track_requested_size(payload, header->size) - offset;
}

void free(void *ptr)
{
	int saved_errno = errno;
	void *payload;

	if (!ptr)
		return;
	dropin_lock();
	payload = payload_of_pointer(ptr);
	if (payload != ptr)
		aligned_table_remove(ptr);
	os_free(payload);
	dropin_unlock();
	errno = saved_errno;
}

/* An over-aligned block moves to a plain one: osmem cannot resize it in place, since the aligned
 * pointer is not its payload start. Under the lock. */
static void *realloc_over_aligned(void *ptr, size_t size)
{
	size_t keep = usable_size(ptr);
	void *fresh = os_malloc(size);

	if (!fresh)
		return NULL;
	memcpy(fresh, ptr, keep < size ? keep : size);
	os_free(payload_of_pointer(ptr));
	aligned_table_remove(ptr);
	return fresh;
}

/* realloc(ptr, 0) frees and returns NULL, as glibc's does. */
void *realloc(void *ptr, size_t size)
{
	void *result;

	if (!ptr)
		return malloc(size);
	if (!size) {
		free(ptr);
		return NULL;
	}
	dropin_lock();
	if (aligned_table_offset(ptr))
		result = realloc_over_aligned(ptr, size);
	else
		result = os_realloc(ptr, size);
	dropin_unlock();
	return unless_null(result);
}

void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(nmemb, size, &total))
		return out_of_memory();
	return realloc(ptr, total);
}

static bool power_of_two(size_t x)
{
	return x && !(x & (x - 1));
}

/* An osmem block with room for `size` bytes at an `alignment` boundary (a power of two). */
static void *allocate_aligned(size_t alignment, size_t size)
{
	size_t padded;
	char *payload, *aligned;

	if (alignment <= NATURAL_ALIGNMENT)
		return malloc(size);
	if (__builtin_add_overflow(at_least_one(size), alignment, &padded))
		return out_of_memory();
	dropin_lock();
	payload = os_malloc(padded);
	aligned = (char *)(((uintptr_t)payload + alignment - 1) & ~(uintptr_t)(alignment - 1));
	if (payload && aligned != payload && !aligned_table_add(aligned, aligned - payload)) {
		os_free(payload);
		payload = aligned = NULL;
	}
	dropin_unlock();
	return payload ? aligned : out_of_memory();
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
	int saved_errno = errno;
	void *result;

	if (!power_of_two(alignment) || alignment % sizeof(void *))
		return EINVAL;
	result = allocate_aligned(alignment, size);
	errno = saved_errno;
	if (!result)
		return ENOMEM;
	*out = result;
	return 0;
}

/* C17: the alignment must be one the implementation supports, any power of two here. */
void *aligned_alloc(size_t alignment, size_t size)
{
	if (!power_of_two(alignment)) {
		errno = EINVAL;
		return NULL;
	}
	return allocate_aligned(alignment, size);
}

/* glibc's memalign rounds an alignment that is not a power of two up to the next one. */
void *memalign(size_t alignment, size_t size)
{
	size_t rounded = 1;

	if (alignment > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	while (rounded < alignment)
		rounded <<= 1;
	return allocate_aligned(rounded, size);
}

void *valloc(size_t size)
{
	return allocate_aligned((size_t)getpagesize(), size);
}

/* The size rounded up to whole pages, page-aligned. */
void *pvalloc(size_t size)
{
	size_t page = (size_t)getpagesize(), pages;

	if (__builtin_add_overflow(size, page - 1, &pages))
		return out_of_memory();
	return allocate_aligned(page, pages & ~(page - 1));
}

size_t malloc_usable_size(void *ptr)
{
	size_t size;

	if (!ptr)
		return 0;
	dropin_lock();
	size = usable_size(ptr);
	dropin_unlock();
	return size;
}
