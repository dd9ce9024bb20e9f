#!/usr/bin/env bash
# Runs each planted-misuse program of this build and asserts that the build's tool reports it with
# the right kind of report; the clean program must pass. Which tool a build serves comes from
# track_mode (the compiler's sanitizer flags) and OSMEM_MEMCHECK (set by the valgrind config).
# A misuse with no expectation for the tool is not run: that cell of the coverage table
# (../README.md) is "not caught".
#
#   misuse_test.sh TRACK_MODE MEMCHECK_RUN PROGRAM...
set -uo pipefail
if [ $# -lt 3 ]; then
  echo "misuse_test.sh: usage: misuse_test.sh TRACK_MODE MEMCHECK_RUN PROGRAM..." >&2
  exit 2
fi
mode="$("$1")" || { echo "misuse_test.sh: cannot run $1" >&2; exit 2; }
# --config=valgrind sets OSMEM_MEMCHECK=1: this script then runs each program under memcheck.
if [ "${OSMEM_MEMCHECK:-0}" = 1 ]; then
  [ "$mode" = plain ] || { echo "misuse_test.sh: memcheck on a $mode build" >&2; exit 2; }
  mode=valgrind
fi
memcheck_run="$2"
shift 2
declare -A program_path
for program in "$@"; do program_path["$(basename "$program")"]="$program"; done

# The expectation table: MISUSE MODES PATTERN... (every pattern must appear in the output).
# "seal" = the allocator's own check, present in every build.
expectations() {
  expect double_free             "plain ubsan asan msan valgrind" "osmem: double free of 0x" "in os_free"
  expect underflow               "plain ubsan msan"   "osmem: corrupted block header 0x" "in os_free"
  expect underflow               "asan"     "AddressSanitizer: use-after-poison" "WRITE of size 1"
  expect underflow               "valgrind" "Invalid write of size 1" "1 bytes before a block of size 24 alloc'd"
  # ASan names a bad access after the byte that follows it: a partial granule ([05] = 5 usable
  # bytes) followed by the next header's readable size field gives "unknown-crash".
  expect overflow                "asan"     "AddressSanitizer: unknown-crash" "WRITE of size 1" "[05]"
  expect overflow                "valgrind" "Invalid write of size 1" "0 bytes after a block of size 13 alloc'd"
  expect overflow_mapped         "asan"     "AddressSanitizer: use-after-poison" "WRITE of size 1"
  expect overflow_mapped         "valgrind" "Invalid write of size 1" "0 bytes after a block of size 200,000 alloc'd"
  expect realloc_shrink_overflow "asan"     "AddressSanitizer: unknown-crash" "WRITE of size 1" "[05]"
  expect realloc_shrink_overflow "valgrind" "Invalid write of size 1" "0 bytes after a block of size 5 alloc'd"
  expect read_after_free         "asan"     "AddressSanitizer: use-after-poison" "READ of size 1"
  expect read_after_free         "msan"     "MemorySanitizer: use-of-uninitialized-value"
  expect read_after_free         "valgrind" "Invalid read of size 1" "0 bytes inside a block of size 13 free'd"
  expect write_after_free        "asan"     "AddressSanitizer: use-after-poison" "WRITE of size 1"
  expect write_after_free        "valgrind" "Invalid write of size 1" "0 bytes inside a block of size 13 free'd"
  expect uninit_read             "msan"     "MemorySanitizer: use-of-uninitialized-value" "in main"
  expect uninit_read             "valgrind" "Conditional jump or move depends on uninitialised value(s)"
  expect realloc_grow_uninit     "msan"     "MemorySanitizer: use-of-uninitialized-value" "in main"
  expect realloc_grow_uninit     "valgrind" "Conditional jump or move depends on uninitialised value(s)"
  expect leak                    "valgrind" "100 bytes in 1 blocks are definitely lost" "by 0x" "os_malloc"
  expect misaligned              "ubsan"    "runtime error: store to misaligned address"
}

passed=0 failed=0
run() {
  if [ "$mode" = valgrind ]; then
    "$memcheck_run" "$@" 2>&1
  else
    "$@" 2>&1
  fi
}

expect() {
  local name="$1" modes="$2" output status
  shift 2
  case " $modes " in *" $mode "*) ;; *) return ;; esac
  output="$(run "${program_path[$name]}")"
  status=$?
  local missing=()
  for pattern in "$@"; do
    grep -qF -- "$pattern" <<<"$output" || missing+=("$pattern")
  done
  if [ "$status" -ne 0 ] && [ ${#missing[@]} -eq 0 ]; then
    echo "PASS  $name: $mode reports it ($1)"
    passed=$((passed + 1))
  else
    echo "FAIL  $name: exit $status, missing: ${missing[*]:-(none; but the program did not fail)}"
    echo "$output" | sed 's/^/      | /'
    failed=$((failed + 1))
  fi
}

expect_clean() {
  local output status
  output="$(run "${program_path[clean]}")"
  status=$?
  if [ "$status" -eq 0 ] && ! grep -q "Sanitizer" <<<"$output"; then
    echo "PASS  clean: no report under $mode"
    passed=$((passed + 1))
  else
    echo "FAIL  clean: exit $status under $mode"
    echo "$output" | sed 's/^/      | /'
    failed=$((failed + 1))
  fi
}

echo "misuse_test: build mode $mode"
expect_clean
expectations
echo "misuse_test: $mode: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 1 ]
