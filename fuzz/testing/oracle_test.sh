#!/bin/bash
# Oracle self-test: each injected bug (target_buggy.c) must stop the harness with the rule that
# catches it; with no bug, every seed passes. usage: oracle_test.sh REPLAY_BINARY CORPUS_DIR
set -uo pipefail
replay=$1 corpus=$2
passed=0 failed=0

# bug | seed | text the failure line must contain (blackbox_*: the target without heap checker,
# stats or contract, as a foreign allocator would be)
cases=(
	"calloc_dirty|calloc_threshold|is 0x55, not zero"
	"overlap|best_fit|overlaps live block"
	"misaligned|malloc_free|not 8-aligned"
	"malloc0_not_null|null_cases|where the contract says NULL"
	"spurious_null|malloc_free|returned NULL although the OS refused nothing"
	"realloc_loses_byte|realloc_moves|kept byte 0 changed"
	"leak_mapped|mmap_threshold|mappings still live"
	"scribble|best_fit|payload byte 0 changed"
	"wrong_source|malloc_free|from the mappings, but 32 + ALIGN(100) < 131072"
	"needless_sbrk|best_fit|heap grew (sbrk) although a free run"
	"impossible_not_null|impossible_sizes|size that cannot be represented"
	"double_free|malloc_free|allocator reported a fault: osmem: double free"
	"bad_status|malloc_free|heap check:"
	"blackbox_bloat|churn_1|peak of"
	"realloc0_not_null|realloc_zero|, 0) returned"
	"prealloc_shifted|malloc_free|first heap allocation moved the break by 131080, not 131072"
	"leak_heap|malloc_free|heap still holds 16 allocated bytes"
	"hidden_block|malloc_free|but the contract places it at"
)

expect_caught() {
	local bug=$1 seed=$2 want=$3 out
	out=$(OSMEM_FUZZ_TEST_BUG=$bug "$replay" "$corpus/$seed" 2>&1)
	if [[ $? -ne 0 ]] && grep -q "^osmem-fuzz: .*$want" <<<"$out"; then
		echo "PASS $bug caught on $seed: $(grep -m1 '^osmem-fuzz:' <<<"$out")"
		passed=$((passed + 1))
	else
		echo "FAIL $bug on $seed: wanted a failure containing '$want', got:"
		echo "$out" | tail -5
		failed=$((failed + 1))
	fi
}

for c in "${cases[@]}"; do
	IFS='|' read -r bug seed want <<<"$c"
	expect_caught "$bug" "$seed" "$want"
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
