/* SPDX-License-Identifier: BSD-3-Clause */
/* Included by tools/fuzz-own-allocator after a foreign allocator's own source (which brings its
 * struct block_meta, wherever it is declared) and compiled with -fsyntax-only: it compiles only
 * when the header is the contract's (../shared/SPEC.md, "Block layout"), so the contract oracle
 * can read it at ptr - 32. Each assertion's message is what the tool prints when it fails. */
#include <stddef.h>

#define OSMEM_PROBE_IS(expr, type) _Generic((expr), type : 1, default : 0)

_Static_assert(sizeof(struct block_meta) == 32, "sizeof(struct block_meta) is not 32");
_Static_assert(offsetof(struct block_meta, size) == 0, "size is not its first field");
_Static_assert(OSMEM_PROBE_IS(((struct block_meta *)0)->size, size_t), "size is not a size_t");
_Static_assert(offsetof(struct block_meta, status) == 8, "status is not at offset 8");
_Static_assert(OSMEM_PROBE_IS(((struct block_meta *)0)->status, int), "status is not an int");
_Static_assert(offsetof(struct block_meta, prev) == 16, "prev is not at offset 16");
_Static_assert(OSMEM_PROBE_IS(((struct block_meta *)0)->prev, struct block_meta *),
	       "prev is not a struct block_meta *");
_Static_assert(offsetof(struct block_meta, next) == 24, "next is not at offset 24");
_Static_assert(OSMEM_PROBE_IS(((struct block_meta *)0)->next, struct block_meta *),
	       "next is not a struct block_meta *");
#if defined(STATUS_FREE) && defined(STATUS_ALLOC) && defined(STATUS_MAPPED)
_Static_assert(STATUS_FREE == 0 && STATUS_ALLOC == 1 && STATUS_MAPPED == 2,
	       "STATUS_FREE, STATUS_ALLOC, STATUS_MAPPED are not 0, 1, 2");
#endif
