/* SPDX-License-Identifier: BSD-3-Clause */
/* Input format 1 (fuzz/README.md): bytes -> allocation ops. The meaning of a byte string never
 * changes: corpus files are regression tests. A new meaning needs a new format and fuzzer name. */
#ifndef OSMEM_FUZZ_OPS_H
#define OSMEM_FUZZ_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ops name blocks by slot: a fixed table, so deleting unrelated bytes keeps a slot's meaning. */
#define FUZZ_SLOTS 64
/* Ops after this many are ignored: every input stays fast. */
#define FUZZ_MAX_OPS 512
/* Arbitrary (varint) sizes are taken modulo this plus one: big enough for mmap, small enough to copy. */
#define FUZZ_MAX_ARBITRARY_SIZE ((size_t)4 << 20)

enum fuzz_op_kind {
	FUZZ_MALLOC,  /* slot, size: frees the slot's old block first */
	FUZZ_FREE,    /* slot: an empty slot means os_free(NULL) */
	FUZZ_CALLOC,  /* slot, nmemb, size: frees the slot's old block first */
	FUZZ_REALLOC, /* slot, size: an empty slot means os_realloc(NULL, size) */
	FUZZ_CHECK,   /* verify every live block and the heap */
	FUZZ_REFUSE,  /* let `skip` memory requests pass, then refuse `count` */
	FUZZ_OP_KINDS
};

struct fuzz_op {
	enum fuzz_op_kind kind;
	unsigned slot;
	size_t size;
	size_t nmemb;
	size_t skip;
	size_t count;
};

struct fuzz_reader {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

void fuzz_reader_init(struct fuzz_reader *reader, const uint8_t *data, size_t size);

/* Decodes the next op; false at the end of the input (a truncated last op is dropped). */
bool fuzz_next_op(struct fuzz_reader *reader, struct fuzz_op *op);

/* A readable form such as "realloc(slot 3, 4064)"; returns `buf`. */
const char *fuzz_op_format(const struct fuzz_op *op, char *buf, size_t buf_size);

#endif
