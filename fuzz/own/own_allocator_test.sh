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
#   misuse          bad pointers (OSMEM_FUZZ_FORMAT=misuse): the misuse corpus replays clean on
#                   an unmodified copy; a copy whose free trusts any header fails known inputs.
#   keep_going      two contract rules planted in the zoo's reference (fuzz/own/zoo): one 30-second run ends with both, each
#                   with a minimized input, an op trace and a C test that builds.
set -uo pipefail

root=$PWD
tool=$root/fuzz/own/fuzz_own_allocator.sh
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

tool_alone() { "$tool" "$@" 2>&1; }

fuzz_own() { # fuzz_own DIR ARGS...
	"$tool" "$@" --harness-manifest "$root/fuzz/own/own_harness.manifest" --harness-root "$root" 2>&1
}

# The misuse format: bad pointers besides format 1's ops.
fuzz_misuse() { OSMEM_FUZZ_FORMAT=misuse fuzz_own "$@"; }

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

# Bad pointers: osmem's default fault handler prints one line and aborts, an allowed end; each such
# call runs in a child, so the replay goes on.
misuse() {
	local own=$TEST_TMPDIR/own
	copy_allocator "$own"
	expect 0 'PASS: [1-9][0-9]* inputs replayed' "unmodified copy stops cleanly on bad pointers" -- \
		fuzz_misuse "$own" --replay "$root/corpus/osmem_misuse_fuzz" --work "$TEST_TMPDIR/misuse"
	# One line changed: os_free and os_realloc trust the header in front of any pointer. A double
	# free then writes into the live block that reuses the memory; (void *)32 crashes in the child.
	sed -i 's|^\(struct block_meta \*block_from_pointer(.*)\)$|\1 { return block_of(ptr); }\nstatic struct block_meta *checked_block_from_pointer(void *ptr, const char *caller, int free_is_fault)|' "$own/pointer.c"
	grep -q 'return block_of(ptr); }' "$own/pointer.c" || fail "could not plant the trusting free in the copy"
	expect 1 'FAILED: osmem-fuzz: op 5 misuse\(slot 0, dead pointer, free, arg 0\): \[payload integrity\] slot 1' \
		"planted copy writes into a live block on a double free" -- \
		fuzz_misuse "$own" --replay "$root/corpus/osmem_misuse_fuzz/dead_pointer_reused" \
		--work "$TEST_TMPDIR/trusting" --cflags -Wno-unused-function
	expect 1 'misuse\(slot 2, near NULL, realloc, arg 93\): \[bad pointers: ignored or one line and stop\] expected the call ignored, or a stop with one line on standard error, got' \
		"planted copy crashes on a pointer near NULL" -- \
		fuzz_misuse "$own" --replay "$root/corpus/osmem_misuse_fuzz/misuse_churn_2" \
		--work "$TEST_TMPDIR/trusting2" --cflags -Wno-unused-function
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

keep_going() {
	local two=$TEST_TMPDIR/two dir patch
	# The zoo's course-style reference with two contract rules broken: a best-fit tie goes to the
	# last block, and a rest of 32 bytes is split off (the contract wants at least 40).
	mkdir -p "$two"
	cp "$root"/fuzz/own/zoo/reference/* "$two/"
	for patch in 02-best-fit-tie-last 13-split-rest-32; do
		(cd "$two" && patch -s -p1 <"$root/fuzz/own/zoo/variants/$patch.patch") || fail "could not apply $patch"
	done
	expect 1 '2 distinct broken rule' "one run finds both planted rules" -- \
		fuzz_own "$two" --time 30 --minimize-seconds 2 --work "$TEST_TMPDIR/work-two"
	for rule in 'best fit, tie to the lowest address' 'split when the rest is >= 40'; do
		grep -qF "] $rule" <<<"$last_output" || grep -qE "^[0-9]+ +$rule" <<<"$last_output" ||
			fail "the summary does not list '$rule'"
	done
	for dir in "$TEST_TMPDIR"/work-two/findings/*/; do
		[[ -s $dir/minimized && -s $dir/trace.txt && -s $dir/repro.c ]] || fail "$dir lacks an input, a trace or a C test"
		[[ -x $dir/repro ]] || fail "the C test in $dir was not built: $(head -n 3 "$dir/repro.log")"
		# Placement and split are the model's rules: the C test runs through and says so.
		[[ $(cat "$dir/repro.status" 2>/dev/null) == 0 ]] ||
			fail "the C test in $dir did not run through: $(tail -n 2 "$dir/repro.out" 2>/dev/null)"
	done
}

case ${1:-} in
basics | misuse | layout | single_file | common_globals | keep_going) "$1" ;;
*) echo "usage: $0 basics|misuse|layout|single_file|common_globals|keep_going" >&2; exit 2 ;;
esac
((failures == 0)) && echo "all checks passed"
exit $((failures != 0))
