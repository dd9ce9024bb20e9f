/* SPDX-License-Identifier: BSD-3-Clause */
/* Forced (-include) into every source of a foreign allocator by tools/fuzz-own-allocator: its
 * static variables land in two sections of their own, which target_own.c saves before the first
 * input and puts back before every input. The names are C identifiers, so the linker provides
 * __start_ and __stop_ symbols for them. */
#pragma clang section bss = "osmem_own_bss" data = "osmem_own_data"
