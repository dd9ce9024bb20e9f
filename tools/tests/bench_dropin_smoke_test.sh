#!/usr/bin/env bash
# tools/bench-dropin, one tiny run of each workload: every program's output under the drop-in
# equals its output under glibc's malloc (the bench's exit status says so), and the table prints.
#   bench_dropin_smoke_test.sh BENCH LIBRARY
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: bench_dropin_smoke_test.sh BENCH LIBRARY" >&2; exit 2; }
out=$("$1" --lib "$2" --reps 1 --scale 0.02 --timeout 100 2>&1)
status=$?
echo "$out"
[ "$status" -eq 0 ] || { echo "FAIL: tools/bench-dropin exited with $status"; exit 1; }
for program in python3 sqlite3 gcc clang; do
  echo "$out" | grep -q "^| $program | .* | identical |$" ||
    { echo "FAIL: no identical-output row for $program"; exit 1; }
done
echo PASS
