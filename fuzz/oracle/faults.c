/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/oracle/faults.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz/verdict/failure.h"

static struct {
	bool armed, met;
	enum osmem_fault fault;
	const void *ptr;
	char message[160]; /* the line allocator/README.md documents for this fault */
} expected;

/* The message of each fault as allocator/README.md ("Bad pointers") documents it. */
static void expected_message(enum osmem_fault fault, const void *ptr, const char *caller)
{
	static const char *const words[] = {
		[OSMEM_FAULT_DOUBLE_FREE] = "double free of",
		[OSMEM_FAULT_INVALID_POINTER] = "invalid pointer",
		[OSMEM_FAULT_CORRUPT_HEADER] = "corrupted block header",
		[OSMEM_FAULT_UNMAP_FAILED] = "munmap failed",
	};

	snprintf(expected.message, sizeof(expected.message), "osmem: %s %p in %s", words[fault], ptr,
		 caller);
}

static void expecting_handler(enum osmem_fault fault, const void *ptr, const char *message)
{
	if (!expected.armed)
		fuzz_fail_rule(RULE_OUTSIDE_FAULT, "allocator reported a fault: %s", message);
	if (expected.met || fault != expected.fault || ptr != expected.ptr ||
	    strcmp(message, expected.message))
		fuzz_fail_rule(RULE_MISUSE_FAULT, "allocator reported '%s' where '%s' was expected%s", message,
			  expected.message, expected.met ? " once" : "");
	expected.met = true;
}

void faults_install(const struct fuzz_target *target)
{
	expected.armed = false;
	if (target->set_fault_handler)
		target->set_fault_handler(expecting_handler);
}

void faults_expect(enum osmem_fault fault, const void *ptr, const char *caller)
{
	expected.armed = true;
	expected.met = false;
	expected.fault = fault;
	expected.ptr = ptr;
	expected_message(fault, ptr, caller);
}

void faults_check_met(void)
{
	bool met = expected.met;

	if (expected.armed && !met)
		fuzz_fail_rule(RULE_MISUSE_FAULT, "expected '%s', but the allocator reported no fault", expected.message);
	expected.armed = false;
}
