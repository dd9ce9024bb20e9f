/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/model/model.h"

#include <assert.h>
#include <string.h>

MODEL_UNCHECKED_BEGIN

const char RULE_HEADER[] = "header at ptr - 32";
const char RULE_MALLOC_THRESHOLD[] = "malloc threshold 32 + ALIGN(n) < 131072";
const char RULE_CALLOC_THRESHOLD[] = "calloc threshold 32 + ALIGN(k*n) < 4096";
const char RULE_MMAP_CALL[] = "mmap length 32 + ALIGN(n), not page-rounded";
const char RULE_PREALLOC[] = "preallocation: one sbrk(131072), one free block of 131040, then split";
const char RULE_SPLIT[] = "split when the rest is >= 40";
const char RULE_BEST_FIT[] = "best fit, tie to the lowest address";
const char RULE_COALESCE[] = "coalescing before the search";
const char RULE_COALESCE_ONLY[] = "coalescing only before the search";
const char RULE_GROW_TAIL[] = "growth: free last block grows by ALIGN(n) - last->size";
const char RULE_GROW_BREAK[] = "growth: new block at the break with 32 + ALIGN(n)";
const char RULE_FREE_MARKS[] = "free of a heap block only marks it; the break never shrinks";
const char RULE_MUNMAP[] = "free of a mapped block: munmap(header, 32 + ALIGN(size))";
const char RULE_ZERO[] = "malloc(0), calloc(0,n), calloc(n,0), realloc(NULL,0): NULL, no syscall";
const char RULE_IMPOSSIBLE[] = "impossible sizes: NULL, nothing changes";
const char RULE_REFUSED[] = "the OS refuses: NULL, heap consistent";
const char RULE_LIST[] = "heap list: one doubly linked list in address order";
const char RULE_REALLOC_1[] = "realloc rule 1: NULL is malloc, size 0 frees";
const char RULE_REALLOC_2[] = "realloc rule 2: a free block gives NULL";
const char RULE_REALLOC_3[] = "realloc rule 3: a mapped block moves, allocate before munmap";
const char RULE_REALLOC_4[] = "realloc rule 4: heap to mmap, old block free";
const char RULE_REALLOC_5[] = "realloc rule 5: shrink in place, split";
const char RULE_REALLOC_6[] = "realloc rule 6: the last block grows in place";
const char RULE_REALLOC_7_ABSORB[] = "realloc rule 7: absorb one follower at a time, stop when big enough";
const char RULE_REALLOC_7_MOVE[] = "realloc rule 7: too small, stays merged and moves";
const char RULE_REALLOC_7_MADE_LAST[] = "realloc rule 7: made last by merging, moved not extended";
const char RULE_BAD_POINTER[] = "bad pointers: ignored or one line and stop";

void model_reset(struct model *m)
{
	m->block_count = 0;
	m->brk = 0;
	m->preallocated = false;
	m->map_count = 0;
	m->next_map_id = 0;
	m->skip = m->refuse = m->refuse_munmaps = 0;
	m->mapped_bytes = 0;
	m->break_moved_by_other = false;
}

void model_refuse(struct model *m, size_t skip, size_t count)
{
	m->skip = skip;
	m->refuse = count;
}

void model_refuse_munmaps(struct model *m, size_t count)
{
	m->refuse_munmaps = count;
}

bool model_align(size_t size, size_t *aligned)
{
	if (size > SIZE_MAX - 7 - MODEL_HEADER)
		return false;
	*aligned = (size + 7) & ~(size_t)7;
	return true;
}

/* ---- the heap list ---- */

static size_t block_end(const struct model_block *b)
{
	return b->offset + (b->status == MODEL_GAP ? 0 : MODEL_HEADER) + b->size;
}

static size_t find_block(const struct model *m, size_t offset)
{
	for (size_t i = 0; i < m->block_count; i++) {
		if (m->blocks[i].offset == offset && m->blocks[i].status != MODEL_GAP)
			return i;
	}
	return SIZE_MAX;
}

const struct model_block *model_block_at(const struct model *m, size_t offset)
{
	size_t i = find_block(m, offset);

	return i == SIZE_MAX ? NULL : &m->blocks[i];
}

/* The highest heap block (gaps are not blocks), or SIZE_MAX. */
static size_t last_block(const struct model *m)
{
	for (size_t i = m->block_count; i-- > 0;) {
		if (m->blocks[i].status != MODEL_GAP)
			return i;
	}
	return SIZE_MAX;
}

/* A block at a time, not memmove: in the fuzzers' ASan builds memmove is ASan's interceptor, which
 * copies a byte at a time even where the model runs unchecked (0.9% of a fuzzing run went
 * there). */
MODEL_NO_MEM_BUILTINS static void insert_block(struct model *m, size_t i, struct model_block b)
{
	assert(m->block_count < MODEL_MAX_BLOCKS); /* an input of 512 ops makes far fewer */
	for (size_t j = m->block_count; j > i; j--)
		m->blocks[j] = m->blocks[j - 1];
	m->blocks[i] = b;
	m->block_count++;
}

MODEL_NO_MEM_BUILTINS static void remove_block(struct model *m, size_t i)
{
	m->block_count--;
	for (size_t j = i; j < m->block_count; j++)
		m->blocks[j] = m->blocks[j + 1];
}

/* A block placed where the break was: what lies between the last block and it is a gap. */
static void append_block(struct model *m, size_t offset, size_t size, int status)
{
	size_t end = m->block_count ? block_end(&m->blocks[m->block_count - 1]) : 0;

	if (offset > end)
		insert_block(m, m->block_count, (struct model_block){ end, offset - end, MODEL_GAP });
	insert_block(m, m->block_count, (struct model_block){ offset, size, status });
}

/* Block i absorbs its successor when that one is free (a gap is not adjacent). */
static bool absorb_next(struct model *m, size_t i)
{
	if (i + 1 >= m->block_count || m->blocks[i + 1].status != MODEL_FREE)
		return false;
	m->blocks[i].size += MODEL_HEADER + m->blocks[i + 1].size;
	remove_block(m, i + 1);
	return true;
}

static void coalesce(struct model *m)
{
	for (size_t i = 0; i < m->block_count; i++) {
		if (m->blocks[i].status == MODEL_FREE)
			while (absorb_next(m, i))
				;
	}
}

static void split(struct model *m, size_t i, size_t aligned)
{
	struct model_block *b = &m->blocks[i];
	size_t rest;

	if (b->size - aligned < MODEL_MIN_SPLIT_REST)
		return;
	rest = b->size - aligned - MODEL_HEADER;
	b->size = aligned;
	insert_block(m, i + 1, (struct model_block){ b->offset + MODEL_HEADER + aligned, rest,
						      MODEL_FREE });
}

/* ---- the OS, as the emulated layer answers ---- */

static struct model_call *add_call(struct model_outcome *out, enum model_call_kind kind)
{
	assert(out->call_count < MODEL_MAX_CALLS);
	out->calls[out->call_count] = (struct model_call){ .kind = kind };
	return &out->calls[out->call_count++];
}

/* The plan counts memory requests (a positive sbrk, an mmap), as osmem_emu_refuse says. */
static bool planned_refusal(struct model *m)
{
	if (m->skip) {
		m->skip--;
		return false;
	}
	if (!m->refuse)
		return false;
	m->refuse--;
	return true;
}

/* sbrk(increment); true when the break moved. */
static bool os_sbrk(struct model *m, intptr_t increment, struct model_outcome *out)
{
	struct model_call *call = add_call(out, MODEL_SBRK);

	call->increment = increment;
	if (increment > 0 && (planned_refusal(m) || (size_t)increment > MODEL_HEAP_LIMIT - m->brk))
		call->refused = true;
	else
		m->brk += (size_t)increment;
	return !call->refused;
}

/* mmap of a block of `size` payload bytes; true when it was mapped (then out->result names it). */
static bool os_mmap(struct model *m, size_t size, struct model_outcome *out)
{
	struct model_call *call = add_call(out, MODEL_MMAP);

	call->length = MODEL_HEADER + size;
	if (planned_refusal(m) || call->length > MODEL_MAP_LIMIT - m->mapped_bytes) {
		call->refused = true;
		return false;
	}
	assert(m->map_count < MODEL_MAX_MAPPINGS);
	call->map_id = m->next_map_id++;
	m->maps[m->map_count++] = (struct model_mapping){ call->map_id, size };
	m->mapped_bytes += call->length;
	out->result = (struct model_ref){ MODEL_MAPPING, call->map_id };
	out->size = size;
	out->status = MODEL_MAPPED;
	return true;
}

static size_t find_mapping(const struct model *m, unsigned id)
{
	for (size_t i = 0; i < m->map_count; i++) {
		if (m->maps[i].id == id)
			return i;
	}
	return SIZE_MAX;
}

const struct model_mapping *model_mapping(const struct model *m, unsigned id)
{
	size_t i = find_mapping(m, id);

	return i == SIZE_MAX ? NULL : &m->maps[i];
}

void model_forget_mapping(struct model *m, unsigned id)
{
	size_t i = find_mapping(m, id);

	if (i == SIZE_MAX)
		return;
	m->mapped_bytes -= MODEL_HEADER + m->maps[i].size;
	m->maps[i] = m->maps[--m->map_count];
}

bool model_adopt_mapping(struct model *m, unsigned id, size_t size)
{
	if (m->map_count == MODEL_MAX_MAPPINGS)
		return false;
	m->maps[m->map_count++] = (struct model_mapping){ id, size };
	m->mapped_bytes += MODEL_HEADER + size;
	if (id >= m->next_map_id)
		m->next_map_id = id + 1;
	return true;
}

static void os_munmap(struct model *m, size_t i, struct model_outcome *out)
{
	struct model_call *call = add_call(out, MODEL_MUNMAP);

	call->map_id = m->maps[i].id;
	call->length = MODEL_HEADER + m->maps[i].size;
	if (m->refuse_munmaps) {
		m->refuse_munmaps--;
		call->refused = out->unmap_refused = true;
		return;
	}
	model_forget_mapping(m, call->map_id);
}

bool model_foreign_sbrk(struct model *m, size_t increment)
{
	if (increment > MODEL_HEAP_LIMIT - m->brk)
		return false;
	m->brk += increment;
	m->break_moved_by_other = m->break_moved_by_other || increment > 0;
	return true;
}

/* ---- the malloc rules ---- */

static void start_outcome(struct model_outcome *out, const char *rule)
{
	memset(out, 0, sizeof(*out));
	out->rule = rule;
	out->tie_at = out->moved_from = SIZE_MAX;
}

static void heap_result(struct model_outcome *out, const struct model_block *b)
{
	out->result = (struct model_ref){ MODEL_HEAP, b->offset };
	out->size = b->size;
	out->status = b->status;
}

/* The smallest free block that holds `aligned`, the lowest address on a tie; SIZE_MAX if none. */
static size_t best_fit(const struct model *m, size_t aligned, struct model_outcome *out)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < m->block_count; i++) {
		const struct model_block *b = &m->blocks[i];

		if (b->status != MODEL_FREE || b->size < aligned)
			continue;
		if (!out->fits++)
			out->first_fit_at = b->offset;
		if (best == SIZE_MAX || b->size < m->blocks[best].size) {
			best = i;
			out->tie_at = SIZE_MAX;
		} else if (b->size == m->blocks[best].size && out->tie_at == SIZE_MAX) {
			out->tie_at = b->offset;
		}
	}
	if (best != SIZE_MAX) {
		out->fit_size = m->blocks[best].size;
		out->fit_at = m->blocks[best].offset;
	}
	return best;
}

static bool preallocate(struct model *m, struct model_outcome *out)
{
	size_t start = m->brk;

	if (!os_sbrk(m, (intptr_t)MODEL_PREALLOC, out))
		return false;
	append_block(m, start, MODEL_PREALLOC - MODEL_HEADER, MODEL_FREE);
	m->preallocated = true;
	return true;
}

/* The free last block grows to `aligned` in place. osmem's choice when another sbrk user moved the
 * break past it: the bytes are given back and the block goes at the break (`*moved`). A last
 * block short of the break with no other sbrk user is a heap adopted from an allocator whose
 * headers do not tile it (a skipped rule): the contract's growth is what its headers ask for. */
static bool grow_last(struct model *m, size_t i, size_t aligned, struct model_outcome *out,
		      bool *moved)
{
	intptr_t increment = (intptr_t)(aligned - m->blocks[i].size);
	bool at_break = block_end(&m->blocks[i]) == m->brk || !m->break_moved_by_other;

	*moved = false;
	if (!os_sbrk(m, increment, out))
		return false;
	if (!at_break) {
		os_sbrk(m, -increment, out);
		*moved = true;
		return true;
	}
	m->blocks[i].size = aligned;
	return true;
}

static bool new_block_at_break(struct model *m, size_t aligned, struct model_outcome *out)
{
	size_t start = m->brk;

	if (!os_sbrk(m, (intptr_t)(MODEL_HEADER + aligned), out))
		return false;
	append_block(m, start, aligned, MODEL_ALLOC);
	heap_result(out, &m->blocks[m->block_count - 1]);
	out->placement = RULE_GROW_BREAK;
	return true;
}

/* A heap-sized request by the malloc rules: preallocate or coalesce, best fit and split, else grow
 * the free last block, else a new block at the break. False when the OS refused. */
static bool heap_alloc(struct model *m, size_t aligned, struct model_outcome *out)
{
	size_t i, last;
	bool moved;

	if (!m->preallocated) {
		if (!preallocate(m, out))
			return false;
		out->placement = RULE_PREALLOC;
	} else {
		coalesce(m);
		out->placement = RULE_BEST_FIT;
	}
	i = best_fit(m, aligned, out);
	if (i != SIZE_MAX) {
		split(m, i, aligned);
		m->blocks[i].status = MODEL_ALLOC;
		heap_result(out, &m->blocks[i]);
		return true;
	}
	last = last_block(m);
	if (last != SIZE_MAX && m->blocks[last].status == MODEL_FREE) {
		if (!grow_last(m, last, aligned, out, &moved))
			return false;
		if (!moved) {
			m->blocks[last].status = MODEL_ALLOC;
			heap_result(out, &m->blocks[last]);
			out->placement = RULE_GROW_TAIL;
			return true;
		}
	}
	return new_block_at_break(m, aligned, out);
}

/* Heap below `threshold` (header included), a fresh mapping otherwise. */
static bool alloc_block(struct model *m, size_t aligned, size_t threshold,
			struct model_outcome *out)
{
	if (MODEL_HEADER + aligned < threshold)
		return heap_alloc(m, aligned, out);
	return os_mmap(m, aligned, out);
}

/* A request of `total` bytes (representable when `ok`) by the malloc rules. */
static void allocate(struct model *m, size_t total, bool ok, size_t threshold,
		     struct model_outcome *out)
{
	size_t aligned;

	if (!ok || (total && !model_align(total, &aligned))) {
		out->rule = RULE_IMPOSSIBLE;
		return;
	}
	if (!total) {
		out->rule = RULE_ZERO;
		return;
	}
	if (!alloc_block(m, aligned, threshold, out)) {
		out->result.where = MODEL_NOWHERE;
		out->rule = RULE_REFUSED;
		return;
	}
	if (out->result.where == MODEL_HEAP && out->rule == out->threshold)
		out->rule = out->placement;
}

void model_malloc(struct model *m, size_t size, struct model_outcome *out)
{
	start_outcome(out, RULE_MALLOC_THRESHOLD);
	out->threshold = RULE_MALLOC_THRESHOLD;
	allocate(m, size, true, MODEL_MMAP_THRESHOLD, out);
}

void model_calloc(struct model *m, size_t nmemb, size_t size, struct model_outcome *out)
{
	size_t total = 0;
	bool ok = !__builtin_mul_overflow(nmemb, size, &total);

	start_outcome(out, RULE_CALLOC_THRESHOLD);
	out->threshold = RULE_CALLOC_THRESHOLD;
	if (!nmemb || !size)
		out->rule = RULE_ZERO;
	else
		allocate(m, total, ok, MODEL_PAGE_THRESHOLD, out);
}

/* ---- free and realloc ---- */

static void release(struct model *m, struct model_ref ref, struct model_outcome *out)
{
	size_t i;

	if (ref.where == MODEL_HEAP) {
		i = find_block(m, ref.at);
		if (i != SIZE_MAX && m->blocks[i].status == MODEL_ALLOC) {
			m->blocks[i].status = MODEL_FREE;
			return;
		}
	} else if (ref.where == MODEL_MAPPING) {
		i = find_mapping(m, (unsigned)ref.at);
		if (i != SIZE_MAX) {
			os_munmap(m, i, out);
			return;
		}
	}
	out->bad_pointer = true;
	out->rule = RULE_BAD_POINTER;
}

void model_free(struct model *m, struct model_ref ref, struct model_outcome *out)
{
	start_outcome(out, ref.where == MODEL_MAPPING ? RULE_MUNMAP :
			   ref.where == MODEL_HEAP    ? RULE_FREE_MARKS :
							RULE_ZERO);
	if (ref.where != MODEL_NOWHERE)
		release(m, ref, out);
}

/* Rules 3, 4 and the end of 7: a new block by the malloc rules while the old one is still
 * allocated, then the old one goes. NULL (nothing else changes) when the OS refuses. */
static void move_block(struct model *m, struct model_ref old, size_t aligned,
		       struct model_outcome *out)
{
	if (!alloc_block(m, aligned, MODEL_MMAP_THRESHOLD, out)) {
		out->result.where = MODEL_NOWHERE;
		out->rule = RULE_REFUSED;
		return;
	}
	release(m, old, out);
}

static void realloc_heap(struct model *m, size_t i, size_t aligned, struct model_outcome *out)
{
	struct model_ref self = { MODEL_HEAP, m->blocks[i].offset };
	bool moved;

	out->moved_from = self.at;
	if (MODEL_HEADER + aligned >= MODEL_MMAP_THRESHOLD) {
		out->rule = RULE_REALLOC_4;
		move_block(m, self, aligned, out);
		return;
	}
	if (aligned <= m->blocks[i].size) {
		out->rule = RULE_REALLOC_5;
		split(m, i, aligned);
		heap_result(out, &m->blocks[i]);
		return;
	}
	if (i == last_block(m)) {
		out->rule = RULE_REALLOC_6;
		if (!grow_last(m, i, aligned, out, &moved)) {
			out->rule = RULE_REFUSED;
			return;
		}
		if (!moved) {
			heap_result(out, &m->blocks[i]);
			return;
		}
		move_block(m, self, aligned, out);
		return;
	}
	out->rule = RULE_REALLOC_7_ABSORB;
	while (m->blocks[i].size < aligned && absorb_next(m, i))
		;
	if (m->blocks[i].size >= aligned) {
		split(m, i, aligned);
		heap_result(out, &m->blocks[i]);
		return;
	}
	out->rule = i == last_block(m) ? RULE_REALLOC_7_MADE_LAST : RULE_REALLOC_7_MOVE;
	move_block(m, self, aligned, out);
}

void model_realloc(struct model *m, struct model_ref ref, size_t size, struct model_outcome *out)
{
	size_t aligned, i;

	if (ref.where == MODEL_NOWHERE) {
		model_malloc(m, size, out); /* rule 1 */
		return;
	}
	if (!size) {
		model_free(m, ref, out);
		out->rule = out->bad_pointer ? RULE_BAD_POINTER : RULE_REALLOC_1;
		return;
	}
	start_outcome(out, RULE_REALLOC_2);
	out->threshold = RULE_MALLOC_THRESHOLD;
	i = ref.where == MODEL_HEAP ? find_block(m, ref.at) : SIZE_MAX;
	if (i != SIZE_MAX && m->blocks[i].status == MODEL_FREE)
		return; /* rule 2 */
	if (i == SIZE_MAX && (ref.where == MODEL_HEAP || !model_mapping(m, (unsigned)ref.at))) {
		out->rule = RULE_BAD_POINTER;
		out->bad_pointer = true;
		return;
	}
	if (!model_align(size, &aligned)) {
		out->rule = RULE_IMPOSSIBLE;
		return;
	}
	if (i != SIZE_MAX) {
		realloc_heap(m, i, aligned, out);
		return;
	}
	out->rule = RULE_REALLOC_3;
	move_block(m, ref, aligned, out);
}

void model_adopt_heap(struct model *m, const struct model_block *blocks, size_t count, size_t brk)
{
	m->block_count = 0;
	for (size_t i = 0; i < count && i < MODEL_MAX_BLOCKS / 2; i++)
		append_block(m, blocks[i].offset, blocks[i].size, blocks[i].status);
	m->brk = brk;
	m->preallocated = m->preallocated || count > 0;
}

MODEL_UNCHECKED_END
