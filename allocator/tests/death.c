/* SPDX-License-Identifier: BSD-3-Clause */
#include "allocator/tests/death.h"

#include "allocator/osmem.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reads the child's standard error until it closes; keeps what fits. */
static void read_all(int fd, char *out, size_t size)
{
	size_t used = 0;
	ssize_t got;
	char spill[256];

	while ((got = read(fd, used + 1 < size ? out + used : spill,
			   used + 1 < size ? size - 1 - used : sizeof(spill))) > 0) {
		if (used + 1 < size)
			used += (size_t)got;
	}
	out[used] = '\0';
}

/* Present only in a coverage build (`bazel coverage`): an aborting child would otherwise take the
 * counts of the path it died on with it. */
extern int __llvm_profile_write_file(void) __attribute__((weak));

static void write_profile_and_abort(int signal_number)
{
	__llvm_profile_write_file();
	signal(signal_number, SIG_DFL);
	raise(signal_number);
}

static void run_child(int pipe_fds[2], void (*call)(void *), void *arg)
{
	close(pipe_fds[0]);
	if (dup2(pipe_fds[1], STDERR_FILENO) < 0)
		_exit(126);
	if (__llvm_profile_write_file)
		signal(SIGABRT, write_profile_and_abort);
	call(arg);
	_exit(0); /* survived: the parent reports it */
}

bool dies_with(void (*call)(void *), void *arg, const char *expected_line)
{
	int pipe_fds[2], status;
	char output[1024], expected[512];
	pid_t child;

	fflush(NULL);
	if (pipe(pipe_fds) != 0 || (child = fork()) < 0) {
		perror("dies_with: pipe/fork");
		return false;
	}
	if (child == 0)
		run_child(pipe_fds, call, arg);
	close(pipe_fds[1]);
	read_all(pipe_fds[0], output, sizeof(output));
	close(pipe_fds[0]);
	if (waitpid(child, &status, 0) != child) {
		perror("dies_with: waitpid");
		return false;
	}
	snprintf(expected, sizeof(expected), "%s\n", expected_line);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strcmp(output, expected) == 0)
		return true;
	if (WIFSIGNALED(status))
		fprintf(stderr, "child died of signal %d", WTERMSIG(status));
	else
		fprintf(stderr, "child exited with status %d", WEXITSTATUS(status));
	fprintf(stderr, ", stderr \"%s\"; expected SIGABRT and \"%s\\n\"\n", output, expected_line);
	return false;
}

const char *fault_line(const char *words, const void *ptr, const char *caller)
{
	static char text[160];

	snprintf(text, sizeof(text), "osmem: %s %p in %s", words, ptr, caller);
	return text;
}

void call_free(void *ptr)
{
	os_free(ptr);
}

