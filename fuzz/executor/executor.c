/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/executor/executor.h"

#include "fuzz/oracle/contract.h"
#include "fuzz/verdict/failure.h"
#include "fuzz/oracle/graveyard.h"
#include "fuzz/oracle/model_oracle.h"
#include "fuzz/executor/calls.h"
#include "fuzz/oracle/shadow.h"

static struct {
	const struct fuzz_target *target;
	bool coalesced;      /* the current op ended with a heap search: check coalescing */
	size_t bytes_copied; /* toward FUZZ_MAX_COPY_BYTES */
	bool over_budget;
	executor_more_ops more_ops; /* the input format's ops beyond format 1's */
	/* What still holds since the last op that called the target or wrote memory: */
	bool heap_checked;      /* the target's heap checker passed */
	bool payloads_verified; /* a check op verified every live block */
} exec;

void executor_reset(const struct fuzz_target *target, executor_more_ops more_ops)
{
	exec.target = target;
	exec.more_ops = more_ops;
	exec.bytes_copied = 0;
	exec.heap_checked = exec.payloads_verified = false;
	shadow_reset(target->header_size);
	contract_reset(target);
	calls_reset(target);
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

/* A fresh block by the malloc rules (malloc, calloc, realloc(NULL, n)) has just been returned.
 * Outside rule 7: an impossible size gives NULL (the contract model judges the rest). */
static void judge_new_block(unsigned slot, void *ptr, const struct request *request, bool zeroed)
{
	exec.coalesced = contract_heap_sized(request);
	if (!request->representable && ptr)
		fuzz_fail_rule(RULE_OUTSIDE_IMPOSSIBLE, "returned %p for a size that cannot be represented",
			       ptr);
	if (ptr)
		shadow_adopt(slot, ptr, request->total, zeroed);
}

static void run_malloc(const struct fuzz_op *op)
{
	struct request request = contract_request(1, op->size, MMAP_THRESHOLD);

	drop_slot(op->slot, true);
	judge_new_block(op->slot, call_malloc(op->size), &request, false);
}

static void run_calloc(const struct fuzz_op *op)
{
	struct request request = contract_request(op->nmemb, op->size, PAGE_THRESHOLD);

	drop_slot(op->slot, true);
	judge_new_block(op->slot, call_calloc(op->nmemb, op->size), &request, true);
}

static void run_free(const struct fuzz_op *op)
{
	if (!drop_slot(op->slot, false))
		call_free(NULL, false);
}

/* Outside rule 6: realloc(p, 0) frees p and returns NULL. */
static void realloc_to_zero(unsigned slot)
{
	struct shadow_block old;
	void *ptr;

	old = shadow_release(slot);
	ptr = call_realloc(old.ptr, 0);
	if (ptr)
		fuzz_fail_rule(RULE_OUTSIDE_REALLOC_ZERO, "realloc(%p, 0) returned %p, not NULL",
			       (void *)old.ptr, ptr);
}

/* Outside rule 7: an impossible size gives NULL, and the block stays where it is, untouched. */
static void realloc_impossible(unsigned slot, size_t size)
{
	void *ptr = call_realloc(shadow_slot(slot)->ptr, size);

	if (ptr)
		fuzz_fail_rule(RULE_OUTSIDE_IMPOSSIBLE, "returned %p for a size that cannot be represented",
			       ptr);
	shadow_verify(slot);
}

static void realloc_live(unsigned slot, const struct request *request)
{
	struct shadow_block old = *shadow_slot(slot);
	size_t copy = old.size < request->total ? old.size : request->total;
	void *ptr;

	if (copy > FUZZ_MAX_COPY_BYTES - exec.bytes_copied) {
		exec.over_budget = true;
		return;
	}
	exec.bytes_copied += copy;
	ptr = call_realloc(old.ptr, request->total);
	if (!ptr) {
		shadow_verify(slot); /* a refusal keeps the block */
		return;
	}
	shadow_release(slot);
	shadow_adopt_resized(slot, &old, ptr, request->total);
}

static void run_realloc(const struct fuzz_op *op)
{
	struct request request = contract_request(1, op->size, MMAP_THRESHOLD);

	if (!shadow_slot(op->slot)->ptr) {
		judge_new_block(op->slot, call_realloc(NULL, op->size), &request, false);
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

/* A check right after another would verify the same bytes: 1,184 of the 2,862 checks of the fixed
 * set of fuzz/README.md's Speed section follow a check. */
static void run_check(void)
{
	if (!exec.payloads_verified)
		shadow_verify_all();
	exec.payloads_verified = true;
}

static void run_refuse(const struct fuzz_op *op)
{
	osmem_emu_refuse(op->skip, op->count);
	model_oracle_refuse(op->skip, op->count);
}

/* Ops that neither call the target nor write memory. */
static bool quiet(const struct fuzz_op *op)
{
	return op->kind == FUZZ_CHECK || op->kind == FUZZ_REFUSE;
}

bool executor_run(const struct fuzz_op *op)
{
	if (!quiet(op))
		exec.heap_checked = exec.payloads_verified = false;
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
		if (exec.more_ops)
			exec.more_ops(op);
		break;
	}
	graveyard_settle();
	contract_check_after_op(exec.coalesced, exec.heap_checked, shadow_live_bytes());
	exec.heap_checked = true;
	return !exec.over_budget;
}

void executor_finish(void)
{
	failure_set_phase("end (free all)");
	for (unsigned slot = 0; slot < FUZZ_SLOTS; slot++) {
		if (drop_slot(slot, true))
			contract_check_after_op(false, false, shadow_live_bytes());
	}
	contract_check_end();
}
