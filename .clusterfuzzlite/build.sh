#!/bin/bash -eu
# ClusterFuzzLite build script (its Dockerfile copies this file to $SRC/build.sh). The packaging
# is OSS-Fuzz's, shared: oss-fuzz/build.sh compiles each fuzzer of fuzz/BUILD.bazel with $CC,
# $CFLAGS and $LIB_FUZZING_ENGINE and puts it into $OUT with its <name>_seed_corpus.zip,
# <name>.dict and <name>.options, which ClusterFuzzLite reads as OSS-Fuzz does.
exec bash "$SRC/osmem/oss-fuzz/build.sh"
