#!/bin/bash
# Runs oss-fuzz/build.sh as OSS-Fuzz would (its environment variables, a fresh $WORK and $OUT) for
# the libFuzzer and AFL++ engines, and .clusterfuzzlite/build.sh as ClusterFuzzLite would (copied
# to $SRC/build.sh, libFuzzer), then checks that every fuzzer of fuzz/BUILD.bazel is in each $OUT
# and runs its seed corpus, and that the ClusterFuzzLite files and workflows agree with the build
# (check_clusterfuzzlite.py).
# usage: test_build.sh [SOURCE_ROOT]   (default: the directory above this script)
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ossfuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; cat "$tmp"/*/build.log 2>/dev/null | tail -20; exit 1; }
[ -f "$root/allocator/osmem.c" ] && [ -f "$root/fuzz/harness.c" ] ||
  fail "$root is not the osmem source tree"

build() { # build NAME SCRIPT CC CXX FLAGS LIB_FUZZING_ENGINE: $SRC/build.sh is a copy of SCRIPT
  local name=$1 engine=${1%-*}
  mkdir -p "$tmp/$name/src" "$tmp/$name/work" "$tmp/$name/out"
  ln -s "$root" "$tmp/$name/src/osmem"
  cp "$root/$2" "$tmp/$name/src/build.sh"
  env SRC="$tmp/$name/src" WORK="$tmp/$name/work" OUT="$tmp/$name/out" CC="$3" CXX="$4" \
    CFLAGS="$5" CXXFLAGS="$5" LIB_FUZZING_ENGINE="$6" FUZZING_ENGINE="$engine" SANITIZER=address \
    AFL_QUIET=1 bash "$tmp/$name/src/build.sh" > "$tmp/$name/build.log" 2>&1 ||
    { cat "$tmp/$name/build.log"; fail "$2 failed for $engine"; }
}

check_layout() { # check_layout OUT NAME
  local out=$1 name=$2 seeds
  for f in "$name" "$name.dict" "$name.options" "${name}_seed_corpus.zip"; do
    [ -s "$out/$f" ] || fail "$out/$f missing"
  done
  seeds=$(unzip -Z1 "$out/${name}_seed_corpus.zip" | wc -l)
  [ "$seeds" -gt 0 ] || fail "${name}_seed_corpus.zip is empty"
  mkdir -p "$out/$name.seeds" && unzip -q -o "$out/${name}_seed_corpus.zip" -d "$out/$name.seeds"
  echo "$name: binary, dict, options, $seeds seeds"
}

sanitize="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fno-sanitize-recover=all"
# The three builds are independent: side by side, on as many cores as there are.
build libfuzzer oss-fuzz/build.sh clang-14 clang++-14 "$sanitize -fsanitize=fuzzer-no-link" -fsanitize=fuzzer &
build afl oss-fuzz/build.sh afl-clang-fast afl-clang-fast++ "$sanitize" /usr/lib/afl/libAFLDriver.a &
build libfuzzer-cflite .clusterfuzzlite/build.sh clang-14 clang++-14 "$sanitize -fsanitize=fuzzer-no-link" -fsanitize=fuzzer &
for job in $(jobs -p); do wait "$job" || fail "a build failed (its log is above)"; done

run_libfuzzer() { # run_libfuzzer OUT NAME
  local log
  log=$("$1/$2" -runs=500 -dict="$1/$2.dict" "$1/$2.seeds" 2>&1) ||
    { echo "$log" | tail -20; fail "libFuzzer $2 failed on its seeds"; }
  grep -q "INITED cov: [1-9]" <<< "$log" || fail "libFuzzer $2 saw no coverage"
}

# Every fuzzer fuzz/BUILD.bazel declares, so that one missing from build.sh fails here.
mapfile -t fuzzers < <(grep -A1 '^cc_fuzz_test(' "$root/fuzz/BUILD.bazel" | grep -o 'name = "[a-z_]*"' | cut -d'"' -f2)
[ "${#fuzzers[@]}" -gt 0 ] || fail "no cc_fuzz_test in fuzz/BUILD.bazel"
for name in "${fuzzers[@]}"; do
  out="$tmp/libfuzzer/out"
  check_layout "$out" "$name"
  run_libfuzzer "$out" "$name"
  out="$tmp/afl/out"
  check_layout "$out" "$name"
  for seed in "$out/$name.seeds"/*; do
    "$out/$name" "$seed" > /dev/null 2>&1 || fail "AFL++ $name failed on $seed"
  done
  edges=$(AFL_QUIET=1 afl-showmap -q -o "$tmp/map" -m none -- "$out/$name" < "$seed"; wc -l < "$tmp/map")
  [ "$edges" -gt 0 ] || fail "AFL++ $name is not instrumented"
  echo "$name: libFuzzer ran 500 inputs from its seeds; AFL++ build ran every seed, $edges edges"
  out="$tmp/libfuzzer-cflite/out"
  check_layout "$out" "$name" > /dev/null
  run_libfuzzer "$out" "$name"
  echo "$name: ClusterFuzzLite build: binary, dict, options, seeds; libFuzzer ran 500 inputs"
done
python=/usr/bin/python3  # Debian's, with python3-yaml (tools/setup.sh)
[ -x "$python" ] || python=python3
"$python" "$root/oss-fuzz/check_clusterfuzzlite.py" "$root" || fail "ClusterFuzzLite files"
echo "PASS: oss-fuzz/build.sh works with libFuzzer and AFL++, .clusterfuzzlite/build.sh with libFuzzer"
