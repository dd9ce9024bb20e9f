/* SPDX-License-Identifier: BSD-3-Clause */
/* 8 threads allocate and free through shared slots, so most blocks are freed by a thread other than
 * the one that allocated them. Every block carries a pattern naming its size and seed; a block that
 * two threads were handed at once, or that a racing split overwrote, fails its pattern check. */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allocator/dropin/tests/preload_check.h"

#define THREADS 8
#define SLOTS 512
#define ROUNDS 5000

struct tagged {
	size_t size;
	unsigned seed;
	unsigned char bytes[];
};

static _Atomic(struct tagged *) slots[SLOTS];
static atomic_int bad_blocks;

static unsigned next_random(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

static struct tagged *make_block(unsigned *state)
{
	unsigned kind = next_random(state) % 16;
	size_t size = kind == 0 ? 4096 + next_random(state) % 200000 : next_random(state) % 512;
	struct tagged *block = NULL;

	if (kind == 1)
		block = calloc(1, sizeof(*block) + size);
	else if (kind == 2 && posix_memalign((void **)&block, 64, sizeof(*block) + size))
		block = NULL;
	else if (kind != 1 && kind != 2)
		block = malloc(sizeof(*block) + size);
	if (!block || (uintptr_t)block % (kind == 2 ? 64 : 16))
		return NULL;
	block->size = size;
	block->seed = next_random(state);
	memset(block->bytes, (int)(block->seed & 0xff), size);
	return block;
}

static bool intact(const struct tagged *block)
{
	for (size_t i = 0; i < block->size; i++)
		if (block->bytes[i] != (unsigned char)(block->seed & 0xff))
			return false;
	return malloc_usable_size((void *)block) >= sizeof(*block) + block->size;
}

/* Another thread's block sometimes grows in place or moves, then goes back to a slot. */
static struct tagged *maybe_grow(struct tagged *block, unsigned *state)
{
	size_t more = next_random(state) % 300;
	struct tagged *grown;

	if (next_random(state) % 4)
		return block;
	grown = realloc(block, sizeof(*block) + block->size + more);
	if (!grown)
		return block;
	memset(grown->bytes + grown->size, (int)(grown->seed & 0xff), more);
	grown->size += more;
	return grown;
}

static void *churn(void *arg)
{
	unsigned state = (unsigned)(uintptr_t)arg;

	for (int round = 0; round < ROUNDS; round++) {
		struct tagged *fresh = make_block(&state), *old;

		if (!fresh) {
			atomic_fetch_add(&bad_blocks, 1);
			continue;
		}
		old = atomic_exchange(&slots[next_random(&state) % SLOTS], fresh);
		if (!old)
			continue;
		if (!intact(old))
			atomic_fetch_add(&bad_blocks, 1);
		old = maybe_grow(old, &state);
		old = atomic_exchange(&slots[next_random(&state) % SLOTS], old);
		if (old && !intact(old))
			atomic_fetch_add(&bad_blocks, 1);
		free(old);
	}
	return NULL;
}

int main(void)
{
	pthread_t threads[THREADS];
	void *probe = malloc(40);

	CHECK(served_by_osmem(probe, 40));
	free(probe);
	for (uintptr_t i = 0; i < THREADS; i++)
		CHECK(pthread_create(&threads[i], NULL, churn, (void *)(i * 7919 + 1)) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < SLOTS; i++) {
		struct tagged *block = atomic_load(&slots[i]);

		if (block && !intact(block))
			atomic_fetch_add(&bad_blocks, 1);
		free(block);
	}
	CHECK(atomic_load(&bad_blocks) == 0);
	return preload_result("threads_test");
}
