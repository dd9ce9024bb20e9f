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
	FUZZ_OP_KINDS, /* format 1's kinds: its kind byte is taken modulo this */
	/* The misuse format only (fuzz/README.md, "Misuse format 1"): */
	FUZZ_MISUSE = FUZZ_OP_KINDS, /* slot, misuse, call, arg: a bad pointer, a fault expected */
	FUZZ_CORRUPT_CHECK,          /* slot, field: the heap checker must name the broken field */
	FUZZ_FOREIGN_SBRK,           /* arg: another sbrk user moves the break */
	FUZZ_MISUSE_KINDS
};

/* What a FUZZ_MISUSE op gives to os_free or os_realloc. */
enum fuzz_misuse {
	MISUSE_DEAD,           /* the slot's last pointer, already given back */
	MISUSE_INTERIOR,       /* a live block's payload + 8 * (1 + arg % ...) */
	MISUSE_MISALIGNED,     /* a live block's payload + 1 + arg % 7 */
	MISUSE_STACK,          /* an address on the harness's stack */
	MISUSE_GLOBAL,         /* an address of a harness global */
	MISUSE_BREAK,          /* the current break: one past the heap */
	MISUSE_CORRUPT_HEADER, /* a live block whose header field `arg % FIELD_KINDS` was overwritten
				* (resealed when arg / FIELD_KINDS is odd: a forged status) */
	MISUSE_REFUSED_MUNMAP, /* a live mapped block, while munmap is refused once */
	MISUSE_NEAR_NULL,      /* (void *)32: its header would be at address 0 */
	MISUSE_KINDS
};

/* How a FUZZ_MISUSE pointer is given back. */
enum fuzz_call { CALL_FREE, CALL_REALLOC_ZERO, CALL_REALLOC, CALL_KINDS };

/* The header field a corruption overwrites (FUZZ_CORRUPT_CHECK, MISUSE_CORRUPT_HEADER). */
enum fuzz_field {
	FIELD_PREV,            /* prev link, bit 46 flipped: far outside the heap */
	FIELD_NEXT,            /* next link, bit 3 flipped */
	FIELD_NEXT_NULL,       /* next link NULL: the list ends early */
	FIELD_SIZE_MISALIGNED, /* size + 1 */
	FIELD_SIZE_GROWN,      /* size + 8: over the next block, or past the heap end */
	FIELD_SIZE_SHRUNK,     /* size - 8: a gap before the next block, or short of the heap end */
	FIELD_STATUS,          /* status 3 */
	FIELD_SEAL,            /* seal bit 0 flipped */
	FIELD_NEXT_FORGED,     /* next link to a header forged past the heap end, whose prev agrees */
	FIELD_PREV_SELF,       /* prev link to the block itself: in the heap, but its next disagrees */
	FIELD_KINDS
};

struct fuzz_op {
	enum fuzz_op_kind kind;
	unsigned slot;
	size_t size;
	size_t nmemb;
	size_t skip;
	size_t count;
	/* The misuse format's ops only: */
	enum fuzz_misuse misuse;
	enum fuzz_call call;
	enum fuzz_field field;
	bool resealed; /* the header's seal recomputed after the corruption */
	unsigned arg; /* the raw operand byte; its meaning depends on the op */
};

struct fuzz_reader {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

void fuzz_reader_init(struct fuzz_reader *reader, const uint8_t *data, size_t size);

/* Decodes the next op; false at the end of the input (a truncated last op is dropped). */
bool fuzz_next_op(struct fuzz_reader *reader, struct fuzz_op *op);

/* The same for the misuse format (decoder_misuse.c): format 1's ops plus misuse ops. */
bool fuzz_next_misuse_op(struct fuzz_reader *reader, struct fuzz_op *op);

/* Format 1's pieces, shared by the misuse decoder. */
bool fuzz_read_byte(struct fuzz_reader *reader, uint8_t *byte);
bool fuzz_read_slot(struct fuzz_reader *reader, unsigned *slot);
/* The operands of a format-1 op whose kind is already set. */
bool fuzz_read_operands(struct fuzz_reader *reader, struct fuzz_op *op);

/* A readable form such as "realloc(slot 3, 4064)"; returns `buf`. */
const char *fuzz_op_format(const struct fuzz_op *op, char *buf, size_t buf_size);

/* The same for the misuse format's own ops (fuzz_op_format calls it for them). */
const char *fuzz_misuse_op_format(const struct fuzz_op *op, char *buf, size_t buf_size);

#endif
