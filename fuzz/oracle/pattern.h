/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-block payload patterns: byte i of a block written with seed s is a pure function of (s, i),
 * so a check needs no copy of the data. Blocks over two windows get only a head and a tail window
 * patterned, which bounds the bytes touched per op. */
#ifndef OSMEM_FUZZ_PATTERN_H
#define OSMEM_FUZZ_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATTERN_WINDOW ((size_t)1024)

struct pattern_mismatch {
	size_t offset;
	uint8_t expected, got;
};

uint8_t pattern_byte(uint64_t seed, size_t offset);

/* Writes the pattern of a `size`-byte block (8-aligned). */
void pattern_write(uint8_t *payload, size_t size, uint64_t seed);

/* Checks the patterned bytes of a `size`-byte block that lie below `limit` (pass `size` for the
 * whole block; a smaller limit checks what a realloc must have kept). False on the first
 * difference, described in *mismatch. */
bool pattern_verify(const uint8_t *payload, size_t size, uint64_t seed, size_t limit,
		    struct pattern_mismatch *mismatch);

/* Checks that the bytes a pattern would cover read as zero (calloc). */
bool pattern_verify_zero(const uint8_t *payload, size_t size, struct pattern_mismatch *mismatch);

#endif
