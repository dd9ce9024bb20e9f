/* SPDX-License-Identifier: BSD-3-Clause */
/* track.h on MemorySanitizer: poisoned = uninitialized. MSan cannot express "inaccessible", so
 * freed and slack bytes are made uninitialized (a read that decides something is then reported)
 * and headers are left alone: the allocator reads them. Include only through track.h. */
#ifndef OSMEM_SANITIZERS_TRACK_MSAN_H
#define OSMEM_SANITIZERS_TRACK_MSAN_H

#include <sanitizer/msan_interface.h>
#include <stdbool.h>

#define OSMEM_TRACKING 1
#define OSMEM_TRACK_KEEPS_BLOCKS 0
#define OSMEM_TRACK_NAME "msan"

/* __msan_allocated_memory also records this stack as the origin of the uninitialized bytes. */
static inline void track_msan_malloc(void *p, size_t size, size_t extent, bool zeroed)
{
	__msan_allocated_memory(p, extent);
	if (zeroed)
		__msan_unpoison(p, size);
}

/* Bytes past the old usable size are new to the user: uninitialized whatever they held. */
static inline void track_msan_resize(void *p, size_t old_size, size_t size)
{
	if (size > old_size)
		__msan_poison((char *)p + old_size, size - old_size);
}

#define track_malloc(p, size, extent, zeroed) track_msan_malloc((p), (size), (extent), (zeroed))
#define track_free(p, extent) __msan_poison((p), (extent))
#define track_forget(p) TRACK_NOTHING(p)
#define track_resize(p, old_size, size, extent) \
	(TRACK_NOTHING(extent), track_msan_resize((p), (old_size), (size)))
#define track_mem_noaccess(p, n) (TRACK_NOTHING(p), TRACK_NOTHING(n))
#define track_mem_defined(p, n) __msan_unpoison((p), (n))
#define track_mem_undefined(p, n) __msan_poison((p), (n))
/* MSan keeps no sizes; the slack was poisoned at allocation, so the extent is exact enough. */
#define track_requested_size(p, extent) (TRACK_NOTHING(p), (extent))
#define track_copy(dst, src, n) memcpy((dst), (src), (n))
#define TRACK_ALLOCATOR_SCOPE() ((void)0)
/* MSan still instruments the function (stores keep their shadow) but treats its loads as defined. */
#define TRACK_UNCHECKED_READS __attribute__((no_sanitize("memory")))

#endif
