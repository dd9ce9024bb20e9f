/* SPDX-License-Identifier: BSD-3-Clause */
/* What the allocator tells memory tools about its blocks: one small vocabulary, mapped at compile
 * time onto AddressSanitizer's poisoning interface (OSMEM_TRACK_ASAN), MemorySanitizer's
 * (OSMEM_TRACK_MSAN), Valgrind memcheck's client requests (OSMEM_TRACK_VALGRIND), or onto nothing
 * at all in a plain build, where no macro generates code and no argument is evaluated.
 *
 *   track_malloc(p, size, extent, zeroed)  a block is handed out: [p, p+size) usable (defined when
 *                                           zeroed), [p+size, p+extent) inaccessible
 *   track_free(p, extent)                   a block is taken back: [p, p+extent) inaccessible
 *   track_resize(p, old_size, size, extent) in-place realloc from old_size to size usable bytes
 *   track_mem_noaccess/defined/undefined(p, n)
 *   track_map(p, length)                    a fresh mmap: inaccessible up to its page end
 *   track_unmap(p, length)                  just before munmap: the range goes back open
 *   track_forget(p)                         a live block is dropped without os_free (test reset);
 *                                           needed only where OSMEM_TRACK_KEEPS_BLOCKS
 *   track_requested_size(p, extent)         the usable size the tool holds for a live block
 *                                           (extent where the tool cannot tell)
 *   track_copy(dst, src, n)                 the allocator's own raw copy between blocks
 *   TRACK_ALLOCATOR_SCOPE()                 the allocator's own code runs from here to the end of
 *                                           the enclosing block (see "Own accesses" below)
 *   TRACK_UNCHECKED_READS                   function attribute: reads of memory that may be
 *                                           uninitialized on purpose (a candidate header that is
 *                                           really payload, told apart by its seal)
 *
 * What is inaccessible: the links (prev, next) of every header and the whole of a free block; the
 * slack between the requested and the aligned size; a mapping's page tail. size and status stay
 * readable because the contract lets callers read them; the seal guards them against writes.
 *
 * Own accesses: the allocator must read and write memory the tools are told is inaccessible. It
 * does so as a memory runtime does, unchecked: under ASan the allocator's files are compiled
 * without instrumentation (.bazelrc --per_file_copt; without it every header access reports at
 * once), under Valgrind error reporting is off while an os_* call runs (TRACK_ALLOCATOR_SCOPE), and
 * under MSan headers are never poisoned (MSan has no "inaccessible", only "uninitialized", and the
 * allocator stores only defined values into headers). The price: in a tool build a wild access by
 * the allocator itself is not reported by the tool; the heap checker and the fuzz oracle watch that.
 */
#ifndef OSMEM_SANITIZERS_TRACK_H
#define OSMEM_SANITIZERS_TRACK_H

#include <stddef.h>
#include <string.h>

#if defined(OSMEM_TRACK_ASAN) + defined(OSMEM_TRACK_MSAN) + defined(OSMEM_TRACK_VALGRIND) > 1
#error "select at most one of OSMEM_TRACK_ASAN, OSMEM_TRACK_MSAN, OSMEM_TRACK_VALGRIND"
#endif

/* Arguments a mapping ignores are named inside sizeof only: never evaluated, yet not "unused". */
#define TRACK_NOTHING(x) ((void)sizeof(x))

#if defined(OSMEM_TRACK_ASAN)
#include "sanitizers/track_asan.h"
#elif defined(OSMEM_TRACK_MSAN)
#include "sanitizers/track_msan.h"
#elif defined(OSMEM_TRACK_VALGRIND)
#include "sanitizers/track_valgrind.h"
#endif

#if !OSMEM_TRACKING
#define OSMEM_TRACKING 0
#define OSMEM_TRACK_KEEPS_BLOCKS 0
#define OSMEM_TRACK_NAME "plain"
#define track_malloc(p, size, extent, zeroed) \
	(TRACK_NOTHING(p), TRACK_NOTHING(size), TRACK_NOTHING(extent), TRACK_NOTHING(zeroed))
#define track_free(p, extent) (TRACK_NOTHING(p), TRACK_NOTHING(extent))
#define track_forget(p) TRACK_NOTHING(p)
#define track_resize(p, old_size, size, extent) \
	(TRACK_NOTHING(p), TRACK_NOTHING(old_size), TRACK_NOTHING(size), TRACK_NOTHING(extent))
#define track_mem_noaccess(p, n) (TRACK_NOTHING(p), TRACK_NOTHING(n))
#define track_mem_defined(p, n) (TRACK_NOTHING(p), TRACK_NOTHING(n))
#define track_mem_undefined(p, n) (TRACK_NOTHING(p), TRACK_NOTHING(n))
#define track_requested_size(p, extent) (TRACK_NOTHING(p), (extent))
#define track_copy(dst, src, n) memcpy((dst), (src), (n))
#define track_map(p, length) (TRACK_NOTHING(p), TRACK_NOTHING(length))
#define track_unmap(p, length) (TRACK_NOTHING(p), TRACK_NOTHING(length))
#define TRACK_ALLOCATOR_SCOPE() ((void)0)
#define TRACK_UNCHECKED_READS
#else
#include <unistd.h>

/* The kernel maps whole pages; the contract's mmap length is not page-rounded, and the tail of the
 * last page belongs to no block. */
static inline size_t track_page_end(size_t length)
{
	size_t page = (size_t)getpagesize();

	return (length + page - 1) / page * page;
}

#define track_map(p, length) track_mem_noaccess((p), track_page_end(length))
/* ASan's shadow outlives the mapping: whoever maps these addresses next must find them open. */
#define track_unmap(p, length) track_mem_undefined((p), track_page_end(length))
#endif

#endif
