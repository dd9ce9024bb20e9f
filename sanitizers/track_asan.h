/* SPDX-License-Identifier: BSD-3-Clause */
/* track.h on AddressSanitizer: poisoned = inaccessible. ASan has no notion of definedness, so
 * "defined" and "undefined" both mean addressable. Include only through track.h. */
#ifndef OSMEM_SANITIZERS_TRACK_ASAN_H
#define OSMEM_SANITIZERS_TRACK_ASAN_H

#include <sanitizer/asan_interface.h>
#include <stdbool.h>

#define OSMEM_TRACKING 1
#define OSMEM_TRACK_KEEPS_BLOCKS 0
#define OSMEM_TRACK_NAME "asan"

/* Exactly `size` bytes addressable: ASan's shadow marks a partial 8-byte granule precisely. */
static inline void track_asan_usable(void *p, size_t size, size_t extent)
{
	__asan_poison_memory_region(p, extent);
	__asan_unpoison_memory_region(p, size);
}

static inline size_t track_asan_requested_size(void *p, size_t extent)
{
	char *first_poisoned = __asan_region_is_poisoned(p, extent);

	return first_poisoned ? (size_t)(first_poisoned - (char *)p) : extent;
}

/* The allocator copies whole aligned payloads; the interceptor behind memcpy would report the
 * poisoned slack, so both ranges are opened for the copy and the destination's slack closed again.
 * The source block is freed right after. */
static inline void track_asan_copy(void *dst, const void *src, size_t n)
{
	char *first_poisoned = __asan_region_is_poisoned(dst, n);

	__asan_unpoison_memory_region(dst, n);
	__asan_unpoison_memory_region(src, n);
	memcpy(dst, src, n);
	if (first_poisoned)
		__asan_poison_memory_region(first_poisoned, (size_t)((char *)dst + n - first_poisoned));
}

#define track_malloc(p, size, extent, zeroed) \
	(TRACK_NOTHING(zeroed), track_asan_usable((p), (size), (extent)))
#define track_free(p, extent) __asan_poison_memory_region((p), (extent))
/* ASan keeps no list of blocks; the emulated heap's reset unpoisons the memory. */
#define track_forget(p) TRACK_NOTHING(p)
#define track_resize(p, old_size, size, extent) \
	(TRACK_NOTHING(old_size), track_asan_usable((p), (size), (extent)))
#define track_mem_noaccess(p, n) __asan_poison_memory_region((p), (n))
#define track_mem_defined(p, n) __asan_unpoison_memory_region((p), (n))
#define track_mem_undefined(p, n) __asan_unpoison_memory_region((p), (n))
#define track_requested_size(p, extent) track_asan_requested_size((p), (extent))
#define track_copy(dst, src, n) track_asan_copy((dst), (src), (n))
#define TRACK_ALLOCATOR_SCOPE() ((void)0)
/* The allocator's files are not instrumented under ASan. */
#define TRACK_UNCHECKED_READS

#endif
