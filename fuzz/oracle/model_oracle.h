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

/* An allocator call as the oracle judges it. `implicit` (free only): the harness gives a slot's
 * block back on its own account (an op that reuses the slot, the end of the input). `ignored`: a
 * pointer the allocator must ignore although it names a block (its header was corrupted for the
 * call: a misuse op). */
struct oracle_call {
	enum { ORACLE_MALLOC, ORACLE_CALLOC, ORACLE_FREE, ORACLE_REALLOC } kind;
	const void *ptr; /* free, realloc */
	size_t nmemb, size;
	bool implicit, ignored;
};

/* Right before the call: forgets the OS calls logged so far and keeps the call, so that a crash
 * inside it can still be judged (model_oracle_judge_crash). */
void model_oracle_begin(const struct oracle_call *call);

/* Right after it: compares it with the model; `got` is what malloc, calloc or realloc returned. */
void model_oracle_end(const void *got);

/* The allocator crashed inside the call begun last (a sanitizer's report is on its way): when the
 * system calls it made so far already differ from the model's, prints the deviation's line (the
 * rule by name) and returns; the process then dies of the report. For an allocator that unmaps a
 * block before it copies out of it, the crash is only the symptom of the order of its calls. */
void model_oracle_judge_crash(void);

/* Judges the headers of an `ignored` call, once the harness has put the corrupted one back. */
void model_oracle_settle(void);

/* What the harness told the emulated OS: a refusal plan, refused munmaps, another sbrk user. */
void model_oracle_refuse(size_t skip, size_t count);
void model_oracle_refuse_munmaps(size_t count);
void model_oracle_foreign_sbrk(size_t increment);

#endif
