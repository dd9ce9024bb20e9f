/* SPDX-License-Identifier: BSD-3-Clause */
/* A fixed allocation workload for comparing builds: the same pseudo-random sequence of os_malloc,
 * os_calloc, os_realloc and os_free over a window of 64 live blocks, mostly heap-sized, some
 * mapped. Prints ns per call; run it under callgrind for instruction counts.
 *
 *   workload [ROUNDS]     default 200000 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allocator/osmem.h"

#define SLOTS 64

static uint32_t next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

static size_t pick_size(uint32_t r)
{
	return r % 64 == 0 ? 140000 + r % 4096 : 1 + r % 2000;
}

static void one_call(void **slots, uint32_t *state)
{
	uint32_t r = next_random(state);
	void **slot = &slots[r % SLOTS];
	size_t size = pick_size(next_random(state));

	if (!*slot) {
		*slot = r & 1 ? os_malloc(size) : os_calloc(1, size);
		if (*slot)
			memset(*slot, 1, size < 64 ? size : 64);
	} else if (r & 2) {
		void *moved = os_realloc(*slot, size);

		if (moved)
			*slot = moved;
	} else {
		os_free(*slot);
		*slot = NULL;
	}
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	void *slots[SLOTS] = { 0 };
	uint32_t state = 2463534242u;
	struct timespec start, end;
	double ns;

	if (rounds <= 0) {
		fprintf(stderr, "workload: ROUNDS must be a positive number, got '%s'\n", argv[1]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < rounds; i++)
		one_call(slots, &state);
	clock_gettime(CLOCK_MONOTONIC, &end);
	for (int i = 0; i < SLOTS; i++)
		os_free(slots[i]);
	ns = (double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec);
	printf("workload: %ld calls, %.1f ns/call\n", rounds, ns / (double)rounds);
	return 0;
}
