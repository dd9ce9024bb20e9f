/* SPDX-License-Identifier: BSD-3-Clause */
/* The emulated OS layer's mappings (allocator/emulated_maps.h): recycled between inputs, yet as the
 * kernel's would be: fresh ones read as zero, given-back ones report any access, munmap takes only
 * whole mappings, and the same requests get the same addresses. Built plain (PROT_NONE), under
 * --config=asan, and as emulated_os_test_asan_ubsan (ASan poisoning, as in the fuzzers). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "allocator/emulated_maps.h"
#include "allocator/os_layer.h"
#include "allocator/tests/check.h"

#define PAGE ((size_t)4096)
/* Below and above the size up to which the reserve poisons rather than protects. */
#define SMALL_MAPPING (3 * PAGE + 100)
#define LARGE_MAPPING (OSMEM_EMU_MAPS_POISON_MAX + 100)

static char *map(size_t length)
{
	void *p = osmem_os_mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static size_t page_end(size_t length)
{
	return (length + PAGE - 1) / PAGE * PAGE;
}

/* Every byte up to the mapping's page end, as the kernel zero-fills it. */
static bool reads_zero(const char *p, size_t length)
{
	for (size_t i = 0; i < page_end(length); i++) {
		if (p[i])
			return false;
	}
	return true;
}

static void recycled_mapping_reads_zero_at(size_t length, bool give_back)
{
	char *first = map(length), *again;

	CHECK(first);
	CHECK(reads_zero(first, length));
	memset(first, 0xab, page_end(length));
	if (give_back)
		CHECK_EQ(osmem_os_munmap(first, length), 0);
	osmem_emu_reset();
	again = map(length);
	CHECK_EQ((uintptr_t)again, (uintptr_t)first);
	CHECK(reads_zero(again, length));
	CHECK_EQ(osmem_os_munmap(again, length), 0);
}

static void recycled_small_mapping_reads_zero(void)
{
	recycled_mapping_reads_zero_at(SMALL_MAPPING, true);
}

static void recycled_large_mapping_reads_zero(void)
{
	recycled_mapping_reads_zero_at(LARGE_MAPPING, true);
}

/* A mapping still live at the reset (a leak) is taken back and zeroed all the same. */
static void leaked_mapping_reads_zero(void)
{
	recycled_mapping_reads_zero_at(SMALL_MAPPING, false);
}

/* A mapping of `length` bytes dirtied whole and given back, then a reset; *before holds the stats
 * from just before the reset. NULL when no mapping came. */
static char *dirty_mapping_then_reset(size_t length, struct osmem_emu_maps_stats *before)
{
	char *p = map(length);

	if (!p)
		return NULL;
	memset(p, 0x5a, length);
	if (osmem_os_munmap(p, length))
		return NULL;
	osmem_emu_maps_get_stats(before);
	osmem_emu_reset();
	return p;
}

/* Past the resident bound the smaller mappings' arena goes back to the kernel (one madvise)
 * instead of being zeroed in place. */
static void released_reserve_reads_zero(void)
{
	size_t length = OSMEM_EMU_MAPS_POISON_MAX, count = OSMEM_EMU_MAPS_RESIDENT_MAX / length + 1;
	struct osmem_emu_maps_stats before, after;
	char *p[OSMEM_EMU_MAPS_RESIDENT_MAX / OSMEM_EMU_MAPS_POISON_MAX + 1];

	for (size_t i = 0; i < count; i++) {
		p[i] = map(length);
		CHECK(p[i]);
		memset(p[i], 0x5a, length);
		CHECK_EQ(osmem_os_munmap(p[i], length), 0);
	}
	osmem_emu_maps_get_stats(&before);
	osmem_emu_reset();
	osmem_emu_maps_get_stats(&after);
	CHECK_EQ(after.releases, before.releases + 1);
	for (size_t i = 0; i < count; i++) {
		CHECK_EQ((uintptr_t)map(length), (uintptr_t)p[i]);
		CHECK(reads_zero(p[i], length));
		CHECK_EQ(osmem_os_munmap(p[i], length), 0);
	}
}

/* mincore's answer for the page p lies in. */
static bool resident(const char *p)
{
	unsigned char in_core = 0;

	if (mincore((void *)((uintptr_t)p / PAGE * PAGE), PAGE, &in_core))
		abort(); /* the test's own mapping, page-aligned: cannot fail */
	return in_core & 1;
}

/* Where given-back mappings are poisoned (the fuzzers' ASan builds: emulated_os_test_asan_ubsan),
 * a page an input dirtied stays resident across recycles (no page fault when the next input
 * touches it); pages clean for OSMEM_EMU_MAPS_COLD_AFTER recycles go back to the kernel, and
 * read as zero all the same. */
static void cold_pages_go_back_hot_ones_stay(void)
{
	size_t pages = OSMEM_EMU_MAPS_COLD_BATCH + 8, length = pages * PAGE;
	struct osmem_emu_maps_stats before, after;
	char *p;

	if (!osmem_emu_maps_poisons())
		return; /* protected_mappings_keep_no_pages */
	p = dirty_mapping_then_reset(length, &before);
	CHECK(p);
	CHECK(resident(p) && resident(p + length - PAGE));
	for (int i = 0; i < OSMEM_EMU_MAPS_COLD_AFTER; i++) {
		CHECK_EQ((uintptr_t)map(length), (uintptr_t)p);
		p[0] = 1; /* the first page stays hot */
		CHECK_EQ(osmem_os_munmap(p, length), 0);
		osmem_emu_reset();
	}
	osmem_emu_maps_get_stats(&after);
	CHECK(after.releases > before.releases);
	CHECK(resident(p));
	for (size_t i = 1; i < pages; i++)
		CHECK(!resident(p + i * PAGE));
	CHECK_EQ((uintptr_t)map(length), (uintptr_t)p);
	CHECK(reads_zero(p, length));
	CHECK_EQ(osmem_os_munmap(p, length), 0);
}

/* A protected mapping keeps no page across a recycle: each resident page would cost a page-table
 * update in both of its mprotects in every input: where ASan does not run, every mapping is
 * protected whole. */
static void protected_mapping_keeps_no_page(size_t length)
{
	struct osmem_emu_maps_stats before, after;
	char *p = dirty_mapping_then_reset(length, &before);

	CHECK(p);
	osmem_emu_maps_get_stats(&after);
	CHECK(after.releases > before.releases);
	CHECK(!resident(p) && !resident(p + length / 2) && !resident(p + length - 1));
	CHECK_EQ((uintptr_t)map(length), (uintptr_t)p);
	CHECK(reads_zero(p, length));
	CHECK_EQ(osmem_os_munmap(p, length), 0);
}

static void protected_mappings_keep_no_pages(void)
{
	if (osmem_emu_maps_poisons())
		return; /* larger_mapping_keeps_touched_ends */
	protected_mapping_keeps_no_page(LARGE_MAPPING);
	protected_mapping_keeps_no_page(SMALL_MAPPING);
}

/* Where ASan runs, a larger mapping given back keeps the touched pages at its two ends, where the
 * header and the pattern windows are: poisoned until the recycle, then zeroed in place (the next
 * input's first touch of them takes no page fault). The rest is protected and given back at the
 * recycle, whatever it holds; nothing stays poisoned for the next input. Here every page but the
 * second is dirty: the first page is a piece of its own, the second starts the protected run. */
static void larger_mapping_keeps_touched_ends(void)
{
	size_t length = LARGE_MAPPING;
	char *p;

	if (!osmem_emu_maps_poisons())
		return; /* protected_mappings_keep_no_pages */
	osmem_emu_reset();
	p = map(length);
	CHECK(p);
	memset(p, 0x5a, length);
	CHECK_EQ(madvise(p + PAGE, PAGE, MADV_DONTNEED), 0);
	CHECK_EQ(osmem_os_munmap(p, length), 0);
	osmem_emu_reset();
	CHECK(resident(p) && resident(p + length - 1));
	CHECK(!resident(p + PAGE) && !resident(p + 2 * PAGE) && !resident(p + length / 2) &&
	      !resident(p + length - 1 - 4 * PAGE));
	CHECK_EQ((uintptr_t)map(length), (uintptr_t)p);
	CHECK(reads_zero(p, length));
	memset(p, 0x5a, length); /* ASan checks the whole range: nothing is left poisoned */
	CHECK_EQ(osmem_os_munmap(p, length), 0);
	osmem_emu_reset();
}

/* munmap takes back exactly one whole live mapping: its address and the length mmap was given. */
static void munmap_takes_whole_mappings_only(void)
{
	char *p = map(SMALL_MAPPING);
	struct osmem_emu_stats stats;

	CHECK(p);
	errno = 0;
	CHECK_EQ(osmem_os_munmap(p, SMALL_MAPPING - 1), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(osmem_os_munmap(p, page_end(SMALL_MAPPING)), -1);
	CHECK_EQ(osmem_os_munmap(p + PAGE, SMALL_MAPPING - PAGE), -1);
	CHECK_EQ(osmem_os_munmap(p, SMALL_MAPPING), 0);
	CHECK_EQ(osmem_os_munmap(p, SMALL_MAPPING), -1);
	osmem_emu_get_stats(&stats);
	CHECK_EQ(stats.bad_munmaps, 4);
	CHECK_EQ(stats.live_mappings, 0);
	osmem_emu_reset(); /* the bad munmaps were the point: not the case's failure */
}

/* The same requests after a reset get the same addresses, and a fresh process gets them too: the
 * reserves sit at fixed addresses. */
static void same_requests_same_addresses(void)
{
	static const size_t lengths[] = { 200000, SMALL_MAPPING, LARGE_MAPPING, PAGE, 1 << 20 };
	char *first[5];

	CHECK_EQ((uintptr_t)osmem_emu_heap_base(), 0x540000000000);
	for (int round = 0; round < 2; round++) {
		osmem_emu_reset();
		for (size_t i = 0; i < 5; i++) {
			char *p = map(lengths[i]);

			CHECK(p);
			if (round == 0)
				first[i] = p;
			CHECK_EQ((uintptr_t)p, (uintptr_t)first[i]);
		}
	}
	CHECK_EQ((uintptr_t)first[0], 0x541000000000);
}

/* The failure plan still refuses mmap, and a refused mmap hands out nothing. */
static void refused_mmap_takes_nothing(void)
{
	char *p;

	osmem_emu_refuse(0, 1);
	CHECK(!map(SMALL_MAPPING));
	p = map(SMALL_MAPPING);
	CHECK_EQ((uintptr_t)p, 0x541000000000);
	CHECK_EQ(osmem_os_munmap(p, SMALL_MAPPING), 0);
}

/* ---- A given-back mapping reports any access ---------------------------------------------- */

static void read_after_munmap(char *p)
{
	printf("%d\n", *(volatile char *)(p + 100));
}

static void write_after_munmap(char *p)
{
	*(volatile char *)(p + PAGE + 7) = 1;
}

/* Runs access(p) in a child on a mapping just given back: the kernel would fault (under UBSan or
 * MSan their handler reports the SEGV), ASan reports. `touched`: the mapping's first page was
 * written before (the larger arena keeps such pages, poisoned, where ASan runs). */
static bool access_is_reported(size_t length, bool touched, void (*access)(char *p))
{
	char *p = map(length), report[16384] = "";
	int pipe_fds[2], status;
	ssize_t got;
	pid_t child;

	if (p && touched)
		p[0] = 1;
	if (!p || osmem_os_munmap(p, length) || pipe(pipe_fds))
		return false;
	fflush(NULL);
	child = fork();
	if (child == 0) {
		dup2(pipe_fds[1], STDERR_FILENO);
		access(p);
		_exit(0);
	}
	close(pipe_fds[1]);
	for (size_t used = 0; (got = read(pipe_fds[0], report + used, sizeof(report) - 1 - used)) > 0;)
		used += (size_t)got;
	close(pipe_fds[0]);
	if (child < 0 || waitpid(child, &status, 0) != child)
		return false;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		return true;
	/* ASan's report, or the fault as another sanitizer's SEGV handler (UBSan, MSan) tells it. */
	if ((strstr(report, "AddressSanitizer") || strstr(report, "Sanitizer: SEGV on unknown address")) &&
	    WIFEXITED(status) && WEXITSTATUS(status))
		return true;
	fprintf(stderr, "access after munmap not reported: %s %d, stderr: %s\n",
		WIFSIGNALED(status) ? "signal" : "exit status",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), report);
	return false;
}

/* The read lands on the first page, the write on the second: with `touched`, a page the larger
 * arena kept and one it protected. */
static void read_after_munmap_is_reported(void)
{
	for (int touched = 0; touched < 2; touched++) {
		CHECK(access_is_reported(SMALL_MAPPING, touched, read_after_munmap));
		CHECK(access_is_reported(LARGE_MAPPING, touched, read_after_munmap));
	}
}

static void write_after_munmap_is_reported(void)
{
	for (int touched = 0; touched < 2; touched++) {
		CHECK(access_is_reported(SMALL_MAPPING, touched, write_after_munmap));
		CHECK(access_is_reported(LARGE_MAPPING, touched, write_after_munmap));
	}
}

/* Maps a larger mapping, touches its first and last byte, gives it back. */
static char *touch_larger_mapping(void)
{
	char *p = map(LARGE_MAPPING);

	if (p) {
		p[0] = 1;
		p[LARGE_MAPPING - 1] = 1;
		if (osmem_os_munmap(p, LARGE_MAPPING))
			return NULL;
	}
	return p;
}

/* Past OSMEM_EMU_MAPS_SPLIT_MAX_PIECES pieces in one input, the next mapping is protected whole,
 * and the recycle gives every page of the larger arena back, the kept ones too, and lifts every
 * protection: here the mapping protected whole lies below one split before it. */
static void too_many_pieces_give_all_back(void)
{
	char *low, *high, *p = NULL;

	if (!osmem_emu_maps_poisons())
		return;
	osmem_emu_reset();
	low = map(LARGE_MAPPING);
	/* Three pieces each (kept, protected, kept): the last of them still split, `low` past the
	 * bound (a split may take five). */
	high = touch_larger_mapping();
	for (int i = 1; i < OSMEM_EMU_MAPS_SPLIT_MAX_PIECES / 3 - 1; i++)
		p = touch_larger_mapping();
	CHECK(low && high && p);
	low[0] = 1;
	CHECK_EQ(osmem_os_munmap(low, LARGE_MAPPING), 0);
	osmem_emu_reset();
	CHECK(!resident(low) && !resident(high) && !resident(p) && !resident(p + LARGE_MAPPING - 1));
	CHECK_EQ((uintptr_t)map(LARGE_MAPPING), (uintptr_t)low);
	CHECK_EQ((uintptr_t)map(LARGE_MAPPING), (uintptr_t)high);
	CHECK(reads_zero(low, LARGE_MAPPING) && reads_zero(high, LARGE_MAPPING));
	CHECK_EQ(osmem_os_munmap(low, LARGE_MAPPING), 0);
	CHECK_EQ(osmem_os_munmap(high, LARGE_MAPPING), 0);
	osmem_emu_reset();
}

/* The pages the split keeps are counted at each recycle; past OSMEM_EMU_MAPS_RESIDENT_MAX of them,
 * the recycle gives them all back. */
static void kept_pages_are_bounded(void)
{
	size_t recycles = 2 * (OSMEM_EMU_MAPS_RESIDENT_MAX / PAGE / 2 + 1);
	bool released = false;

	if (!osmem_emu_maps_poisons())
		return;
	for (size_t i = 0; i < recycles && !released; i++) {
		char *p;

		osmem_emu_reset();
		p = touch_larger_mapping();
		CHECK(p);
		osmem_emu_reset();
		released = !resident(p);
	}
	CHECK(released);
}

static const struct test_case cases[] = {
	TEST(recycled_small_mapping_reads_zero),
	TEST(recycled_large_mapping_reads_zero),
	TEST(leaked_mapping_reads_zero),
	TEST(released_reserve_reads_zero),
	TEST(munmap_takes_whole_mappings_only),
	TEST(same_requests_same_addresses),
	TEST(refused_mmap_takes_nothing),
	TEST(read_after_munmap_is_reported),
	TEST(write_after_munmap_is_reported),
	TEST(cold_pages_go_back_hot_ones_stay),
	TEST(protected_mappings_keep_no_pages),
	TEST(larger_mapping_keeps_touched_ends),
	TEST(too_many_pieces_give_all_back),
	TEST(kept_pages_are_bounded),
};

int main(void)
{
	return RUN_TESTS("emulated_os_test", cases);
}
