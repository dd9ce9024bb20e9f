#!/bin/bash
# Oracle self-test: each injected bug (target_buggy.c) must stop the harness with the rule that
# catches it; with no bug, every seed passes.
# usage: oracle_test.sh REPLAY_BINARY CORPUS_DIR INPUTS_DIR
set -uo pipefail
replay=$1 corpus=$2 inputs=$3
passed=0 failed=0

# bug | seed | text the failure line must contain (blackbox_*: the target without heap checker,
# stats or contract, as a foreign allocator would be). These run with the contract model off
# (OSMEM_FUZZ_TEST_NO_MODEL): it would judge most of them first; model_cases below run with it.
cases=(
	"calloc_dirty|calloc_threshold|[calloc zero] slot 0"
	"overlap|best_fit|[no overlap] block"
	"misaligned|malloc_free|[alignment] returned"
	"realloc_loses_byte|realloc_moves|[realloc keeps bytes] slot 0"
	"leak_mapped|mmap_threshold|end (leaks): [leak at end] 1 mappings still live"
	"scribble|best_fit|[payload integrity] slot"
	"impossible_not_null|impossible_sizes|[impossible size gives NULL] returned"
	"double_free|malloc_free|[no fault for a good pointer] allocator reported a fault: osmem: double free"
	"bad_status|malloc_free|[heap check] heap block"
	"blackbox_bloat|churn_1|[heap bound] heap of"
	"realloc0_not_null|realloc_zero|[realloc(p, 0) gives NULL] realloc("
)

# The contract model (fuzz/oracle/model_oracle.c): bug | seed | the rule in brackets, then text.
model_cases=(
	"malloc0_not_null|null_cases|[malloc(0), calloc(0,n), calloc(n,0), realloc(NULL,0): NULL, no syscall] expected no system call, got sbrk(131072) (seen by a tracing grader)"
	"spurious_null|malloc_free|[preallocation: one sbrk(131072), one free block of 131040, then split] expected sbrk(131072), got no system call"
	"leak_mapped|mmap_threshold|[free of a mapped block: munmap(header, 32 + ALIGN(size))] expected munmap(mapping#0, 131072), got no system call"
	"wrong_source|malloc_free|[malloc threshold 32 + ALIGN(n) < 131072] expected sbrk(131072), got mmap(131072)"
	"impossible_not_null|impossible_sizes|[impossible sizes: NULL, nothing changes] expected NULL, got heap+0x20"
	"bad_status|malloc_free|[header at ptr - 32] heap block 0: expected heap+0x20 (104 bytes, free), got heap+0x20 (104 bytes, bad status) (headers only)"
	"realloc0_not_null|realloc_zero|[realloc rule 1: NULL is malloc, size 0 frees] expected NULL, got heap+0x20"
	"prealloc_shifted|malloc_free|[preallocation: one sbrk(131072), one free block of 131040, then split] expected sbrk(131072), got sbrk(8), sbrk(131072)"
	"leak_heap|malloc_free|[preallocation: one sbrk(131072), one free block of 131040, then split] heap block 1: expected heap+0xa8 (130904 bytes, free), got heap+0xa8 (16 bytes, allocated) (headers only)"
	"hidden_block|malloc_free|[preallocation: one sbrk(131072), one free block of 131040, then split] expected heap+0x20 (the start of the preallocated heap), got heap+0x50 (seen by a tracing grader)"
	"overlap|best_fit|[best fit, tie to the lowest address] expected heap+0x130 (the smallest free run that fits: 130768 bytes), got heap+0x108"
	"free_merges|malloc_free|[coalescing only before the search] heap block 0: expected heap+0x20 (104 bytes, free), got heap+0x20 (131040 bytes, free) (headers only)"
	"stale_prev|malloc_free|[heap list: one doubly linked list in address order] block heap+0xa8 has prev heap+0xa8, expected heap+0x20 (headers only)"
)

# OSMEM_FUZZ_SKIP_RULES: past a skipped rule the model adopts the allocator's heap and goes on, so
# the next distinct broken rule is reported (here osmem's own heap checker sees the stale link).
skip_cases=(
	"stale_prev|malloc_free|heap list: one doubly linked list in address order|[heap check] list links disagree"
	"leak_mapped|mmap_threshold|free of a mapped block: munmap(header, 32 + ALIGN(size))|end (leaks): [leak at end] 1 mappings still live"
)

# Inputs of their own (INPUTS_DIR/NAME.bin, encoded at build time from fuzz/testing/inputs/NAME.trace
# by `optrace encode`): bug | name | text. check_after_check: a check right after a check is skipped (nothing changed between them),
# never one after a call: the op that reports the scribbled byte is the last check, not the end.
input_cases=(
	"scribble|check_after_check|op 5 check(): [payload integrity] slot 1"
)

expect_caught() {
	local bug=$1 input=$2 want=$3 model=$4 out shown=${2##*/}
	if [[ $model == on ]]; then
		out=$(OSMEM_FUZZ_TEST_BUG=$bug "$replay" "$input" 2>&1)
	elif [[ $model == skip:* ]]; then
		out=$(OSMEM_FUZZ_SKIP_RULES=${model#skip:} OSMEM_FUZZ_TEST_BUG=$bug "$replay" "$input" 2>&1)
	else
		out=$(OSMEM_FUZZ_TEST_NO_MODEL=1 OSMEM_FUZZ_TEST_BUG=$bug "$replay" "$input" 2>&1)
	fi
	if [[ $? -ne 0 ]] && grep -qF -- "$want" <<<"$(grep '^osmem-fuzz: ' <<<"$out")"; then
		echo "PASS $bug caught on $shown: $(grep -m1 '^osmem-fuzz:' <<<"$out")"
		passed=$((passed + 1))
	else
		echo "FAIL $bug on $shown: wanted a failure containing '$want', got:"
		echo "$out" | tail -5
		failed=$((failed + 1))
	fi
}

for c in "${cases[@]}"; do
	IFS='|' read -r bug seed want <<<"$c"
	expect_caught "$bug" "$corpus/$seed" "$want" off
done
for c in "${model_cases[@]}"; do
	IFS='|' read -r bug seed want <<<"$c"
	expect_caught "$bug" "$corpus/$seed" "$want" on
done
for c in "${skip_cases[@]}"; do
	IFS='|' read -r bug seed skip want <<<"$c"
	expect_caught "$bug" "$corpus/$seed" "$want" "skip:$skip"
done
for c in "${input_cases[@]}"; do
	IFS='|' read -r bug name want <<<"$c"
	expect_caught "$bug" "$inputs/$name.bin" "$want" off
	expect_caught "$bug" "$inputs/$name.bin" "$want" on
done

if out=$("$replay" "$corpus" 2>&1); then
	echo "PASS no bug: $(tail -1 <<<"$out")"
	passed=$((passed + 1))
else
	echo "FAIL no bug: the clean target failed:"
	echo "$out" | tail -5
	failed=$((failed + 1))
fi
echo "oracle self-test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
