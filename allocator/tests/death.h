/* SPDX-License-Identifier: BSD-3-Clause */
/* Death tests: run one call in a forked child and see how it ends. */
#ifndef OSMEM_TESTS_DEATH_H
#define OSMEM_TESTS_DEATH_H

#include <stdbool.h>

/* Runs call(arg) in a child whose standard error goes to a pipe. True when the child wrote exactly
 * `expected_line` and a newline to standard error and then died of SIGABRT; otherwise says on
 * standard error what happened instead. The child inherits the parent's heap, so the parent can
 * prepare the bad pointer and compute the expected message. */
bool dies_with(void (*call)(void *arg), void *arg, const char *expected_line);

/* "osmem: <words> 0x... in <caller>", the line the default fault handler prints. `words` are the
 * fault's name and what joins it to the pointer: "double free of", "invalid pointer". The text
 * lives until the next call. */
const char *fault_line(const char *words, const void *ptr, const char *caller);

/* os_free(ptr), as a call for dies_with. */
void call_free(void *ptr);

#endif
