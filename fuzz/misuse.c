/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/misuse.h"

#include <stdint.h>
#include <string.h>

#include "allocator/block_meta.h"
#include "allocator/os_layer_emulated.h"
#include "fuzz/contract.h"
#include "fuzz/failure.h"
#include "fuzz/faults.h"
#include "fuzz/graveyard.h"
#include "fuzz/pattern.h"
#include "fuzz/shadow.h"

/* A foreign sbrk arg below this moves the break by 8 * (arg + 1) bytes; from it on, to
 * (arg - FOREIGN_TO_LIMIT) pages below the emulated heap limit. */
#define FOREIGN_TO_LIMIT 0x80
#define PAGE ((size_t)4096)

/* A harness global: never an allocator's block. */
static uint64_t global_words[4];

static const struct fuzz_target *target;

void misuse_reset(const struct fuzz_target *t)
{
	target = t->next_op && t->heap_check && t->heap_stats && t->set_fault_handler ? t : NULL;
	graveyard_reset(target != NULL);
}

static struct block_meta *header_of(const struct shadow_block *block)
{
	return (struct block_meta *)(block->ptr - HEADER_SIZE);
}

static bool is_mapped(const struct shadow_block *block)
{
	return header_of(block)->status == STATUS_MAPPED;
}

/* Overwrites one field of a live block's header (see enum fuzz_field). */
static void corrupt(struct block_meta *header, enum fuzz_field field)
{
	switch (field) {
	case FIELD_PREV:
		header->prev = (struct block_meta *)((uintptr_t)header->prev ^ 8);
		break;
	case FIELD_NEXT:
		header->next = (struct block_meta *)((uintptr_t)header->next ^ 8);
		break;
	case FIELD_SIZE_MISALIGNED:
		header->size += 1;
		break;
	case FIELD_SIZE_GROWN:
		header->size += 8;
		break;
	case FIELD_STATUS:
		header->status = 3;
		break;
	default:
		((uint8_t *)header)[offsetof(struct block_meta, status) + sizeof(int)] ^= 1;
		break;
	}
}

/* A payload + offset inside the harness's pattern: never a header the allocator wrote. */
static void *interior_pointer(const struct shadow_block *block, unsigned arg)
{
	size_t patterned = block->size < PATTERN_WINDOW ? block->size : PATTERN_WINDOW;

	return block->ptr + 8 * (1 + arg % (patterned / 8 - 1));
}

/* The pointer of a misuse op and its predicted outcome; false when the slot does not allow it. */
static bool choose(const struct fuzz_op *op, uint64_t *stack_words, struct fault_prediction *m)
{
	const struct shadow_block *block = shadow_slot(op->slot);
	struct osmem_emu_stats emu;

	m->fault_expected = true;
	m->fault = OSMEM_FAULT_INVALID_POINTER;
	switch (op->misuse) {
	case MISUSE_DEAD:
		return graveyard_predict(op->slot, op->call == CALL_REALLOC, m);
	case MISUSE_INTERIOR:
		m->ptr = block->ptr && block->size >= 16 ? interior_pointer(block, op->arg) : NULL;
		return m->ptr != NULL;
	case MISUSE_MISALIGNED:
		m->ptr = block->ptr ? block->ptr + 1 + op->arg % 7 : NULL;
		return m->ptr != NULL;
	case MISUSE_STACK:
		m->ptr = &stack_words[2];
		return true;
	case MISUSE_GLOBAL:
		m->ptr = &global_words[2];
		return true;
	case MISUSE_BREAK:
		osmem_emu_get_stats(&emu);
		m->ptr = (uint8_t *)osmem_emu_heap_base() + emu.brk_offset;
		return true;
	case MISUSE_CORRUPT_HEADER:
		m->ptr = block->ptr;
		m->fault = OSMEM_FAULT_CORRUPT_HEADER;
		return block->ptr != NULL;
	default:
		m->ptr = block->ptr;
		m->fault = OSMEM_FAULT_UNMAP_FAILED;
		return block->ptr && is_mapped(block);
	}
}

/* Mapped blocks are found by address: os_free never reads their links, the checker walks them. */
static enum fuzz_field field_for(const struct shadow_block *block, enum fuzz_field field)
{
	if (is_mapped(block) && (field == FIELD_PREV || field == FIELD_NEXT))
		return FIELD_SEAL;
	return field;
}

static void give_back(enum fuzz_call call, void *ptr)
{
	void *result;

	if (call == CALL_FREE) {
		target->free(ptr);
		return;
	}
	result = target->realloc(ptr, call == CALL_REALLOC ? 64 : 0);
	if (result)
		fuzz_fail("realloc of a bad pointer returned %p, not NULL", result);
}

static void run_misuse(const struct fuzz_op *op)
{
	const struct shadow_block *block = shadow_slot(op->slot);
	uint64_t stack_words[4] = { 0 };
	enum fuzz_call call = op->misuse == MISUSE_REFUSED_MUNMAP && op->call == CALL_REALLOC
				      ? CALL_FREE : op->call;
	struct fault_prediction m;
	struct block_meta saved;
	struct snapshot before;

	if (!choose(op, stack_words, &m))
		return;
	contract_take(&before);
	if (m.fault_expected)
		faults_expect(m.fault, m.ptr, call == CALL_FREE ? "os_free" : "os_realloc");
	if (op->misuse == MISUSE_CORRUPT_HEADER) {
		saved = *header_of(block);
		corrupt(header_of(block), field_for(block, op->field));
	}
	osmem_emu_refuse_munmap(op->misuse == MISUSE_REFUSED_MUNMAP);
	give_back(call, m.ptr);
	osmem_emu_refuse_munmap(0);
	faults_check_met();
	if (op->misuse == MISUSE_CORRUPT_HEADER)
		*header_of(block) = saved;
	/* A refused munmap is a system call; nothing else may have happened. */
	if (op->misuse == MISUSE_REFUSED_MUNMAP)
		contract_expect_same_heap(&before, "a refused munmap");
	else
		contract_expect_unchanged(&before, "a bad pointer");
	shadow_verify_all();
}

/* The words osmem_heap_check must use for the corrupted field (heap_check.c's first broken
 * invariant: the walk reaches the block's predecessor first, then the block itself). */
static const char *expected_words(const struct block_meta *header, enum fuzz_field field)
{
	bool mapped = header->status == STATUS_MAPPED;

	switch (field) {
	case FIELD_PREV:
	case FIELD_NEXT:
		if (mapped)
			return "mapped list links disagree";
		return field == FIELD_PREV && !header->prev ? "first heap block" : "list links disagree";
	case FIELD_SIZE_MISALIGNED:
		return "misaligned size";
	case FIELD_SIZE_GROWN:
		return !mapped && !header->next ? "runs past the heap end" : "broken header seal";
	case FIELD_STATUS:
		return mapped ? "has status" : "bad status";
	default:
		return "broken header seal";
	}
}

static void run_corrupt_check(const struct fuzz_op *op)
{
	const struct shadow_block *block = shadow_slot(op->slot);
	enum fuzz_field field = op->field;
	struct block_meta *header, saved;
	const char *words;
	char why[256];

	if (!block->ptr)
		return;
	header = header_of(block);
	/* Following a broken last link would leave the heap: the checker trusts a NULL end. */
	if (field == FIELD_NEXT && (!header->next || is_mapped(block)))
		field = FIELD_PREV;
	words = expected_words(header, field);
	saved = *header;
	corrupt(header, field);
	if (!target->heap_check(0, why, sizeof(why)))
		fuzz_fail("heap check passed with a corrupted header at %p", (void *)header);
	*header = saved;
	if (!strstr(why, words))
		fuzz_fail("heap check said '%s', expected '%s'", why, words);
}

static void run_foreign_sbrk(const struct fuzz_op *op)
{
	struct osmem_emu_stats emu;
	uint8_t *brk;
	size_t increment, room, left;

	osmem_emu_get_stats(&emu);
	brk = (uint8_t *)osmem_emu_heap_base() + emu.brk_offset;
	room = OSMEM_EMU_HEAP_LIMIT - emu.brk_offset;
	left = (op->arg - FOREIGN_TO_LIMIT) * PAGE;
	if (op->arg < FOREIGN_TO_LIMIT)
		increment = 8 * ((size_t)op->arg + 1);
	else
		increment = room > left ? room - left : 0;
	if (!increment || increment > room || !contract_note_foreign_gap(brk, brk + increment))
		return;
	if (osmem_emu_foreign_sbrk(increment) != brk)
		fuzz_fail("a foreign sbrk of %zu bytes within the limit was refused", increment);
}

void misuse_run(const struct fuzz_op *op)
{
	if (!target)
		return;
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
