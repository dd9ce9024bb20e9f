/* SPDX-License-Identifier: BSD-3-Clause */
#include "mapping_cache.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CACHE_SLOTS 32
#define CACHE_BYTES ((size_t)8 << 20)

struct mapping {
	void *addr;
	size_t length; /* page-rounded */
};

/* Oldest first. */
static struct mapping cached[CACHE_SLOTS];
static size_t count, bytes;

static size_t page_rounded(size_t length)
{
	size_t page = (size_t)getpagesize();

	return (length + page - 1) & ~(page - 1);
}

static void forget(size_t index)
{
	bytes -= cached[index].length;
	memmove(&cached[index], &cached[index + 1], (count - index - 1) * sizeof(cached[0]));
	count--;
}

void *mapping_cache_take(size_t length)
{
	size_t rounded = page_rounded(length);

	/* Newest first: its pages are the likeliest to be in cache. */
	for (size_t i = count; i-- > 0;) {
		void *addr = cached[i].addr;

		if (cached[i].length != rounded)
			continue;
		forget(i);
		memset(addr, 0, rounded);
		return addr;
	}
	return NULL;
}

bool mapping_cache_keep(void *addr, size_t length)
{
	size_t rounded = page_rounded(length);

	if (rounded > CACHE_BYTES / 4)
		return false;
	while (count == CACHE_SLOTS || bytes + rounded > CACHE_BYTES) {
		/* An unmap that fails loses the range, nothing else: no block lives there. */
		munmap(cached[0].addr, cached[0].length);
		forget(0);
	}
	cached[count++] = (struct mapping){ addr, rounded };
	bytes += rounded;
	return true;
}
