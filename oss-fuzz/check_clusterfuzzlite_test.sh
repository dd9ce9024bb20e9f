#!/usr/bin/env bash
# check_clusterfuzzlite.py passes the checked-in ClusterFuzzLite files and catches each planted
# mistake with its message: a workflow in the wrong mode, on the wrong event, a sanitizer the
# project does not list, a build and a run for different sanitizers, another language, a
# Dockerfile installing another build.sh, YAML that does not parse.
# usage: check_clusterfuzzlite_test.sh CHECKER ROOT_FILE...  (files relative to the workspace)
set -uo pipefail
checker=$1; shift
tmp=${TEST_TMPDIR:-$(mktemp -d)}
python=/usr/bin/python3  # Debian's, with python3-yaml (tools/setup.sh)
[ -x "$python" ] || python=python3
failures=0
fresh() { # a copy of the files under $tmp/root
  rm -rf "$tmp/root"
  for f in "$@"; do mkdir -p "$tmp/root/$(dirname "$f")"; cp "$f" "$tmp/root/$f"; done
}
fresh "$@"
out=$("$python" "$checker" "$tmp/root" 2>&1) || { echo "FAIL: the checked-in files: $out"; exit 1; }
echo "$out"
planted() { # planted FILE SED_EXPR WANTED_MESSAGE
  fresh "${files[@]}"
  sed -i "$2" "$tmp/root/$1"
  if cmp -s "$1" "$tmp/root/$1"; then echo "FAIL: '$2' changed nothing in $1"; failures=$((failures + 1)); return; fi
  out=$("$python" "$checker" "$tmp/root" 2>&1)
  if [ $? -eq 0 ] || [[ "$out" != *"$3"* ]]; then
    echo "FAIL: $1 with '$2' gave '$out' (wanted a failure with '$3')"; failures=$((failures + 1))
  fi
}
files=("$@")
wf=.github/workflows
planted $wf/cflite_pr.yml 's/mode: code-change/mode: batch/' "cflite_pr.yml: modes ['batch'], wanted ['code-change']"
planted $wf/cflite_pr.yml 's/^  pull_request:/  push:/' "cflite_pr.yml: not started by pull_request"
planted $wf/cflite_batch.yml 's/sanitizer: \[address, undefined\]/sanitizer: [address, thread]/' "not among ['address', 'memory', 'undefined']"
planted $wf/cflite_cron.yml '0,/sanitizer: address/s//sanitizer: undefined/' "job Pruning: builds for ['undefined'] but runs ['address']"
planted $wf/cflite_cron.yml 's/mode: prune/mode: batch/' "modes ['batch', 'coverage'], wanted ['coverage', 'prune']"
planted $wf/cflite_cron.yml 's/mode: coverage/mode: batch/' "job Coverage: sanitizers ['coverage'], not among"
planted $wf/cflite_batch.yml 's/language: c$/language: c++/' "language is c++, not c"
planted $wf/cflite_batch.yml 's/^jobs:/jobs: [/' "cflite_batch.yml: while parsing"
planted .clusterfuzzlite/Dockerfile 's|COPY .clusterfuzzlite/build.sh|COPY oss-fuzz/build.sh|' "no line 'COPY .clusterfuzzlite/build.sh \$SRC/'"
planted .clusterfuzzlite/project.yaml 's/language: c/language: go/' "language is not c"
[ "$failures" -eq 0 ] && echo "PASS: every planted mistake caught" || exit 1
