#!/usr/bin/env bash
# tools/fuzz-own-allocator on the zoo, in contract mode: the reference (a correct course-style
# implementation) replays both seed corpora clean, and each variant listed below fails on its input
# (fuzz/own/zoo/inputs/, encoded from the variant's own script) with the oracle naming the rule the
# variant breaks (its patch's zoo-rule line). The bench (bench.sh) fuzzes every variant; this test
# keeps a few of the hardest for the old oracle from coming back.
set -uo pipefail

root=$PWD
zoo=$root/fuzz/own/zoo
tool=$root/fuzz/own/fuzz_own_allocator.sh
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

fuzz_own() {
	"$tool" "$1" --harness-manifest "$root/fuzz/own/own_harness.manifest" --harness-root "$root" \
		--work "$TEST_TMPDIR/work-$(basename "$1")" "${@:2}" 2>&1
}

# copy NAME [PATCH]: the reference, with PATCH applied, in $TEST_TMPDIR/NAME.
copy() {
	mkdir -p "$TEST_TMPDIR/$1"
	cp "$zoo"/reference/*.[ch] "$TEST_TMPDIR/$1/"
	[[ -z ${2:-} ]] || (cd "$TEST_TMPDIR/$1" && patch -s -p1 <"$2")
}

copy reference
for format in 1 misuse; do
	seeds=$root/corpus/osmem_fuzz
	[[ $format == 1 ]] || seeds=$root/corpus/osmem_misuse_fuzz
	out=$(fuzz_own "$TEST_TMPDIR/reference" --replay "$seeds" --format "$format")
	if grep -q 'PASS: [1-9][0-9]* inputs replayed' <<<"$out"; then
		echo "ok: the reference replays the format-$format seeds clean"
	else
		fail "the reference on the format-$format seeds:"
		tail -n 5 <<<"$out"
	fi
done

rule_of_variant() { sed -n "s/^zoo-oracle: //p" "$zoo/variants/$1.patch"; }

# expect_rule_of NAME COPY REPLAY-ARGS...: the copy COPY of variant NAME, replaying, fails first on
# the variant's rule.
expect_rule_of() {
	local name=$1 copy=$2 rule line out
	rule=$(rule_of_variant "$name")
	out=$(fuzz_own "$TEST_TMPDIR/$copy" --replay "${@:3}")
	line=$(grep -m1 'FAILED: osmem-fuzz:' <<<"$out")
	if [[ $line == *"[$rule]"* ]]; then
		echo "ok: $copy: $line"
	else
		fail "$copy: expected a failure naming [$rule], got:"
		tail -n 5 <<<"$out"
	fi
}

# expect_rule NAME REPLAY-ARGS...: the variant NAME, replaying, fails first on its patch's rule.
expect_rule() {
	copy "$1" "$zoo/variants/$1.patch" || { fail "$1: the patch does not apply"; return; }
	expect_rule_of "$1" "$1" "${@:2}"
}

# 31 unmaps before it copies out of the block: the crash (ASan's report) comes with the oracle's
# line naming the rule, judged from the system calls made before it (model_oracle_judge_crash).
for name in 02-best-fit-tie-last 04-mmap-threshold-payload 15-coalesce-stale-prev \
	31-realloc-mapped-munmap-first 35-realloc-extends-merged-last 43-refused-growth-changes-heap; do
	expect_rule "$name" "$zoo/inputs/$name"
done

# The same for a UBSan report (__ubsan_on_report): 31 with a signed overflow right after its early
# munmap names the rule, not only UBSan's line.
name=31-realloc-mapped-munmap-first
copy "$name-ubsan" "$zoo/variants/$name.patch" || fail "$name: the patch does not apply"
sed -i 's/^\t\tunmap_block(block);$/&\n\t\tvolatile int wraps = __INT_MAX__;\n\t\twraps += (int)(old_size != 0);/' \
	"$TEST_TMPDIR/$name-ubsan/osmem.c"
if grep -q 'wraps += ' "$TEST_TMPDIR/$name-ubsan/osmem.c"; then
	expect_rule_of "$name" "$name-ubsan" "$zoo/inputs/$name"
else
	fail "$name-ubsan: the signed overflow was not planted"
fi

# Realloc rule 2 and bad pointers need a freed or never-given pointer, which only the misuse format
# hands the allocator: the tool's misuse phase (after 5/6 of --time) replays the misuse seeds
# whatever time is left, so a 4-second run finds 39 from a seed, and says how to replay it.
name=39-free-trusts-header
rule=$(rule_of_variant "$name")
copy "$name-fuzz" "$zoo/variants/$name.patch" || fail "$name: the patch does not apply"
out=$(fuzz_own "$TEST_TMPDIR/$name-fuzz" --time 4 --minimize-seconds 0)
if grep -q "FOUND after [0-9]*s: osmem-fuzz: .*\[$rule\]" <<<"$out" &&
	grep -q "replay: .* --format misuse" <<<"$out"; then
	echo "ok: $name found by the tool's misuse phase: $(grep -m1 'FOUND after' <<<"$out")"
else
	fail "$name: a 4-second run did not find [$rule] in its misuse phase:"
	tail -n 15 <<<"$out"
fi
expect_rule 28-realloc-free-block-returns-ptr "$root/corpus/osmem_misuse_fuzz" --format misuse

# Skip mode adopts what is left of the OS's refusal plan: 03 (a best-fit search that skips exact
# fits) with that rule skipped makes other requests than the model, and this input's refuse(skip 6,
# count 6) then refused another call than the model predicted (a false alarm under "mmap length").
name=03-best-fit-skips-exact
copy "$name" "$zoo/variants/$name.patch" || fail "$name: the patch does not apply"
out=$(fuzz_own "$TEST_TMPDIR/$name" --replay "$zoo/inputs/03-skipped-best-fit-refusal-plan" \
	--skip-rules 'best fit, tie to the lowest address')
if grep -q 'PASS: 1 inputs replayed' <<<"$out"; then
	echo "ok: $name with best fit skipped: no false alarm after a refusal plan"
else
	fail "$name with best fit skipped, on a refusal plan:"
	tail -n 5 <<<"$out"
fi

((failures == 0)) && echo "all checks passed"
exit $((failures != 0))
