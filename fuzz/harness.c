/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/harness.h"

#include "allocator/os_layer_emulated.h"
#include "fuzz/executor/executor.h"
#include "fuzz/executor/misuse.h"
#include "fuzz/oracle/faults.h"
#include "fuzz/verdict/failure.h"
#include "fuzz/oracle/shadow.h"

/* ASan's quarantine guards the heap of the harness and of libFuzzer, never the allocator under test
 * (its memory comes from the emulated OS). At ASan's default of 256 MiB, each input's buffers came
 * from pages never touched before: a third of the page faults of a replay of fixed inputs, 12% of
 * its CPU time. ASAN_OPTIONS still overrides it. Only ASan's runtime calls this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=1";
}

static FILE *trace;

void osmem_fuzz_trace(FILE *out)
{
	trace = out;
}

static void trace_op(unsigned index, const struct fuzz_op *op)
{
	const struct shadow_block *block = shadow_slot(op->slot);
	char text[128];

	fprintf(trace, "op %u %s", index, fuzz_op_format(op, text, sizeof(text)));
	if (op->kind != FUZZ_CHECK && op->kind != FUZZ_REFUSE && op->kind != FUZZ_FOREIGN_SBRK)
		fprintf(trace, " -> slot %u: %p (%zu bytes)", op->slot, (void *)block->ptr,
			block->size);
	fputc('\n', trace);
}

/* Every input starts from the same state, so a crash reproduces from its file alone. */
static void start_fresh(const struct fuzz_target *target)
{
	size_t leaked;

	target->reset();
	leaked = osmem_emu_reset();
	if (leaked)
		fuzz_fail_rule(RULE_OUTSIDE_LEAK, "%zu mappings left over from the previous input", leaked);
	faults_install(target);
	misuse_reset(target);
	executor_reset(target, target->next_op ? misuse_run : NULL);
}

/* The target's input format: format 1 unless it names another decoder. */
static bool next_op(const struct fuzz_target *target, struct fuzz_reader *reader,
		    struct fuzz_op *op)
{
	return target->next_op ? target->next_op(reader, op) : fuzz_next_op(reader, op);
}

unsigned osmem_fuzz_decode(const uint8_t *data, size_t size, FILE *out)
{
	const struct fuzz_target *target = fuzz_target_under_test();
	struct fuzz_reader reader;
	struct fuzz_op op;
	char text[128];
	unsigned index = 0;

	fuzz_reader_init(&reader, data, size);
	for (; index < FUZZ_MAX_OPS && next_op(target, &reader, &op); index++) {
		if (out)
			fprintf(out, "op %u %s\n", index, fuzz_op_format(&op, text, sizeof(text)));
	}
	return index;
}

int osmem_fuzz_one(const uint8_t *data, size_t size)
{
	const struct fuzz_target *target = fuzz_target_under_test();
	struct fuzz_reader reader;
	struct fuzz_op op;

	failure_set_phase("start of input");
	start_fresh(target);
	fuzz_reader_init(&reader, data, size);
	for (unsigned index = 0; index < FUZZ_MAX_OPS && next_op(target, &reader, &op); index++) {
		failure_set_op(index, &op);
		if (!executor_run(&op))
			break;
		if (trace)
			trace_op(index, &op);
	}
	executor_finish();
	return 0;
}
