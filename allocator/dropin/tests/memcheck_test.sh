#!/usr/bin/env bash
# The drop-in under Valgrind memcheck, in its two modes (allocator/README.md, "The drop-in malloc"):
#
# - By default memcheck intercepts every exported malloc, the drop-in's too: the program runs on
#   memcheck's own allocator. Checked in every config: the planted use after free of word_count_uaf
#   is reported with memcheck's free in the "free'd" stack.
# - With --soname-synonyms=somalloc=nouserintercepts the drop-in's own malloc runs and tells memcheck
#   about its blocks (sanitizers/track.h). Only a --config=valgrind build has these annotations
#   (OSMEM_MEMCHECK=1 then): the same use after free is reported with osmem's free in the stack,
#   and api_test_prog runs clean.
#
#   memcheck_test.sh LIBRARY UAF_PROGRAM API_PROGRAM
set -uo pipefail
[ $# -eq 3 ] || { echo "usage: memcheck_test.sh LIBRARY UAF_PROGRAM API_PROGRAM" >&2; exit 2; }
library=$(realpath "$1") uaf=$(realpath "$2") api=$(realpath "$3")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failures=0

# memcheck MODE_ARGS... PROGRAM: runs it with the drop-in preloaded; the log is in $log.
memcheck() {
  LD_PRELOAD=$library valgrind --tool=memcheck --error-exitcode=99 --log-file="$log" "$@" \
    >/dev/null 2>&1
}

# expect_uaf FRAME: the planted write after free was reported, and FRAME is in the stack that freed.
expect_uaf() {
  if ! grep -q "Invalid \(read\|write\) of size 4" "$log" ||
     ! grep -A8 "inside a block of size .* free'd" "$log" | grep -q "$1"; then
    cat "$log" >&2
    echo "FAIL: memcheck did not report the use after free freed by $1" >&2
    failures=$((failures + 1))
  fi
}

memcheck "$uaf"
expect_uaf "vgpreload_memcheck"

if [ "${OSMEM_MEMCHECK:-0}" = 1 ]; then
  memcheck --soname-synonyms=somalloc=nouserintercepts "$uaf"
  expect_uaf "os_free\|free (malloc_api.c"
  if ! memcheck --soname-synonyms=somalloc=nouserintercepts "$api"; then
    cat "$log" >&2
    echo "FAIL: api_test_prog is not clean under memcheck on the annotated drop-in" >&2
    failures=$((failures + 1))
  fi
else
  echo "annotated mode not checked: the drop-in has Valgrind annotations under --config=valgrind only"
fi
[ "$failures" -eq 0 ] && echo "PASS"
exit $((failures > 0))
