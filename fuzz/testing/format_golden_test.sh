#!/bin/bash
# Format 1 never changes meaning: format1_all.bin (every table entry, every size mode, kinds past
# 5, a truncated last op) must still decode exactly to format1_all.golden.
# usage: format_golden_test.sh REPLAY_BINARY INPUT GOLDEN
set -uo pipefail
replay=$1 input=$2 golden=$3
if diff -u "$golden" <("$replay" --decode "$input" | sed 1d); then
	echo "format 1: $(wc -l <"$golden") ops decode as before"
else
	echo "format 1 changed meaning: the decoder must not change; a new meaning needs a new format"
	exit 1
fi
