/* SPDX-License-Identifier: BSD-3-Clause */
/* fork while another thread is inside malloc: without the drop-in's fork handlers the child
 * inherits a held lock (and a heap half changed) and hangs or crashes in its first malloc. One
 * thread allocates and frees without pause, so the lock is held at many of the forks; each child
 * must allocate, use and free memory and exit within its alarm. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "allocator/dropin/tests/preload_check.h"

#define FORKS 200

static atomic_bool stop;

static void *hammer(void *arg)
{
	void *held[64] = { 0 };
	unsigned i = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		free(held[i % 64]);
		held[i % 64] = malloc(16 + i % 2000);
		i++;
	}
	for (i = 0; i < 64; i++)
		free(held[i]);
	return NULL;
}

/* The child: a few allocations of each kind, used and freed. */
static void child(void)
{
	alarm(2);
	for (int i = 0; i < 50; i++) {
		char *p = malloc(16 + (size_t)i * 100), *q = calloc(10, 10);

		if (!p || !q)
			_exit(3);
		memset(p, 1, 16 + (size_t)i * 100);
		free(q);
		free(p);
	}
	_exit(0);
}

int main(void)
{
	pthread_t thread;
	int clean = 0;

	CHECK(pthread_create(&thread, NULL, hammer, NULL) == 0);
	for (int i = 0; i < FORKS; i++) {
		int status = 0;
		pid_t pid = fork();

		if (pid == 0)
			child();
		if (!CHECK(pid > 0) || !CHECK(waitpid(pid, &status, 0) == pid))
			break;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			clean++;
			continue;
		}
		fprintf(stderr, "fork %d: child %s %d (SIGALRM 14: hung in malloc)\n", i,
			WIFSIGNALED(status) ? "killed by signal" : "exited with",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		break;
	}
	atomic_store(&stop, true);
	pthread_join(thread, NULL);
	CHECK(clean == FORKS);
	return preload_result("fork_test");
}
