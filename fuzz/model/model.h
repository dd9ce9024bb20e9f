/* SPDX-License-Identifier: BSD-3-Clause */
/* An executable model of the osmem contract (SPEC.md, allocator/README.md's rule table). Pure code:
 * no memory of its own beyond a list of heap blocks (offset from the heap base, payload size,
 * status), the break, whether the heap was preallocated, the live mappings (an id and a size) and a
 * mirror of the emulated OS's refusal plan and limits (allocator/os_layer_emulated.h). For each
 * call it predicts the result (NULL, a heap block, a new mapping), the system calls in order with
 * their arguments, the result's header, and leaves the heap list as the contract says it is after
 * the call. The model changes in place: compare, then go on (or adopt what was observed). */
#ifndef OSMEM_FUZZ_MODEL_H
#define OSMEM_FUZZ_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_HEADER ((size_t)32)
#define MODEL_MMAP_THRESHOLD ((size_t)128 * 1024)
#define MODEL_PAGE_THRESHOLD ((size_t)4096)
#define MODEL_PREALLOC ((size_t)128 * 1024)
#define MODEL_MIN_SPLIT_REST (MODEL_HEADER + 8)
/* The emulated OS's limits (os_layer_emulated.h): a larger request is refused. */
#define MODEL_HEAP_LIMIT ((size_t)256 << 20)
#define MODEL_MAP_LIMIT ((size_t)1 << 30)

/* The fuzzers build the model and its oracle with OSMEM_UNCHECKED_MODEL (.bazelrc's fuzz-common,
 * fuzz/own/own.bzl): between these marks ASan and UBSan leave out their checks, which took a ninth
 * of a libFuzzer run's CPU time. The code computes on the harness's own arrays (the allocator's
 * headers are read through model_oracle.c's read_header, never checked), and its tests still run it
 * under both sanitizers (model_test, oracle_test with --config=asan and --config=ubsan). */
#if defined(OSMEM_UNCHECKED_MODEL) && defined(__clang__)
#define MODEL_UNCHECKED_BEGIN                                                                      \
	_Pragma("clang attribute push(__attribute__((no_sanitize(\"address\", \"undefined\"))), \
apply_to = function)")
#define MODEL_UNCHECKED_END _Pragma("clang attribute pop")
#else
#define MODEL_UNCHECKED_BEGIN
#define MODEL_UNCHECKED_END
#endif
/* Keeps the compiler from turning a copy loop back into a call of the (intercepted) memmove. */
#if defined(__clang__)
#define MODEL_NO_MEM_BUILTINS __attribute__((no_builtin("memmove", "memcpy")))
#else
#define MODEL_NO_MEM_BUILTINS
#endif

/* Harness limits, far above what an input of 512 ops can build. */
#define MODEL_MAX_BLOCKS 4096
#define MODEL_MAX_MAPPINGS 256

/* Heap block statuses are the contract's; a gap (the break moved by another sbrk user) is ours. */
enum model_status { MODEL_FREE = 0, MODEL_ALLOC = 1, MODEL_MAPPED = 2, MODEL_GAP = 3 };

struct model_block {
	size_t offset; /* of the header, from the heap base */
	size_t size;   /* payload bytes (a gap: its whole length) */
	int status;
};

struct model_mapping {
	unsigned id;  /* in the order the model predicted the mmap calls, from 0 per input */
	size_t size;  /* payload bytes: the mapping is MODEL_HEADER + size long */
};

struct model {
	struct model_block blocks[MODEL_MAX_BLOCKS]; /* address order, tiling [first, brk) */
	size_t block_count;
	size_t brk; /* offset of the break from the heap base */
	bool preallocated;
	struct model_mapping maps[MODEL_MAX_MAPPINGS];
	size_t map_count;
	unsigned next_map_id;
	/* The emulated OS's refusal plan: `skip` requests pass, then `refuse` fail. */
	size_t skip, refuse, refuse_munmaps;
	size_t mapped_bytes; /* sum of live mapping lengths */
	bool break_moved_by_other; /* another sbrk user moved the break at least once */
};

enum model_call_kind { MODEL_SBRK, MODEL_MMAP, MODEL_MUNMAP };

struct model_call {
	enum model_call_kind kind;
	intptr_t increment; /* sbrk */
	size_t length;      /* mmap, munmap */
	unsigned map_id;    /* mmap: the mapping it creates; munmap: the one it removes */
	bool refused;       /* the OS says no: sbrk (void *)-1, mmap MAP_FAILED, munmap -1 */
};

enum model_where { MODEL_NOWHERE, MODEL_HEAP, MODEL_MAPPING };

/* A block as the harness names it: a heap header offset, or a mapping id. */
struct model_ref {
	enum model_where where;
	size_t at;
};

#define MODEL_MAX_CALLS 6

/* Rule names: allocator/README.md's rule table, short and stable (tools parse them; the texts are
 * in model.c). One object each, so that a rule is compared by address. */
extern const char RULE_HEADER[];
extern const char RULE_MALLOC_THRESHOLD[];
extern const char RULE_CALLOC_THRESHOLD[];
extern const char RULE_MMAP_CALL[];
extern const char RULE_PREALLOC[];
extern const char RULE_SPLIT[];
extern const char RULE_BEST_FIT[];
extern const char RULE_COALESCE[];
extern const char RULE_COALESCE_ONLY[];
extern const char RULE_GROW_TAIL[];
extern const char RULE_GROW_BREAK[];
extern const char RULE_FREE_MARKS[];
extern const char RULE_MUNMAP[];
extern const char RULE_ZERO[];
extern const char RULE_IMPOSSIBLE[];
extern const char RULE_REFUSED[];
extern const char RULE_LIST[];
extern const char RULE_REALLOC_1[];
extern const char RULE_REALLOC_2[];
extern const char RULE_REALLOC_3[];
extern const char RULE_REALLOC_4[];
extern const char RULE_REALLOC_5[];
extern const char RULE_REALLOC_6[];
extern const char RULE_REALLOC_7_ABSORB[];
extern const char RULE_REALLOC_7_MOVE[];
extern const char RULE_REALLOC_7_MADE_LAST[];
extern const char RULE_BAD_POINTER[];

struct model_outcome {
	struct model_ref result; /* MODEL_NOWHERE: NULL */
	size_t size;             /* the result's header: size and status */
	int status;
	struct model_call calls[MODEL_MAX_CALLS];
	size_t call_count;
	const char *rule;      /* the rule that decided this call */
	const char *placement; /* the malloc rule that placed a new heap block, else NULL */
	const char *threshold; /* the threshold that chose heap or mmap, else NULL */
	bool bad_pointer;      /* the pointer names no live block: ignored (or the process stops) */
	bool unmap_refused;    /* a refused munmap: the mapped block stays */
	/* Best fit's choice, for the message: the run it took and the next one of the same size. */
	size_t fit_size, fit_at, tie_at; /* tie_at SIZE_MAX: no tie */
	/* How many free blocks held the request, and the first of them (first fit's choice). */
	size_t fits, first_fit_at;
	size_t moved_from; /* realloc: the old block's header offset (SIZE_MAX: none / mapped) */
};

void model_reset(struct model *m);

/* osmem_emu_refuse(skip, count) and osmem_emu_refuse_munmap(count), mirrored. */
void model_refuse(struct model *m, size_t skip, size_t count);
void model_refuse_munmaps(struct model *m, size_t count);

/* Another sbrk user moved the break by `increment` (false: over the heap limit, nothing moved). */
bool model_foreign_sbrk(struct model *m, size_t increment);

void model_malloc(struct model *m, size_t size, struct model_outcome *out);
void model_calloc(struct model *m, size_t nmemb, size_t size, struct model_outcome *out);
void model_free(struct model *m, struct model_ref ref, struct model_outcome *out);
void model_realloc(struct model *m, struct model_ref ref, size_t size, struct model_outcome *out);

/* The heap block whose header is at `offset`, or NULL. */
const struct model_block *model_block_at(const struct model *m, size_t offset);
/* The live mapping with this id, or NULL. */
const struct model_mapping *model_mapping(const struct model *m, unsigned id);

/* Observed state, when a tool skips a broken rule and goes on from what the allocator did. */
void model_adopt_heap(struct model *m, const struct model_block *blocks, size_t count, size_t brk);
/* A mapping the model did not predict (false: table full). */
bool model_adopt_mapping(struct model *m, unsigned id, size_t size);
void model_forget_mapping(struct model *m, unsigned id);

/* ALIGN(n) when 32 + ALIGN(n) fits in a size_t; false otherwise. */
bool model_align(size_t size, size_t *aligned);

#endif
