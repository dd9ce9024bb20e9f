/* SPDX-License-Identifier: BSD-3-Clause */
/* A foreign allocator implementing osmem.h as the fuzz target (tools/fuzz-own-allocator): only the
 * four calls. OSMEM_FUZZ_MODE=contract (the default) judges every call against the contract's
 * model (fuzz/model_oracle.h) besides the outside rules; OSMEM_FUZZ_MODE=memory applies the
 * outside rules only, for an allocator with another block layout. Its static variables live in
 * two sections of their own (the tool renames the writable data sections of the allocator's merged
 * object to osmem_own_data and osmem_own_bss); resetting it puts their bytes back as they were
 * before the first input, and the harness resets the emulated OS layer, so every input starts from
 * the allocator's initial state. OSMEM_OWN_TRACE=1 prints each op as it runs (the tool's
 * trace.txt). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "allocator/os_layer.h"
#include "allocator/os_layer_emulated.h"
#include "allocator/osmem.h"
#include "fuzz/harness.h"
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
 * go through the intercepted memcpy, which would report the redzones as overflows (no_builtin keeps
 * clang from turning the loops into a memcpy call). It runs before every input over the
 * allocator's whole state (350 KiB for a copy of osmem, its mapped-block table): words where both
 * sides are aligned, in a loop that vectorises. */
typedef uint64_t __attribute__((may_alias)) any_word; /* the state holds objects of every type */

__attribute__((no_sanitize("address", "undefined"), no_builtin("memcpy"))) static void
copy_bytes(char *to, const char *from, size_t n)
{
	size_t i = 0;

	if ((uintptr_t)to % 8 == (uintptr_t)from % 8) {
		for (; i < n && (uintptr_t)(to + i) % 8; i++)
			to[i] = from[i];
		for (; i + 8 <= n; i += 8)
			*(any_word *)(void *)(to + i) = *(const any_word *)(const void *)(from + i);
	}
	for (; i < n; i++)
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

/* OSMEM_OWN_ANSWER_IMPOSSIBLE=1, set by the tool once the allocator was found to die (an exit, a
 * crash) on a size that cannot be served: such a call no longer reaches the allocator; the target
 * answers it as the contract does (a size whose 32 + ALIGN(n) or k*n wraps: NULL, no system call;
 * any other size beyond what the emulated OS ever maps: the mmap it refuses, then NULL), so that
 * fuzzing goes on past that one reported finding. */
static bool answer_impossible;

static bool wraps(size_t n)
{
	return n > SIZE_MAX - 32 - 7;
}

static bool impossible(size_t n)
{
	return wraps(n) || n >= OSMEM_EMU_MAP_LIMIT;
}

/* What a conforming allocator does with an impossible size. */
static void *contract_answer(size_t n)
{
	if (!wraps(n))
		osmem_os_mmap(NULL, 32 + ((n + 7) & ~(size_t)7), PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* refused: bigger than the OS maps */
	return NULL;
}

static void *own_malloc(size_t size)
{
	return answer_impossible && impossible(size) ? contract_answer(size) : os_malloc(size);
}

static void *own_calloc(size_t nmemb, size_t size)
{
	size_t total;

	if (!answer_impossible || !nmemb || !size)
		return os_calloc(nmemb, size);
	if (__builtin_mul_overflow(nmemb, size, &total))
		return NULL; /* k*n overflows: no system call */
	return impossible(total) ? contract_answer(total) : os_calloc(nmemb, size);
}

static void *own_realloc(void *ptr, size_t size)
{
	return answer_impossible && size && impossible(size) ? contract_answer(size) : os_realloc(ptr, size);
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
		.malloc = own_malloc,
		.free = os_free,
		.calloc = own_calloc,
		.realloc = own_realloc,
		.reset = own_reset,
	};

	if (!own.header_size) {
		own.contract_model = own.follows_osmem_contract = contract_mode();
		/* The contract fixes the header at 32 bytes; OSMEM_OWN_HEADER_SIZE is memory mode's. */
		own.header_size = own.contract_model ? 32 : header_size();
		if (getenv("OSMEM_OWN_TRACE"))
			osmem_fuzz_trace(stderr);
		answer_impossible = getenv("OSMEM_OWN_ANSWER_IMPOSSIBLE") != NULL;
		own.next_op = misuse_format() ? fuzz_next_misuse_op : NULL;
	}
	return &own;
}
