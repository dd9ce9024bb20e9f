/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz/oracle/model_oracle.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "allocator/block_meta.h"
#include "allocator/os_layer_emulated.h"
#include "fuzz/verdict/failure.h"
#include "fuzz/model/model.h"
#include "sanitizers/track.h"

MODEL_UNCHECKED_BEGIN

/* Mapping ids per input: one mmap per call at most, a few calls per op. */
#define MAX_MAP_IDS 4096
#define MAX_SKIPPED_RULES 32
#define TRACED "seen by a tracing grader"
#define HEADERS_ONLY "headers only"

/* A mapping the emulated OS gave the allocator and did not take back yet. */
struct live_mapping {
	char *header;
	unsigned id;
};

/* What the allocator's own header at an address says. */
struct header_view {
	size_t size;
	int status;
	char *prev, *next;
};

static struct {
	bool enabled; /* the target follows the contract */
	bool synced;  /* false: a skipped deviation could not be adopted, the model is off */
	bool deviated; /* a skipped rule deviated in the current call: adopt what happened */
	bool implicit;
	const void *freed; /* the pointer of an implicit free, for the message */
	char *base;
	struct model model;
	struct live_mapping maps[MODEL_MAX_MAPPINGS];
	size_t map_count;
	char *map_header[MAX_MAP_IDS];
	size_t map_size[MAX_MAP_IDS]; /* payload bytes, as mmap was asked for (32 + size) */
	struct osmem_emu_call calls[OSMEM_EMU_CALL_LOG]; /* this call's, without sbrk(0) */
	size_t call_count, dropped;
	struct model_block seen[MODEL_MAX_BLOCKS]; /* the heap walked through its headers */
	size_t seen_count;
	struct model_outcome pending; /* a call whose headers are judged later */
	bool has_pending;
	struct oracle_call call; /* the call begun last */
	bool in_call;            /* ... and not judged yet */
	bool crashing;           /* judging a call the allocator crashed in: report, do not stop */
} oracle;

static struct {
	bool parsed;
	char text[1024];
	const char *names[MAX_SKIPPED_RULES];
	size_t count;
} skipped;

/* OSMEM_FUZZ_SKIP_RULES: rule names separated by ';' (read once per process). */
static void parse_skipped_rules(void)
{
	const char *env = getenv("OSMEM_FUZZ_SKIP_RULES");
	char *save = NULL;

	skipped.parsed = true;
	if (!env)
		return;
	snprintf(skipped.text, sizeof(skipped.text), "%s", env);
	for (char *name = strtok_r(skipped.text, ";", &save);
	     name && skipped.count < MAX_SKIPPED_RULES; name = strtok_r(NULL, ";", &save)) {
		while (*name == ' ')
			name++;
		if (*name)
			skipped.names[skipped.count++] = name;
	}
}

bool model_oracle_skips(const char *rule)
{
	for (size_t i = 0; i < skipped.count; i++) {
		if (!strcmp(skipped.names[i], rule))
			return true;
	}
	return false;
}

void model_oracle_reset(bool enabled)
{
	if (!skipped.parsed)
		parse_skipped_rules();
	oracle.enabled = oracle.synced = enabled;
	oracle.base = osmem_emu_heap_base();
	oracle.map_count = 0;
	oracle.has_pending = oracle.in_call = false;
	for (unsigned id = 0; id < oracle.model.next_map_id && id < MAX_MAP_IDS; id++)
		oracle.map_header[id] = NULL;
	model_reset(&oracle.model);
}

bool model_oracle_enabled(void)
{
	return oracle.enabled && oracle.synced;
}

void model_oracle_begin(const struct oracle_call *call)
{
	if (!model_oracle_enabled())
		return;
	osmem_emu_calls_clear();
	oracle.call = *call;
	oracle.in_call = true;
}

void model_oracle_refuse(size_t skip, size_t count)
{
	model_refuse(&oracle.model, skip, count);
}

void model_oracle_refuse_munmaps(size_t count)
{
	model_refuse_munmaps(&oracle.model, count);
}

void model_oracle_foreign_sbrk(size_t increment)
{
	model_foreign_sbrk(&oracle.model, increment);
}

/* ---- reading the allocator's headers ---- */

/* The links are inaccessible to the memory tools in an annotated osmem build (sanitizers/track.h):
 * read them as the allocator does, unchecked. Callers check the address first. */
__attribute__((no_sanitize("address", "memory"))) static void read_header(const char *at,
									  struct header_view *h)
{
	const volatile struct block_meta *b = (const volatile struct block_meta *)at;
	TRACK_ALLOCATOR_SCOPE();

	h->size = b->size;
	h->status = b->status;
	h->prev = (char *)b->prev;
	h->next = (char *)b->next;
}

static size_t current_break(void)
{
	struct osmem_emu_stats emu;

	osmem_emu_get_stats(&emu);
	return emu.brk_offset;
}

/* A header the walk may read: 8-aligned and wholly below the break. */
static bool readable_heap_header(const char *at, size_t brk)
{
	return brk >= MODEL_HEADER && at >= oracle.base && (uintptr_t)at % 8 == 0 &&
	       (size_t)(at - oracle.base) <= brk - MODEL_HEADER;
}

/* The emulated heap's reservation: no mapping lies there. */
static bool in_heap_reservation(const char *at)
{
	return at >= oracle.base && at < oracle.base + MODEL_HEAP_LIMIT;
}

static const struct live_mapping *live_mapping_at(const char *header)
{
	for (size_t i = 0; i < oracle.map_count; i++) {
		if (oracle.maps[i].header == header)
			return &oracle.maps[i];
	}
	return NULL;
}

/* Where the header in front of any pointer would be, without pointer arithmetic (a bad pointer
 * may lie at 32, whose header would be NULL). */
static const char *header_of(const void *ptr)
{
	return (const char *)((uintptr_t)ptr - MODEL_HEADER);
}

/* ---- naming things in messages ---- */

static const char *status_name(int status)
{
	switch (status) {
	case MODEL_FREE:
		return "free";
	case MODEL_ALLOC:
		return "allocated";
	case MODEL_MAPPED:
		return "mapped";
	default:
		return "bad status";
	}
}

/* The id of the mapping whose header is at `header`, live or given back in this input. */
static bool mapping_id_of(const char *header, unsigned *id)
{
	for (unsigned i = 0; i < oracle.model.next_map_id && i < MAX_MAP_IDS; i++) {
		if (oracle.map_header[i] && oracle.map_header[i] == header) {
			*id = i;
			return true;
		}
	}
	return false;
}

/* heap+0x20 for heap payloads (header + 32), mapping#k+0x20 for mapped ones. Only for messages. */
static const char *pointer_name(const void *ptr, char *buf, size_t size)
{
	const char *p = ptr;
	unsigned id;

	if (!p)
		snprintf(buf, size, "NULL");
	else if (mapping_id_of(header_of(p), &id))
		snprintf(buf, size, "mapping#%u+0x20", id);
	else if (p >= oracle.base && p < oracle.base + MODEL_HEAP_LIMIT)
		snprintf(buf, size, "heap+0x%zx", (size_t)(p - oracle.base));
	else
		snprintf(buf, size, "%p", ptr);
	return buf;
}

static int model_call_name(const struct model_call *c, char *buf, size_t size)
{
	const char *refused = c->refused ? " = refused" : "";

	switch (c->kind) {
	case MODEL_SBRK:
		return snprintf(buf, size, "sbrk(%jd)%s", (intmax_t)c->increment, refused);
	case MODEL_MMAP:
		return snprintf(buf, size, "mmap(%zu)%s", c->length, refused);
	default:
		return snprintf(buf, size, "munmap(mapping#%u, %zu)%s", c->map_id, c->length, refused);
	}
}

static bool standard_mmap(const struct osmem_emu_call *c)
{
	return !c->addr && c->prot == (PROT_READ | PROT_WRITE) &&
	       c->flags == (MAP_PRIVATE | MAP_ANONYMOUS) && c->fd == -1 && c->offset == 0;
}

static int seen_call_name(const struct osmem_emu_call *c, char *buf, size_t size)
{
	char where[48];
	unsigned id;

	switch (c->kind) {
	case OSMEM_EMU_SBRK:
		return snprintf(buf, size, "sbrk(%jd)%s", (intmax_t)c->increment,
				c->result == (void *)-1 ? " = refused" : "");
	case OSMEM_EMU_MMAP:
		if (standard_mmap(c))
			return snprintf(buf, size, "mmap(%zu)%s", c->length,
					c->result == MAP_FAILED ? " = refused" : "");
		return snprintf(buf, size, "mmap(%p, %zu, prot 0x%x, flags 0x%x, fd %d, offset %jd)",
				c->addr, c->length, (unsigned)c->prot, (unsigned)c->flags, c->fd,
				(intmax_t)c->offset);
	default:
		if (c->addr && mapping_id_of(c->addr, &id))
			snprintf(where, sizeof(where), "mapping#%u", id); /* as the model names it */
		else if (c->addr)
			pointer_name((char *)c->addr + MODEL_HEADER, where, sizeof(where));
		return snprintf(buf, size, "munmap(%s, %zu)%s", c->addr ? where : "NULL", c->length,
				c->result ? " = refused" : "");
	}
}

/* Appends ", " and at most the first five calls; "no system call" for none. */
static void list_calls(const struct model_outcome *out, bool predicted, char *buf, size_t size)
{
	size_t count = predicted ? out->call_count : oracle.call_count, used = 0;
	char one[160];

	buf[0] = 0;
	if (!count) {
		snprintf(buf, size, "no system call");
		return;
	}
	for (size_t i = 0; i < count && i < 5 && used < size; i++) {
		if (predicted)
			model_call_name(&out->calls[i], one, sizeof(one));
		else
			seen_call_name(&oracle.calls[i], one, sizeof(one));
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", one);
	}
	if (count > 5 && used < size)
		snprintf(buf + used, size - used, ", ... (%zu calls)", count + oracle.dropped);
}

/* ---- verdicts ---- */

/* A deviation from `rule`: one line and stop, unless the tool skips that rule (then the model
 * adopts what the allocator did once this call's checks end). Returns false: stop checking. */
__attribute__((format(printf, 3, 4))) static bool deviation(const char *rule, bool traced,
							      const char *fmt, ...)
{
	char text[768], freed[48];
	va_list args;

	if (model_oracle_skips(rule)) {
		oracle.deviated = true;
		return false;
	}
	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	if (oracle.crashing) {
		fuzz_report_rule(rule, "%s (%s)", text, traced ? TRACED : HEADERS_ONLY);
		return false;
	}
	if (oracle.implicit)
		fuzz_fail_rule(rule, "giving the slot's block %s back: %s (%s)",
			       pointer_name(oracle.freed, freed, sizeof(freed)), text,
			       traced ? TRACED : HEADERS_ONLY);
	fuzz_fail_rule(rule, "%s (%s)", text, traced ? TRACED : HEADERS_ONLY);
}

/* This call's log without sbrk(0), which a tracer with glibc never sees. */
static void read_calls(void)
{
	const struct osmem_emu_call *log;
	size_t count = osmem_emu_calls(&log, &oracle.dropped);

	oracle.call_count = 0;
	for (size_t i = 0; i < count; i++) {
		if (log[i].kind != OSMEM_EMU_SBRK || log[i].increment)
			oracle.calls[oracle.call_count++] = log[i];
	}
}

static bool same_call(const struct model_call *want, const struct osmem_emu_call *got)
{
	switch (want->kind) {
	case MODEL_SBRK:
		return got->kind == OSMEM_EMU_SBRK && got->increment == want->increment &&
		       (got->result == (void *)-1) == want->refused;
	case MODEL_MMAP:
		return got->kind == OSMEM_EMU_MMAP && standard_mmap(got) &&
		       got->length == want->length && (got->result == MAP_FAILED) == want->refused;
	default:
		return got->kind == OSMEM_EMU_MUNMAP && got->length == want->length &&
		       got->addr == oracle.map_header[want->map_id] &&
		       (got->result != NULL) == want->refused;
	}
}

static void add_live_mapping(char *header, unsigned id, size_t length)
{
	if (oracle.map_count == MODEL_MAX_MAPPINGS || id >= MAX_MAP_IDS)
		fuzz_fail_rule("harness limit", "more than %d live mappings or %d mmaps in one input",
			       MODEL_MAX_MAPPINGS, MAX_MAP_IDS);
	oracle.maps[oracle.map_count++] = (struct live_mapping){ header, id };
	oracle.map_header[id] = header;
	oracle.map_size[id] = length - MODEL_HEADER;
}

static void remove_live_mapping(const char *header)
{
	for (size_t i = 0; i < oracle.map_count; i++) {
		if (oracle.maps[i].header == header) {
			oracle.maps[i] = oracle.maps[--oracle.map_count];
			return;
		}
	}
}

/* The mappings the log shows made and given back; a predicted mmap that happened keeps its id. */
static void follow_mappings(const struct model_outcome *out)
{
	for (size_t i = 0; i < oracle.call_count; i++) {
		const struct osmem_emu_call *c = &oracle.calls[i];
		bool predicted = i < out->call_count && out->calls[i].kind == MODEL_MMAP &&
				 same_call(&out->calls[i], c);

		if (c->kind == OSMEM_EMU_MMAP && c->result != MAP_FAILED)
			add_live_mapping(c->result,
					 predicted ? out->calls[i].map_id : oracle.model.next_map_id++,
					 c->length);
		else if (c->kind == OSMEM_EMU_MUNMAP && !c->result)
			remove_live_mapping(c->addr);
	}
}

/* Every call the log shows is one the model predicts (each matched once): the calls differ in
 * their order only, or some are missing. */
static bool only_predicted_calls(const struct model_outcome *out)
{
	bool matched[MODEL_MAX_CALLS] = { false };

	for (size_t i = 0; i < oracle.call_count; i++) {
		size_t j = 0;

		while (j < out->call_count && (matched[j] || !same_call(&out->calls[j], &oracle.calls[i])))
			j++;
		if (j == out->call_count)
			return false;
		matched[j] = true;
	}
	return true;
}

/* Which rule a difference in the system calls breaks: the call's own rule, unless the calls are
 * of one kind with other arguments (mmap's, munmap's), or heap and mmap were swapped. Predicted
 * calls in another order break the call's own rule (realloc rule 3: allocate before munmap). */
static const char *calls_rule(const struct model_outcome *out, size_t i)
{
	const struct model_call *want = i < out->call_count ? &out->calls[i] : NULL;
	const struct osmem_emu_call *got = i < oracle.call_count ? &oracle.calls[i] : NULL;

	if (want && got && want->kind == MODEL_MMAP && got->kind == OSMEM_EMU_MMAP)
		return RULE_MMAP_CALL;
	if (want && got && want->kind == MODEL_MUNMAP && got->kind == OSMEM_EMU_MUNMAP)
		return RULE_MUNMAP;
	if (got && only_predicted_calls(out))
		return out->rule;
	if (want && got && out->threshold &&
	    (want->kind == MODEL_MMAP) != (got->kind == OSMEM_EMU_MMAP))
		return out->threshold;
	return out->rule;
}

static bool check_calls(const struct model_outcome *out)
{
	char want[400], got[400];
	size_t i = 0;

	while (i < out->call_count && i < oracle.call_count && same_call(&out->calls[i], &oracle.calls[i]))
		i++;
	if (i == out->call_count && i == oracle.call_count && !oracle.dropped)
		return true;
	list_calls(out, true, want, sizeof(want));
	list_calls(out, false, got, sizeof(got));
	return deviation(calls_rule(out, i), true, "expected %s, got %s", want, got);
}

static const char *expected_pointer(const struct model_outcome *out)
{
	switch (out->result.where) {
	case MODEL_HEAP:
		return oracle.base + out->result.at + MODEL_HEADER;
	case MODEL_MAPPING: /* its mmap happened: the calls agreed */
		return oracle.map_header[out->result.at] ? oracle.map_header[out->result.at] + MODEL_HEADER :
							   "(not mapped)";
	default:
		return NULL;
	}
}

/* Why the model put the block there, in words. */
static void placement_reason(const struct model_outcome *out, char *buf, size_t size)
{
	const char *base = oracle.base + MODEL_HEADER;

	buf[0] = 0;
	if (out->result.where != MODEL_HEAP)
		return;
	if (out->placement == RULE_BEST_FIT && out->tie_at != SIZE_MAX)
		snprintf(buf, size, " (free runs of %zu bytes at heap+0x%zx and heap+0x%zx)",
			 out->fit_size, (size_t)(base + out->fit_at - oracle.base),
			 (size_t)(base + out->tie_at - oracle.base));
	else if (out->placement == RULE_BEST_FIT && out->result.at == out->fit_at)
		snprintf(buf, size, " (the smallest free run that fits: %zu bytes)", out->fit_size);
	else if (out->placement == RULE_GROW_TAIL)
		snprintf(buf, size, " (the free last block, grown)");
	else if (out->placement == RULE_GROW_BREAK)
		snprintf(buf, size, " (a new block at the break)");
	else if (out->placement == RULE_PREALLOC)
		snprintf(buf, size, " (the start of the preallocated heap)");
	else
		snprintf(buf, size, " (in place)");
}

static const char *result_rule(const struct model_outcome *out, const char *want, const char *got)
{
	bool want_heap = out->result.where == MODEL_HEAP;
	bool got_heap = got >= oracle.base && got < oracle.base + MODEL_HEAP_LIMIT;

	if (out->bad_pointer || !want || !got)
		return out->rule;
	if (want_heap != got_heap)
		return out->threshold ? out->threshold : out->rule;
	if (out->moved_from != SIZE_MAX && got == oracle.base + out->moved_from + MODEL_HEADER)
		return out->rule;
	return out->placement ? out->placement : out->rule;
}

static bool check_result(const struct model_outcome *out, const void *got)
{
	const char *want = expected_pointer(out);
	char want_name[48], got_name[48], why[128];

	if (got == want)
		return true;
	placement_reason(out, why, sizeof(why));
	return deviation(result_rule(out, want, got), true, "expected %s%s, got %s",
			 pointer_name(want, want_name, sizeof(want_name)), why,
			 pointer_name(got, got_name, sizeof(got_name)));
}

/* size and status at ptr - 32 of every live mapped block (status 2, the aligned size). */
static bool check_mapped_headers(void)
{
	char name[48];

	for (size_t i = 0; i < oracle.map_count; i++) {
		const char *header = oracle.maps[i].header;
		size_t size = oracle.map_size[oracle.maps[i].id];
		struct header_view h;

		read_header(header, &h);
		if (h.size != size || h.status != MODEL_MAPPED)
			return deviation(RULE_HEADER, false,
					 "mapped block %s: expected size %zu, status 2, got size %zu, status %d",
					 pointer_name(header + MODEL_HEADER, name, sizeof(name)), size,
					 h.size, h.status);
	}
	return true;
}

/* ---- the heap walk ---- */

/* Mapped blocks may be linked into the heap list: the walk steps over them. */
static char *skip_mapped(char *link, bool forward)
{
	struct header_view h;

	for (size_t steps = 0; link && !in_heap_reservation(link) && live_mapping_at(link) &&
			       steps <= oracle.map_count;
	     steps++) {
		read_header(link, &h);
		link = forward ? h.next : h.prev;
	}
	return link;
}

struct walk {
	size_t broken_at; /* the index where a link went wrong, SIZE_MAX: none */
	char why[160];
};

/* Follows next links from `start`, checking each prev link, into oracle.seen; bounded by `limit`
 * blocks, and a link is followed only to an aligned header below the break. */
static void walk_heap(char *start, size_t brk, size_t limit, struct walk *w)
{
	char *prev = NULL, name[48], other[48];

	oracle.seen_count = 0;
	w->broken_at = SIZE_MAX;
	for (char *at = start; at; ) {
		struct header_view h;

		if (oracle.seen_count == limit) {
			snprintf(w->why, sizeof(w->why), "the list goes on past %zu blocks", limit);
			break;
		}
		if (!readable_heap_header(at, brk)) {
			snprintf(w->why, sizeof(w->why), "a next link to %p, %s", (void *)at,
				 (uintptr_t)at % 8 ? "misaligned" : "outside the heap");
			break;
		}
		read_header(at, &h);
		if (skip_mapped(h.prev, false) != prev && w->broken_at == SIZE_MAX) {
			w->broken_at = oracle.seen_count;
			snprintf(w->why, sizeof(w->why), "block %s has prev %s, expected %s",
				 pointer_name(at + MODEL_HEADER, name, sizeof(name)),
				 h.prev ? pointer_name(h.prev + MODEL_HEADER, other, sizeof(other)) : "NULL",
				 prev ? pointer_name(prev + MODEL_HEADER, (char[48]){ 0 }, 48) : "NULL");
		}
		oracle.seen[oracle.seen_count++] =
			(struct model_block){ (size_t)(at - oracle.base), h.size, h.status };
		prev = at;
		at = skip_mapped(h.next, true);
	}
	if (w->broken_at == SIZE_MAX && w->why[0])
		w->broken_at = oracle.seen_count;
}

static const struct model_block *first_block(const struct model *m)
{
	for (size_t i = 0; i < m->block_count; i++) {
		if (m->blocks[i].status != MODEL_GAP)
			return &m->blocks[i];
	}
	return NULL;
}

/* The model's heap blocks without gaps, into `out` (of MODEL_MAX_BLOCKS). */
static size_t model_blocks(const struct model *m, const struct model_block **out)
{
	size_t count = 0;

	for (size_t i = 0; i < m->block_count; i++) {
		if (m->blocks[i].status != MODEL_GAP)
			out[count++] = &m->blocks[i];
	}
	return count;
}

static bool same_block(const struct model_block *a, const struct model_block *b)
{
	return a->offset == b->offset && a->size == b->size && a->status == b->status;
}

/* Which rule a difference at block j of the heap list breaks. */
static const char *list_rule(const struct model_outcome *out, const struct model_block **want,
			     size_t want_count, size_t j)
{
	const struct model_block *seen = oracle.seen;
	bool both = j < want_count && j < oracle.seen_count;
	bool result_here = out->result.where == MODEL_HEAP;

	if (j < oracle.seen_count && seen[j].status != MODEL_FREE && seen[j].status != MODEL_ALLOC)
		return RULE_HEADER;
	if (out->rule == RULE_FREE_MARKS && oracle.seen_count < want_count)
		return RULE_COALESCE_ONLY;
	if (both && result_here && seen[j].offset == out->result.at && seen[j].size != want[j]->size)
		return RULE_SPLIT;
	if (j > 0 && result_here && want[j - 1]->offset == out->result.at && j < want_count &&
	    (j >= oracle.seen_count || seen[j].status == MODEL_FREE || seen[j].offset != want[j]->offset))
		return RULE_SPLIT;
	if (both && out->placement && seen[j].status == MODEL_FREE && j + 1 < oracle.seen_count &&
	    seen[j + 1].status == MODEL_FREE && seen[j].size < want[j]->size)
		return RULE_COALESCE;
	return out->rule;
}

static int block_name(const struct model_block *b, char *buf, size_t size)
{
	return snprintf(buf, size, "heap+0x%zx (%zu bytes, %s)", b->offset + MODEL_HEADER, b->size,
			status_name(b->status));
}

static bool check_heap(const struct model_outcome *out)
{
	static const struct model_block *want[MODEL_MAX_BLOCKS];
	size_t want_count = model_blocks(&oracle.model, want);
	char want_name[96], got_name[96];
	struct walk w = { .why = "" };

	if (!want_count)
		return true;
	walk_heap(oracle.base + want[0]->offset, current_break(), want_count + 1, &w);
	for (size_t j = 0; j <= want_count; j++) {
		bool have_want = j < want_count, have_seen = j < oracle.seen_count;

		if (w.broken_at == j)
			return deviation(RULE_LIST, false, "%s", w.why);
		if (!have_want && !have_seen)
			return true;
		if (have_want && have_seen && same_block(want[j], &oracle.seen[j]))
			continue;
		if (have_want)
			block_name(want[j], want_name, sizeof(want_name));
		if (have_seen)
			block_name(&oracle.seen[j], got_name, sizeof(got_name));
		return deviation(list_rule(out, want, want_count, j), false,
				 "heap block %zu: expected %s, got %s", j,
				 have_want ? want_name : "the end of the list",
				 have_seen ? got_name : "the end of the list");
	}
	return true;
}

/* ---- going on after a skipped rule ---- */

/* The model takes the heap the allocator's headers show, the break and the mappings the OS
 * holds, and what is left of the OS's refusal plan (a deviating call may have made more or fewer
 * requests than the model, and the plan counts the allocator's). A heap that cannot be walked
 * turns the model off for the rest of the input. */
static void adopt_observed(void)
{
	const struct model_block *first = first_block(&oracle.model);
	size_t brk = current_break();
	struct walk w = { .why = "" };

	oracle.deviated = false;
	osmem_emu_refusal_plan(&oracle.model.skip, &oracle.model.refuse);
	oracle.model.map_count = 0;
	oracle.model.mapped_bytes = 0;
	for (size_t i = 0; i < oracle.map_count; i++) {
		struct header_view h;

		read_header(oracle.maps[i].header, &h);
		model_adopt_mapping(&oracle.model, oracle.maps[i].id, h.size);
		oracle.map_size[oracle.maps[i].id] = h.size;
	}
	if (brk < MODEL_HEADER) {
		model_adopt_heap(&oracle.model, NULL, 0, brk);
		return;
	}
	walk_heap(oracle.base + (first ? first->offset : 0), brk, MODEL_MAX_BLOCKS / 2, &w);
	if (w.broken_at != SIZE_MAX && strncmp(w.why, "block", 5)) {
		oracle.synced = false;
		return;
	}
	model_adopt_heap(&oracle.model, oracle.seen, oracle.seen_count, brk);
}

static void judge_headers(const struct model_outcome *out)
{
	if (check_heap(out))
		check_mapped_headers();
}

/* `defer_headers`: the headers are read at model_oracle_settle() (one was corrupted for the call). */
static void judge(const struct model_outcome *out, const void *got, bool defer_headers)
{
	follow_mappings(out);
	if (check_calls(out) && check_result(out, got)) {
		if (defer_headers)
			oracle.pending = *out, oracle.has_pending = true;
		else
			judge_headers(out);
	}
	if (oracle.deviated)
		adopt_observed();
}

void model_oracle_settle(void)
{
	if (!oracle.has_pending || !model_oracle_enabled())
		return;
	oracle.has_pending = false;
	judge_headers(&oracle.pending);
	if (oracle.deviated)
		adopt_observed();
}

/* A pointer as the model names blocks: a heap header offset or a live mapping's id. */
static struct model_ref ref_of(const void *ptr)
{
	const char *header;
	const struct live_mapping *map;

	if (!ptr)
		return (struct model_ref){ MODEL_NOWHERE, 0 };
	header = header_of(ptr);
	map = live_mapping_at(header);
	if (map)
		return (struct model_ref){ MODEL_MAPPING, map->id };
	if (header >= oracle.base && header < oracle.base + MODEL_HEAP_LIMIT)
		return (struct model_ref){ MODEL_HEAP, (size_t)(header - oracle.base) };
	return (struct model_ref){ MODEL_MAPPING, UINT32_MAX }; /* names nothing: a bad pointer */
}

static void start_call(bool implicit, const void *freed)
{
	oracle.implicit = implicit;
	oracle.freed = freed;
	read_calls();
}

/* A pointer the allocator must ignore names nothing, as far as the model goes. */
static const struct model_ref nothing = { MODEL_MAPPING, UINT32_MAX };

/* What the model predicts for `call` (it moves the model on). */
static void predict(const struct oracle_call *call, struct model_outcome *out)
{
	switch (call->kind) {
	case ORACLE_MALLOC:
		model_malloc(&oracle.model, call->size, out);
		break;
	case ORACLE_CALLOC:
		model_calloc(&oracle.model, call->nmemb, call->size, out);
		break;
	case ORACLE_FREE:
		model_free(&oracle.model, call->ignored ? nothing : ref_of(call->ptr), out);
		break;
	default:
		model_realloc(&oracle.model, call->ignored ? nothing : ref_of(call->ptr), call->size,
			      out);
		break;
	}
}

/* The contract's situations as fuzzer coverage (fuzz/guidance/contract_features.c), when the
 * fuzzer links them (tools/fuzz-own-allocator's does). */
void contract_features_note(const struct model_outcome *out) __attribute__((weak));

void model_oracle_end(const void *got)
{
	struct model_outcome out;

	if (!model_oracle_enabled())
		return;
	oracle.in_call = false;
	start_call(oracle.call.kind == ORACLE_FREE && oracle.call.implicit, oracle.call.ptr);
	predict(&oracle.call, &out);
	if (contract_features_note)
		contract_features_note(&out);
	judge(&out, got, oracle.call.ignored);
}

void model_oracle_judge_crash(void)
{
	struct model_outcome out;
	char want[400], got[400];
	size_t i = 0;

	if (!oracle.in_call || !model_oracle_enabled())
		return;
	oracle.in_call = false;
	start_call(oracle.call.kind == ORACLE_FREE && oracle.call.implicit, oracle.call.ptr);
	predict(&oracle.call, &out);
	while (i < oracle.call_count && i < out.call_count && same_call(&out.calls[i], &oracle.calls[i]))
		i++;
	if (i == oracle.call_count)
		return; /* so far as predicted: the crash says it all */
	list_calls(&out, true, want, sizeof(want));
	list_calls(&out, false, got, sizeof(got));
	oracle.crashing = true;
	deviation(calls_rule(&out, i), true, "expected %s, got %s, then a crash inside the call", want,
		  got);
	oracle.crashing = false;
}

/* The sanitizer runtimes call these when they have found an error, before they print their report
 * (<sanitizer/asan_interface.h>; UBSan's monitor hook, ubsan_monitor.h). Every fuzz build stops on
 * the first UBSan report (-fno-sanitize-recover=all), so a call is judged at most once. */
void __asan_on_error(void);
void __asan_on_error(void)
{
	model_oracle_judge_crash();
}

void __ubsan_on_report(void);
void __ubsan_on_report(void)
{
	model_oracle_judge_crash();
}

MODEL_UNCHECKED_END
