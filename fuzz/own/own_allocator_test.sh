#!/usr/bin/env bash
# tools/fuzz-own-allocator against a copy of the allocator in a directory outside the workspace:
# the seed corpus and the misuse corpus replay clean on the unmodified copy; with one line of the
# copy changed (calloc no longer clears a reused block; free trusts any header) known inputs fail
# with the oracle's message; and bad arguments give a clear error and exit status 2.
set -uo pipefail

root=$PWD
tool=$root/fuzz/own/fuzz_own_allocator.sh
own=$TEST_TMPDIR/own
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

tool_alone() { "$tool" "$@" 2>&1; }

fuzz_own() {
	"$tool" "$own" --harness-manifest "$root/fuzz/own/own_harness.manifest" --harness-root "$root" "$@" 2>&1
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
}

# The allocator's files and the one header outside allocator/ they include (sanitizers/track.h),
# at the same relative place.
mkdir -p "$own/sanitizers"
cp -L "$root"/allocator/*.c "$root"/allocator/*.h "$own/"
cp -L "$root"/sanitizers/track*.h "$own/sanitizers/"

expect 0 'PASS: [1-9][0-9]* inputs replayed' "unmodified copy replays the seed corpus" -- \
	fuzz_own --replay "$root/corpus/osmem_fuzz" --work "$TEST_TMPDIR/clean"
# Bad pointers (OSMEM_FUZZ_FORMAT=misuse): osmem's default fault handler prints one line and
# aborts, an allowed end; each such call runs in a child, so the replay goes on.
expect 0 'PASS: [1-9][0-9]* inputs replayed' "unmodified copy stops cleanly on bad pointers" -- \
	fuzz_misuse --replay "$root/corpus/osmem_misuse_fuzz" \
	--work "$TEST_TMPDIR/misuse"

# One line changed: calloc skips clearing a heap block.
sed -i 's/memset(payload_of(block), 0, [^;]*);/;/' "$own/osmem.c"
grep -q 'memset(payload_of(block), 0' "$own/osmem.c" && fail "could not plant the calloc bug in the copy"
# malloc(slot 0, 56) fills the block with its pattern; calloc(slot 0, 2, 24) frees it and gets
# the same address back.
printf '\x00\x00\x12\x02\x00\x03\x09' >"$TEST_TMPDIR/dirty_calloc"
expect 1 'FAILED: osmem-fuzz: op 1 calloc.*not zero' "planted copy fails on a dirty calloc" -- \
	fuzz_own --replay "$TEST_TMPDIR/dirty_calloc" --work "$TEST_TMPDIR/planted"

# One line changed: os_free and os_realloc trust the header in front of any pointer. A double
# free then writes into the live block that reuses the memory; (void *)32 crashes in the child.
sed -i 's|^\(struct block_meta \*block_from_pointer(.*)\)$|\1 { return block_of(ptr); }\nstatic struct block_meta *checked_block_from_pointer(void *ptr, const char *caller, int free_is_fault)|' "$own/pointer.c"
grep -q 'return block_of(ptr); }' "$own/pointer.c" || fail "could not plant the trusting free in the copy"
expect 1 'FAILED: osmem-fuzz: op 5 misuse\(slot 0, dead pointer, free, arg 0\): \[payload integrity\] slot 1' \
	"planted copy writes into a live block on a double free" -- \
	fuzz_misuse --replay "$root/corpus/osmem_misuse_fuzz/dead_pointer_reused" \
	--work "$TEST_TMPDIR/trusting" --cflags -Wno-unused-function
expect 1 'misuse\(slot 2, near NULL, realloc, arg 93\): \[bad pointers: ignored or one line and stop\] expected the call ignored, or a stop with one line on standard error, got' \
	"planted copy crashes on a pointer near NULL" -- \
	fuzz_misuse --replay "$root/corpus/osmem_misuse_fuzz/misuse_churn_2" \
	--work "$TEST_TMPDIR/trusting2" --cflags -Wno-unused-function

expect 2 'no such directory' "missing directory" -- tool_alone "$TEST_TMPDIR/nowhere"
mkdir -p "$TEST_TMPDIR/empty"
expect 2 'no osmem.c in' "directory without osmem.c" -- tool_alone "$TEST_TMPDIR/empty"
expect 2 'whole number of seconds' "bad --time" -- tool_alone "$own" --time soon

((failures == 0)) && echo "all checks passed"
exit $((failures != 0))
