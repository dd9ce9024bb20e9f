/* SPDX-License-Identifier: BSD-3-Clause */
/* Planted bugs: the yardstick of the fuzz harnesses (fuzz/planted/bench.sh). A build with
 * -DOSMEM_PLANTED_BUG=N turns bug N on, a small realistic mistake at the real site; without the
 * switch PLANTED(n) is the constant 0, the compiler drops every planted branch and the allocator is
 * exactly the correct one. A bug that needs statements of its own sits inside
 * #ifdef OSMEM_PLANTED_BUG, so that no line of it exists in the real build (nor in its coverage).
 * Never define the switch in a production or test build. */
#ifndef OSMEM_PLANTED_H
#define OSMEM_PLANTED_H

#ifdef OSMEM_PLANTED_BUG
#define PLANTED(n) (OSMEM_PLANTED_BUG == (n))
#else
#define PLANTED(n) 0
#endif

/* One line per bug: number, short name, what is wrong. fuzz/planted/bench.sh reads these lines. */
#define OSMEM_PLANTED_BUGS(X)                                                                      \
	X(1, "split-overlap", "a split sizes the rest one word too big: it overlaps the next block")  \
	X(2, "coalesce-link", "merging a free neighbour leaves the following block's prev stale")     \
	X(3, "calloc-dirty", "calloc assumes heap memory is zero and does not clear a reused block")  \
	X(4, "realloc-copy", "realloc of a mapped block copies 32 bytes too few (header in size)")    \
	X(5, "align-round", "ALIGN adds 6 instead of 7: sizes of 8k+1 bytes round down to 8k")        \
	X(6, "munmap-length", "freeing a mapped block unmaps size bytes, forgetting the header")      \
	X(7, "calloc-overflow", "calloc multiplies nmemb by size without an overflow check")          \
	X(8, "double-free", "realloc to an impossible size frees the block: a later free is double")  \
	X(9, "coalesce-array", "coalescing gathers free blocks in a 16-entry array, unchecked")       \
	X(10, "split-rest-32", "the split minimum is 32, not 40: a 32-byte rest gets size 0")         \
	X(11, "calloc-partial", "calloc zeroes size bytes, not nmemb * size")                         \
	X(12, "tail-grow", "extending the free tail moves the break by the whole size, not the gap") \
	X(13, "split-count", "from an input's 65th split on, a split does not link the rest back")   \
	X(14, "mapped-unlink", "freeing the newest mapped block leaves it at the head of the list") \
	X(15, "realloc-edge", "realloc maps only above 131072: 131033..131040 bytes stay on the heap")

#endif
