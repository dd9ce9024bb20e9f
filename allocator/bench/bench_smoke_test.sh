#!/usr/bin/env bash
# The bench still builds, runs and prints figures for both allocators; bad flags get clear errors.
# (Not a speed test: no figure is compared with anything.)
set -uo pipefail

bench="${TEST_SRCDIR:-.}/osmem/allocator/bench/bench"
out="${TEST_TMPDIR:-/tmp}/bench.out"
err="${TEST_TMPDIR:-/tmp}/bench.err"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# usage: expect_status STATUS ARGS... ; runs the bench, output in $out and $err.
expect_status() {
  local want=$1 got
  shift
  "$bench" "$@" >"$out" 2>"$err"
  got=$?
  [ "$got" -eq "$want" ] || fail "bench $* exited $got, want $want; stderr: $(cat "$err")"
}

expect_line() {
  grep -Eq -e "$1" "$2" || { fail "no line matching '$1' in:"; cat "$2"; }
}

number='[0-9]+(\.[0-9]+)?'
row() { # live fill mix: a full row, every cell a number for both allocators and their ratio
  local group="+$number +$number +${number}x"
  echo "^ +$1 +$1 +$2 +$number \| $group \| $group \| $group$"
}

expect_status 0 --quick
expect_line "$(row 100 2000)" "$out"
expect_line "$(row 1000 1000)" "$out"
expect_line '^bench: 2 levels in' "$out"
grep -q FAILED "$out" && fail "a replay failed: $(grep FAILED "$out")"
expect_line '1000 live blocks: osmem footprint' "$err"

expect_status 0 --level=300:500 --seed=7
expect_line "$(row 300 500)" "$out"
expect_line 'seed 7' "$out"
# The split table: user, system and faults per op for both allocators, both phases.
split=" +$number +$number +$number \\|"
expect_line "^ +300 \\|$split$split$split$split$" "$out"

# --rounds: each allocator timed that many times, alternated; the ratios' range below the table.
expect_status 0 --level=300:500 --rounds=2
expect_line "$(row 300 500)" "$out"
expect_line "^ratios over the 2 rounds, lowest-highest:$" "$out"
expect_line "^ +300  fill ${number}x-${number}x  mix ${number}x-${number}x$" "$out"
[ "$(grep -c 'timing, round' "$err")" -eq 4 ] || fail "--rounds=2 did not time each allocator twice: $(cat "$err")"
expect_status 2 --rounds=0
expect_line '--rounds must be 1 to 15' "$err"

# --only: one allocator's timing runs, dashes for the other, no footprint runs.
expect_status 0 --only=osmem --level=300:500
expect_line "^ +300 +300 +500 +$number \\| +$number +- +- \\| +$number +- +- \\|" "$out"
grep -q 'glibc timing' "$err" && fail "--only=osmem ran glibc: $(cat "$err")"
grep -q 'footprint' "$err" && fail "--only=osmem ran a footprint run: $(cat "$err")"
expect_status 2 --only=jemalloc
expect_line "--only wants osmem or glibc, got 'jemalloc'" "$err"

expect_status 2 --bogus
expect_line "unknown argument '--bogus'" "$err"
expect_line '^usage: bench' "$err"
expect_status 2 --level=5
expect_line 'LIVE:MIX_OPS' "$err"
expect_status 2 --level=1:10
expect_line 'out of range' "$err"
expect_status 2 --seed=12x
expect_line "--seed wants a decimal number, got '12x'" "$err"
expect_status 2 --budget=0
expect_line 'at least 1 second' "$err"

if [ "$failures" -ne 0 ]; then
  echo "bench_smoke_test: $failures check(s) failed"
  exit 1
fi
echo "bench_smoke_test: all checks passed"
