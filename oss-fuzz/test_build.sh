#!/bin/bash
# Runs oss-fuzz/build.sh as OSS-Fuzz would (its environment variables, a fresh $WORK and $OUT) for
# the libFuzzer and AFL++ engines, then checks that each fuzzer in $OUT runs its seed corpus.
# usage: test_build.sh [SOURCE_ROOT]   (default: the directory above this script)
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd)
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ossfuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; cat "$tmp"/*/build.log 2>/dev/null | tail -20; exit 1; }
[ -f "$root/allocator/osmem.c" ] && [ -f "$root/fuzz/harness.c" ] ||
  fail "$root is not the osmem source tree"

build() { # build ENGINE CC CXX FLAGS LIB_FUZZING_ENGINE
  local engine=$1
  mkdir -p "$tmp/$engine/src" "$tmp/$engine/work" "$tmp/$engine/out"
  ln -s "$root" "$tmp/$engine/src/osmem"
  env SRC="$tmp/$engine/src" WORK="$tmp/$engine/work" OUT="$tmp/$engine/out" CC="$2" CXX="$3" \
    CFLAGS="$4" CXXFLAGS="$4" LIB_FUZZING_ENGINE="$5" FUZZING_ENGINE="$engine" SANITIZER=address \
    AFL_QUIET=1 bash "$root/oss-fuzz/build.sh" > "$tmp/$engine/build.log" 2>&1 ||
    { cat "$tmp/$engine/build.log"; fail "build.sh failed for $engine"; }
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
build libfuzzer clang-14 clang++-14 "$sanitize -fsanitize=fuzzer-no-link" -fsanitize=fuzzer
build afl afl-clang-fast afl-clang-fast++ "$sanitize" /usr/lib/afl/libAFLDriver.a

for name in osmem_fuzz osmem_blackbox_fuzz osmem_misuse_fuzz; do
  out="$tmp/libfuzzer/out"
  check_layout "$out" "$name"
  log=$("$out/$name" -runs=500 -dict="$out/$name.dict" "$out/$name.seeds" 2>&1) ||
    { echo "$log" | tail -20; fail "libFuzzer $name failed on its seeds"; }
  grep -q "INITED cov: [1-9]" <<< "$log" || fail "libFuzzer $name saw no coverage"
  out="$tmp/afl/out"
  check_layout "$out" "$name"
  for seed in "$out/$name.seeds"/*; do
    "$out/$name" "$seed" > /dev/null 2>&1 || fail "AFL++ $name failed on $seed"
  done
  edges=$(AFL_QUIET=1 afl-showmap -q -o "$tmp/map" -m none -- "$out/$name" < "$seed"; wc -l < "$tmp/map")
  [ "$edges" -gt 0 ] || fail "AFL++ $name is not instrumented"
  echo "$name: libFuzzer ran 500 inputs from its seeds; AFL++ build ran every seed, $edges edges"
done
echo "PASS: oss-fuzz/build.sh works with libFuzzer and AFL++"
