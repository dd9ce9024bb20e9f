#!/usr/bin/env bash
# Installs every Debian package osmem needs. Idempotent: a package already present is skipped,
# so a second run makes no network call at all.
set -euo pipefail

packages=(
  bazel-bootstrap      # Bazel 4.2.3, WORKSPACE mode, fully offline
  clang-14 lld-14 llvm-14 libclang-rt-14-dev   # compiler, linker, llvm-cov/profdata, sanitizer + libFuzzer runtimes
  afl++                # AFL++ 4.04c: afl-fuzz, afl-cmin, afl-compiler-rt.o
  valgrind             # memcheck sessions
  zip unzip            # OSS-Fuzz seed corpus archives; unzip reads test outputs (tools/memcheck.sh)
  strace               # syscall-trace tests of the production build
  python3              # small helper scripts in tools/
  patch                # planted bugs (allocator/planted/) and zoo variants (fuzz/own/zoo/) are patches
  python3-yaml         # oss-fuzz/check_clusterfuzzlite.py reads the ClusterFuzzLite workflows
  sqlite3 time gcc     # tools/bench-dropin: a workload and peak RSS (GNU time)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
