#!/usr/bin/env bash
# Bazel entry of check_variants.sh: every variant deviates from the reference on its own script,
# and the reference agrees with osmem on all of them.
exec fuzz/own/zoo/check_variants.sh "$@"
