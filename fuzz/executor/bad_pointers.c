/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/executor/bad_pointers.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "allocator/os_layer_emulated.h"
#include "fuzz/executor/calls.h"
#include "fuzz/verdict/failure.h"
#include "fuzz/oracle/graveyard.h"
#include "fuzz/executor/isolate.h"
#include "fuzz/oracle/live_index.h"
#include "fuzz/model/model.h"
#include "fuzz/oracle/model_oracle.h"
#include "fuzz/oracle/pattern.h"
#include "fuzz/oracle/shadow.h"

#define HEADER_SIZE ((size_t)32)

/* A harness global: never an allocator's block. */
static uint64_t global_words[4];
static bool enabled;

void bad_pointers_reset(const struct fuzz_target *target)
{
	enabled = target->next_op && !target->set_fault_handler;
}

bool bad_pointers_enabled(void)
{
	return enabled;
}

/* A payload + offset inside the harness's pattern: never a header the allocator wrote. */
static void *interior_pointer(const struct shadow_block *block, unsigned arg)
{
	size_t patterned = block->size < PATTERN_WINDOW ? block->size : PATTERN_WINDOW;

	return block->ptr + 8 * (1 + arg % (patterned / 8 - 1));
}

bool bad_pointer_of(const struct fuzz_op *op, uint64_t *stack_words, void **ptr)
{
	const struct shadow_block *block = shadow_slot(op->slot);
	struct osmem_emu_stats emu;

	switch (op->misuse) {
	case MISUSE_INTERIOR:
		*ptr = block->ptr && block->size >= 16 ? interior_pointer(block, op->arg) : NULL;
		break;
	case MISUSE_MISALIGNED:
		*ptr = block->ptr ? block->ptr + 1 + op->arg % 7 : NULL;
		break;
	case MISUSE_STACK:
		*ptr = &stack_words[2];
		break;
	case MISUSE_GLOBAL:
		*ptr = &global_words[2];
		break;
	case MISUSE_BREAK:
		osmem_emu_get_stats(&emu);
		*ptr = (uint8_t *)osmem_emu_heap_base() + emu.brk_offset;
		break;
	case MISUSE_NEAR_NULL:
		*ptr = (void *)HEADER_SIZE;
		break;
	default:
		*ptr = NULL;
	}
	return *ptr != NULL;
}

/* The slot's last pointer, given back, while no live block starts there again. */
static void *dead_pointer(unsigned slot)
{
	const uint8_t *ptr = graveyard_last(slot);
	const struct live_interval *live;

	if (!ptr || shadow_slot(slot)->ptr)
		return NULL;
	live = live_index_overlap((uintptr_t)ptr - HEADER_SIZE, (uintptr_t)ptr + 1);
	return live && shadow_slot(live->slot)->ptr == ptr ? NULL : (void *)ptr;
}

struct attempt {
	enum fuzz_call call;
	void *ptr;
};

/* The call and what must hold after it: NULL from realloc, every live payload intact (the
 * contract model, when on, also wants no system call and the same heap). */
static void attempt(void *arg)
{
	const struct attempt *a = arg;
	void *result;

	if (a->call == CALL_FREE) {
		call_free(a->ptr, false);
	} else {
		result = call_realloc(a->ptr, a->call == CALL_REALLOC ? 64 : 0);
		if (result)
			fuzz_fail_rule(RULE_BAD_POINTER, "realloc of a bad pointer returned %p, not NULL",
				       result);
	}
	shadow_verify_all();
}

static void describe_end(const struct isolated *r, char *buf, size_t size)
{
	if (WIFSIGNALED(r->status))
		snprintf(buf, size, "signal %d (%s)", WTERMSIG(r->status), strsignal(WTERMSIG(r->status)));
	else
		snprintf(buf, size, "exit status %d", WEXITSTATUS(r->status));
}

void bad_pointers_run(const struct fuzz_op *op)
{
	uint64_t stack_words[4] = { 0 };
	struct attempt a = { op->call, NULL };
	struct isolated r;
	char end[64];

	if (!enabled || op->kind != FUZZ_MISUSE)
		return;
	a.ptr = op->misuse == MISUSE_DEAD ? dead_pointer(op->slot) : NULL;
	if (!a.ptr && !bad_pointer_of(op, stack_words, &a.ptr))
		return;
	isolate(attempt, &a, &r);
	switch (r.end) {
	case ISOLATED_RETURNED:
		attempt(&a); /* again, here: what it did shows in the ops after it */
		return;
	case ISOLATED_STOPPED:
		return; /* allowed: the program would end here; the input goes on without the call */
	case ISOLATED_ORACLE:
		fuzz_fail_line(r.text);
	default:
		if (model_oracle_skips(RULE_BAD_POINTER))
			return;
		describe_end(&r, end, sizeof(end));
		fuzz_fail_rule(RULE_BAD_POINTER,
			       "expected the call ignored, or a stop with one line on standard error, "
			       "got %s after %zu lines%s%s (seen by a tracing grader)",
			       end, r.lines, r.lines ? ": " : "", r.text);
	}
}
