/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/executor.h"

#include "fuzz/contract.h"
#include "fuzz/failure.h"
#include "fuzz/graveyard.h"
#include "fuzz/misuse.h"
#include "fuzz/model_oracle.h"
#include "fuzz/shadow.h"

static struct {
	const struct fuzz_target *target;
	bool contract;
	bool coalesced;      /* the current op ended with a heap search: check coalescing */
	size_t bytes_copied; /* toward FUZZ_MAX_COPY_BYTES */
	bool over_budget;
} exec;

void executor_reset(const struct fuzz_target *target)
{
	exec.target = target;
	exec.contract = target->follows_osmem_contract;
	exec.bytes_copied = 0;
	shadow_reset(target->header_size);
	contract_reset(target);
	misuse_reset(target);
	model_oracle_reset(target->contract_model);
}

/* Every allocator call goes through these: the contract oracle sees each one on its own. */
static void *call_malloc(size_t size)
{
	void *ptr;

	model_oracle_begin();
	ptr = exec.target->malloc(size);
	model_oracle_malloc(size, ptr);
	return ptr;
}

static void *call_calloc(size_t nmemb, size_t size)
{
	void *ptr;

	model_oracle_begin();
	ptr = exec.target->calloc(nmemb, size);
	model_oracle_calloc(nmemb, size, ptr);
	return ptr;
}

static void *call_realloc(void *old, size_t size)
{
	void *ptr;

	model_oracle_begin();
	ptr = exec.target->realloc(old, size);
	model_oracle_realloc(old, size, ptr);
	return ptr;
}

/* `implicit`: the harness gives a slot's block back on its own account, not as the op's call. */
static void call_free(void *ptr, bool implicit)
{
	model_oracle_begin();
	exec.target->free(ptr);
	model_oracle_free(ptr, implicit);
}

/* Gives the slot's block back, after checking that it kept its pattern; false if it was empty. */
static bool drop_slot(unsigned slot, bool implicit)
{
	struct shadow_block block;

	shadow_verify(slot);
	block = shadow_release(slot);
	if (block.ptr)
		call_free(block.ptr, implicit);
	return block.ptr != NULL;
}

/* A fresh block by the malloc rules (malloc, calloc, realloc(NULL, n)) has just been returned. */
static void judge_new_block(unsigned slot, void *ptr, const struct request *request,
			    const struct snapshot *before, bool zeroed)
{
	exec.coalesced = contract_heap_sized(request);
	if (!request->representable || !request->total) {
		if (exec.contract && ptr)
			fuzz_fail("returned %p where the contract says NULL", ptr);
		if (!request->representable && ptr)
			fuzz_fail("returned %p for a size that cannot be represented", ptr);
		contract_expect_unchanged(before, "a NULL-case request");
	} else if (!ptr) {
		contract_expect_refusal(before, "a possible request");
	}
	if (ptr) {
		shadow_adopt(slot, ptr, request->total, zeroed);
		contract_check_new_block(ptr, request, before, true);
	}
}

static void run_malloc(const struct fuzz_op *op)
{
	struct request request = contract_request(1, op->size, MMAP_THRESHOLD);
	struct snapshot before;
	void *ptr;

	drop_slot(op->slot, true);
	contract_take(&before);
	contract_note_free_runs(&request);
	ptr = call_malloc(op->size);
	judge_new_block(op->slot, ptr, &request, &before, false);
}

static void run_calloc(const struct fuzz_op *op)
{
	struct request request = contract_request(op->nmemb, op->size, PAGE_THRESHOLD);
	struct snapshot before;
	void *ptr;

	drop_slot(op->slot, true);
	contract_take(&before);
	contract_note_free_runs(&request);
	ptr = call_calloc(op->nmemb, op->size);
	judge_new_block(op->slot, ptr, &request, &before, true);
}

static void run_free(const struct fuzz_op *op)
{
	struct snapshot before;

	if (shadow_slot(op->slot)->ptr) {
		drop_slot(op->slot, false);
		return;
	}
	contract_take(&before);
	call_free(NULL, false);
	contract_expect_unchanged(&before, "free(NULL)");
}

/* realloc(p, 0) frees p and returns NULL. */
static void realloc_to_zero(unsigned slot)
{
	struct shadow_block old;
	void *ptr;

	old = shadow_release(slot);
	ptr = call_realloc(old.ptr, 0);
	if (ptr)
		fuzz_fail("realloc(%p, 0) returned %p, not NULL", (void *)old.ptr, ptr);
}

/* An impossible size: NULL, and the block stays where it is, untouched. */
static void realloc_impossible(unsigned slot, size_t size)
{
	struct snapshot before;
	void *ptr;

	contract_take(&before);
	ptr = call_realloc(shadow_slot(slot)->ptr, size);
	if (ptr)
		fuzz_fail("returned %p for a size that cannot be represented", ptr);
	contract_expect_unchanged(&before, "realloc to an impossible size");
	shadow_verify(slot);
}

static void realloc_live(unsigned slot, const struct request *request)
{
	struct shadow_block old = *shadow_slot(slot);
	size_t copy = old.size < request->total ? old.size : request->total;
	struct snapshot before;
	void *ptr;

	if (copy > FUZZ_MAX_COPY_BYTES - exec.bytes_copied) {
		exec.over_budget = true;
		return;
	}
	exec.bytes_copied += copy;
	contract_take(&before);
	ptr = call_realloc(old.ptr, request->total);
	if (!ptr) {
		contract_expect_refusal(&before, "realloc of a live block");
		shadow_verify(slot);
		return;
	}
	shadow_release(slot);
	shadow_adopt_resized(slot, &old, ptr, request->total);
	contract_check_new_block(ptr, request, &before, false);
}

static void run_realloc(const struct fuzz_op *op)
{
	struct request request = contract_request(1, op->size, MMAP_THRESHOLD);
	struct snapshot before;
	void *ptr;

	if (!shadow_slot(op->slot)->ptr) {
		contract_take(&before);
		contract_note_free_runs(&request);
		ptr = call_realloc(NULL, op->size);
		judge_new_block(op->slot, ptr, &request, &before, false);
		return;
	}
	shadow_verify(op->slot);
	if (!op->size)
		realloc_to_zero(op->slot);
	else if (!request.representable)
		realloc_impossible(op->slot, op->size);
	else
		realloc_live(op->slot, &request);
}

static void run_check(void)
{
	shadow_verify_all();
}

static void run_refuse(const struct fuzz_op *op)
{
	osmem_emu_refuse(op->skip, op->count);
	model_oracle_refuse(op->skip, op->count);
}

bool executor_run(const struct fuzz_op *op)
{
	exec.coalesced = false;
	exec.over_budget = false;
	switch (op->kind) {
	case FUZZ_MALLOC:
		run_malloc(op);
		break;
	case FUZZ_FREE:
		run_free(op);
		break;
	case FUZZ_CALLOC:
		run_calloc(op);
		break;
	case FUZZ_REALLOC:
		run_realloc(op);
		break;
	case FUZZ_CHECK:
		run_check();
		break;
	case FUZZ_REFUSE:
		run_refuse(op);
		break;
	default:
		misuse_run(op);
		break;
	}
	graveyard_settle();
	contract_check_after_op(exec.coalesced, shadow_live_bytes());
	return !exec.over_budget;
}

void executor_finish(void)
{
	failure_set_phase("end (free all)");
	for (unsigned slot = 0; slot < FUZZ_SLOTS; slot++) {
		if (drop_slot(slot, true))
			contract_check_after_op(false, shadow_live_bytes());
	}
	contract_check_end();
}
