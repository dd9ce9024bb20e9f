/* SPDX-License-Identifier: BSD-3-Clause */
/* The contract oracle: after every allocator call it compares what the allocator did with what the
 * model (fuzz/model/model.h) predicts: the returned pointer, the system calls the emulated OS
 * logged (sbrk(0) aside: a tracer with glibc never sees it), the heap walked through the
 * allocator's own headers from the heap start (sizes, status, prev/next links, tiling up to the
 * break), and the headers of live mapped blocks. A deviation is one line naming the rule
 * (fuzz/README.md, "Contract oracle"):
 *   osmem-fuzz: op 7 malloc(slot 2, 100): [best fit, tie to the lowest address] expected
 *   heap+0x1a0 (...), got heap+0x400 (seen by a tracing grader)
 * OSMEM_FUZZ_SKIP_RULES (rule names separated by ';') lists rules whose deviations are not
 * reported: the model adopts what the allocator did and goes on. */
#ifndef OSMEM_FUZZ_MODEL_ORACLE_H
#define OSMEM_FUZZ_MODEL_ORACLE_H

#include <stdbool.h>
#include <stddef.h>

/* A new input: the model starts from an empty heap; `enabled` false turns every call below off. */
void model_oracle_reset(bool enabled);

bool model_oracle_enabled(void);

/* True when OSMEM_FUZZ_SKIP_RULES names `rule`. */
bool model_oracle_skips(const char *rule);

/* Right before an allocator call: forgets the OS calls logged so far. */
void model_oracle_begin(void);

/* Right after the call: compares it with the model. `implicit` (free only): the harness gives a
 * slot's block back on its own account (an op that reuses the slot, the end of the input).
 * `ignored`: a pointer the allocator must ignore although it names a block (its header was
 * corrupted for the call: a misuse op). */
void model_oracle_malloc(size_t size, const void *got);
void model_oracle_calloc(size_t nmemb, size_t size, const void *got);
void model_oracle_free(const void *ptr, bool implicit, bool ignored);
void model_oracle_realloc(const void *ptr, size_t size, const void *got, bool ignored);

/* Judges the headers of an `ignored` call, once the harness has put the corrupted one back. */
void model_oracle_settle(void);

/* What the harness told the emulated OS: a refusal plan, refused munmaps, another sbrk user. */
void model_oracle_refuse(size_t skip, size_t count);
void model_oracle_refuse_munmaps(size_t count);
void model_oracle_foreign_sbrk(size_t increment);

#endif
