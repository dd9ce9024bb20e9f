/* SPDX-License-Identifier: BSD-3-Clause */
#include "workload.h"

#include <sys/mman.h>

/* splitmix64: tiny, seedable, good enough to spread sizes and picks. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t uniform(uint64_t *state, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(next_random(state) % ((uint64_t)hi - lo + 1));
}

/* Mostly small requests, a long tail, and a few beyond the 128 KiB mmap threshold; shaped after
 * the usual observation that most allocations in real programs are under a few hundred bytes. */
static uint32_t request_size(uint64_t *state)
{
	static const struct {
		uint32_t per_mille, lo, hi;
	} bands[] = {
		{ 550, 8, 64 },       { 250, 65, 256 },       { 120, 257, 1024 },
		{ 60, 1025, 8192 },   { 18, 8193, 65536 },    { 2, 131072, 1048576 },
	};
	uint32_t pick = uniform(state, 0, 999);

	for (size_t i = 0; i < sizeof(bands) / sizeof(bands[0]); i++) {
		if (pick < bands[i].per_mille)
			return uniform(state, bands[i].lo, bands[i].hi);
		pick -= bands[i].per_mille;
	}
	return 16;
}

/* The generator's view of which slots are live and how many bytes each holds. */
struct live_set {
	uint32_t *live;      /* live slot ids, unordered */
	uint32_t *position;  /* slot id -> index in `live` */
	uint32_t *free_ids;  /* unused slot ids, a stack */
	uint64_t *bytes;     /* slot id -> requested bytes */
	size_t count, free_count, live_bytes;
};

static void *map_array(size_t count, size_t elem)
{
	void *p = mmap(NULL, count * elem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void unmap_array(void *p, size_t count, size_t elem)
{
	if (p)
		munmap(p, count * elem);
}

static void live_set_release(struct live_set *s, size_t slots)
{
	unmap_array(s->live, slots, sizeof(*s->live));
	unmap_array(s->position, slots, sizeof(*s->position));
	unmap_array(s->free_ids, slots, sizeof(*s->free_ids));
	unmap_array(s->bytes, slots, sizeof(*s->bytes));
}

static int live_set_init(struct live_set *s, size_t slots)
{
	*s = (struct live_set){
		.live = map_array(slots, sizeof(*s->live)),
		.position = map_array(slots, sizeof(*s->position)),
		.free_ids = map_array(slots, sizeof(*s->free_ids)),
		.bytes = map_array(slots, sizeof(*s->bytes)),
	};
	if (!s->live || !s->position || !s->free_ids || !s->bytes) {
		live_set_release(s, slots);
		return -1;
	}
	for (size_t i = 0; i < slots; i++)
		s->free_ids[s->free_count++] = (uint32_t)(slots - 1 - i);
	return 0;
}

static uint32_t live_add(struct live_set *s, uint64_t bytes)
{
	uint32_t id = s->free_ids[--s->free_count];

	s->position[id] = (uint32_t)s->count;
	s->live[s->count++] = id;
	s->bytes[id] = bytes;
	s->live_bytes += bytes;
	return id;
}

static uint32_t live_pick(struct live_set *s, uint64_t *state)
{
	return s->live[uniform(state, 0, (uint32_t)s->count - 1)];
}

static void live_remove(struct live_set *s, uint32_t id)
{
	uint32_t last = s->live[--s->count];

	s->live[s->position[id]] = last;
	s->position[last] = s->position[id];
	s->free_ids[s->free_count++] = id;
	s->live_bytes -= s->bytes[id];
}

static void live_resize(struct live_set *s, uint32_t id, uint64_t bytes)
{
	s->live_bytes = s->live_bytes - s->bytes[id] + bytes;
	s->bytes[id] = bytes;
}

static struct op make_alloc(struct live_set *s, uint64_t *state)
{
	uint32_t size = request_size(state);

	/* One allocation in ten is a calloc of a few elements. */
	if (uniform(state, 0, 9) == 0) {
		uint32_t nmemb = uniform(state, 1, 16), elem = size / nmemb ? size / nmemb : 1;

		return (struct op){ OP_CALLOC, live_add(s, (uint64_t)nmemb * elem), nmemb, elem };
	}
	return (struct op){ OP_MALLOC, live_add(s, size), 0, size };
}

/* Repeated growth of one block stops here (4 MiB) and starts over from a fresh size. */
#define MAX_REALLOC_GROWTH ((uint64_t)4 << 20)

static struct op make_realloc(struct live_set *s, uint64_t *state)
{
	uint32_t id = live_pick(s, state);
	uint64_t old = s->bytes[id];
	/* Half grow or shrink what is there (a growing buffer, a trimmed one), half a fresh size. */
	uint64_t grown = uniform(state, 0, 1) ? old + old / 2 + 1 : old / 2 + 1;
	uint32_t size = uniform(state, 0, 1) || grown > MAX_REALLOC_GROWTH ? request_size(state)
									      : (uint32_t)grown;

	live_resize(s, id, size);
	return (struct op){ OP_REALLOC, id, 0, size };
}

static struct op make_free(struct live_set *s, uint64_t *state)
{
	uint32_t id = live_pick(s, state);

	live_remove(s, id);
	return (struct op){ OP_FREE, id, 0, 0 };
}

/* Around the target the mix is 45% allocations, 40% frees, 15% reallocs; outside a 10% band it
 * only allocates or only frees, so the live count stays near the target. */
static struct op make_mix_op(struct live_set *s, size_t target, uint64_t *state)
{
	uint32_t pick = uniform(state, 0, 99);

	if (s->count < target - target / 10 || (s->count < target + target / 10 && pick < 45))
		return make_alloc(s, state);
	if (s->count >= target + target / 10 || pick < 85)
		return make_free(s, state);
	return make_realloc(s, state);
}

int workload_build(struct workload *w, size_t live, size_t mix_ops, uint64_t seed)
{
	struct live_set set;
	size_t slots = live + live / 10 + 2, total = live + mix_ops;

	*w = (struct workload){ .fill_ops = live, .mix_ops = mix_ops, .slots = slots };
	w->ops = map_array(total, sizeof(*w->ops));
	if (!w->ops || live_set_init(&set, slots) != 0) {
		workload_release(w);
		return -1;
	}
	for (size_t i = 0; i < total; i++) {
		w->ops[i] = i < live ? make_alloc(&set, &seed) : make_mix_op(&set, live, &seed);
		if (set.live_bytes > w->peak_live_bytes)
			w->peak_live_bytes = set.live_bytes;
	}
	live_set_release(&set, slots);
	return 0;
}

void workload_release(struct workload *w)
{
	unmap_array(w->ops, w->fill_ops + w->mix_ops, sizeof(*w->ops));
	w->ops = NULL;
}
