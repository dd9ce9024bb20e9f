/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/verdict/failure.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Kept raw and formatted only on failure: this is set once per op on the hot path. */
static struct {
	unsigned index;
	struct fuzz_op op;
	const char *phase; /* non-NULL outside any op */
} context;

void failure_set_op(unsigned index, const struct fuzz_op *op)
{
	context.index = index;
	context.op = *op;
	context.phase = NULL;
}

void failure_set_phase(const char *phase)
{
	context.phase = phase;
}

static void print_context(void)
{
	char text[128];

	if (context.phase)
		fprintf(stderr, "osmem-fuzz: %s: ", context.phase);
	else
		fprintf(stderr, "osmem-fuzz: op %u %s: ", context.index,
			fuzz_op_format(&context.op, text, sizeof(text)));
}

static void print_rule_line(const char *rule, const char *fmt, va_list args)
{
	print_context();
	fprintf(stderr, "[%s] ", rule);
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
	fflush(stderr);
}

void fuzz_fail_rule(const char *rule, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	print_rule_line(rule, fmt, args);
	va_end(args);
	abort();
}

void fuzz_report_rule(const char *rule, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	print_rule_line(rule, fmt, args);
	va_end(args);
}

void fuzz_fail_line(const char *line)
{
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
	abort();
}
