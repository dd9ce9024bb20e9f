#!/usr/bin/env bash
# Called by Bazel as: coverage_report_generator --reports_file=LIST --output_file=F ...
set -euo pipefail
list="" out=""
for arg in "$@"; do
  case "$arg" in
    --reports_file=*) list="${arg#*=}" ;;
    --output_file=*) out="${arg#*=}" ;;
  esac
done
[ -n "$out" ] || { echo "coverage_report_generator: --output_file missing" >&2; exit 1; }
: > "$out"
if [ -n "$list" ] && [ -f "$list" ]; then
  while read -r f; do [ -f "$f" ] && cat "$f" >> "$out"; done < "$list"
fi
