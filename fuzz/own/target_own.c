/* SPDX-License-Identifier: BSD-3-Clause */
/* A foreign allocator implementing osmem.h as the fuzz target (tools/fuzz-own-allocator): only the
 * four calls. OSMEM_FUZZ_MODE=contract (the default) judges every call against the contract's
 * model (fuzz/model_oracle.h) besides the outside rules; OSMEM_FUZZ_MODE=memory applies the
 * outside rules only, for an allocator with another block layout. Its static variables live in two sections
 * of their own (own_sections.h); resetting it puts their bytes back as they were before the first
 * input, and the harness resets the emulated OS layer, so every input starts from the allocator's
 * initial state. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator/osmem.h"
#include "fuzz/target.h"

/* Weak: an allocator without initialised (or without zeroed) statics has no such section. */
extern char __start_osmem_own_data[] __attribute__((weak));
extern char __stop_osmem_own_data[] __attribute__((weak));
extern char __start_osmem_own_bss[] __attribute__((weak));
extern char __stop_osmem_own_bss[] __attribute__((weak));

struct own_section {
	char *start, *stop;
	char *initial; /* the bytes before the first input */
};

/* ASan keeps redzones between the allocator's globals: the copy must neither be instrumented nor
 * go through the intercepted memcpy, which would report the redzones as overflows. */
__attribute__((no_sanitize("address"))) static void copy_bytes(volatile char *to,
								 const volatile char *from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		to[i] = from[i];
}

static size_t section_size(const struct own_section *section)
{
	return (size_t)(section->stop - section->start);
}

static void save(struct own_section *section)
{
	size_t size = section_size(section);

	if (!size)
		return;
	section->initial = malloc(size);
	if (!section->initial)
		abort(); /* without the initial state no input would be reproducible */
	copy_bytes(section->initial, section->start, size);
}

static void restore(const struct own_section *section)
{
	if (section->initial)
		copy_bytes(section->start, section->initial, section_size(section));
}

static void own_reset(void)
{
	static struct own_section sections[] = {
		{ __start_osmem_own_data, __stop_osmem_own_data, NULL },
		{ __start_osmem_own_bss, __stop_osmem_own_bss, NULL },
	};
	static int saved;

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (saved)
			restore(&sections[i]);
		else
			save(&sections[i]);
	}
	saved = 1;
}

/* The contract's 32-byte header in front of each payload counts as part of the block (a block
 * overlapping another's header is a failure); OSMEM_OWN_HEADER_SIZE says otherwise, e.g. 0. */
static size_t header_size(void)
{
	const char *text = getenv("OSMEM_OWN_HEADER_SIZE");

	return text && *text ? strtoul(text, NULL, 10) : 32;
}

/* OSMEM_FUZZ_MODE: "contract" (default) or "memory"; anything else is a usage error. */
static bool contract_mode(void)
{
	const char *mode = getenv("OSMEM_FUZZ_MODE");

	if (!mode || !*mode || !strcmp(mode, "contract"))
		return true;
	if (!strcmp(mode, "memory"))
		return false;
	fprintf(stderr, "osmem-fuzz: OSMEM_FUZZ_MODE must be 'contract' or 'memory', not '%s'\n",
		mode);
	exit(2);
}

/* OSMEM_FUZZ_FORMAT: "1" (default, corpus/osmem_fuzz) or "misuse" (the misuse format,
 * corpus/osmem_misuse_fuzz: bad pointers besides format 1's ops). */
static bool misuse_format(void)
{
	const char *format = getenv("OSMEM_FUZZ_FORMAT");

	if (!format || !*format || !strcmp(format, "1"))
		return false;
	if (!strcmp(format, "misuse"))
		return true;
	fprintf(stderr, "osmem-fuzz: OSMEM_FUZZ_FORMAT must be '1' or 'misuse', not '%s'\n", format);
	exit(2);
}

const struct fuzz_target *fuzz_target_under_test(void)
{
	static struct fuzz_target own = {
		.name = "own-allocator",
		.malloc = os_malloc,
		.free = os_free,
		.calloc = os_calloc,
		.realloc = os_realloc,
		.reset = own_reset,
	};

	if (!own.header_size) {
		own.contract_model = own.follows_osmem_contract = contract_mode();
		/* The contract fixes the header at 32 bytes; OSMEM_OWN_HEADER_SIZE is memory mode's. */
		own.header_size = own.contract_model ? 32 : header_size();
		own.next_op = misuse_format() ? fuzz_next_misuse_op : NULL;
	}
	return &own;
}
