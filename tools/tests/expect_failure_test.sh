#!/usr/bin/env bash
# expect_failure_test.sh PROGRAM MESSAGE: PROGRAM must exit 1 and print MESSAGE (a reproducer run
# against a planted bug has to catch it).
set -uo pipefail
out=$("$1" 2>&1); status=$?
if [ "$status" -ne 1 ] || [[ "$out" != *"$2"* ]]; then
  echo "FAIL: $1 exited $status with '$out' (wanted 1 and '$2')"; exit 1
fi
echo "PASS: $out"
