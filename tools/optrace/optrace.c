/* SPDX-License-Identifier: BSD-3-Clause */
/* optrace: fuzz inputs <-> readable op traces, and fuzz inputs -> standalone C tests.
 *   optrace decode INPUT          one op per line, as the harness's decoder reads INPUT
 *   optrace encode TRACE OUTPUT   the inverse (lines: "[N: ]op", '#' starts a comment)
 *   optrace ctest INPUT [RULE]    a C program making the same calls (tools/optrace/ctest.h)
 *   optrace ctest --own[-contract] INPUT [RULE]   the same for an allocator of your own */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/optrace/ctest.h"
#include "tools/optrace/op_text.h"

#define INPUT_MAX (1u << 20) /* far more than FUZZ_MAX_OPS ops can use */

struct input {
	uint8_t data[INPUT_MAX + 1]; /* one more byte tells a too large file */
	size_t size;
};

struct decoded {
	struct fuzz_op ops[FUZZ_MAX_OPS];
	size_t n_ops;
	size_t used;      /* bytes the decoder consumed for those ops */
};

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "optrace: %s: %s\n", path, what);
	return 2;
}

static int read_input(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return fail(strerror(errno), path);
	in->size = fread(in->data, 1, sizeof(in->data), f);
	const char *error = ferror(f)		? "read error (is it a directory?)"
			    : in->size > INPUT_MAX ? "larger than 1 MiB"
						   : NULL;
	fclose(f);
	if (error)
		return fail(error, path);
	if (!in->size)
		return fail("empty input: no ops", path);
	return 0;
}

static void decode(const struct input *in, struct decoded *d)
{
	struct fuzz_reader reader;

	fuzz_reader_init(&reader, in->data, in->size);
	d->n_ops = d->used = 0;
	while (d->n_ops < FUZZ_MAX_OPS && fuzz_next_op(&reader, &d->ops[d->n_ops])) {
		d->n_ops++;
		d->used = reader.pos;
	}
}

static int cmd_decode(const char *path)
{
	static struct input in;
	static struct decoded d;
	char text[128];
	int status = read_input(path, &in);

	if (status)
		return status;
	decode(&in, &d);
	printf("# %s: %zu bytes, %zu ops\n", path, in.size, d.n_ops);
	for (size_t i = 0; i < d.n_ops; i++)
		printf("%zu: %s\n", i, fuzz_op_format(&d.ops[i], text, sizeof(text)));
	if (d.used < in.size)
		printf("# %zu trailing bytes ignored by the decoder (%s)\n", in.size - d.used,
		       d.n_ops == FUZZ_MAX_OPS ? "ops beyond FUZZ_MAX_OPS" : "an incomplete last op");
	return 0;
}

/* "12: malloc(slot 3, 8)  # note" -> "malloc(slot 3, 8)"; NULL for a blank or comment line. */
static char *op_of_line(char *line)
{
	char *p = line + strspn(line, " \t");

	p[strcspn(p, "#\n")] = '\0';
	if (strspn(p, "0123456789") && p[strspn(p, "0123456789")] == ':')
		p += strspn(p, "0123456789") + 1;
	p += strspn(p, " \t");
	for (size_t n = strlen(p); n && (p[n - 1] == ' ' || p[n - 1] == '\t'); n--)
		p[n - 1] = '\0';
	return *p ? p : NULL;
}

static int encode_lines(FILE *trace, FILE *out, const char *trace_path)
{
	char line[512], why[256], where[600];
	unsigned line_no = 0, ops = 0;

	while (fgets(line, sizeof(line), trace)) {
		struct fuzz_op op;
		uint8_t bytes[OP_BYTES_MAX];
		size_t len;
		char *text = op_of_line(line);

		line_no++;
		if (!text)
			continue;
		snprintf(where, sizeof(where), "%s:%u", trace_path, line_no);
		if (!op_parse(text, &op, why, sizeof(why)))
			return fail(why, where);
		len = op_encode(&op, bytes, why, sizeof(why));
		if (!len)
			return fail(why, where);
		fwrite(bytes, 1, len, out);
		ops++;
	}
	return ops ? 0 : fail("no ops in the trace", trace_path);
}

static int cmd_encode(const char *trace_path, const char *out_path)
{
	FILE *trace = fopen(trace_path, "r"), *out;
	int status;

	if (!trace)
		return fail(strerror(errno), trace_path);
	out = fopen(out_path, "wb");
	if (!out) {
		fclose(trace);
		return fail(strerror(errno), out_path);
	}
	status = encode_lines(trace, out, trace_path);
	fclose(trace);
	if (fclose(out) || status) {
		remove(out_path); /* never leave a half-written input behind */
		return status ? status : fail("write error", out_path);
	}
	return 0;
}

static int cmd_ctest(const char *path, const char *rule, enum ctest_target target)
{
	static struct input in;
	static struct decoded d;
	int status = read_input(path, &in);

	if (status)
		return status;
	decode(&in, &d);
	if (!d.n_ops)
		return fail("no complete op in the input", path);
	ctest_write(stdout, d.ops, d.n_ops, path, rule, target);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "decode"))
		return cmd_decode(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "encode"))
		return cmd_encode(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "ctest")) {
		enum ctest_target target = !strcmp(argv[2], "--own")	      ? CTEST_OWN
					   : !strcmp(argv[2], "--own-contract") ? CTEST_OWN_CONTRACT
										: CTEST_OSMEM;
		int first = target == CTEST_OSMEM ? 2 : 3;

		if (argc - first == 1 || argc - first == 2)
			return cmd_ctest(argv[first], argc - first == 2 ? argv[first + 1] : NULL, target);
	}
	fprintf(stderr, "usage: optrace decode INPUT | encode TRACE OUTPUT | "
		"ctest [--own|--own-contract] INPUT [RULE]\n");
	return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
