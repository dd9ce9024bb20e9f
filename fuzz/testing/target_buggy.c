/* SPDX-License-Identifier: BSD-3-Clause */
/* Test-only target: osmem with one bug injected around its calls, chosen by the environment
 * variable OSMEM_FUZZ_TEST_BUG. The oracle self-test (oracle_test.sh) replays seeds through it and
 * expects each bug to be caught by its rule. These bugs live in the harness's test target, never
 * in the allocator. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allocator/block_meta.h"
#include "allocator/os_layer.h"
#include "allocator/osmem.h"
#include "fuzz/target_osmem.h"
#include "sanitizers/track.h"

static const char *bug(void)
{
	const char *name = getenv("OSMEM_FUZZ_TEST_BUG");

	return name ? name : "";
}

static int bug_is(const char *name)
{
	return !strcmp(bug(), name);
}

/* malloc: hands out one live block twice, misaligns, breaks the NULL cases, takes the wrong
 * source, grows the break for nothing or before preallocating, bloats the heap, leaks, leaves a
 * stale prev link. */
static void *last;

/* The block after `block` gets a prev link to itself. */
__attribute__((no_sanitize("address"))) static void point_next_prev_at_itself(struct block_meta *block)
{
	TRACK_ALLOCATOR_SCOPE(); /* the links are the allocator's (sanitizers/track.h) */

	if (block->next)
		block->next->prev = block->next;
}

static void *buggy_malloc(size_t size)
{
	static unsigned calls;

	if (bug_is("overlap") && last && ++calls % 2 == 0)
		return last;
	if (bug_is("misaligned"))
		return (char *)os_malloc(size + 8) + 4;
	if (bug_is("malloc0_not_null") && size == 0)
		return os_malloc(8);
	if (bug_is("spurious_null") && size == 100)
		return NULL;
	if (bug_is("wrong_source") && size && size < 131033)
		return last = os_malloc(131033);
	if (bug_is("needless_sbrk"))
		osmem_os_sbrk(0);
	if (bug_is("blackbox_bloat"))
		os_malloc(100000); /* never freed */
	if (bug_is("hidden_block") && !calls++)
		os_malloc(16); /* takes the place best fit gives the caller's block */
	if (bug_is("prealloc_shifted") && !calls++)
		osmem_os_sbrk(8);
	last = os_malloc(size);
	if (bug_is("leak_heap") && !calls++)
		os_malloc(16); /* never freed */
	if (bug_is("stale_prev") && last)
		point_next_prev_at_itself((struct block_meta *)last - 1);
	return last;
}

/* A free heap block swallows its free successor at once (the contract merges only before a
 * search). The seal is not renewed: the model must see it before osmem does. */
__attribute__((no_sanitize("address"))) static void merge_next(struct block_meta *block)
{
	struct block_meta *next = block->next;
	TRACK_ALLOCATOR_SCOPE(); /* the links are the allocator's (sanitizers/track.h) */

	if (block->status != STATUS_FREE || !next || next->status != STATUS_FREE ||
	    (char *)next != (char *)(block + 1) + block->size)
		return;
	block->size += sizeof(*block) + next->size;
	block->next = next->next;
	if (next->next)
		next->next->prev = block;
}

/* free: leaks mappings, frees twice, scribbles on another block or on a free header, merges. */
static void buggy_free(void *ptr)
{
	if (bug_is("leak_mapped") && ptr && ((struct block_meta *)ptr - 1)->status == STATUS_MAPPED)
		return;
	os_free(ptr);
	if (bug_is("double_free"))
		os_free(ptr);
	if (bug_is("scribble") && last && last != ptr)
		*(unsigned char *)last ^= 0xff;
	if (bug_is("bad_status") && ptr)
		((struct block_meta *)ptr - 1)->status = 7;
	if (bug_is("free_merges") && ptr)
		merge_next((struct block_meta *)ptr - 1);
}

static void *buggy_calloc(size_t nmemb, size_t size)
{
	unsigned char *ptr = os_calloc(nmemb, size);

	if (bug_is("calloc_dirty") && ptr)
		ptr[nmemb * size - 1] = 0x55;
	return ptr;
}

static void *buggy_realloc(void *old, size_t size)
{
	unsigned char *ptr = os_realloc(old, size);

	if (bug_is("realloc_loses_byte") && ptr && old)
		ptr[0] ^= 1;
	if (bug_is("impossible_not_null") && !ptr && old && size > SIZE_MAX - 39)
		return old;
	if (bug_is("realloc0_not_null") && old && !size)
		return os_malloc(8);
	return ptr;
}

const struct fuzz_target *fuzz_target_under_test(void)
{
	static struct fuzz_target buggy;

	if (!buggy.malloc) {
		buggy = fuzz_osmem_target;
		buggy.name = "osmem-with-test-bug";
		/* blackbox_* bugs: osmem seen from outside, as //fuzz:target_blackbox sees it. */
		if (!strncmp(bug(), "blackbox_", 9)) {
			buggy.heap_check = NULL;
			buggy.heap_stats = NULL;
			buggy.set_fault_handler = NULL;
			buggy.header_size = 0;
			buggy.follows_osmem_contract = false;
			buggy.contract_model = false;
		}
		/* The contract model judges first when on; the other rules are shown with it off. */
		if (getenv("OSMEM_FUZZ_TEST_NO_MODEL"))
			buggy.contract_model = false;
		buggy.malloc = buggy_malloc;
		buggy.free = buggy_free;
		buggy.calloc = buggy_calloc;
		buggy.realloc = buggy_realloc;
	}
	return &buggy;
}
