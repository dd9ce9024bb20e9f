#!/usr/bin/env bash
# tools/fuzz-own-allocator against copies of the allocator in directories outside the workspace.
# One group of checks per run ($1), so that each Bazel test stays short:
#   basics          the seed corpus replays clean on an unmodified copy (contract mode, chosen by
#                   itself), and in --memory-only mode; one line changed (calloc no longer clears
#                   a reused block) fails a known input with the oracle's calloc message; bad
#                   arguments exit 2.
#   layout          the course layout (src/ + utils/, "../utils/x.h"), pointed at the root and
#                   at src/ from another directory.
#   single_file     a single osmem.c that defines main (and no block_meta: memory-only mode,
#                   chosen by itself).
#   common_globals  a header defining a global without extern: fails to link with the advice to
#                   use -fcommon, links with --cflags -fcommon with the global among the state
#                   reset before every input; a missing header: the compiler's message and what
#                   to try.
set -uo pipefail

root=$PWD
tool=$root/fuzz/own/fuzz_own_allocator.sh
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

tool_alone() { "$tool" "$@" 2>&1; }

fuzz_own() { # fuzz_own DIR ARGS...
	"$tool" "$@" --harness-manifest "$root/fuzz/own/own_harness.manifest" --harness-root "$root" 2>&1
}

expect() { # expect STATUS PATTERN WHAT -- command...
	local want=$1 pattern=$2 what=$3 out status
	shift 4
	out=$("$@")
	status=$?
	if ((status != want)) || ! grep -qE "$pattern" <<<"$out"; then
		fail "$what: exit $status (want $want), output lacks /$pattern/:"
		sed 's/^/    /' <<<"$out" | tail -n 15
	else
		echo "ok: $what: $(grep -m1 -E "$pattern" <<<"$out")"
	fi
	last_output=$out
}

# The allocator's files and the one header outside allocator/ they include (sanitizers/track.h),
# at the same relative place.
copy_allocator() { # copy_allocator DIR
	mkdir -p "$1/sanitizers"
	cp -L "$root"/allocator/*.c "$root"/allocator/*.h "$1/"
	cp -L "$root"/sanitizers/track*.h "$1/sanitizers/"
}

basics() {
	local own=$TEST_TMPDIR/own
	copy_allocator "$own"
	expect 0 'PASS: [1-9][0-9]* inputs replayed' "unmodified copy replays the seed corpus" -- \
		fuzz_own "$own" --replay "$root/corpus/osmem_fuzz" --work "$TEST_TMPDIR/clean"
	grep -q "contract mode: struct block_meta is the contract's" <<<"$last_output" ||
		fail "contract mode was not chosen for the allocator's own block_meta"
	expect 0 'PASS: [1-9][0-9]* inputs replayed in memory mode' "--memory-only replays the seed corpus" -- \
		fuzz_own "$own" --memory-only --replay "$root/corpus/osmem_fuzz" --work "$TEST_TMPDIR/memory"

	# One line changed: calloc skips clearing a heap block.
	sed -i 's/memset(payload_of(block), 0, [^;]*);/;/' "$own/osmem.c"
	grep -q 'memset(payload_of(block), 0' "$own/osmem.c" && fail "could not plant the calloc bug in the copy"
	# malloc(slot 0, 56) fills the block with its pattern; calloc(slot 0, 2, 24) frees it and gets
	# the same address back.
	printf '\x00\x00\x12\x02\x00\x03\x09' >"$TEST_TMPDIR/dirty_calloc"
	expect 1 'FAILED: osmem-fuzz: op 1 calloc.*not zero' "planted copy fails on a dirty calloc" -- \
		fuzz_own "$own" --memory-only --replay "$TEST_TMPDIR/dirty_calloc" --work "$TEST_TMPDIR/planted"

	expect 2 'no such directory' "missing directory" -- tool_alone "$TEST_TMPDIR/nowhere"
	mkdir -p "$TEST_TMPDIR/empty"
	expect 2 'no osmem.c in' "directory without osmem.c" -- tool_alone "$TEST_TMPDIR/empty"
	expect 2 'whole number of seconds' "bad --time" -- tool_alone "$own" --time soon
}

# The course's layout: src/*.c, the headers in utils/, osmem.c including "../utils/osmem.h".
course_layout() { # course_layout ROOT
	local course=$1
	copy_allocator "$course/flat"
	mkdir -p "$course/src" "$course/utils"
	mv "$course/flat/sanitizers" "$course/"
	mv "$course"/flat/*.h "$course/utils/"
	mv "$course"/flat/*.c "$course/src/"
	sed -i 's|#include "osmem.h"|#include "../utils/osmem.h"|; s|#include "block_meta.h"|#include "../utils/block_meta.h"|' \
		"$course/src/osmem.c"
	grep -q '"../utils/osmem.h"' "$course/src/osmem.c" || fail "could not make osmem.c include ../utils/osmem.h"
}

layout() {
	local course=$TEST_TMPDIR/course
	course_layout "$course"
	expect 0 'PASS: [1-9][0-9]* inputs replayed in contract mode' "course layout, pointed at the root" -- \
		fuzz_own "$course" --replay "$root/corpus/osmem_fuzz" --work "$TEST_TMPDIR/course-root"
	grep -q 'course layout: sources in src/ and utils/' <<<"$last_output" || fail "the course layout was not named"
	expect 0 'PASS: [1-9][0-9]* inputs replayed' "course layout, pointed at src/ from elsewhere" -- \
		bash -c "cd / && $(printf '%q ' "$tool" "$course/src" --replay "$root/corpus/osmem_fuzz" \
			--work "$TEST_TMPDIR/course-src" --harness-manifest "$root/fuzz/own/own_harness.manifest" \
			--harness-root "$root") 2>&1"
}

single_file() {
	local single=$TEST_TMPDIR/single
	mkdir -p "$single"
	cp "$root/fuzz/own/testdata/single_file_osmem.c" "$single/osmem.c"
	expect 0 'PASS: [1-9][0-9]* inputs replayed in memory mode' "a single osmem.c that defines main" -- \
		fuzz_own "$single" --replay "$root/corpus/osmem_fuzz" --work "$TEST_TMPDIR/single"
	grep -q 'its main is renamed' <<<"$last_output" || fail "main was not renamed"
	grep -q 'memory-only mode: struct block_meta is not the contract' <<<"$last_output" ||
		fail "memory-only mode was not chosen for an allocator without the contract's block_meta"
}

common_globals() {
	local common=$TEST_TMPDIR/common
	# A header defining a global without extern, included by two files.
	copy_allocator "$common"
	echo 'unsigned long own_calls;' >"$common/own_calls.h"
	sed -i '1i #include "own_calls.h"' "$common/osmem.c" "$common/heap.c"
	expect 2 "own_calls is defined in more than one file.*-fcommon" "a tentative definition in a header, without -fcommon" -- \
		fuzz_own "$common" --replay "$root/corpus/osmem_fuzz" --work "$TEST_TMPDIR/work-strict"
	expect 0 'PASS: [1-9][0-9]* inputs replayed' "the same with --cflags -fcommon" -- \
		fuzz_own "$common" --cflags -fcommon --replay "$root/corpus/osmem_fuzz" --work "$TEST_TMPDIR/work-common"
	objdump -t "$TEST_TMPDIR/work-common/fuzzer" | grep -E 'osmem_own_bss.* own_calls$' >/dev/null ||
		fail "own_calls (a common symbol) is not in osmem_own_bss, the state reset before every input"

	rm "$common/own_calls.h"
	expect 2 "own_calls.h' file not found" "a missing header: the compiler's message" -- \
		fuzz_own "$common" --cflags -fcommon --replay "$root/corpus/osmem_fuzz" --work "$TEST_TMPDIR/work-missing"
	grep -q 'try: a header is missing' <<<"$last_output" || fail "a missing header does not say what to try"
}

case ${1:-} in
basics | layout | single_file | common_globals) "$1" ;;
*) echo "usage: $0 basics|layout|single_file|common_globals" >&2; exit 2 ;;
esac
((failures == 0)) && echo "all checks passed"
exit $((failures != 0))
