#!/bin/bash
# Bazel entry point of test_build.sh: the workspace is where the runfiles link of build.sh points.
set -euo pipefail
script=$(readlink -f oss-fuzz/test_build.sh)
exec "$script" "$(dirname "$(dirname "$script")")"
