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

# 31 unmaps before it copies out of the block: the crash (ASan's report) comes with the oracle's
# line naming the rule, judged from the system calls made before it (model_oracle_judge_crash).
for name in 02-best-fit-tie-last 04-mmap-threshold-payload 15-coalesce-stale-prev \
	31-realloc-mapped-munmap-first 35-realloc-extends-merged-last 43-refused-growth-changes-heap; do
	patch=$zoo/variants/$name.patch
	rule=$(sed -n "s/^zoo-oracle: //p" "$patch")
	copy "$name" "$patch" || { fail "$name: the patch does not apply"; continue; }
	out=$(fuzz_own "$TEST_TMPDIR/$name" --replay "$zoo/inputs/$name")
	line=$(grep -m1 'FAILED: osmem-fuzz:' <<<"$out")
	if [[ $line == *"[$rule]"* ]]; then
		echo "ok: $name: $line"
	else
		fail "$name: expected a failure naming [$rule], got:"
		tail -n 5 <<<"$out"
	fi
done

# Realloc rule 2 and bad pointers need a freed or never-given pointer, which only the misuse format
# hands the allocator: the tool's misuse phase (after 5/6 of --time) replays the misuse seeds
# whatever time is left, so a 4-second run finds 39 from a seed, and says how to replay it.
name=39-free-trusts-header
patch=$zoo/variants/$name.patch
rule=$(sed -n "s/^zoo-oracle: //p" "$patch")
copy "$name-fuzz" "$patch" || fail "$name: the patch does not apply"
out=$(fuzz_own "$TEST_TMPDIR/$name-fuzz" --time 4 --minimize-seconds 0)
if grep -q "FOUND after [0-9]*s: osmem-fuzz: .*\[$rule\]" <<<"$out" &&
	grep -q "replay: .* --format misuse" <<<"$out"; then
	echo "ok: $name found by the tool's misuse phase: $(grep -m1 'FOUND after' <<<"$out")"
else
	fail "$name: a 4-second run did not find [$rule] in its misuse phase:"
	tail -n 15 <<<"$out"
fi
name=28-realloc-free-block-returns-ptr
patch=$zoo/variants/$name.patch
rule=$(sed -n "s/^zoo-oracle: //p" "$patch")
copy "$name" "$patch" || fail "$name: the patch does not apply"
out=$(fuzz_own "$TEST_TMPDIR/$name" --replay "$root/corpus/osmem_misuse_fuzz" --format misuse)
line=$(grep -m1 'FAILED: osmem-fuzz:' <<<"$out")
if [[ $line == *"[$rule]"* ]]; then
	echo "ok: $name: $line"
else
	fail "$name: expected the misuse seeds to fail naming [$rule], got:"
	tail -n 5 <<<"$out"
fi

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
