/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef OSMEM_REPORT_H
#define OSMEM_REPORT_H

#include "osmem_debug.h"

/* Reports one fault through the installed handler. `caller` names the os_* function. Returns only
 * when a test handler chose to let the allocator ignore the call. */
void report_fault(enum osmem_fault fault, const void *ptr, const char *caller);

#endif
