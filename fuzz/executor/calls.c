/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/executor/calls.h"

#include "fuzz/oracle/model_oracle.h"

static const struct fuzz_target *target;

void calls_reset(const struct fuzz_target *t)
{
	target = t;
	model_oracle_reset(t->contract_model);
}

/* What the call returned, once judged: model_oracle_begin kept the call, model_oracle_end
 * compares it with the model. */
static void *judged(void *got)
{
	model_oracle_end(got);
	return got;
}

void *call_malloc(size_t size)
{
	const struct oracle_call call = { .kind = ORACLE_MALLOC, .size = size };

	model_oracle_begin(&call);
	return judged(target->malloc(size));
}

void *call_calloc(size_t nmemb, size_t size)
{
	const struct oracle_call call = { .kind = ORACLE_CALLOC, .nmemb = nmemb, .size = size };

	model_oracle_begin(&call);
	return judged(target->calloc(nmemb, size));
}

static void *realloc_judged(void *old, size_t size, bool ignored)
{
	const struct oracle_call call = { .kind = ORACLE_REALLOC, .ptr = old, .size = size,
					  .ignored = ignored };

	model_oracle_begin(&call);
	return judged(target->realloc(old, size));
}

static void free_judged(void *ptr, bool implicit, bool ignored)
{
	const struct oracle_call call = { .kind = ORACLE_FREE, .ptr = ptr, .implicit = implicit,
					  .ignored = ignored };

	model_oracle_begin(&call);
	target->free(ptr);
	model_oracle_end(NULL);
}

void *call_realloc(void *old, size_t size)
{
	return realloc_judged(old, size, false);
}

void call_free(void *ptr, bool implicit)
{
	free_judged(ptr, implicit, false);
}

void call_free_ignored(void *ptr)
{
	free_judged(ptr, false, true);
}

void *call_realloc_ignored(void *old, size_t size)
{
	return realloc_judged(old, size, true);
}
