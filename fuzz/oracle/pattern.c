/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/oracle/pattern.h"

#include <string.h>

#define GOLDEN 0x9e3779b97f4a7c15ull

/* The word loops below run without ASan checks: a check per load keeps them from vectorising
 * (a fifth of a fuzzing run went there), and the memory is the emulated heap or a raw mapping,
 * which ASan does not track unless annotations poison it; the byte loops, which pinpoint every
 * reported difference, keep their checks. mix() carries the attribute too, or clang would not
 * inline it into them. */
#define UNCHECKED_LOOP __attribute__((no_sanitize("address")))

/* Word k of the pattern is mix((seed + k) * GOLDEN); consecutive words step the product by
 * GOLDEN, so the loops below add instead of multiplying (and vectorise). */
UNCHECKED_LOOP static uint64_t mix(uint64_t x)
{
	/* The xor constant keeps the pattern away from zero, so calloc's zero check differs. */
	return x ^ (x >> 29) ^ 0x5a5a5a5a5a5a5a5aull;
}

static uint64_t pattern_word(uint64_t seed, size_t k)
{
	return mix((seed + k) * GOLDEN);
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

static size_t round_up8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

/* Whole words from byte offset `from` (8-aligned) to `to`: payload is 8-aligned. */
UNCHECKED_LOOP static void write_words(uint8_t *payload, size_t from, size_t to, uint64_t seed)
{
	uint64_t x = (seed + from / 8) * GOLDEN;

	for (size_t i = from; i + 8 <= to; i += 8, x += GOLDEN) {
		uint64_t word = mix(x);

		memcpy(payload + i, &word, sizeof(word));
	}
}

static void write_range(uint8_t *payload, size_t from, size_t to, uint64_t seed)
{
	size_t words_from = round_up8(from), words_to = to & ~(size_t)7;

	for (size_t i = from; i < to && i < words_from; i++)
		payload[i] = pattern_byte(seed, i);
	if (words_from < words_to)
		write_words(payload, words_from, words_to, seed);
	for (size_t i = words_to > words_from ? words_to : words_from; i < to; i++)
		payload[i] = pattern_byte(seed, i);
}

void pattern_write(uint8_t *payload, size_t size, uint64_t seed)
{
	size_t head, tail;

	windows_of(size, &head, &tail);
	write_range(payload, 0, head, seed);
	write_range(payload, tail, size, seed);
}

/* True when whole words [from, to) hold the pattern: no early exit, so it vectorises; the byte
 * loop of verify_range finds the difference. */
UNCHECKED_LOOP static bool words_match_pattern(const uint8_t *payload, size_t from, size_t to,
					       uint64_t seed)
{
	uint64_t x = (seed + from / 8) * GOLDEN, diff = 0;

	for (size_t i = from; i + 8 <= to; i += 8, x += GOLDEN) {
		uint64_t word;

		memcpy(&word, payload + i, sizeof(word));
		diff |= word ^ mix(x);
	}
	return !diff;
}

UNCHECKED_LOOP static bool words_are_zero(const uint8_t *payload, size_t from, size_t to)
{
	uint64_t any = 0;

	for (size_t i = from; i + 8 <= to; i += 8) {
		uint64_t word;

		memcpy(&word, payload + i, sizeof(word));
		any |= word;
	}
	return !any;
}

static bool words_match(const uint8_t *payload, size_t from, size_t to, uint64_t seed, bool zero)
{
	return zero ? words_are_zero(payload, from, to) : words_match_pattern(payload, from, to, seed);
}

static bool verify_bytes(const uint8_t *payload, size_t from, size_t to, uint64_t seed, bool zero,
			 struct pattern_mismatch *mismatch)
{
	for (size_t i = from; i < to; i++) {
		uint8_t expected = zero ? 0 : pattern_byte(seed, i);

		if (payload[i] != expected) {
			*mismatch = (struct pattern_mismatch){ i, expected, payload[i] };
			return false;
		}
	}
	return true;
}

static bool verify_range(const uint8_t *payload, size_t from, size_t to, uint64_t seed, bool zero,
			 struct pattern_mismatch *mismatch)
{
	size_t words_from = round_up8(from), words_to = to & ~(size_t)7;

	if (words_from >= words_to || !words_match(payload, words_from, words_to, seed, zero))
		return verify_bytes(payload, from, to, seed, zero, mismatch);
	return verify_bytes(payload, from, words_from, seed, zero, mismatch) &&
	       verify_bytes(payload, words_to, to, seed, zero, mismatch);
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
