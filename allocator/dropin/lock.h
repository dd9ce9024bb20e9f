/* SPDX-License-Identifier: BSD-3-Clause */
/* The drop-in's one lock: osmem is single-threaded, so every malloc API call runs the allocator
 * under one mutex. fork() takes it first (pthread_atfork), so the child never inherits a heap that
 * another thread was in the middle of changing, nor a lock that nobody will release. */
#ifndef OSMEM_DROPIN_LOCK_H
#define OSMEM_DROPIN_LOCK_H

void dropin_lock(void);
void dropin_unlock(void);

#endif
