/* SPDX-License-Identifier: BSD-3-Clause */
#include "lock.h"

#include <pthread.h>

/* Statically initialised: other libraries' constructors may call malloc before ours runs. */
static pthread_mutex_t allocator_lock = PTHREAD_MUTEX_INITIALIZER;

void dropin_lock(void)
{
	pthread_mutex_lock(&allocator_lock);
}

void dropin_unlock(void)
{
	pthread_mutex_unlock(&allocator_lock);
}

/* The child has one thread, the one that forked: the lock is new, and the heap is consistent
 * because no call was in progress when the parent forked. */
static void reset_in_child(void)
{
	pthread_mutex_init(&allocator_lock, NULL);
}

/* glibc runs prepare handlers in reverse order of registration: handlers that libraries register
 * after this one (and that may still malloc) run before the lock is taken. glibc keeps the first
 * 48 handlers in static storage, so registering does not call malloc. */
__attribute__((constructor)) static void register_fork_handlers(void)
{
	pthread_atfork(dropin_lock, dropin_unlock, reset_in_child);
}
