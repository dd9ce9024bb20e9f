/* SPDX-License-Identifier: BSD-3-Clause */
/* Op traces: the decoder's own readable form of each op (fuzz_op_format), one op per line, and
 * its inverse. Encoding never restates the byte format: every candidate byte string is checked by
 * decoding it with fuzz_next_op, so a trace can only encode to bytes that decode back to it. */
#ifndef OSMEM_TOOLS_OP_TEXT_H
#define OSMEM_TOOLS_OP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz/ops.h"

/* Longest encoding of one op: kind, slot, count, a 1-byte selector and a 4-byte varint. */
#define OP_BYTES_MAX 8

/* Parses one op as fuzz_op_format prints it, e.g. "calloc(slot 3, 8, 4064)". False with a
 * reason in `why` when the text is not exactly what fuzz_op_format would print. */
bool op_parse(const char *text, struct fuzz_op *op, char *why, size_t why_size);

/* Shortest byte string that fuzz_next_op decodes to exactly `op`; 0 (with a reason) if the
 * format cannot express it, e.g. a size that is neither a table entry nor at most 16 MiB. */
size_t op_encode(const struct fuzz_op *op, uint8_t out[OP_BYTES_MAX], char *why, size_t why_size);

#endif
