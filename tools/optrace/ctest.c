/* SPDX-License-Identifier: BSD-3-Clause */
#include "tools/optrace/ctest.h"

#include <stdbool.h>

/* repro_prelude.c as one string literal (made by the BUILD file's genrule). */
static const char prelude[] =
#include "tools/optrace/repro_prelude.inc"
	;

static bool needs_emulated_os(const struct fuzz_op *ops, size_t n_ops)
{
	for (size_t i = 0; i < n_ops; i++)
		if (ops[i].kind == FUZZ_REFUSE)
			return true;
	return false;
}

static void write_call(FILE *out, const struct fuzz_op *op)
{
	switch (op->kind) {
	case FUZZ_MALLOC:
		fprintf(out, "do_malloc(%u, %zuu);", op->slot, op->size);
		break;
	case FUZZ_FREE:
		fprintf(out, "do_free(%u);", op->slot);
		break;
	case FUZZ_CALLOC:
		fprintf(out, "do_calloc(%u, %zuu, %zuu);", op->slot, op->nmemb, op->size);
		break;
	case FUZZ_REALLOC:
		fprintf(out, "do_realloc(%u, %zuu);", op->slot, op->size);
		break;
	case FUZZ_CHECK:
		fprintf(out, "do_check();");
		break;
	default:
		fprintf(out, "osmem_emu_refuse(%zuu, %zuu);", op->skip, op->count);
		break;
	}
}

void ctest_write(FILE *out, const struct fuzz_op *ops, size_t n_ops, const char *source,
		 const char *rule)
{
	bool emulated = needs_emulated_os(ops, n_ops);
	char text[128];

	fprintf(out, "/* Reproducer of %s, made by tools/reproduce: the same %zu os_* calls as the "
		"fuzz input,\n * checked without the fuzzing runtime. Build against %s.\n",
		source, n_ops, emulated ? "//allocator:osmem_emulated (it plans OS refusals)"
					: "//allocator:osmem");
	if (rule)
		fprintf(out, " * The fuzz oracle reported: %s\n", rule);
	fprintf(out, " */\n%s%s\nint main(void)\n{\n", emulated ? "#define OSMEM_REPRO_EMULATED 1\n" : "",
		prelude);
	for (size_t i = 0; i < n_ops; i++) {
		fprintf(out, "\top_text = \"op %zu %s\";\n\t", i, fuzz_op_format(&ops[i], text,
										   sizeof(text)));
		write_call(out, &ops[i]);
		fprintf(out, "\n\theap_ok(0);\n");
	}
	fprintf(out, "\tfinish();\n\treturn 0;\n}\n");
}
