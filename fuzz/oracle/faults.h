/* SPDX-License-Identifier: BSD-3-Clause */
/* The allocator's fault handler under the harness. By default every reported fault is a failure
 * (the harness only hands back what it was given). A misuse op first says which fault it expects:
 * the handler then checks the kind, the pointer and the whole message, and returns, so that the
 * allocator ignores the call (osmem_debug.h). */
#ifndef OSMEM_FUZZ_FAULTS_H
#define OSMEM_FUZZ_FAULTS_H

#include <stdbool.h>

#include "allocator/osmem_debug.h"
#include "fuzz/target.h"

/* What a misuse call gives back and what must come of it. */
struct fault_prediction {
	void *ptr;
	bool fault_expected; /* else no fault: os_realloc answers a free heap block by rule 2 */
	enum osmem_fault fault;
};

/* Installs the handler, with nothing expected. */
void faults_install(const struct fuzz_target *target);

/* The next call must report exactly this fault, naming `caller` ("os_free", "os_realloc"). */
void faults_expect(enum osmem_fault fault, const void *ptr, const char *caller);

/* After the call: fails unless the expected fault was reported; then nothing is expected. */
void faults_check_met(void);

#endif
