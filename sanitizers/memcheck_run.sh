#!/usr/bin/env bash
# Runs one program under Valgrind memcheck: any error or definite/possible leak fails the run
# (exit 99). The full log goes to a file (under the test's undeclared outputs when run by Bazel);
# on failure it is also printed. Used as --run_under by --config=valgrind and by the misuse tests.
#
#   memcheck_run.sh PROGRAM [ARGS...]
#
# A shell script (a test written in shell) is run as is: it is not a program memcheck can judge,
# and the programs it starts are its own business (sanitizers/misuse/misuse_test.sh calls this
# script for each of them).
set -uo pipefail
if [ $# -lt 1 ]; then
  echo "memcheck_run.sh: usage: memcheck_run.sh PROGRAM [ARGS...]" >&2
  exit 2
fi
if [ ! -x "$1" ] && ! command -v "$1" >/dev/null; then
  echo "memcheck_run.sh: no such program: $1" >&2
  exit 2
fi
if [ "$(head -c 2 "$1" 2>/dev/null)" = "#!" ]; then
  exec "$@"
fi

log_dir="${TEST_UNDECLARED_OUTPUTS_DIR:-${TMPDIR:-/tmp}}"
mkdir -p "$log_dir"
log="$log_dir/memcheck.$(basename "$1").$$.log"
# Bazel passes the suppression-free, strict set; OSMEM_MEMCHECK_OPTS adds user options.
valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
  --errors-for-leak-kinds=definite,possible --show-leak-kinds=definite,possible \
  --track-origins=yes --read-inline-info=yes --num-callers=30 \
  --log-file="$log" ${OSMEM_MEMCHECK_OPTS:-} "$@"
status=$?
if [ "$status" -ne 0 ]; then
  cat "$log" >&2
  echo "memcheck_run.sh: $(basename "$1") failed under memcheck (exit $status); log: $log" >&2
else
  echo "memcheck_run.sh: $(basename "$1") clean under memcheck; log: $log" >&2
fi
exit "$status"
