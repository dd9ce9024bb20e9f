/* SPDX-License-Identifier: BSD-3-Clause */
/* A libFuzzer target with one bug, found within a second: an input starting with "!?" breaks a
 * rule, reported the way the osmem oracle reports one (fuzz/failure.c), then the process aborts.
 * campaign_restart_test runs a tools/fuzz campaign on it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2 && data[0] == '!' && data[1] == '?') {
		fprintf(stderr, "osmem-fuzz: op %zu toy(slot 0): toy rule broken\n", size);
		abort();
	}
	return 0;
}
