#!/usr/bin/env bash
# Runs a program with LD_PRELOAD of a drop-in build and judges how it ended.
#
#   preload_test.sh LIBRARY PROGRAM
#       the program must exit 0 (it checks itself and says which check failed)
#   preload_test.sh --stops-with FAULT LIBRARY PROGRAM
#       the program must run clean without the drop-in (glibc's malloc, the control), and be
#       stopped by the drop-in: killed by SIGABRT after the line "osmem: FAULT ..." on stderr
set -uo pipefail
usage() { echo "usage: preload_test.sh [--stops-with FAULT] LIBRARY PROGRAM" >&2; exit 2; }
fault=
if [ "${1:-}" = --stops-with ]; then
  [ $# -eq 4 ] || usage
  fault=$2
  shift 2
fi
[ $# -eq 2 ] || usage
library=$(realpath "$1") program=$(realpath "$2")
[ -f "$library" ] || { echo "preload_test.sh: no such library: $1" >&2; exit 2; }
[ -x "$program" ] || { echo "preload_test.sh: no such program: $2" >&2; exit 2; }

if [ -z "$fault" ]; then
  LD_PRELOAD=$library "$program"
  exit $?
fi

"$program" >/dev/null || { echo "FAIL: $(basename "$program") fails even with glibc's malloc" >&2; exit 1; }
stderr_log=$(mktemp)
trap 'rm -f "$stderr_log"' EXIT
LD_PRELOAD=$library "$program" >/dev/null 2>"$stderr_log"
status=$?
cat "$stderr_log" >&2
if [ "$status" -ne $((128 + 6)) ]; then
  echo "FAIL: expected the drop-in to abort the program (exit 134), got exit $status" >&2
  exit 1
fi
if ! grep -q "^osmem: $fault " "$stderr_log"; then
  echo "FAIL: no line 'osmem: $fault ...' on stderr" >&2
  exit 1
fi
echo "PASS: $(basename "$program") stopped with: $(grep "^osmem: $fault " "$stderr_log")"
