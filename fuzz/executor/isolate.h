/* SPDX-License-Identifier: BSD-3-Clause */
/* Runs one risky call in a child process, so that an allocator which stops the process (as the
 * contract allows for a bad pointer) does not end the fuzzing run. The child's standard error goes
 * into a pipe; the parent learns how the child ended. */
#ifndef OSMEM_FUZZ_ISOLATE_H
#define OSMEM_FUZZ_ISOLATE_H

#include <stddef.h>

enum isolated_end {
	ISOLATED_RETURNED, /* the child ran `run` to its end */
	ISOLATED_STOPPED,  /* it stopped (abort, exit) after exactly one line on standard error */
	ISOLATED_CRASHED,  /* any other end: a signal, a sanitizer report, no line or several */
	ISOLATED_ORACLE,   /* the oracle failed in the child: `text` holds its line */
};

struct isolated {
	enum isolated_end end;
	int status;      /* waitpid's */
	char text[512];  /* the child's first standard error line (ISOLATED_ORACLE: the oracle's) */
	size_t lines;    /* non-empty lines the child wrote to standard error */
};

/* Calls run(arg) in a forked child with default signal handlers and no sanitizer death callback
 * (so that an engine's crash handler does not record the child's end as a crash of its own). */
void isolate(void (*run)(void *arg), void *arg, struct isolated *out);

#endif
