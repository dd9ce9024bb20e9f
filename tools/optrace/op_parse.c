/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/optrace/op_text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 3

/* The op's name as the decoder prints it ("malloc", ...), taken from fuzz_op_format itself. */
static bool kind_of(const char *text, enum fuzz_op_kind *kind)
{
	char sample[64];

	for (int k = 0; k < FUZZ_OP_KINDS; k++) {
		struct fuzz_op op = { .kind = (enum fuzz_op_kind)k };
		size_t name_len = strcspn(fuzz_op_format(&op, sample, sizeof(sample)), "(") + 1;

		if (!strncmp(text, sample, name_len)) {
			*kind = op.kind;
			return true;
		}
	}
	return false;
}

/* The unsigned numbers in the text, in order. */
static int numbers_of(const char *text, size_t values[MAX_FIELDS + 1])
{
	int n = 0;

	for (const char *p = text; *p && n <= MAX_FIELDS; p++) {
		if (!isdigit((unsigned char)*p))
			continue;
		errno = 0;
		values[n++] = strtoull(p, (char **)&p, 10);
		if (errno)
			return -1;
		p--;
	}
	return n;
}

/* Which fields each kind prints, in print order. */
static void assign(struct fuzz_op *op, const size_t *v)
{
	switch (op->kind) {
	case FUZZ_MALLOC:
	case FUZZ_REALLOC:
		op->slot = (unsigned)v[0], op->size = v[1];
		break;
	case FUZZ_CALLOC:
		op->slot = (unsigned)v[0], op->nmemb = v[1], op->size = v[2];
		break;
	case FUZZ_FREE:
		op->slot = (unsigned)v[0];
		break;
	case FUZZ_REFUSE:
		op->skip = v[0], op->count = v[1];
		break;
	default:
		break;
	}
}

bool op_parse(const char *text, struct fuzz_op *op, char *why, size_t why_size)
{
	size_t values[MAX_FIELDS + 1] = { 0 };
	char again[128];

	*op = (struct fuzz_op){ 0 };
	if (!kind_of(text, &op->kind)) {
		snprintf(why, why_size, "unknown op '%s'", text);
		return false;
	}
	if (numbers_of(text, values) < 0) {
		snprintf(why, why_size, "number out of range in '%s'", text);
		return false;
	}
	assign(op, values);
	/* Accept only the exact printed form: a slot >= FUZZ_SLOTS or a missing field fails here. */
	if (strcmp(fuzz_op_format(op, again, sizeof(again)), text)) {
		snprintf(why, why_size, "'%s' is not an op as the decoder prints it (e.g. '%s')", text,
			 again);
		return false;
	}
	if (op->slot >= FUZZ_SLOTS) {
		snprintf(why, why_size, "slot %u out of range (0..%d)", op->slot, FUZZ_SLOTS - 1);
		return false;
	}
	return true;
}
