/* SPDX-License-Identifier: BSD-3-Clause */
/* An op-aware mutator for libFuzzer (LLVMFuzzerCustomMutator), linked into the fuzzers that want
 * it (//fuzz:guidance; tools/fuzz-own-allocator's). The input format is unchanged: it only chooses which bytes to
 * write. libFuzzer's byte mutations rarely make two ops name the same slot (1 in 64 for a random
 * byte) or ask for the same size, yet that is what an allocator's rules are about: a free must
 * name a block an earlier op got, a best-fit tie needs two free blocks of one size, a reuse needs
 * a request that fits a freed block. Half of the mutations therefore work on whole ops, as the
 * target's decoder splits the input (format 1 or the misuse format): copy an op, give an op the
 * slot of another, free a slot an earlier op filled, give an op the size of another, or a fresh
 * slot; the other half are libFuzzer's own (dictionary, comparisons, bytes). */
#include <stdbool.h>
#include <string.h>

#include "fuzz/ops.h"
#include "fuzz/target.h"

/* Ops looked at in one input: more are left alone. */
#define MAX_SPANS 256

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* An op's bytes in the input: [start, end); its slot byte at start + 1, its size (format 1's
 * selector and operand bytes) from size_at to end (0: none). */
struct span {
	size_t start, end, size_at;
	bool has_slot;
};

static bool names_slot(enum fuzz_op_kind kind)
{
	return kind == FUZZ_MALLOC || kind == FUZZ_FREE || kind == FUZZ_CALLOC ||
	       kind == FUZZ_REALLOC || kind == FUZZ_MISUSE || kind == FUZZ_CORRUPT_CHECK;
}

/* Where the size operand starts, after the kind, slot (and calloc's count) bytes; 0: none. */
static size_t size_offset(enum fuzz_op_kind kind)
{
	if (kind == FUZZ_MALLOC || kind == FUZZ_REALLOC)
		return 2;
	return kind == FUZZ_CALLOC ? 3 : 0;
}

static size_t split_ops(const uint8_t *data, size_t size, struct span *spans, size_t max)
{
	const struct fuzz_target *target = fuzz_target_under_test();
	struct fuzz_reader reader;
	struct fuzz_op op;
	size_t count = 0;

	fuzz_reader_init(&reader, data, size);
	while (count < max) {
		size_t start = reader.pos, at;
		bool more = target->next_op ? target->next_op(&reader, &op) : fuzz_next_op(&reader, &op);

		if (!more)
			break;
		at = size_offset(op.kind);
		spans[count++] = (struct span){ start, reader.pos, at ? start + at : 0,
						names_slot(op.kind) };
	}
	return count;
}

/* A small generator of its own: libFuzzer passes a seed per call. */
static unsigned next_random(unsigned *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* Replaces data[at, at + old_len) with `with` (with_len bytes); 0 when it would not fit. */
static size_t splice(uint8_t *data, size_t size, size_t max_size, size_t at, size_t old_len,
		     const uint8_t *with, size_t with_len)
{
	uint8_t copy[64];

	if (with_len > sizeof(copy) || size - old_len + with_len > max_size)
		return 0;
	memcpy(copy, with, with_len); /* `with` may lie in the bytes that move */
	memmove(data + at + with_len, data + at + old_len, size - at - old_len);
	memcpy(data + at, copy, with_len);
	return size - old_len + with_len;
}

/* A random op with a slot (or with a size, `sized`); false when there is none. */
static bool pick(const struct span *spans, size_t count, bool sized, unsigned *state, size_t *out)
{
	size_t start = next_random(state) % count;

	for (size_t k = 0; k < count; k++) {
		size_t i = (start + k) % count;

		if (sized ? spans[i].size_at != 0 : spans[i].has_slot) {
			*out = i;
			return true;
		}
	}
	return false;
}

enum op_mutation { COPY_OP, SAME_SLOT, FREE_EARLIER_SLOT, SAME_SIZE, FRESH_SLOT, OP_MUTATIONS };

/* One op-level mutation; 0 when it does not apply to this input. */
static size_t mutate_ops(uint8_t *data, size_t size, size_t max_size, unsigned *state)
{
	struct span spans[MAX_SPANS];
	size_t count = split_ops(data, size, spans, MAX_SPANS), i, j;
	size_t to;

	if (!count)
		return 0;
	to = spans[next_random(state) % count].start; /* an op boundary */
	switch (next_random(state) % OP_MUTATIONS) {
	case COPY_OP:
		i = next_random(state) % count;
		return splice(data, size, max_size, to, 0, data + spans[i].start,
			      spans[i].end - spans[i].start);
	case SAME_SLOT:
		if (!pick(spans, count, false, state, &i) || !pick(spans, count, false, state, &j))
			return 0;
		data[spans[j].start + 1] = data[spans[i].start + 1];
		return size;
	case FREE_EARLIER_SLOT: {
		uint8_t free_op[2] = { FUZZ_FREE, 0 };

		if (!pick(spans, count, false, state, &i))
			return 0;
		free_op[1] = data[spans[i].start + 1];
		to = spans[i].end + (next_random(state) % 2 ? 0 : size - spans[i].end);
		return splice(data, size, max_size, to, 0, free_op, sizeof(free_op));
	}
	case SAME_SIZE:
		if (!pick(spans, count, true, state, &i) || !pick(spans, count, true, state, &j) || i == j)
			return 0;
		return splice(data, size, max_size, spans[j].size_at, spans[j].end - spans[j].size_at,
			      data + spans[i].size_at, spans[i].end - spans[i].size_at);
	default:
		if (!pick(spans, count, false, state, &j))
			return 0;
		data[spans[j].start + 1] = (uint8_t)next_random(state);
		return size;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	unsigned state = seed | 1;
	size_t mutated;

	if (next_random(&state) % 2) {
		mutated = mutate_ops(data, size, max_size, &state);
		if (mutated)
			return mutated;
	}
	return LLVMFuzzerMutate(data, size, max_size);
}
