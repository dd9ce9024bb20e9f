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

#endif
