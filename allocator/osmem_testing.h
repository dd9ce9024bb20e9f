/* SPDX-License-Identifier: BSD-3-Clause */
/* Hooks for tests and fuzz harnesses only. Never call them in a program that uses the heap. */
#ifndef OSMEM_TESTING_H
#define OSMEM_TESTING_H

/* Forgets every block, heap and mapped, without any system call: the next heap allocation
 * preallocates again. Pair it with resetting the OS layer (osmem_emu_reset), which takes back the
 * memory; on the real OS layer the forgotten memory simply leaks. */
void osmem_testing_reset(void);

/* Seals the header of the block at `payload` again after a test overwrote its size or status on
 * purpose: the heap checker then has to find the deeper breakage (overlap, gap, list end), not
 * the seal. */
void osmem_testing_reseal(void *payload);

#endif
