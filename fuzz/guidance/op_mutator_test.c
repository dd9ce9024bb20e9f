/* SPDX-License-Identifier: BSD-3-Clause */
/* op_mutator.c on a format-1 input of two mallocs: over 2000 seeds, half of the mutations are
 * libFuzzer's (a stub here), and the op-level ones free a slot an earlier op filled, give two
 * blocks the same size, and copy an op; every result fits max_size and decodes. A mutator that
 * read the slot or size at the wrong offset would miss these. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz/ops.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

static unsigned default_mutations;

/* libFuzzer's own mutations: counted, the input left as it is. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size)
{
	(void)data;
	(void)max_size;
	default_mutations++;
	return size;
}

struct seen {
	bool freed_earlier_slot, same_size_two_slots, copied_op;
};

static void look(const uint8_t *data, size_t size, struct seen *seen)
{
	struct fuzz_reader reader;
	struct fuzz_op op;
	bool filled[FUZZ_SLOTS] = { false };
	size_t size_of[FUZZ_SLOTS] = { 0 };
	unsigned mallocs = 0;

	fuzz_reader_init(&reader, data, size);
	while (fuzz_next_op(&reader, &op)) {
		if (op.kind == FUZZ_FREE && filled[op.slot])
			seen->freed_earlier_slot = true;
		if (op.kind != FUZZ_MALLOC)
			continue;
		mallocs++;
		for (unsigned s = 0; s < FUZZ_SLOTS; s++) {
			if (s != op.slot && filled[s] && size_of[s] == op.size)
				seen->same_size_two_slots = true;
		}
		filled[op.slot] = true;
		size_of[op.slot] = op.size;
	}
	if (mallocs > 2)
		seen->copied_op = true;
}

int main(void)
{
	/* malloc(slot 0, 100), malloc(slot 1, 8): size table entries 21 and 5. */
	static const uint8_t start[] = { FUZZ_MALLOC, 0, 21, FUZZ_MALLOC, 1, 5 };
	struct seen seen = { false, false, false };
	int failures = 0;

	for (unsigned seed = 1; seed <= 2000; seed++) {
		uint8_t data[16];
		size_t size;

		memcpy(data, start, sizeof(start));
		size = LLVMFuzzerCustomMutator(data, sizeof(start), sizeof(data), seed);
		if (size > sizeof(data)) {
			printf("FAIL seed %u: %zu bytes, more than max_size %zu\n", seed, size, sizeof(data));
			return 1;
		}
		look(data, size, &seen);
	}
	if (default_mutations < 700 || default_mutations > 1300) {
		printf("FAIL libFuzzer's own mutations: %u of 2000, expected about half\n", default_mutations);
		failures++;
	}
	if (!seen.freed_earlier_slot || !seen.same_size_two_slots || !seen.copied_op) {
		printf("FAIL op-level mutations: free of a filled slot %d, one size on two slots %d, an op copied %d\n",
		       seen.freed_earlier_slot, seen.same_size_two_slots, seen.copied_op);
		failures++;
	}
	if (!failures)
		printf("PASS op mutator: %u of 2000 mutations libFuzzer's, every op-level kind seen\n",
		       default_mutations);
	return failures != 0;
}
