#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script. The builder image provides $SRC, $WORK, $OUT, $CC, $CXX,
# $CFLAGS, $CXXFLAGS, $LIB_FUZZING_ENGINE (libFuzzer, AFL++'s driver, ...), $FUZZING_ENGINE and
# $SANITIZER; every engine links the libFuzzer entry point (fuzz/main_libfuzzer.c) with
# $LIB_FUZZING_ENGINE. Output per fuzzer: the binary, <name>_seed_corpus.zip, <name>.dict,
# <name>.options (the layout OSS-Fuzz expects in $OUT).
set -euo pipefail  # also when run as `bash build.sh`, which ignores the #! flags
cd "$SRC/osmem"

# As in the Bazel fuzz configs (.bazelrc): a 4-slot mapped-block table, whose overflow a few
# live mappings reach. Every object sees it: it sizes the allocator's state.
CFLAGS="$CFLAGS -DOSMEM_MAPPED_TABLE_SLOTS=4"

# The harness with the emulated OS layer, as //fuzz:harness and //allocator:osmem_emulated build
# it; the production OS layer and the other engines' mains stay out.
common=()
for src in allocator/*.c fuzz/*.c fuzz/*/*.c; do
  case "$src" in
    *_test.c | fuzz/own/* | fuzz/testing/* | fuzz/planted/*) continue ;; # tests and the foreign-allocator tool
    allocator/os_layer_syscalls.c | fuzz/main_*.c) continue ;;
    fuzz/target_builtin.c | fuzz/target_blackbox.c | fuzz/target_misuse.c) continue ;; # one per fuzzer, below
    fuzz/target_floor.c) continue ;; # tools/bench-fuzz's floor: tests nothing, not shipped
  esac
  obj="$WORK/$(echo "${src%.c}" | tr / _).o"
  $CC $CFLAGS -std=c11 -D_GNU_SOURCE -I. -c "$src" -o "$obj"
  common+=("$obj")
done
$CC $CFLAGS -std=c11 -D_GNU_SOURCE -I. -c fuzz/main_libfuzzer.c -o "$WORK/main_libfuzzer.o"

# One line per fuzzer, as fuzz/BUILD.bazel's cc_fuzz_test calls declare them: name, target library,
# corpus (seeds, regressions, dictionary and options all take the corpus name).
fuzzers=(
  "osmem_fuzz builtin osmem_fuzz"
  "osmem_blackbox_fuzz blackbox osmem_fuzz"
  "osmem_misuse_fuzz misuse osmem_misuse_fuzz"
)
for spec in "${fuzzers[@]}"; do
  read -r name target corpus <<< "$spec"
  $CC $CFLAGS -std=c11 -D_GNU_SOURCE -I. -c "fuzz/target_$target.c" -o "$WORK/target_$target.o"
  # The C++ driver links the engine's runtime (libFuzzer and AFL++'s driver are C++).
  $CXX $CXXFLAGS "$WORK/main_libfuzzer.o" "$WORK/target_$target.o" "${common[@]}" \
    $LIB_FUZZING_ENGINE -o "$OUT/$name"
  rm -f "$OUT/${name}_seed_corpus.zip"
  zip -q -j -X "$OUT/${name}_seed_corpus.zip" "corpus/$corpus"/* \
    $(ls -d "corpus/${corpus}_regressions"/* 2>/dev/null || true)
  cp "corpus/$corpus.dict" "$OUT/$name.dict"
  cp "fuzz/$corpus.options" "$OUT/$name.options"
done
