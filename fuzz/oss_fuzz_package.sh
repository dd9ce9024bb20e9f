#!/bin/bash
# Packs one fuzzer the way OSS-Fuzz lays out $OUT: the binary under the fuzzer's name,
# <name>_seed_corpus.zip, <name>.dict, <name>.options, all in one tar.
# usage: oss_fuzz_package.sh OUT.tar NAME BINARY DICT OPTIONS CORPUS_FILE...
set -euo pipefail
out=$1 name=$2 binary=$3 dict=$4 options=$5
shift 5
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$binary" "$stage/$name"
cp "$dict" "$stage/$name.dict"
cp "$options" "$stage/$name.options"
# -j: flat, as OSS-Fuzz unpacks it; -X: no extra attributes, so the zip is reproducible.
zip -q -j -X "$stage/${name}_seed_corpus.zip" "$@"
tar -C "$stage" -cf "$out" "$name" "$name.dict" "$name.options" "${name}_seed_corpus.zip"
