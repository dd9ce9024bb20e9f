/* SPDX-License-Identifier: BSD-3-Clause */
/* The one entry point every engine main calls. */
#ifndef OSMEM_FUZZ_HARNESS_H
#define OSMEM_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Runs one input (format 1, fuzz/README.md) against fuzz_target_under_test() from a fresh
 * allocator and OS state. Returns 0; a broken rule aborts with a one-line message. */
int osmem_fuzz_one(const uint8_t *data, size_t size);

/* When `out` is non-NULL, every later input prints its ops there as they run, with what each
 * slot then holds (for reading a crash; the replay engine's --trace). NULL turns it off. */
void osmem_fuzz_trace(FILE *out);

/* Prints the ops an input decodes to, one per line ("op 3 realloc(slot 0, 300)"), without
 * running them; returns how many (`out` NULL: only counts). Format 1's meaning is pinned by a golden test on this. */
unsigned osmem_fuzz_decode(const uint8_t *data, size_t size, FILE *out);

#endif
