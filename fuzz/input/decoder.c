/* SPDX-License-Identifier: BSD-3-Clause */
/* Format 1 decoder. Tables and byte meanings below are frozen (fuzz/README.md). */
#include "fuzz/ops.h"

#include <stdio.h>

#define SZ_MAX ((size_t)-1)

/* Sizes where the contract changes behaviour: alignment, split rest (40), the calloc page
 * threshold (32 + ALIGN(n) < 4096), the mmap threshold (32 + ALIGN(n) < 131072), multi-megabyte
 * mappings, and sizes that cannot be represented or that the OS refuses. */
static const size_t size_table[64] = {
	0, 1, 2, 3, 7, 8, 9, 12,
	16, 24, 31, 32, 33, 39, 40, 41,
	47, 48, 56, 64, 72, 100, 128, 255,
	256, 512, 1000, 1024, 2000, 4000, 4056, 4057,
	4063, 4064, 4065, 4072, 4096, 8192, 16384, 65536,
	100000, 131000, 131032, 131033, 131040, 131041, 131072, 262144,
	(size_t)1 << 20, (size_t)4 << 20, (size_t)8 << 20, (size_t)1 << 31,
	(size_t)1 << 40, SZ_MAX / 2 + 1, SZ_MAX - 40, SZ_MAX - 39,
	SZ_MAX - 38, SZ_MAX - 32, SZ_MAX - 8, SZ_MAX - 7,
	SZ_MAX - 1, SZ_MAX, 5000, 20000,
};

/* calloc element counts: small, threshold factors, and counts whose product overflows. */
static const size_t count_table[32] = {
	0, 1, 1, 2, 3, 4, 5, 7,
	8, 16, 32, 127, 508, 509, 1000, 4056,
	4057, 4064, 131032, 131033, (size_t)1 << 20, (size_t)1 << 32,
	((size_t)1 << 32) + 1, SZ_MAX / 8 + 1, SZ_MAX / 2, SZ_MAX / 2 + 1, SZ_MAX - 1, SZ_MAX,
	6, 9, 12, 100,
};

#define REFUSE_FOREVER 7u

void fuzz_reader_init(struct fuzz_reader *reader, const uint8_t *data, size_t size)
{
	*reader = (struct fuzz_reader){ data, size, 0 };
}

bool fuzz_read_byte(struct fuzz_reader *reader, uint8_t *byte)
{
	if (reader->pos >= reader->size)
		return false;
	*byte = reader->data[reader->pos++];
	return true;
}

/* Little-endian base-128, at most 4 bytes (28 bits). */
static bool read_varint(struct fuzz_reader *reader, size_t *value)
{
	uint8_t byte;

	*value = 0;
	for (unsigned shift = 0; shift < 28; shift += 7) {
		if (!fuzz_read_byte(reader, &byte))
			return false;
		*value |= (size_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			break;
	}
	return true;
}

/* One selector byte: low 6 bits pick a table entry, high 2 bits the mode. */
static bool read_size(struct fuzz_reader *reader, size_t *size)
{
	uint8_t selector, extra;
	size_t index, raw;

	if (!fuzz_read_byte(reader, &selector))
		return false;
	index = selector & 0x3f;
	switch (selector >> 6) {
	case 0: /* the table entry itself */
		*size = size_table[index];
		return true;
	case 1: /* the table entry plus a signed delta, wrapping like size_t */
		if (!fuzz_read_byte(reader, &extra))
			return false;
		*size = size_table[index] + (size_t)(int64_t)(int8_t)extra;
		return true;
	case 2: /* 0..16383: index is the high part */
		if (!fuzz_read_byte(reader, &extra))
			return false;
		*size = index << 8 | extra;
		return true;
	default: /* arbitrary: index is the low part of a varint */
		if (!read_varint(reader, &raw))
			return false;
		*size = (index | raw << 6) % (FUZZ_MAX_ARBITRARY_SIZE + 1);
		return true;
	}
}

bool fuzz_read_slot(struct fuzz_reader *reader, unsigned *slot)
{
	uint8_t byte;

	if (!fuzz_read_byte(reader, &byte))
		return false;
	*slot = byte % FUZZ_SLOTS;
	return true;
}

static bool read_count(struct fuzz_reader *reader, size_t *count)
{
	uint8_t byte;

	if (!fuzz_read_byte(reader, &byte))
		return false;
	*count = count_table[byte % 32];
	return true;
}

static bool read_refusal(struct fuzz_reader *reader, struct fuzz_op *op)
{
	uint8_t byte;

	if (!fuzz_read_byte(reader, &byte))
		return false;
	op->skip = byte & 7;
	op->count = (byte >> 3) & 7;
	if (op->count == REFUSE_FOREVER)
		op->count = SZ_MAX;
	return true;
}

bool fuzz_read_operands(struct fuzz_reader *reader, struct fuzz_op *op)
{
	switch (op->kind) {
	case FUZZ_MALLOC:
	case FUZZ_REALLOC:
		return fuzz_read_slot(reader, &op->slot) && read_size(reader, &op->size);
	case FUZZ_CALLOC:
		return fuzz_read_slot(reader, &op->slot) && read_count(reader, &op->nmemb) &&
		       read_size(reader, &op->size);
	case FUZZ_FREE:
		return fuzz_read_slot(reader, &op->slot);
	case FUZZ_REFUSE:
		return read_refusal(reader, op);
	default:
		return true;
	}
}

bool fuzz_next_op(struct fuzz_reader *reader, struct fuzz_op *op)
{
	uint8_t kind;

	*op = (struct fuzz_op){ 0 };
	if (!fuzz_read_byte(reader, &kind))
		return false;
	op->kind = (enum fuzz_op_kind)(kind % FUZZ_OP_KINDS);
	return fuzz_read_operands(reader, op);
}

const char *fuzz_op_format(const struct fuzz_op *op, char *buf, size_t buf_size)
{
	switch (op->kind) {
	case FUZZ_MALLOC:
		snprintf(buf, buf_size, "malloc(slot %u, %zu)", op->slot, op->size);
		break;
	case FUZZ_FREE:
		snprintf(buf, buf_size, "free(slot %u)", op->slot);
		break;
	case FUZZ_CALLOC:
		snprintf(buf, buf_size, "calloc(slot %u, %zu, %zu)", op->slot, op->nmemb, op->size);
		break;
	case FUZZ_REALLOC:
		snprintf(buf, buf_size, "realloc(slot %u, %zu)", op->slot, op->size);
		break;
	case FUZZ_CHECK:
		snprintf(buf, buf_size, "check()");
		break;
	case FUZZ_REFUSE:
		snprintf(buf, buf_size, "refuse(skip %zu, count %zu)", op->skip, op->count);
		break;
	default:
		return fuzz_misuse_op_format(op, buf, buf_size);
	}
	return buf;
}
