/* SPDX-License-Identifier: BSD-3-Clause */
/* The allocator's four calls as the harness makes them: each one judged on its own by the
 * contract oracle (fuzz/model_oracle.h) when the target has it. Every op that calls the allocator
 * (executor.c, misuse.c) goes through these. */
#ifndef OSMEM_FUZZ_CALLS_H
#define OSMEM_FUZZ_CALLS_H

#include <stdbool.h>
#include <stddef.h>

#include "fuzz/target.h"

void calls_reset(const struct fuzz_target *target);

void *call_malloc(size_t size);
void *call_calloc(size_t nmemb, size_t size);
void *call_realloc(void *ptr, size_t size);
/* `implicit`: the harness gives a slot's block back on its own account, not as the op's call. */
void call_free(void *ptr, bool implicit);

/* A bad pointer the allocator must ignore (a misuse op): free or realloc(ptr, n) returning NULL,
 * no system call, nothing changed. */
void call_free_ignored(void *ptr);
void *call_realloc_ignored(void *ptr, size_t size);

#endif
