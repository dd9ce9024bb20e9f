/* SPDX-License-Identifier: BSD-3-Clause */
/* track.h on Valgrind memcheck: client requests, so the same binary runs natively at the cost of
 * a few instructions per request. Include only through track.h. */
#ifndef OSMEM_SANITIZERS_TRACK_VALGRIND_H
#define OSMEM_SANITIZERS_TRACK_VALGRIND_H

#include <stdbool.h>
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

#define OSMEM_TRACKING 1
/* memcheck holds a list of blocks (for leak reports), which tests resetting the heap must clear. */
#define OSMEM_TRACK_KEEPS_BLOCKS 1
#define OSMEM_TRACK_NAME "valgrind"

static inline void track_valgrind_malloc(void *p, size_t size, size_t extent, bool zeroed)
{
	VALGRIND_MAKE_MEM_NOACCESS((char *)p + size, extent - size);
	VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, zeroed);
}

static inline void track_valgrind_free(void *p, size_t extent)
{
	VALGRIND_FREELIKE_BLOCK(p, 0);
	VALGRIND_MAKE_MEM_NOACCESS(p, extent);
}

/* memcheck rejects a resize whose old size differs from the one it registered. */
static inline void track_valgrind_resize(void *p, size_t old_size, size_t size, size_t extent)
{
	VALGRIND_RESIZEINPLACE_BLOCK(p, old_size, size, 0);
	VALGRIND_MAKE_MEM_NOACCESS((char *)p + size, extent - size);
}

static inline bool track_valgrind_addressable(const char *byte)
{
	char vbits;

	/* 3 = unaddressable; memcheck answers without reporting an error. */
	return VALGRIND_GET_VBITS(byte, &vbits, 1) != 3;
}

/* A live block's usable bytes are an addressable prefix of its extent: binary search for its end.
 * Natively (no Valgrind) every byte answers "addressable", which gives the extent. */
static inline size_t track_valgrind_requested_size(void *p, size_t extent)
{
	size_t low = 0, high = extent; /* the answer lies in [low, high] */

	while (low < high) {
		size_t mid = low + (high - low) / 2;

		if (track_valgrind_addressable((char *)p + mid))
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

static inline int track_valgrind_scope_enter(void)
{
	VALGRIND_DISABLE_ERROR_REPORTING;
	return 0;
}

static inline void track_valgrind_scope_leave(int *scope)
{
	(void)scope;
	VALGRIND_ENABLE_ERROR_REPORTING;
}

#define track_malloc(p, size, extent, zeroed) track_valgrind_malloc((p), (size), (extent), (zeroed))
#define track_free(p, extent) track_valgrind_free((p), (extent))
/* memcheck would report a forgotten block as leaked at exit. */
#define track_forget(p) VALGRIND_FREELIKE_BLOCK((p), 0)
#define track_resize(p, old_size, size, extent) \
	track_valgrind_resize((p), (old_size), (size), (extent))
#define track_mem_noaccess(p, n) VALGRIND_MAKE_MEM_NOACCESS((p), (n))
#define track_mem_defined(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define track_mem_undefined(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define track_requested_size(p, extent) track_valgrind_requested_size((p), (extent))
/* Error reporting is off inside the allocator, so the copy may read the old block's slack. */
#define track_copy(dst, src, n) memcpy((dst), (src), (n))
/* Error reporting is off in the allocator; see TRACK_ALLOCATOR_SCOPE. */
#define TRACK_UNCHECKED_READS
/* Disabling nests (os_realloc calls os_malloc): memcheck counts it per thread. */
#define TRACK_ALLOCATOR_SCOPE()                                                              \
	int track_allocator_scope_                                                           \
		__attribute__((cleanup(track_valgrind_scope_leave), unused)) =               \
			track_valgrind_scope_enter()

#endif
