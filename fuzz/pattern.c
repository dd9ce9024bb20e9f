/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/pattern.h"

#include <string.h>

/* Word k of the pattern; never zero in all bytes for long, so calloc's zero check differs. */
static uint64_t pattern_word(uint64_t seed, size_t k)
{
	uint64_t x = (seed + k) * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 29) ^ 0x5a5a5a5a5a5a5a5aull;
}

uint8_t pattern_byte(uint64_t seed, size_t offset)
{
	return (uint8_t)(pattern_word(seed, offset / 8) >> (8 * (offset % 8)));
}

/* Which bytes a block of `size` carries a pattern on: [0, head) and [tail, size). */
static void windows_of(size_t size, size_t *head, size_t *tail)
{
	if (size <= 2 * PATTERN_WINDOW) {
		*head = *tail = size;
	} else {
		*head = PATTERN_WINDOW;
		*tail = size - PATTERN_WINDOW;
	}
}

/* Byte-wise up to the next word boundary and for the last partial word, word-wise between. */
static void write_range(uint8_t *payload, size_t from, size_t to, uint64_t seed)
{
	size_t i = from;

	for (; i < to && i % 8; i++)
		payload[i] = pattern_byte(seed, i);
	for (; i + 8 <= to; i += 8) {
		uint64_t word = pattern_word(seed, i / 8);

		memcpy(payload + i, &word, sizeof(word));
	}
	for (; i < to; i++)
		payload[i] = pattern_byte(seed, i);
}

void pattern_write(uint8_t *payload, size_t size, uint64_t seed)
{
	size_t head, tail;

	windows_of(size, &head, &tail);
	write_range(payload, 0, head, seed);
	write_range(payload, tail, size, seed);
}

/* The expected byte at `offset`: the pattern, or zero when `zero`. */
static uint8_t expected_byte(uint64_t seed, bool zero, size_t offset)
{
	return zero ? 0 : pattern_byte(seed, offset);
}

static bool verify_range(const uint8_t *payload, size_t from, size_t to, uint64_t seed, bool zero,
			 struct pattern_mismatch *mismatch)
{
	size_t i = from;

	/* Fast path over whole words; the byte loop below pinpoints a difference. */
	while (i % 8 == 0 && i + 8 <= to) {
		uint64_t word, expected = zero ? 0 : pattern_word(seed, i / 8);

		memcpy(&word, payload + i, sizeof(word));
		if (word != expected)
			break;
		i += 8;
	}
	for (; i < to; i++) {
		uint8_t expected = expected_byte(seed, zero, i);

		if (payload[i] != expected) {
			*mismatch = (struct pattern_mismatch){ i, expected, payload[i] };
			return false;
		}
		if (i % 8 == 7)
			return verify_range(payload, i + 1, to, seed, zero, mismatch);
	}
	return true;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static bool verify_windows(const uint8_t *payload, size_t size, uint64_t seed, bool zero,
			   size_t limit, struct pattern_mismatch *mismatch)
{
	size_t head, tail;

	windows_of(size, &head, &tail);
	return verify_range(payload, 0, min_size(head, limit), seed, zero, mismatch) &&
	       verify_range(payload, tail, min_size(size, limit), seed, zero, mismatch);
}

bool pattern_verify(const uint8_t *payload, size_t size, uint64_t seed, size_t limit,
		    struct pattern_mismatch *mismatch)
{
	return verify_windows(payload, size, seed, false, limit, mismatch);
}

bool pattern_verify_zero(const uint8_t *payload, size_t size, struct pattern_mismatch *mismatch)
{
	return verify_windows(payload, size, 0, true, size, mismatch);
}
