#!/usr/bin/env bash
# tools/fuzz-own-allocator on the zoo, in contract mode: the reference (a correct course-style
# implementation) replays the seed corpus clean, and each variant listed below fails on its input
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
out=$(fuzz_own "$TEST_TMPDIR/reference" --replay "$root/corpus/osmem_fuzz")
if grep -q 'PASS: [1-9][0-9]* inputs replayed' <<<"$out"; then
	echo "ok: the reference replays the seed corpus clean"
else
	fail "the reference on the seed corpus:"
	tail -n 5 <<<"$out"
fi

for name in 02-best-fit-tie-last 04-mmap-threshold-payload 15-coalesce-stale-prev \
	35-realloc-extends-merged-last 43-refused-growth-changes-heap; do
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

((failures == 0)) && echo "all checks passed"
exit $((failures != 0))
