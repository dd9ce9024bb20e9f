/* SPDX-License-Identifier: BSD-3-Clause */
/* Misuse format 1 (fuzz/README.md): format 1's six ops with format 1's operands, plus misuse ops.
 * Frozen like format 1: the corpus of osmem_misuse_fuzz is a regression test. */
#include <stdio.h>

#include "fuzz/ops.h"

static bool read_misuse(struct fuzz_reader *reader, struct fuzz_op *op)
{
	uint8_t how, arg;

	if (!fuzz_read_slot(reader, &op->slot) || !fuzz_read_byte(reader, &how) ||
	    !fuzz_read_byte(reader, &arg))
		return false;
	op->misuse = (enum fuzz_misuse)(how % MISUSE_KINDS);
	op->call = (enum fuzz_call)(how / MISUSE_KINDS % CALL_KINDS);
	op->field = (enum fuzz_field)(arg % FIELD_KINDS);
	op->resealed = arg / FIELD_KINDS % 2;
	op->arg = arg;
	return true;
}

static bool read_corrupt_check(struct fuzz_reader *reader, struct fuzz_op *op)
{
	uint8_t field;

	if (!fuzz_read_slot(reader, &op->slot) || !fuzz_read_byte(reader, &field))
		return false;
	op->field = (enum fuzz_field)(field % FIELD_KINDS);
	op->resealed = field / FIELD_KINDS % 2;
	return true;
}

static bool read_foreign_sbrk(struct fuzz_reader *reader, struct fuzz_op *op)
{
	uint8_t arg;

	if (!fuzz_read_byte(reader, &arg))
		return false;
	op->arg = arg;
	return true;
}

bool fuzz_next_misuse_op(struct fuzz_reader *reader, struct fuzz_op *op)
{
	uint8_t kind;

	*op = (struct fuzz_op){ 0 };
	if (!fuzz_read_byte(reader, &kind))
		return false;
	op->kind = (enum fuzz_op_kind)(kind % FUZZ_MISUSE_KINDS);
	switch (op->kind) {
	case FUZZ_MISUSE:
		return read_misuse(reader, op);
	case FUZZ_CORRUPT_CHECK:
		return read_corrupt_check(reader, op);
	case FUZZ_FOREIGN_SBRK:
		return read_foreign_sbrk(reader, op);
	default:
		return fuzz_read_operands(reader, op);
	}
}

static const char *const misuse_names[MISUSE_KINDS] = {
	"dead pointer", "interior pointer", "misaligned pointer", "stack address",
	"global address", "the break", "corrupted header", "refused munmap", "near NULL",
};
static const char *const call_names[CALL_KINDS] = { "free", "realloc to 0", "realloc" };
static const char *const field_names[FIELD_KINDS] = {
	"prev", "next", "next NULL", "size misaligned", "size grown", "size shrunk", "status", "seal",
	"next forged", "prev self",
};

const char *fuzz_misuse_op_format(const struct fuzz_op *op, char *buf, size_t buf_size)
{
	switch (op->kind) {
	case FUZZ_MISUSE:
		snprintf(buf, buf_size, "misuse(slot %u, %s, %s, arg %u)", op->slot,
			 misuse_names[op->misuse], call_names[op->call], op->arg);
		break;
	case FUZZ_CORRUPT_CHECK:
		snprintf(buf, buf_size, "corrupt_check(slot %u, %s%s)", op->slot, field_names[op->field],
			 op->resealed ? ", resealed" : "");
		break;
	default:
		snprintf(buf, buf_size, "foreign_sbrk(arg %u)", op->arg);
		break;
	}
	return buf;
}
