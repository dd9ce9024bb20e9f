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
expect "--jobs must be at least 1" "$tools/fuzz" --jobs 0
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
[ "$failures" -eq 0 ] && echo "PASS: every bad input refused" || exit 1
