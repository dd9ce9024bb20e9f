#!/bin/bash
# The replay engine's command line: bad arguments get one clear line and exit status 2; good
# ones print OK per input and a summary. usage: replay_cli_test.sh REPLAY_BINARY SEED_FILE
set -uo pipefail
replay=$(readlink -f "$1") seed=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/empty" "$tmp/one"
cp "$seed" "$tmp/one/input"
passed=0 failed=0

# expect STATUS TEXT ARGS...: exit status STATUS and TEXT somewhere in the output.
expect() {
	local want_status=$1 want_text=$2 out status
	shift 2
	out=$("$replay" "$@" 2>&1)
	status=$?
	if [[ $status -eq $want_status ]] && grep -qF -- "$want_text" <<<"$out"; then
		echo "PASS $*: exit $status, '$want_text'"
		passed=$((passed + 1))
	else
		echo "FAIL $*: wanted exit $want_status and '$want_text', got exit $status:"
		echo "$out" | tail -3
		failed=$((failed + 1))
	fi
}

expect 2 "usage:"
expect 2 "usage:" --trace
expect 2 "$tmp/missing: No such file or directory" "$tmp/missing"
expect 2 "$tmp/empty: directory holds no input files" "$tmp/empty"
expect 0 "usage:" --help
expect 2 "--bogus: unknown option" --bogus
expect 2 "--repeat=0: wants a positive whole number" --repeat=0 "$tmp/one"
expect 2 "--repeat=-3: wants a positive whole number" --repeat=-3 "$tmp/one"
cp "$seed" "$tmp/-dash"
cd "$tmp" && expect 0 "OK -dash" -- -dash && cd - >/dev/null
expect 0 "OK $tmp/one/input" "$tmp/one"
expect 0 "1 inputs" "$tmp/one"
expect 0 "op 0 " --trace "$seed"
expect 0 "op 0 malloc(slot 0, 100)" --decode "$seed"
echo "replay command line: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
