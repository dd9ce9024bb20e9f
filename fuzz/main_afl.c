/* SPDX-License-Identifier: BSD-3-Clause */
/* AFL++ engine: persistent mode, test cases in shared memory. Built with afl-clang-fast, the
 * __AFL_* macros are the compiler's. Built with plain clang, -fsanitize-coverage=trace-pc-guard
 * and /usr/lib/afl/afl-compiler-rt.o (the asan-afl / afl configs), the definitions below speak the
 * same protocol to the runtime, including the signature strings afl-fuzz looks for in the binary.
 * Without afl-fuzz, it runs the input on standard input once. */
#include <stdint.h>
#include <unistd.h>

#include "fuzz/harness.h"

#define AFL_MAX_INPUT (1u << 20)

#ifndef __AFL_FUZZ_TESTCASE_LEN
extern unsigned char *__afl_fuzz_ptr;
extern unsigned int *__afl_fuzz_len;
int __afl_persistent_loop(unsigned int max_count);
void __afl_manual_init(void);

/* afl-fuzz reads these strings to choose persistent mode and the deferred fork server. */
static volatile const char *persistent_signature __attribute__((used)) = "##SIG_AFL_PERSISTENT##";
static volatile const char *deferred_signature __attribute__((used)) = "##SIG_AFL_DEFER_FORKSRV##";

int __afl_sharedmem_fuzzing = 1; /* the runtime reads it: take test cases from shared memory */
static unsigned char stdin_input[AFL_MAX_INPUT];

static unsigned int read_stdin(void)
{
	ssize_t got = read(0, stdin_input, sizeof(stdin_input));

	return got > 0 ? (unsigned int)got : 0;
}

#define __AFL_FUZZ_INIT() extern int __afl_sharedmem_fuzzing
#define __AFL_INIT() __afl_manual_init()
#define __AFL_LOOP(n) __afl_persistent_loop(n)
#define __AFL_FUZZ_TESTCASE_BUF (__afl_fuzz_ptr ? __afl_fuzz_ptr : stdin_input)
#define __AFL_FUZZ_TESTCASE_LEN (__afl_fuzz_ptr ? *__afl_fuzz_len : read_stdin())
#endif

__AFL_FUZZ_INIT();

/* Inputs per process before AFL++ starts a fresh one (bounds any state the harness misses). */
#define PERSISTENT_ITERATIONS 10000

int main(void)
{
	unsigned char *buf;

	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(PERSISTENT_ITERATIONS))
		osmem_fuzz_one(buf, __AFL_FUZZ_TESTCASE_LEN);
	return 0;
}
