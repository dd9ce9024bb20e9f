/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/optrace/op_text.h"

#include <stdio.h>
#include <string.h>

/* Does `bytes` decode, using exactly `len` bytes, to `op`? */
static bool decodes_to(const uint8_t *bytes, size_t len, const struct fuzz_op *op)
{
	struct fuzz_reader reader;
	struct fuzz_op got;

	fuzz_reader_init(&reader, bytes, len);
	return fuzz_next_op(&reader, &got) && reader.pos == len && !memcmp(&got, op, sizeof(got));
}

/* Candidate encodings of a size operand, shortest first: one selector byte, a selector and one
 * extra byte, then a selector whose low 6 bits start a little-endian base-128 varint. */
static size_t size_candidate(size_t n, size_t size, uint8_t out[5])
{
	if (n < 256) {
		out[0] = (uint8_t)n;
		return 1;
	}
	if (n < 256 + 65536) {
		out[0] = (uint8_t)((n - 256) >> 8), out[1] = (uint8_t)(n - 256);
		return 2;
	}
	if (n > 256 + 65536)
		return 0;
	size_t rest = size >> 6, len = 1;

	out[0] = (uint8_t)(0xc0 | (size & 0x3f));
	do {
		out[len] = (uint8_t)(rest & 0x7f);
		rest >>= 7;
		if (rest)
			out[len] |= 0x80;
		len++;
	} while (rest && len < 5);
	return len;
}

/* The op's fixed head: kind byte, then slot byte (or the refusal byte) where the op has one. */
static size_t head(const struct fuzz_op *op, uint8_t *out)
{
	out[0] = (uint8_t)op->kind;
	if (op->kind == FUZZ_CHECK)
		return 1;
	out[1] = (uint8_t)op->slot;
	return 2;
}

static bool has_size(const struct fuzz_op *op)
{
	return op->kind == FUZZ_MALLOC || op->kind == FUZZ_REALLOC || op->kind == FUZZ_CALLOC;
}

/* A calloc count byte: the first whose decoded count is `nmemb`. */
static bool find_count(const struct fuzz_op *op, uint8_t *out, size_t at)
{
	for (unsigned c = 0; c < 256; c++) {
		struct fuzz_op probe = *op;

		out[at] = (uint8_t)c, out[at + 1] = 0;
		probe.size = 0; /* size selector 0: table entry 0 */
		if (decodes_to(out, at + 2, &probe))
			return true;
	}
	return false;
}

static size_t find_size(const struct fuzz_op *op, uint8_t *out, size_t at)
{
	for (size_t n = 0; n <= 256 + 65536; n++) {
		size_t len = size_candidate(n, op->size, out + at);

		if (len && decodes_to(out, at + len, op))
			return at + len;
	}
	return 0;
}

/* The refusal byte packs skip and count; try all 256. */
static size_t find_refusal(const struct fuzz_op *op, uint8_t *out)
{
	for (unsigned b = 0; b < 256; b++) {
		out[1] = (uint8_t)b;
		if (decodes_to(out, 2, op))
			return 2;
	}
	return 0;
}

size_t op_encode(const struct fuzz_op *op, uint8_t out[OP_BYTES_MAX], char *why, size_t why_size)
{
	size_t len = head(op, out);

	why[0] = '\0';

	if (op->kind == FUZZ_REFUSE)
		len = find_refusal(op, out);
	else if (op->kind == FUZZ_CALLOC && !find_count(op, out, len++))
		len = 0, snprintf(why, why_size, "calloc count %zu is not in the count table", op->nmemb);
	else if (len && has_size(op))
		len = find_size(op, out, len);
	else if (!decodes_to(out, len, op))
		len = 0;
	if (!len && why[0] == '\0')
		snprintf(why, why_size, "the format cannot express this op (sizes: a table entry +-128, "
			 "0..16383, or at most %zu)", (size_t)FUZZ_MAX_ARBITRARY_SIZE);
	return len;
}
