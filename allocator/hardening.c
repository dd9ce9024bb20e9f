/* SPDX-License-Identifier: BSD-3-Clause */
/* The hardened build's checks (hardening.h). Empty in a plain build. */
#include "hardening.h"

#ifdef OSMEM_HARDENED
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "heap.h"
#include "report.h"

/* 0x5a5a5a5a5a5a5a5a is not a canonical x86-64 address: a stale pointer loaded from freed memory
 * faults when it is followed, and a size read there is absurd. */
#define JUNK_BYTE 0x5a
#define JUNK_WORD 0x5a5a5a5a5a5a5a5aull
/* A junk-filled payload reads as out of the free index (free_index.h). */
_Static_assert(JUNK_WORD == ((uint64_t)INDEX_OUT_MARK << 32 | INDEX_OUT_MARK),
	       "junk is the free index's out mark");

static const char *taking_call = "os_malloc";

void harden_name_call(const char *caller)
{
	taking_call = caller;
}

void harden_junk(void *at, size_t length)
{
	memset(at, JUNK_BYTE, length);
}

void harden_junk_split_rest(struct block_meta *block, size_t old_size)
{
	if (block->size < old_size)
		harden_junk(payload_of(block->next), block->next->size);
}

/* The header of a free block that coalescing absorbed, still whole inside the payload. */
TRACK_UNCHECKED_READS static bool absorbed_header_at(char *at, const char *payload_end)
{
	struct block_meta *header = (struct block_meta *)at;

	return at + META_SIZE <= payload_end && block_seal_ok(header) && header->status == STATUS_FREE;
}

/* The first byte of [at, to) that is neither junk nor part of an absorbed header. An absorbed
 * header that reaches past `to` is about to be cut by a split header: its part beyond becomes plain
 * junk of the rest. */
TRACK_UNCHECKED_READS static char *first_written_byte(char *at, char *to, const char *payload_end)
{
	uint64_t word;

	while (at < to) {
		memcpy(&word, at, sizeof(word));
		if (word == JUNK_WORD) {
			at += sizeof(word);
			continue;
		}
		if (!absorbed_header_at(at, payload_end)) {
			while (*(unsigned char *)at == JUNK_BYTE)
				at++;
			return at;
		}
		if (at + META_SIZE > to)
			harden_junk(to, (size_t)(at + META_SIZE - to));
		at += META_SIZE;
	}
	return NULL;
}

/* A write after free is reported but does not stop the call: it damaged data the program had given
 * up, not the allocator's lists. */
void harden_check_taken(struct block_meta *block, size_t from, size_t aligned)
{
	char *payload = payload_of(block);
	size_t to = block->size < aligned + META_SIZE ? block->size : aligned + META_SIZE;
	char *written = first_written_byte(payload + from, payload + to, block_end(block));

	if (written)
		report_fault(OSMEM_FAULT_WRITE_AFTER_FREE, written, taking_call);
}

/* Before the index node overwrites them: an absorbed header the node would cut is junked whole. */
void harden_check_node(struct block_meta *block)
{
	char *payload = payload_of(block);
	char *written = first_written_byte(payload, payload + INDEX_NODE_SIZE, block_end(block));

	if (written)
		report_fault(OSMEM_FAULT_WRITE_AFTER_FREE, written, taking_call);
}

/* The kernel zero-fills the last page of a mapping beyond the contract's length. */
TRACK_UNCHECKED_READS static bool page_tail_written(struct block_meta *block)
{
	size_t page = (size_t)getpagesize();
	const unsigned char *at = (const unsigned char *)block_end(block);
	const unsigned char *page_end = at + (page - (uintptr_t)at % page) % page;

	while (at < page_end && !*at)
		at++;
	return at < page_end;
}

/* A write past a heap block breaks the seal of the header that follows it. The block's own link
 * says where that header is (with a foreign sbrk there may be a gap instead). */
bool harden_overflowed(struct block_meta *block)
{
	struct block_meta *next = (struct block_meta *)block_end(block);

	if (block->status == STATUS_MAPPED)
		return page_tail_written(block);
	return block->next == next && (char *)next + META_SIZE <= osmem_state.end &&
	       !block_seal_ok(next);
}
#endif
