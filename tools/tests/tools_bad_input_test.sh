#!/usr/bin/env bash
# The python tools refuse bad flags and bad paths before building or running anything.
set -uo pipefail
tools=$(dirname "$1")
tmp=${TEST_TMPDIR:-$(mktemp -d)}
mkdir -p "$tmp/emptydir"; : > "$tmp/empty"
failures=0
expect() { # expect MESSAGE_PART CMD...: non-zero exit and MESSAGE_PART on stderr
  local want=$1; shift
  local err status
  err=$("$@" 2>&1 >/dev/null); status=$?
  if [ "$status" -eq 0 ] || [[ "$err" != *"$want"* ]]; then
    echo "FAIL: '$*' gave status $status and '$err' (wanted non-zero and '$want')"
    failures=$((failures + 1))
  fi
}
expect "unknown engine 'honggfuzz'" "$tools/fuzz" --engine honggfuzz
expect "bad duration '5 minutes'" "$tools/fuzz" --time "5 minutes"
expect "--jobs must be a whole number from 1 to $(nproc) (the cores of this machine), not '0'" "$tools/fuzz" --jobs 0
expect "--jobs must be a whole number from 1 to" "$tools/fuzz" --jobs two
expect "--jobs must be a whole number from 1 to" "$tools/fuzz" --jobs -1
expect "not '100000'" "$tools/fuzz" --jobs 100000
expect "unrecognized arguments: --turbo" "$tools/fuzz" --turbo
expect "bad campaign name" "$tools/fuzz" --campaign ../x --fuzzer osmem_fuzz --no-setup
expect "does not exist" "$tools/minimize" "$tmp/missing"
expect "has no non-empty input file" "$tools/minimize" "$tmp/emptydir" --out "$tmp/o"
expect "unknown engine 'aflplusplus'" "$tools/minimize" "$tmp/emptydir" --engine aflplusplus
expect "does not exist" "$tools/reproduce" "$tmp/missing"
expect "is empty" "$tools/reproduce" "$tmp/empty"
expect "is not a regular file" "$tools/reproduce" "$tmp/emptydir"
expect "give either FILE or --encode" "$tools/reproduce"
expect "does not exist" "$tools/coverage" --corpus "$tmp/missing" --fuzzer osmem_fuzz
expect "--reps must be at least 1" "$tools/bench-dropin" --reps 0
expect "no such library: $tmp/missing" "$tools/bench-dropin" --lib "$tmp/missing"
expect "unknown workload 'perl'" "$tools/bench-dropin" --lib "$tmp/empty" --only perl
expect "unknown command 'aflpp' in --only" "$tools/bench-fuzz" --only inprocess,aflpp
expect "bad duration '20 s'" "$tools/bench-fuzz" --time "20 s"
expect "--time must be a finite duration" "$tools/bench-fuzz" --time forever
# Planted bugs: only the numbers allocator/planted/ has patches for; a campaign keeps its build.
expect "no planted bug 99 (allocator/planted/ has 1 2 3" "$tools/fuzz" --planted 99 --no-setup
expect "--planted wants a bug number, not 'x'" "$tools/fuzz" --planted x
expect "no planted bug 0 (" "$tools/reproduce" "$tmp/empty" --planted 0
expect "no planted bug 16 (" "$tools/minimize" "$tmp/emptydir" --planted 16
expect "--add-regression with --planted" "$tools/reproduce" "$tmp/empty" --planted 13 --add-regression
out=$tmp/out/campaigns
mkdir -p "$out/split" "$out/real" "$out/torn" "$out/misuse"
echo '{"seconds": 60, "execs": 5000, "runs": 1, "fuzzer": "osmem_misuse_fuzz"}' > "$out/misuse/state.json"
echo '{"seconds": 60, "execs": 5000, "runs": 1, "planted": 13}' > "$out/split/state.json"
echo '{"seconds": 60, "execs": 5000, "runs": 1}' > "$out/real/state.json"
echo '{"seconds": 60, "exe' > "$out/torn/state.json"
cp "$out/split/state.json" "$tmp/split_state"
# --time 1s: should a refusal ever regress, the test must not start a real campaign.
campaign() { env OSMEM_OUT="$tmp/out" "$tools/fuzz" --no-setup --fuzzer osmem_fuzz --time 1s --campaign "$@"; }
expect "campaign 'split' was built with planted bug 13 (split-count), not without a planted bug: resume it with --planted 13" campaign split
expect "campaign 'split' was built with planted bug 13 (split-count), not with planted bug 9 (coalesce-array)" campaign split --planted 9
expect "campaign 'real' was built without a planted bug, not with planted bug 9 (coalesce-array): resume it with no --planted" campaign real --planted 9
expect "cannot read $out/torn/state.json" campaign torn
expect "campaign 'misuse' runs osmem_misuse_fuzz, not osmem_fuzz: use --fuzzer osmem_misuse_fuzz with it, or another --campaign" campaign misuse
expect "campaign 'misuse' runs osmem_misuse_fuzz, not osmem_fuzz" env OSMEM_OUT="$tmp/out" "$tools/minimize" --campaign misuse --fuzzer osmem_fuzz
expect "no campaign 'nothere'" campaign nothere --report
expect "--no-build: $out/nobin/bin/osmem_fuzz_libfuzzer is missing: run the campaign once without --no-build" campaign nobin --no-build
[ ! -e "$out/nobin" ] || { echo "FAIL: --no-build without binaries created the campaign"; failures=$((failures + 1)); }
[ ! -e "$out/nothere" ] || { echo "FAIL: --report of a missing campaign created it"; failures=$((failures + 1)); }
cmp -s "$out/split/state.json" "$tmp/split_state" || { echo "FAIL: a refused resume changed state.json"; failures=$((failures + 1)); }
[ -z "$(ls "$out/split" | grep -v state.json)" ] || { echo "FAIL: a refused resume wrote $(ls "$out/split")"; failures=$((failures + 1)); }
[ "$failures" -eq 0 ] && echo "PASS: every bad input refused" || exit 1
