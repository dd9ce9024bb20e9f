#!/usr/bin/env bash
# tools/bench-fuzz, one quick run with prebuilt in-process fuzzers (--prebuilt): it runs each of
# them, fuzzing, replaying one input set and two at once on the same work, reads libFuzzer's
# statistics and prints the table (exec/s, ratios, floor), the scaling and the command of every
# figure; a missing binary or another command with --prebuilt is a one-line error.
# usage: bench_fuzz_smoke_test.sh BENCH_FUZZ OSMEM_FUZZER FLOOR_FUZZER
set -uo pipefail
[ $# -eq 3 ] || { echo "usage: bench_fuzz_smoke_test.sh BENCH_FUZZ OSMEM_FUZZER FLOOR_FUZZER" >&2; exit 2; }
bench=$1 osmem=$(realpath "$2") floor=$(realpath "$3")
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$tmp/bins"
ln -sf "$osmem" "$tmp/bins/baseline"
ln -sf "$osmem" "$tmp/bins/now"
ln -sf "$floor" "$tmp/bins/floor"
"$bench" --prebuilt "$tmp/bins" --time 2s >"$tmp/log" 2>&1
status=$?
cat "$tmp/log"
[ "$status" -eq 0 ] || fail "exit $status, wanted 0"
row=$(grep -E '^libFuzzer in-process on osmem_fuzz ' "$tmp/log")
[[ $row =~ [0-9,]+/s\ +[0-9,]+/s\ +[0-9.]+x\ +[0-9.]+x ]] ||
	fail "no row with two rates and two ratios for the in-process command: '$row'"
row=$(grep -E '^same inputs in-process \(exec/CPU s\) ' "$tmp/log")
[[ $row =~ [0-9,]+/s\ +[0-9,]+/s\ +[0-9.]+x\ +-$ ]] ||
	fail "no row with two rates and a ratio for the replay command: '$row'"
grep -qE '^replay: [0-9]+ inputs in ' "$tmp/log" || fail "the replay's input set is not named"
grep -qE "^kernel's share of the replay's CPU time \(system calls, page faults\): baseline \(prebuilt\) [0-9]+%, now [0-9]+%$" "$tmp/log" ||
	fail "no kernel share of the replay for each tree"
grep -qE '^floor \(bump allocator.* [0-9,]+/s$' "$tmp/log" || fail "no floor rate"
grep -q "inprocess now: setarch -R $tmp/bins/now -max_total_time=1 -seed=S " "$tmp/log" || fail "the command of the figure is not printed"
[ "$(grep -cE '^\[in-process, seed [123]\] baseline [0-9,]+/s, now [0-9,]+/s, floor [0-9,]+/s, load ' "$tmp/log")" -eq 3 ] ||
	fail "no progress line with the three fuzzers' rates for each of the three seeds"
grep -qE '^  2 in-process fuzzers at once, same inputs: [0-9.]+x one process$' "$tmp/log" ||
	fail "no scaling figure"
grep -qE '^scaling: [0-9,]+ runs: alone [0-9.]+ s and [0-9.]+ s, two at once [0-9.]+ s and [0-9.]+ s \(the shortest of each counts\)$' "$tmp/log" ||
	fail "the scaling's runs and times are not printed"

# A machine that does not let a process turn randomisation off (a container's seccomp profile):
# a note says so, and the in-process figures are measured with it on.
mkdir -p "$tmp/no-personality"
printf '#!/bin/sh\necho "setarch: failed to set personality to x86_64: Operation not permitted" >&2\nexit 1\n' \
	>"$tmp/no-personality/setarch"
chmod +x "$tmp/no-personality/setarch"
PATH="$tmp/no-personality:$PATH" "$bench" --prebuilt "$tmp/bins" --time 2s --only inprocess >"$tmp/log" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "without setarch -R: exit $status, wanted 0"
grep -qx "note: setarch -R fails here (setarch: failed to set personality to x86_64: Operation not permitted): randomisation stays on, and each in-process and own figure moves with the inputs its run happens to make" "$tmp/log" ||
	fail "without setarch -R: no note"
grep -q "inprocess now: $tmp/bins/now -max_total_time=1 -seed=S " "$tmp/log" ||
	fail "without setarch -R: the in-process command is not run without it"

rm "$tmp/bins/floor"
"$bench" --prebuilt "$tmp/bins" >"$tmp/log" 2>&1
status=$?
[ "$status" -eq 2 ] && grep -qx "bench-fuzz: error: --prebuilt: no executable $tmp/bins/floor" "$tmp/log" ||
	fail "a missing prebuilt binary: exit $status, $(cat "$tmp/log")"
"$bench" --prebuilt "$tmp/bins" --only own >"$tmp/log" 2>&1
status=$?
[ "$status" -eq 2 ] && grep -qx "bench-fuzz: error: --prebuilt measures inprocess, replay, scaling only" "$tmp/log" ||
	fail "--prebuilt with --only own: exit $status, $(cat "$tmp/log")"

[ "$failures" -eq 0 ] && echo "PASS" || exit 1
