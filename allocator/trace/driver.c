/* SPDX-License-Identifier: BSD-3-Clause */
/* Runs one trace scenario against libosmem.so and brackets every os_* call with marker syscalls,
 * so that `strace` output can be cut into "what this call did to the kernel".
 *
 * A scenario is a small text file, one statement per line ('#' starts a comment):
 *     a = os_malloc(1986)        b = os_calloc(4080, 1)     c = os_realloc(a, 131072-32)
 *     os_free(b)                 os_free(NULL)              sbrk(0)
 * Numbers are decimal and may be written as sums and differences (131072-32-8). `sbrk(0)` is run
 * without markers: it makes libc initialise its own idea of the break before osmem does.
 *
 * The markers are write(-1, "START") once, then write(-1, "BEGIN <statement>") and
 * write(-1, "END <result>") around each call: they fail with
 * EBADF and change nothing. Between them the driver calls only the os_* function, so every other
 * syscall in that window is the allocator's. The driver never uses libc malloc or stdio at all (they
 * could move the break); it reads its script with open/read into static storage. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator/osmem.h"
#include "allocator/osmem_debug.h"

#define SCRIPT_MAX (64 * 1024)
#define VARS_MAX 64
#define NAME_MAX_LEN 15
#define ARGS_MAX 2

struct var {
	char name[NAME_MAX_LEN + 1];
	void *ptr;
};

struct statement {
	const char *text;  /* the line without comment and surrounding blanks */
	int line;
	char target[NAME_MAX_LEN + 1]; /* empty when the result is not kept */
	char func[16];
	char args[ARGS_MAX][32];
	int nargs;
};

static char script[SCRIPT_MAX + 1];
static struct var vars[VARS_MAX];
static int nvars;
static const char *script_path;

static void put(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void put_int(int fd, long value)
{
	char buf[24], *p = buf + sizeof(buf) - 1;
	unsigned long v = value < 0 ? -(unsigned long)value : (unsigned long)value;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	if (value < 0)
		*--p = '-';
	put(fd, p);
}

static _Noreturn void die(int line, const char *what, const char *detail)
{
	put(2, "trace_driver: ");
	put(2, script_path ? script_path : "(no script)");
	if (line > 0) {
		put(2, ":");
		put_int(2, line);
	}
	put(2, ": ");
	put(2, what);
	if (detail) {
		put(2, ": ");
		put(2, detail);
	}
	put(2, "\n");
	exit(2);
}

static void read_script(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;

	if (fd < 0)
		die(0, "cannot open scenario", strerror(errno));
	for (;;) {
		ssize_t n = read(fd, script + used, SCRIPT_MAX - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(0, "cannot read scenario", strerror(errno));
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == SCRIPT_MAX)
			die(0, "scenario too long", "limit is 64 KiB");
	}
	close(fd);
	script[used] = '\0';
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Copies a token made of name characters (and, for arguments, '+' and '-') into `out`. */
static const char *take_token(const char *s, char *out, size_t out_size, bool arithmetic, int line)
{
	size_t len = 0;

	while (is_name_char(s[len]) || (arithmetic && (s[len] == '+' || s[len] == '-')))
		len++;
	if (len == 0)
		die(line, "expected a name or a number", s);
	if (len >= out_size)
		die(line, "token too long", s);
	memcpy(out, s, len);
	out[len] = '\0';
	return s + len;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static const char *parse_call(const char *s, struct statement *st)
{
	s = take_token(s, st->func, sizeof(st->func), false, st->line);
	s = skip_blanks(s);
	if (*s++ != '(')
		die(st->line, "expected '(' after", st->func);
	s = skip_blanks(s);
	while (*s != ')') {
		if (st->nargs == ARGS_MAX)
			die(st->line, "too many arguments", st->text);
		s = take_token(s, st->args[st->nargs++], sizeof(st->args[0]), true, st->line);
		s = skip_blanks(s);
		if (*s == ',')
			s = skip_blanks(s + 1);
		else if (*s != ')')
			die(st->line, "expected ',' or ')'", s);
	}
	return skip_blanks(s + 1);
}

static void parse_statement(char *text, int line, struct statement *st)
{
	const char *s = text, *after_name;
	char name[NAME_MAX_LEN + 1];

	*st = (struct statement){ .text = text, .line = line };
	after_name = skip_blanks(take_token(s, name, sizeof(name), false, line));
	if (*after_name == '=') {
		memcpy(st->target, name, sizeof(name));
		s = skip_blanks(after_name + 1);
	}
	if (*parse_call(s, st) != '\0')
		die(line, "unexpected text after the call", st->text);
}

static struct var *find_var(const char *name)
{
	for (int i = 0; i < nvars; i++) {
		if (!strcmp(vars[i].name, name))
			return &vars[i];
	}
	return NULL;
}

static void set_var(const char *name, void *ptr, int line)
{
	struct var *v = find_var(name);

	if (!v) {
		if (nvars == VARS_MAX)
			die(line, "too many variables", name);
		v = &vars[nvars++];
		memcpy(v->name, name, sizeof(v->name));
	}
	v->ptr = ptr;
}

static size_t number_arg(const struct statement *st, int i)
{
	const char *s = st->args[i];
	size_t total = 0;
	int sign = 1;

	for (;;) {
		char *end;
		unsigned long long term;

		if (*s < '0' || *s > '9')
			die(st->line, "expected a number", st->args[i]);
		term = strtoull(s, &end, 10);
		total = sign > 0 ? total + term : total - term;
		if (*end == '\0')
			return total;
		sign = *end == '+' ? 1 : -1;
		s = end + 1;
	}
}

static void *pointer_arg(const struct statement *st, int i)
{
	struct var *v;

	if (!strcmp(st->args[i], "NULL"))
		return NULL;
	v = find_var(st->args[i]);
	if (!v)
		die(st->line, "unknown variable", st->args[i]);
	return v->ptr;
}

static void expect_args(const struct statement *st, int n)
{
	if (st->nargs != n)
		die(st->line, "wrong number of arguments", st->text);
}

/* The END marker names the result: a pointer in hex, NULL, or nothing for os_free. */
static void marker_end(bool has_result, void *result)
{
	char buf[32] = "END";

	if (has_result && !result) {
		strcpy(buf, "END NULL");
	} else if (has_result) {
		char *p = buf + 3;
		uintptr_t v = (uintptr_t)result;
		int shift = 60;

		*p++ = ' ';
		*p++ = '0';
		*p++ = 'x';
		while (shift > 0 && !((v >> shift) & 0xf))
			shift -= 4;
		for (; shift >= 0; shift -= 4)
			*p++ = "0123456789abcdef"[(v >> shift) & 0xf];
		*p = '\0';
	}
	(void)!write(-1, buf, strlen(buf));
}

static void marker_begin(const char *text)
{
	char buf[128] = "BEGIN ";

	strncat(buf, text, sizeof(buf) - strlen(buf) - 1);
	(void)!write(-1, buf, strlen(buf));
}

/* Fills a returned block so that a block shorter than promised faults here, not silently. */
static void touch(void *ptr, size_t size)
{
	if (ptr)
		memset(ptr, 0xa5, size);
}

static void check_heap(int line)
{
	char why[160];

	if (osmem_heap_check(0, why, sizeof(why)) != 0)
		die(line, "heap check failed after this statement", why);
}

/* After a call that returns a block: END marker, check calloc's zeros, fill the block, keep it
 * under its name. */
static void end_with_block(const struct statement *st, void *p, size_t size, bool must_be_zero)
{
	marker_end(true, p);
	for (size_t i = 0; must_be_zero && p && i < size; i++) {
		if (((unsigned char *)p)[i])
			die(st->line, "os_calloc returned memory that is not zero", st->text);
	}
	touch(p, size);
	if (st->target[0])
		set_var(st->target, p, st->line);
}

static void run_malloc(const struct statement *st)
{
	size_t size;
	void *p;

	expect_args(st, 1);
	size = number_arg(st, 0);
	marker_begin(st->text);
	p = os_malloc(size);
	end_with_block(st, p, size, false);
}

static void run_calloc(const struct statement *st)
{
	size_t nmemb, size;
	void *p;

	expect_args(st, 2);
	nmemb = number_arg(st, 0);
	size = number_arg(st, 1);
	marker_begin(st->text);
	p = os_calloc(nmemb, size);
	end_with_block(st, p, nmemb * size, true);
}

static void run_realloc(const struct statement *st)
{
	void *old, *p;
	size_t size;

	expect_args(st, 2);
	old = pointer_arg(st, 0);
	size = number_arg(st, 1);
	marker_begin(st->text);
	p = os_realloc(old, size);
	end_with_block(st, p, size, false);
}

static void run_free(const struct statement *st)
{
	void *p;

	expect_args(st, 1);
	if (st->target[0])
		die(st->line, "os_free has no result to keep", st->text);
	p = pointer_arg(st, 0);
	marker_begin(st->text);
	os_free(p);
	marker_end(false, NULL);
}

static void run_sbrk(const struct statement *st)
{
	expect_args(st, 1);
	if (number_arg(st, 0) != 0 || st->target[0])
		die(st->line, "only a bare sbrk(0) is allowed", st->text);
	(void)sbrk(0);
}

static void run_statement(const struct statement *st)
{
	static const struct {
		const char *func;
		void (*run)(const struct statement *st);
	} table[] = {
		{ "os_malloc", run_malloc }, { "os_calloc", run_calloc }, { "os_realloc", run_realloc },
		{ "os_free", run_free },     { "sbrk", run_sbrk },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (!strcmp(st->func, table[i].func)) {
			table[i].run(st);
			check_heap(st->line);
			return;
		}
	}
	die(st->line, "unknown function", st->func);
}

/* Parses every statement before running any, so that a typo fails before the first syscall. */
static int parse_script(struct statement *out, int max)
{
	int n = 0, line = 0;

	for (char *next = script; next && *next;) {
		char *text = next, *end = strchr(text, '\n'), *comment;

		line++;
		next = end ? end + 1 : NULL;
		if (end)
			*end = '\0';
		comment = strchr(text, '#');
		if (comment)
			*comment = '\0';
		text = trim(text);
		if (!*text)
			continue;
		if (n == max)
			die(line, "too many statements", NULL);
		parse_statement(text, line, &out[n++]);
	}
	return n;
}

int main(int argc, char **argv)
{
	static struct statement statements[1024];
	int n;

	if (argc != 2 || argv[1][0] == '-') {
		put(2, "usage: trace_driver SCENARIO_FILE\n"
		       "  runs each os_* statement of the scenario between marker syscalls\n");
		return 2;
	}
	script_path = argv[1];
	read_script(script_path);
	n = parse_script(statements, (int)(sizeof(statements) / sizeof(statements[0])));
	/* Only what follows this marker is the scenario: loading and reading the script come before. */
	(void)!write(-1, "START", 5);
	for (int i = 0; i < n; i++)
		run_statement(&statements[i]);
	return 0;
}
