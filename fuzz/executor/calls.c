/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/executor/calls.h"

#include "fuzz/oracle/model_oracle.h"

static const struct fuzz_target *target;

void calls_reset(const struct fuzz_target *t)
{
	target = t;
	model_oracle_reset(t->contract_model);
}

void *call_malloc(size_t size)
{
	void *ptr;

	model_oracle_begin();
	ptr = target->malloc(size);
	model_oracle_malloc(size, ptr);
	return ptr;
}

void *call_calloc(size_t nmemb, size_t size)
{
	void *ptr;

	model_oracle_begin();
	ptr = target->calloc(nmemb, size);
	model_oracle_calloc(nmemb, size, ptr);
	return ptr;
}

void *call_realloc(void *old, size_t size)
{
	void *ptr;

	model_oracle_begin();
	ptr = target->realloc(old, size);
	model_oracle_realloc(old, size, ptr, false);
	return ptr;
}

void call_free(void *ptr, bool implicit)
{
	model_oracle_begin();
	target->free(ptr);
	model_oracle_free(ptr, implicit, false);
}

void call_free_ignored(void *ptr)
{
	model_oracle_begin();
	target->free(ptr);
	model_oracle_free(ptr, false, true);
}

void *call_realloc_ignored(void *old, size_t size)
{
	void *ptr;

	model_oracle_begin();
	ptr = target->realloc(old, size);
	model_oracle_realloc(old, size, ptr, true);
	return ptr;
}
