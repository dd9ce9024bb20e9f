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
 * The emulated OS (allocator/os_layer_emulated.c, emulated_maps.c) recycles its mappings instead of
 * unmapping them, and tells whatever tool runs in the process, whether or not the allocator's own
 * annotations are on (the fuzzing configs build ASan without OSMEM_TRACK_ASAN):
 *
 *   TRACK_OS_POISONS             1 when poisoning given-back memory makes every access to it report:
 *                                ASan with the allocator instrumented too (the fuzzing configs).
 *                                0: the OS layer protects the pages (PROT_NONE), which --config=asan
 *                                needs as well, its allocator files being uninstrumented
 *   track_os_poison(p, n)        munmap: [p, p+n) is no memory any more (only where TRACK_OS_POISONS)
 *   track_os_unpoison(p, n)      mmap hands [p, p+n) out again (only where TRACK_OS_POISONS)
 *   track_os_fresh(p, n)         mmap: [p, p+n) reads as zero, defined (MSan, Valgrind)
 *   TRACK_OS_UNCHECKED_READS     function attribute: the OS layer reads given-back pages (is this
 *                                page still zero?) as the kernel would, unchecked
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

/* ---- The emulated OS's vocabulary (see the top) ---- */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OSMEM_TRACK_ASAN_RUNTIME 1
#endif
#if __has_feature(memory_sanitizer)
#define OSMEM_TRACK_MSAN_RUNTIME 1
#endif
#endif
#if defined(OSMEM_TRACK_ASAN_RUNTIME) && !defined(OSMEM_TRACK_ASAN)
#include <sanitizer/asan_interface.h>
#define TRACK_OS_POISONS 1
#define track_os_poison(p, n) __asan_poison_memory_region((p), (n))
#define track_os_unpoison(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define TRACK_OS_POISONS 0
#define track_os_poison(p, n) (TRACK_NOTHING(p), TRACK_NOTHING(n))
#define track_os_unpoison(p, n) (TRACK_NOTHING(p), TRACK_NOTHING(n))
#endif
#if defined(OSMEM_TRACK_MSAN) || defined(OSMEM_TRACK_MSAN_RUNTIME)
#include <sanitizer/msan_interface.h>
/* What the last input left there may be marked uninitialized; the kernel's zeroes are defined. */
#define track_os_fresh(p, n) __msan_unpoison((p), (n))
#elif defined(OSMEM_TRACK_VALGRIND)
#define track_os_fresh(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define track_os_fresh(p, n) (TRACK_NOTHING(p), TRACK_NOTHING(n))
#endif
#define TRACK_OS_UNCHECKED_READS __attribute__((no_sanitize("address", "memory", "undefined")))

#endif
