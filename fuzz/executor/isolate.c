/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/executor/isolate.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz/verdict/failure.h"

/* Sanitizer runtimes call this on a report; libFuzzer registers its crash handler there. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static const int crash_signals[] = { SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };

/* Not noreturn: ASan unpoisons the whole stack before a noreturn call, and a bad pointer into the
 * harness's stack must stay as visible to it in the child as in the parent. */
static void child(int pipe_out, void (*run)(void *), void *arg)
{
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		signal(crash_signals[i], SIG_DFL);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(NULL);
	dup2(pipe_out, STDERR_FILENO);
	close(pipe_out);
	run(arg);
}

/* A line that says more than a first line would: the oracle's, or a sanitizer's report. */
static bool telling(const char *line)
{
	return !strncmp(line, "osmem-fuzz: ", 12) || strstr(line, "ERROR: ") ||
	       strstr(line, "runtime error: ");
}

/* Reads the child's standard error to its end: the first line, the oracle's line, a line count. */
static void read_stderr(int fd, struct isolated *out)
{
	char buf[4096], line[sizeof(out->text)];
	size_t used = 0;
	ssize_t got;
	bool oracle = false;

	out->lines = 0;
	out->text[0] = 0;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (used + 1 < sizeof(line))
					line[used++] = buf[i];
				continue;
			}
			line[used] = 0;
			if (used && !oracle && (!out->lines || telling(line))) {
				snprintf(out->text, sizeof(out->text), "%s", line);
				oracle = !strncmp(line, "osmem-fuzz: ", 12);
			}
			out->lines += used > 0;
			used = 0;
		}
	}
	if (used) {
		line[used] = 0;
		if (!out->lines)
			snprintf(out->text, sizeof(out->text), "%s", line);
		out->lines++;
	}
	out->end = oracle ? ISOLATED_ORACLE : ISOLATED_CRASHED;
}

void isolate(void (*run)(void *arg), void *arg, struct isolated *out)
{
	int fds[2];
	pid_t pid;

	fflush(NULL);
	if (pipe(fds))
		fuzz_fail_rule(RULE_HARNESS_LIMIT, "pipe for an isolated call failed");
	pid = fork();
	if (pid < 0)
		fuzz_fail_rule(RULE_HARNESS_LIMIT, "fork for an isolated call failed");
	if (!pid) {
		close(fds[0]);
		child(fds[1], run, arg);
		_exit(0);
	}
	close(fds[1]);
	read_stderr(fds[0], out);
	close(fds[0]);
	while (waitpid(pid, &out->status, 0) < 0) {
		if (errno != EINTR)
			fuzz_fail_rule(RULE_HARNESS_LIMIT, "waitpid for an isolated call failed");
	}
	if (out->end == ISOLATED_ORACLE)
		return;
	if (WIFEXITED(out->status) && !WEXITSTATUS(out->status))
		out->end = ISOLATED_RETURNED;
	else if (out->lines == 1 && !strstr(out->text, "Sanitizer") &&
		 (WIFEXITED(out->status) || WTERMSIG(out->status) == SIGABRT))
		out->end = ISOLATED_STOPPED;
}
