#!/usr/bin/env bash
# Every seed decodes to a trace that encodes back to an input with the same trace; a hand-written
# trace encodes to an input that decodes back to exactly that trace.
set -euo pipefail
optrace=$1; shift
tmp=${TEST_TMPDIR:-$(mktemp -d)}
ops_only() { grep -v '^#' "$1"; }
checked=0
for seed in "$@"; do
  "$optrace" decode "$seed" > "$tmp/a.txt"
  "$optrace" encode "$tmp/a.txt" "$tmp/b.bin"
  "$optrace" decode "$tmp/b.bin" > "$tmp/b.txt"
  if ! diff <(ops_only "$tmp/a.txt") <(ops_only "$tmp/b.txt"); then
    echo "FAIL: $seed does not survive decode -> encode -> decode"; exit 1
  fi
  checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || { echo "FAIL: no seed given"; exit 1; }

cat > "$tmp/hand.txt" <<'TRACE'
# written by hand: one op per line, optional "N:" prefix and comments
malloc(slot 0, 100)
1: calloc(slot 1, 8, 4064)      # a table count and a table size
realloc(slot 0, 5000)
realloc(slot 2, 4194304)
free(slot 1)
check()
refuse(skip 2, count 18446744073709551615)
malloc(slot 63, 131072)
TRACE
"$optrace" encode "$tmp/hand.txt" "$tmp/hand.bin"
"$optrace" decode "$tmp/hand.bin" | ops_only /dev/stdin | sed 's/^[0-9]*: //' > "$tmp/hand.out"
sed -e '/^#/d' -e 's/ *#.*//' -e 's/^[0-9]*: //' "$tmp/hand.txt" > "$tmp/hand.expected"
diff "$tmp/hand.expected" "$tmp/hand.out" || { echo "FAIL: hand-written trace changed"; exit 1; }
echo "PASS: $checked seeds and a hand-written trace round-trip"
