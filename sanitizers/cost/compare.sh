#!/usr/bin/env bash
# Cost of each tool build on one fixed workload (workload.c, -c opt): ns per os_* call natively,
# and for the plain and valgrind builds the instruction count under callgrind (the valgrind build
# run natively pays only for its client requests). Prints one table.
#
#   sanitizers/cost/compare.sh [ROUNDS]      default 200000 (callgrind runs use ROUNDS/10)
set -uo pipefail
rounds="${1:-200000}"
case "$rounds" in ''|*[!0-9]*) echo "compare.sh: ROUNDS must be a positive number, got '$rounds'" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../.." || exit 2
command -v valgrind >/dev/null || { echo "compare.sh: valgrind is not installed (tools/setup.sh)" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

binary_for() { # CONFIG -> path of the built workload
  local flags=(-c opt)
  [ "$1" = plain ] || flags+=(--config="$1")
  bazel build "${flags[@]}" //sanitizers/cost:workload >/dev/null 2>&1 || return 1
  cp "$(bazel info "${flags[@]}" bazel-bin 2>/dev/null)/sanitizers/cost/workload" "$tmp/workload.$1" ||
    return 1
  echo "$tmp/workload.$1"
}

ns_per_call() { "$@" "$rounds" | sed -n 's/.*, \([0-9.]*\) ns\/call/\1/p'; }

instructions() { # PROGRAM -> instructions executed (callgrind, ROUNDS/10 calls)
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$1" $((rounds / 10)) >/dev/null 2>&1
  sed -n 's/^summary: //p' "$tmp/cg.out"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "x%.2f", a / b; else print "-" }'; }

printf '%-26s %10s %8s %14s %8s\n' build ns/call ratio instructions ratio
plain_ns="" plain_ir=""
for config in plain asan ubsan msan valgrind; do
  echo "compare: building $config ..." >&2
  program="$(binary_for "$config")" || { printf '%-26s %10s\n' "$config" "build failed"; continue; }
  ns="$(ns_per_call "$program")"
  ir="-"
  case "$config" in plain|valgrind) ir="$(instructions "$program")" ;; esac
  [ "$config" = plain ] && plain_ns="$ns" plain_ir="$ir"
  printf '%-26s %10s %8s %14s %8s\n' "$config (native)" "$ns" "$(ratio "$ns" "$plain_ns")" "$ir" \
    "$(ratio "$ir" "$plain_ir")"
  if [ "$config" = valgrind ]; then
    echo "compare: memcheck run ..." >&2
    ns="$(ns_per_call valgrind -q --tool=memcheck "$program")"
    printf '%-26s %10s %8s %14s %8s\n' "valgrind under memcheck" "$ns" "$(ratio "$ns" "$plain_ns")" - -
  fi
done
echo "compare: $rounds calls per timed run, $((rounds / 10)) per callgrind run; ratios against plain"
