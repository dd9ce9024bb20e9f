/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/executor/misuse.h"

#include <stdint.h>
#include <string.h>

#include "allocator/block_meta.h"
#include "allocator/os_layer_emulated.h"
#include "fuzz/executor/bad_pointers.h"
#include "fuzz/executor/calls.h"
#include "fuzz/oracle/contract.h"
#include "fuzz/verdict/failure.h"
#include "fuzz/oracle/faults.h"
#include "fuzz/oracle/graveyard.h"
#include "fuzz/oracle/model_oracle.h"
#include "fuzz/oracle/pattern.h"
#include "fuzz/oracle/shadow.h"

/* A foreign sbrk arg below this moves the break by 8 * (arg + 1) bytes; from it on, to
 * (arg - FOREIGN_TO_LIMIT) pages below the emulated heap limit. */
#define FOREIGN_TO_LIMIT 0x80
#define PAGE ((size_t)4096)
/* The bit a corrupted prev link gets flipped: 64 TiB away from the 256 MiB emulated heap. */
#define PREV_FLIP ((uintptr_t)1 << 46)

static const struct fuzz_target *target;
/* The header FIELD_NEXT_FORGED wrote past the heap end, and the bytes it overwrote. */
static struct {
	struct block_meta *at;
	struct block_meta bytes;
} forged;
static size_t foreign_gaps; /* foreign sbrk ops that moved the break in this input */

void misuse_reset(const struct fuzz_target *t)
{
	target = t->next_op && t->heap_check && t->heap_stats && t->set_fault_handler && t->reseal
			 ? t : NULL;
	foreign_gaps = 0;
	bad_pointers_reset(t);
	graveyard_reset(target || bad_pointers_enabled());
}

static struct block_meta *header_of(const struct shadow_block *block)
{
	return (struct block_meta *)(block->ptr - HEADER_SIZE);
}

static bool is_mapped(const struct shadow_block *block)
{
	return header_of(block)->status == STATUS_MAPPED;
}

/* Where FIELD_NEXT_FORGED puts its header: past the heap end, inside the emulated reservation
 * (NULL when there is no room). */
static struct block_meta *forged_header(void)
{
	struct osmem_heap_stats heap;
	uint8_t *limit = (uint8_t *)osmem_emu_heap_base() + OSMEM_EMU_HEAP_LIMIT;
	uint8_t *at;

	target->heap_stats(&heap);
	at = (uint8_t *)heap.heap_end + 2 * HEADER_SIZE;
	return heap.heap_end && at + HEADER_SIZE <= limit ? (struct block_meta *)at : NULL;
}

static void forge_next(struct block_meta *header)
{
	forged.at = forged_header();
	forged.bytes = *forged.at;
	forged.at->prev = header;
	header->next = forged.at;
}

/* Puts a corrupted header (and a forged one) back as they were. */
static void restore(struct block_meta *header, const struct block_meta *saved)
{
	*header = *saved;
	if (forged.at)
		*forged.at = forged.bytes;
	forged.at = NULL;
}

/* Overwrites one field of a live block's header (see enum fuzz_field). */
static void corrupt(struct block_meta *header, enum fuzz_field field, bool resealed)
{
	switch (field) {
	case FIELD_PREV:
		/* Far outside the heap: a link 8 bytes off could land on a stale header whose next
		 * happens to agree, which os_free's O(1) check cannot tell from a real one. */
		header->prev = (struct block_meta *)((uintptr_t)header->prev ^ PREV_FLIP);
		break;
	case FIELD_NEXT:
		header->next = (struct block_meta *)((uintptr_t)header->next ^ 8);
		break;
	case FIELD_NEXT_NULL:
		header->next = NULL;
		break;
	case FIELD_SIZE_MISALIGNED:
		header->size += 1;
		break;
	case FIELD_SIZE_GROWN:
		header->size += 8;
		break;
	case FIELD_SIZE_SHRUNK:
		header->size -= 8;
		break;
	case FIELD_STATUS:
		header->status = 3;
		break;
	case FIELD_NEXT_FORGED:
		forge_next(header);
		break;
	case FIELD_PREV_SELF:
		header->prev = header;
		break;
	default:
		((uint8_t *)header)[offsetof(struct block_meta, status) + sizeof(int)] ^= 1;
		return; /* a seal recomputed would undo this */
	}
	if (resealed)
		target->reseal((uint8_t *)header + HEADER_SIZE);
}

/* The pointer of a misuse op and its predicted outcome; false when the slot does not allow it. */
static bool choose(const struct fuzz_op *op, uint64_t *stack_words, struct fault_prediction *m)
{
	const struct shadow_block *block = shadow_slot(op->slot);

	m->fault_expected = true;
	m->fault = OSMEM_FAULT_INVALID_POINTER;
	switch (op->misuse) {
	case MISUSE_DEAD:
		return graveyard_predict(op->slot, op->call == CALL_REALLOC, m);
	case MISUSE_CORRUPT_HEADER:
		m->ptr = block->ptr;
		m->fault = OSMEM_FAULT_CORRUPT_HEADER;
		return block->ptr != NULL;
	case MISUSE_REFUSED_MUNMAP:
		m->ptr = block->ptr;
		m->fault = OSMEM_FAULT_UNMAP_FAILED;
		return block->ptr && is_mapped(block);
	default:
		return bad_pointer_of(op, stack_words, &m->ptr);
	}
}

/* The field a misuse op overwrites. os_free finds a mapped block by address and never reads its
 * links; a next link made NULL on the tail changes nothing. Only a forged status is resealed: a
 * resealed size with agreeing links is a block os_free would trust. */
static enum fuzz_field misuse_field(const struct block_meta *header, enum fuzz_field field)
{
	bool links = field == FIELD_PREV || field == FIELD_PREV_SELF || field == FIELD_NEXT ||
		     field == FIELD_NEXT_NULL || field == FIELD_NEXT_FORGED;

	if (header->status == STATUS_MAPPED && links)
		return FIELD_SEAL;
	if (field == FIELD_NEXT_FORGED && !forged_header())
		return FIELD_NEXT;
	return field == FIELD_NEXT_NULL && !header->next ? FIELD_PREV : field;
}

/* `ignored`: the pointer names a live block, whose header was corrupted for the call. */
static void give_back(enum fuzz_call call, void *ptr, bool ignored)
{
	size_t size = call == CALL_REALLOC ? 64 : 0;
	void *result;

	if (call == CALL_FREE) {
		if (ignored)
			call_free_ignored(ptr);
		else
			call_free(ptr, false);
		return;
	}
	result = ignored ? call_realloc_ignored(ptr, size) : call_realloc(ptr, size);
	if (result)
		fuzz_fail_rule(RULE_MISUSE_FAULT, "realloc of a bad pointer returned %p, not NULL", result);
}

static void run_misuse(const struct fuzz_op *op)
{
	const struct shadow_block *block = shadow_slot(op->slot);
	uint64_t stack_words[4] = { 0 };
	enum fuzz_call call = op->misuse == MISUSE_REFUSED_MUNMAP && op->call == CALL_REALLOC
				      ? CALL_FREE : op->call;
	struct fault_prediction m;
	struct block_meta saved;

	if (!choose(op, stack_words, &m))
		return;
	if (m.fault_expected)
		faults_expect(m.fault, m.ptr, call == CALL_FREE ? "os_free" : "os_realloc");
	if (op->misuse == MISUSE_CORRUPT_HEADER) {
		enum fuzz_field field = misuse_field(header_of(block), op->field);

		saved = *header_of(block);
		corrupt(header_of(block), field, op->resealed && field == FIELD_STATUS);
	}
	osmem_emu_refuse_munmap(op->misuse == MISUSE_REFUSED_MUNMAP);
	model_oracle_refuse_munmaps(op->misuse == MISUSE_REFUSED_MUNMAP);
	give_back(call, m.ptr, op->misuse == MISUSE_CORRUPT_HEADER);
	osmem_emu_refuse_munmap(0);
	model_oracle_refuse_munmaps(0);
	faults_check_met();
	if (op->misuse == MISUSE_CORRUPT_HEADER)
		restore(header_of(block), &saved);
	/* The contract model expected the call ignored (no system call but a refused munmap,
	 * nothing changed) and now reads the headers. */
	model_oracle_settle();
	shadow_verify_all();
}

/* The field a checker op overwrites: following a broken or cut next link would leave the heap or
 * the mapped list, and on the tail there is nothing to cut. */
static enum fuzz_field checked_field(const struct block_meta *header, enum fuzz_field field)
{
	bool next = field == FIELD_NEXT || field == FIELD_NEXT_NULL || field == FIELD_NEXT_FORGED;

	if (next && (!header->next || header->status == STATUS_MAPPED))
		return FIELD_PREV;
	return field == FIELD_NEXT_FORGED && !forged_header() ? FIELD_NEXT : field;
}

/* What a wrong size says: a resealed one is found by the tiling (a gap another sbrk user left
 * hides it: NULL), an unsealed one by the seal. */
static const char *size_words(const struct block_meta *header, enum fuzz_field field, bool resealed)
{
	bool tail = !header->next;

	if (field == FIELD_SIZE_SHRUNK && header->size == 8)
		return "misaligned size";
	if (field == FIELD_SIZE_GROWN && tail)
		return "runs past the heap end";
	if (!resealed)
		return "broken header seal";
	if (tail)
		return "not at the heap end";
	if (foreign_gaps)
		return NULL;
	return field == FIELD_SIZE_GROWN ? "blocks overlap" : "do not tile the heap";
}

/* The words osmem_heap_check must use for the corrupted field (heap_check.c's first broken
 * invariant: the walk reaches the block's predecessor first, then the block itself); NULL when the
 * checker cannot see it. */
static const char *expected_words(const struct block_meta *header, enum fuzz_field field,
				  bool resealed)
{
	bool mapped = header->status == STATUS_MAPPED;

	switch (field) {
	case FIELD_PREV:
	case FIELD_PREV_SELF:
		if (mapped)
			return "mapped list links disagree";
		return header->prev ? "list links disagree" : "first heap block";
	case FIELD_NEXT:
		return "list links disagree";
	case FIELD_NEXT_NULL:
		return "ends the list but the tail is";
	case FIELD_NEXT_FORGED:
		/* The checker places a next header before it reads through the link. */
		return "lies outside the heap";
	case FIELD_SIZE_MISALIGNED:
		return "misaligned size";
	case FIELD_SIZE_GROWN:
	case FIELD_SIZE_SHRUNK:
		return mapped ? "broken header seal" : size_words(header, field, resealed);
	case FIELD_STATUS:
		return mapped ? "has status" : "bad status";
	default:
		return "broken header seal";
	}
}

/* Free neighbours are legal between coalescing points, and exactly what OSMEM_CHECK_COALESCED
 * must reject. */
static void check_coalesced_flag(void)
{
	bool neighbours = contract_free_neighbours(), rejected;
	char why[256];

	rejected = target->heap_check(OSMEM_CHECK_COALESCED, why, sizeof(why)) != 0;
	if (rejected != neighbours || (neighbours && !strstr(why, "is followed by free block")))
		fuzz_fail_rule(RULE_MISUSE_CHECKER, "heap check with OSMEM_CHECK_COALESCED said '%s' for a heap %s free "
			  "neighbours", why, neighbours ? "with" : "without");
}

static void run_corrupt_check(const struct fuzz_op *op)
{
	const struct shadow_block *block = shadow_slot(op->slot);
	struct block_meta *header, saved;
	enum fuzz_field field;
	const char *words;
	char why[256];
	bool resealed;

	if (!block->ptr)
		return;
	header = header_of(block);
	field = checked_field(header, op->field);
	/* The checker cannot know a mapping's length: a resealed mapped size looks whole. */
	resealed = op->resealed && header->status != STATUS_MAPPED;
	words = expected_words(header, field, resealed);
	if (!words)
		return;
	check_coalesced_flag();
	saved = *header;
	corrupt(header, field, resealed);
	why[0] = 'x';
	if (target->heap_check(0, NULL, 0) != -1 || target->heap_check(0, why, 0) != -1 ||
	    why[0] != 'x' || !target->heap_check(0, why, sizeof(why)))
		fuzz_fail_rule(RULE_MISUSE_CHECKER, "heap check passed with a corrupted header at %p, or wrote past why_size 0",
			  (void *)header);
	restore(header, &saved);
	if (!strstr(why, words))
		fuzz_fail_rule(RULE_MISUSE_CHECKER, "heap check said '%s', expected '%s'", why, words);
}

static void run_foreign_sbrk(const struct fuzz_op *op)
{
	struct osmem_emu_stats emu;
	uint8_t *brk, *old;
	size_t increment, room, left = (op->arg - FOREIGN_TO_LIMIT) * PAGE;

	if (foreign_gaps == CONTRACT_MAX_FOREIGN_GAPS)
		return;
	osmem_emu_get_stats(&emu);
	brk = (uint8_t *)osmem_emu_heap_base() + emu.brk_offset;
	room = OSMEM_EMU_HEAP_LIMIT - emu.brk_offset;
	if (op->arg < FOREIGN_TO_LIMIT)
		increment = 8 * ((size_t)op->arg + 1);
	else if (room > left)
		increment = room - left;
	else
		return;
	old = osmem_emu_foreign_sbrk(increment);
	if (old != (increment > room ? NULL : brk))
		fuzz_fail_rule(RULE_HARNESS_LIMIT, "a foreign sbrk of %zu bytes with %zu left before the limit returned %p",
			  increment, room, (void *)old);
	if (old) {
		contract_note_foreign_gap(brk, brk + increment);
		model_oracle_foreign_sbrk(increment);
		foreign_gaps++;
	}
}

void misuse_run(const struct fuzz_op *op)
{
	if (!target) {
		bad_pointers_run(op);
		return;
	}
	switch (op->kind) {
	case FUZZ_MISUSE:
		run_misuse(op);
		break;
	case FUZZ_CORRUPT_CHECK:
		run_corrupt_check(op);
		break;
	default:
		run_foreign_sbrk(op);
		break;
	}
}
