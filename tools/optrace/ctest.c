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

static const char *build_against(bool emulated, enum ctest_target target)
{
	if (target != CTEST_OSMEM)
		return emulated ? "your allocator's sources with -Dsbrk=osmem_os_sbrk -Dmmap=osmem_os_mmap "
				  "-Dmunmap=osmem_os_munmap and allocator/os_layer_emulated.c (it plans OS "
				  "refusals), -I to your osmem.h"
				: "your allocator's sources, -I to your osmem.h";
	return emulated ? "//allocator:osmem_emulated (it plans OS refusals)" : "//allocator:osmem";
}

void ctest_write(FILE *out, const struct fuzz_op *ops, size_t n_ops, const char *source,
		 const char *rule, enum ctest_target target)
{
	bool emulated = needs_emulated_os(ops, n_ops);
	char text[128];

	fprintf(out, "/* Reproducer of %s, made by %s: the same %zu os_* calls as the fuzz input,\n"
		" * checked without the fuzzing runtime. Build against %s.\n", source,
		target == CTEST_OSMEM ? "tools/reproduce" : "tools/fuzz-own-allocator", n_ops,
		build_against(emulated, target));
	if (rule)
		fprintf(out, " * The fuzz oracle reported: %s\n", rule);
	fprintf(out, " */\n");
	if (emulated)
		fprintf(out, "#define OSMEM_REPRO_EMULATED 1\n");
	if (target != CTEST_OSMEM)
		fprintf(out, "#define OSMEM_REPRO_OWN 1\n");
	if (target == CTEST_OWN_CONTRACT)
		fprintf(out, "#define OSMEM_REPRO_CONTRACT 1\n");
	fprintf(out, "%s\nint main(void)\n{\n", prelude);
	for (size_t i = 0; i < n_ops; i++) {
		fprintf(out, "\top_text = \"op %zu %s\";\n\t", i, fuzz_op_format(&ops[i], text,
										   sizeof(text)));
		write_call(out, &ops[i]);
		fprintf(out, "\n\theap_ok(0);\n");
	}
	fprintf(out, "\tfinish();\n\treturn 0;\n}\n");
}
