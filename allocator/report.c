/* SPDX-License-Identifier: BSD-3-Clause */
/* One reporting path for every detected misuse. Messages are built by hand: printf and malloc
 * would make their own brk calls inside the allocator. */
#include "report.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static void default_handler(enum osmem_fault fault, const void *ptr, const char *message);

static osmem_fault_handler fault_handler = default_handler;

/* Each fault's name, and the words that join it to the pointer in the message. */
static const struct {
	const char *name, *before_pointer;
} faults[] = {
	[OSMEM_FAULT_DOUBLE_FREE] = { "double free", " of " },
	[OSMEM_FAULT_INVALID_POINTER] = { "invalid pointer", " " },
	[OSMEM_FAULT_CORRUPT_HEADER] = { "corrupted block header", " " },
	[OSMEM_FAULT_UNMAP_FAILED] = { "munmap failed", " " },
	[OSMEM_FAULT_WRITE_AFTER_FREE] = { "write after free", " at " },
	[OSMEM_FAULT_HEAP_OVERFLOW] = { "heap overflow", " past block " },
};

static bool known_fault(enum osmem_fault fault)
{
	return (unsigned)fault < sizeof(faults) / sizeof(faults[0]);
}

const char *osmem_fault_name(enum osmem_fault fault)
{
	return known_fault(fault) ? faults[fault].name : "unknown fault";
}

osmem_fault_handler osmem_set_fault_handler(osmem_fault_handler handler)
{
	osmem_fault_handler previous = fault_handler;

	fault_handler = handler ? handler : default_handler;
	return previous;
}

static void default_handler(enum osmem_fault fault, const void *ptr, const char *message)
{
	size_t length = 0;

	(void)fault;
	(void)ptr;
	while (message[length])
		length++;
	/* Best effort: the process aborts whether or not standard error takes the line. */
	if (write(STDERR_FILENO, message, length) == (ssize_t)length)
		(void)!write(STDERR_FILENO, "\n", 1);
	abort();
}

static char *append(char *at, char *limit, const char *text)
{
	while (*text && at < limit)
		*at++ = *text++;
	return at;
}

static char *append_hex(char *at, char *limit, uintptr_t value)
{
	char digits[2 + 2 * sizeof(value) + 1];
	int n = sizeof(digits) - 1;

	digits[n] = '\0';
	do {
		digits[--n] = "0123456789abcdef"[value & 15];
		value >>= 4;
	} while (value);
	digits[--n] = 'x';
	digits[--n] = '0';
	return append(at, limit, digits + n);
}

void report_fault(enum osmem_fault fault, const void *ptr, const char *caller)
{
	char message[160];
	char *at = message, *limit = message + sizeof(message) - 1;

	at = append(at, limit, "osmem: ");
	at = append(at, limit, osmem_fault_name(fault));
	at = append(at, limit, faults[fault].before_pointer);
	at = append_hex(at, limit, (uintptr_t)ptr);
	at = append(at, limit, " in ");
	at = append(at, limit, caller);
	*at = '\0';
	fault_handler(fault, ptr, message);
}
