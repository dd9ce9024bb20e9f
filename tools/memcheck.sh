#!/usr/bin/env bash
# The Valgrind memcheck session: every test program of the workspace (the allocator's tests, the
# planted-misuse checks, and the fuzz harnesses' corpus replays once they exist as tests) runs under
# memcheck via `bazel test --config=valgrind` (sanitizers/memcheck_run.sh: any error or definite or
# possible leak fails). Ends with one line per program log and the totals.
#
#   tools/memcheck.sh [TARGET_PATTERN...]     default: //...
set -uo pipefail
usage() { echo "usage: tools/memcheck.sh [TARGET_PATTERN...]   (default //...)"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; -*) echo "tools/memcheck.sh: unknown flag '$1'" >&2; usage >&2; exit 2 ;; esac
cd "$(dirname "$0")/.." || exit 2
for tool in valgrind unzip; do
  command -v "$tool" >/dev/null || { echo "tools/memcheck.sh: $tool is not installed (tools/setup.sh)" >&2; exit 2; }
done
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(//...)

stamp="$(mktemp)"
trap 'rm -f "$stamp"' EXIT
echo "memcheck: bazel test --config=valgrind --nocache_test_results ${targets[*]}"
# Cached results would leave no fresh logs to read: a session always runs the programs again.
bazel test --config=valgrind --nocache_test_results "${targets[@]}"
status=$?

testlogs="$(bazel info --config=valgrind bazel-testlogs 2>/dev/null)"
clean=0 dirty=0 planted=0
while IFS= read -r -d '' outputs; do
  # Bazel zips undeclared outputs after the test; the logs are read from the zip.
  while IFS= read -r name; do
    summary="$(unzip -p "$outputs" "$name" | grep -E "ERROR SUMMARY" | tail -1 | sed 's/^==[0-9]*== //')"
    [ -n "$summary" ] || continue
    case "$outputs:$name:$summary" in
      */sanitizers/misuse/*:memcheck.clean.*"ERROR SUMMARY: 0 errors"*) clean=$((clean + 1)) ;;
      */sanitizers/misuse/*) planted=$((planted + 1)); summary="(planted misuse) $summary" ;;
      *"ERROR SUMMARY: 0 errors"*) clean=$((clean + 1)) ;;
      *) dirty=$((dirty + 1)) ;;
    esac
    printf '  %-60s %s\n' "${outputs#"$testlogs"/}:$name" "$summary"
  done < <(unzip -Z1 "$outputs" 2>/dev/null | grep '^memcheck\..*\.log$')
done < <(find "$testlogs" -name outputs.zip -newer "$stamp" -print0 2>/dev/null | sort -z)

echo "memcheck: logs in $testlogs/<package>/<test>/test.outputs/outputs.zip (memcheck.<program>.<pid>.log)"
echo "memcheck: $clean program runs clean, $dirty with errors, $planted planted-misuse runs (judged by misuse_test); bazel exit $status"
exit "$status"
