/* SPDX-License-Identifier: BSD-3-Clause */
/* zoo_driver SCRIPT: runs a scripted sequence of os_* calls against an osmem.h implementation
 * linked with the emulated OS layer, and prints after each call what a tracing grader and a header
 * reader see: the returned pointer and its header, the sbrk/mmap/munmap calls with their
 * arguments, the heap list walked through the headers from the heap start, and any live payload
 * that no longer holds what the driver wrote. The output names addresses relative to the heap
 * start and to the mappings in the order they were made, so it is the same in every run: two
 * implementations of the contract print the same text for the same script.
 *
 * Script lines (slots are the letters A-Z; '#' starts a comment):
 *   malloc S N | calloc S K N | realloc S N | free S     the four calls on slot S
 *   free_dead S | realloc_dead S N    the pointer S held before it was last given back
 *   free_at S OFF | realloc_at S OFF N    S's pointer + OFF (an interior pointer)
 *   poke S OFF V    writes the int V at S's payload + OFF (kept: it is no corruption)
 *   refuse N        the OS refuses the next N memory requests
 * Sizes are numbers (C syntax) or SIZE_MAX or SIZE_MAX-N. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "allocator/block_meta.h"
#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"

#define SLOTS 26
#define PATTERN_MAX ((size_t)1 << 16) /* bytes of a payload that are written and checked */
#define MAPPINGS_MAX 256
#define WALK_MAX 4096
#define HEADER_SIZE sizeof(struct block_meta)

struct slot {
	unsigned char *ptr, *dead;
	size_t size;
	unsigned generation;
	long poked; /* offset of the int written by `poke`, or -1 */
	int poked_value;
};

struct mapping {
	char *addr;
	size_t length;
};

static struct slot slots[SLOTS];
static struct mapping mappings[MAPPINGS_MAX];
static size_t mapping_count;
static size_t calls_noted; /* of the calls logged since the log was last cleared */

static void die(const char *what, const char *line)
{
	fprintf(stderr, "zoo_driver: %s: %s\n", what, line);
	exit(2);
}

static unsigned char pattern_byte(size_t slot, unsigned generation, size_t i)
{
	return (unsigned char)(slot * 31 + generation * 7 + i * 13 + 1);
}

static size_t patterned(size_t size)
{
	return size < PATTERN_MAX ? size : PATTERN_MAX;
}

static void fill(size_t s)
{
	struct slot *slot = &slots[s];

	slot->generation++;
	slot->poked = -1;
	for (size_t i = 0; i < patterned(slot->size); i++)
		slot->ptr[i] = pattern_byte(s, slot->generation, i);
}

/* What slot s's payload byte i should hold: its pattern, or the int `poke` wrote there. */
static unsigned char expected_byte(size_t s, size_t i)
{
	const struct slot *slot = &slots[s];
	unsigned char poked[sizeof(int)];

	if (slot->poked < 0 || i < (size_t)slot->poked || i >= (size_t)slot->poked + sizeof(int))
		return pattern_byte(s, slot->generation, i);
	memcpy(poked, &slot->poked_value, sizeof(int));
	return poked[i - (size_t)slot->poked];
}

/* The first byte of `ptr` that differs from what slot s's payload should hold, or -1. */
static long first_changed(size_t s, const unsigned char *ptr, size_t size)
{
	for (size_t i = 0; i < patterned(size); i++)
		if (ptr[i] != expected_byte(s, i))
			return (long)i;
	return -1;
}

/* ---- Naming addresses the same way in every run ---- */

static char *heap_base(void)
{
	return osmem_emu_heap_base();
}

static size_t heap_used(void)
{
	struct osmem_emu_stats stats;

	osmem_emu_get_stats(&stats);
	return stats.brk_offset;
}

/* Prints the address; returns whether a header in front of it lies in the heap or in a mapping
 * the allocator made (so that it can be read). */
static int print_address(const void *ptr)
{
	const char *p = ptr;

	if (!p) {
		printf("NULL");
		return 0;
	}
	if (p >= heap_base() && p < heap_base() + OSMEM_EMU_HEAP_LIMIT) {
		printf("heap+0x%zx", (size_t)(p - heap_base()));
		return p >= heap_base() + HEADER_SIZE;
	}
	for (size_t i = mapping_count; i-- > 0;) {
		if (p >= mappings[i].addr && p < mappings[i].addr + mappings[i].length) {
			printf("map%zu+0x%zx", i + 1, (size_t)(p - mappings[i].addr));
			return p >= mappings[i].addr + HEADER_SIZE;
		}
	}
	printf("elsewhere");
	return 0;
}

/* Names the mappings the last call made, before its result is printed. */
static void note_mappings(void)
{
	const struct osmem_emu_call *calls;
	size_t count = osmem_emu_calls(&calls, NULL);

	for (size_t i = calls_noted; i < count && i < OSMEM_EMU_CALL_LOG; i++) {
		if (calls[i].kind != OSMEM_EMU_MMAP || calls[i].result == MAP_FAILED)
			continue;
		if (mapping_count == MAPPINGS_MAX)
			die("too many mappings", "");
		mappings[mapping_count++] = (struct mapping){ calls[i].result, calls[i].length };
	}
	calls_noted = count;
}

/* ---- What one call did ---- */

static void print_call(const struct osmem_emu_call *call)
{
	int standard_mmap = call->prot == (PROT_READ | PROT_WRITE) &&
			    call->flags == (MAP_PRIVATE | MAP_ANONYMOUS) && call->fd == -1 &&
			    call->offset == 0 && call->addr == NULL;

	switch (call->kind) {
	case OSMEM_EMU_SBRK:
		printf(" sbrk(%jd)%s", (intmax_t)call->increment,
		       call->result == (void *)-1 ? "=refused" : "");
		return;
	case OSMEM_EMU_MMAP:
		if (standard_mmap)
			printf(" mmap(%zu)", call->length);
		else
			printf(" mmap(%p, %zu, prot 0x%x, flags 0x%x, fd %d, off %jd)", call->addr,
			       call->length, (unsigned)call->prot, (unsigned)call->flags, call->fd,
			       (intmax_t)call->offset);
		if (call->result == MAP_FAILED) {
			printf("=refused");
		} else {
			printf("=");
			print_address(call->result);
		}
		return;
	case OSMEM_EMU_MUNMAP:
		printf(" munmap(");
		print_address(call->addr);
		printf(", %zu)%s", call->length, call->result ? "=failed" : "");
		return;
	}
}

static void print_calls(void)
{
	const struct osmem_emu_call *calls;
	size_t dropped, count = osmem_emu_calls(&calls, &dropped);

	note_mappings();
	printf("  calls:");
	if (!count)
		printf(" none");
	for (size_t i = 0; i < count && i < OSMEM_EMU_CALL_LOG; i++)
		print_call(&calls[i]);
	if (dropped)
		printf(" (+%zu more)", dropped);
	printf("\n");
	osmem_emu_calls_clear();
	calls_noted = 0;
}

static char status_letter(int status)
{
	switch (status) {
	case STATUS_FREE: return 'F';
	case STATUS_ALLOC: return 'A';
	case STATUS_MAPPED: return 'M';
	default: return '?';
	}
}

static int inside_heap(const struct block_meta *block)
{
	const char *p = (const char *)block;

	return p >= heap_base() && p + HEADER_SIZE <= heap_base() + heap_used();
}

/* The heap list from its first block, each block as [offset size status], with a note where a
 * prev link disagrees, a block does not start where the one before ended, or the list does not
 * end at the break. */
static void print_heap(void)
{
	const struct block_meta *block = (const struct block_meta *)heap_base(), *prev = NULL;
	const char *expected = heap_base();
	size_t count = 0;

	printf("  heap:");
	if (!heap_used()) {
		printf(" none\n");
		return;
	}
	for (; block && count < WALK_MAX; prev = block, block = block->next, count++) {
		if (!inside_heap(block)) {
			printf(" [next outside the heap]\n");
			return;
		}
		if ((const char *)block != expected)
			printf(" (gap/overlap)");
		printf(" [0x%zx %zu %c]", (size_t)((const char *)block - heap_base()), block->size,
		       status_letter(block->status));
		if (block->prev != prev)
			printf("(prev wrong)");
		expected = (const char *)block + HEADER_SIZE + block->size;
	}
	if (block)
		printf(" [list too long]");
	else if (expected != heap_base() + heap_used())
		printf(" (break at 0x%zx)", heap_used());
	printf("\n");
}

static void print_result(const void *ptr)
{
	const struct block_meta *header = (const struct block_meta *)ptr - 1;

	note_mappings();
	printf(" -> ");
	if (print_address(ptr))
		printf(" (size %zu, status %d)", header->size, header->status);
	printf("\n");
}

static void check_slots(void)
{
	for (size_t s = 0; s < SLOTS; s++) {
		long at;

		if (!slots[s].ptr)
			continue;
		at = first_changed(s, slots[s].ptr, slots[s].size);
		if (at >= 0)
			printf("  slot %c: byte %ld changed\n", (char)('A' + s), at);
	}
}

/* ---- The ops ---- */

static size_t parse_size(const char *text, const char *line)
{
	char *end;
	unsigned long long value;

	if (!strncmp(text, "SIZE_MAX", 8)) {
		if (!text[8])
			return SIZE_MAX;
		if (text[8] != '-')
			die("bad size", line);
		return SIZE_MAX - (size_t)strtoull(text + 9, NULL, 0);
	}
	value = strtoull(text, &end, 0);
	if (end == text || *end)
		die("bad size", line);
	return (size_t)value;
}

static size_t parse_slot(const char *text, const char *line)
{
	if (!text[0] || text[1] || text[0] < 'A' || text[0] > 'Z')
		die("bad slot", line);
	return (size_t)(text[0] - 'A');
}

static void give_back(size_t s)
{
	slots[s].dead = slots[s].ptr;
	slots[s].ptr = NULL;
}

static void take(size_t s, void *ptr, size_t size)
{
	if (!ptr)
		return;
	if (slots[s].ptr)
		give_back(s);
	slots[s].ptr = ptr;
	slots[s].size = size;
	fill(s);
}

static void op_malloc(size_t s, size_t size)
{
	void *ptr = os_malloc(size);

	print_result(ptr);
	take(s, ptr, size);
}

/* os_free(NULL) for an empty slot. */
static void op_free(size_t s)
{
	os_free(slots[s].ptr);
	if (slots[s].ptr)
		give_back(s);
}

static void op_calloc(size_t s, size_t nmemb, size_t size)
{
	unsigned char *ptr = os_calloc(nmemb, size);

	print_result(ptr);
	if (!ptr)
		return;
	for (size_t i = 0; i < patterned(nmemb * size); i++) {
		if (ptr[i]) {
			printf("  calloc byte %zu is not zero\n", i);
			break;
		}
	}
	take(s, ptr, nmemb * size);
}

static void op_realloc(size_t s, size_t size)
{
	struct slot old = slots[s];
	unsigned char *ptr = os_realloc(old.ptr, size);
	long lost;

	print_result(ptr);
	if (size == 0 && old.ptr) {
		give_back(s);
		return;
	}
	if (!ptr)
		return;
	if (old.ptr) {
		lost = first_changed(s, ptr, old.size < size ? old.size : size);
		if (lost >= 0)
			printf("  realloc lost kept byte %ld\n", lost);
		if (ptr != old.ptr)
			give_back(s);
	}
	take(s, ptr, size);
}


/* The ops that need a live block in their slot; NULL when it is empty (the op is skipped). */
static unsigned char *live(size_t s)
{
	if (!slots[s].ptr)
		printf("  (slot %c is empty: skipped)\n", (char)('A' + s));
	return slots[s].ptr;
}

/* Slot s's given-back pointer, unless a live block starts there again (then it is a valid
 * pointer of that block, not a bad one: the op is skipped). */
static unsigned char *dead(size_t s)
{
	for (size_t i = 0; i < SLOTS; i++) {
		if (slots[s].dead && slots[i].ptr == slots[s].dead) {
			printf("  (slot %c's old pointer is live again: skipped)\n", (char)('A' + s));
			return NULL;
		}
	}
	return slots[s].dead;
}

static void op_free_dead(size_t s)
{
	if (dead(s))
		os_free(slots[s].dead);
}

static void op_realloc_dead(size_t s, size_t size)
{
	if (dead(s))
		print_result(os_realloc(slots[s].dead, size));
}

static void op_free_at(size_t s, size_t offset)
{
	if (live(s))
		os_free(slots[s].ptr + offset);
}

static void op_realloc_at(size_t s, size_t offset, size_t size)
{
	if (live(s))
		print_result(os_realloc(slots[s].ptr + offset, size));
}

static void op_poke(size_t s, size_t offset, int value)
{
	if (!live(s))
		return;
	memcpy(slots[s].ptr + offset, &value, sizeof(value));
	slots[s].poked = (long)offset;
	slots[s].poked_value = value;
}

/* One script line: op, then up to three operands (a slot first, except for refuse). */
static void run(char *line)
{
	char op[16], a[32] = "", b[32] = "", c[32] = "";
	size_t s;

	if (sscanf(line, "%15s %31s %31s %31s", op, a, b, c) < 1)
		return;
	printf("%s\n", line);
	if (!strcmp(op, "refuse")) {
		osmem_emu_refuse(0, parse_size(a, line));
		print_calls();
		return;
	}
	s = parse_slot(a, line);
	if (!strcmp(op, "malloc"))
		op_malloc(s, parse_size(b, line));
	else if (!strcmp(op, "calloc"))
		op_calloc(s, parse_size(b, line), parse_size(c, line));
	else if (!strcmp(op, "realloc"))
		op_realloc(s, parse_size(b, line));
	else if (!strcmp(op, "free"))
		op_free(s);
	else if (!strcmp(op, "free_dead"))
		op_free_dead(s);
	else if (!strcmp(op, "realloc_dead"))
		op_realloc_dead(s, parse_size(b, line));
	else if (!strcmp(op, "free_at"))
		op_free_at(s, parse_size(b, line));
	else if (!strcmp(op, "realloc_at"))
		op_realloc_at(s, parse_size(b, line), parse_size(c, line));
	else if (!strcmp(op, "poke"))
		op_poke(s, parse_size(b, line), (int)parse_size(c, line));
	else
		die("unknown op", line);
	print_calls();
	print_heap();
	check_slots();
}

int main(int argc, char **argv)
{
	char line[256];
	FILE *script;

	if (argc != 2) {
		fprintf(stderr, "usage: zoo_driver SCRIPT\n");
		return 2;
	}
	script = fopen(argv[1], "r");
	if (!script)
		die("cannot open the script", argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0); /* what was printed before a crash is the evidence */
	osmem_emu_reset();
	while (fgets(line, sizeof(line), script)) {
		line[strcspn(line, "#\n")] = '\0';
		run(line);
	}
	fclose(script);
	return 0;
}
