#!/usr/bin/env bash
# optrace refuses bad input with a message naming the problem, exit status 2, and no output file.
set -uo pipefail
optrace=$1
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
expect() { # expect MESSAGE_PART CMD...: must exit 2 and print MESSAGE_PART on stderr
  local want=$1; shift
  local err status
  err=$("$@" 2>&1 >/dev/null); status=$?
  if [ "$status" -ne 2 ] || [[ "$err" != *"$want"* ]]; then
    echo "FAIL: '$*' gave status $status and '$err' (wanted 2 and '$want')"; failures=$((failures + 1))
  fi
}
: > "$tmp/empty"
expect "empty input" "$optrace" decode "$tmp/empty"
expect "No such file" "$optrace" decode "$tmp/missing"
expect "is it a directory" "$optrace" decode "$tmp"
expect "usage" "$optrace" frobnicate x
printf 'mallok(slot 1, 8)\n' > "$tmp/t1"; expect "t1:1: unknown op" "$optrace" encode "$tmp/t1" "$tmp/o1"
printf 'malloc(slot 64, 8)\n' > "$tmp/t2"; expect "slot 64 out of range" "$optrace" encode "$tmp/t2" "$tmp/o2"
printf 'free(slot 1)\nmalloc(slot 1, 20000000)\n' > "$tmp/t3"
expect "t3:2: the format cannot express" "$optrace" encode "$tmp/t3" "$tmp/o3"
printf 'calloc(slot 1, 10, 8)\n' > "$tmp/t4"; expect "count 10 is not in the count table" "$optrace" encode "$tmp/t4" "$tmp/o4"
printf 'malloc(slot 1 8)\n' > "$tmp/t5"; expect "not an op as the decoder prints it" "$optrace" encode "$tmp/t5" "$tmp/o5"
printf '# only a comment\n' > "$tmp/t6"; expect "no ops" "$optrace" encode "$tmp/t6" "$tmp/o6"
for o in o1 o2 o3 o4 o5 o6; do
  [ ! -e "$tmp/$o" ] || { echo "FAIL: $o left behind after an error"; failures=$((failures + 1)); }
done
[ "$failures" -eq 0 ] && echo "PASS: every bad input refused" || exit 1
