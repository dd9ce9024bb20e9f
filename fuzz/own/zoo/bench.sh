#!/usr/bin/env bash
# The zoo bench: how tools/fuzz-own-allocator does on every single-bug variant of the reference.
#
#   fuzz/own/zoo/bench.sh [--time SECS] [--seed N] [--empty ROWS] [--reference SECS] [--only PATTERN]
#
# For each variants/*.patch (or those whose name matches --only, a grep -E pattern), applied with
# `patch -p1` to a copy of reference/ in a temporary directory:
#   1. seeds:  tools/fuzz-own-allocator COPY --replay corpus/osmem_fuzz: does an unchanged seed
#              already fail, and with which message;
#   2. fuzz:   tools/fuzz-own-allocator COPY --time SECS --seed N (the user's command): the first
#              finding, after how many seconds, and every distinct rule the run names;
#   3. empty:  for the variants whose zoo-row is in ROWS (default "placement thresholds"; "all" or
#              "none"), the fuzzer the tool built, run from an EMPTY corpus without the dictionary
#              for SECS: after how long (wall clock, from process start) it finds a failure.
# The reference itself is fuzzed for --reference SECS (default 60; 0 skips it), expecting no finding.
#
# Prints one table row per variant as it goes (markdown), then totals; the raw logs stay in the
# working directory it prints. Exit status: 0 every variant found and the reference clean, 1 not,
# 2 usage error.
set -uo pipefail

die() { echo "zoo bench: $*" >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
zoo=$repo/fuzz/own/zoo
tool=$repo/tools/fuzz-own-allocator
time_secs=60 seed=1 empty_rows="placement thresholds" reference_secs=60 only=""

while (($#)); do
	case $1 in
	--time) (($# > 1)) || die "--time wants seconds"; time_secs=$2; shift ;;
	--seed) (($# > 1)) || die "--seed wants a number"; seed=$2; shift ;;
	--empty) (($# > 1)) || die "--empty wants row names, 'all' or 'none'"; empty_rows=$2; shift ;;
	--reference) (($# > 1)) || die "--reference wants seconds"; reference_secs=$2; shift ;;
	--only) (($# > 1)) || die "--only wants a pattern"; only=$2; shift ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
	shift
done
[[ $time_secs =~ ^[0-9]+$ && $time_secs -gt 0 ]] || die "--time wants a whole number of seconds > 0"
[[ $reference_secs =~ ^[0-9]+$ ]] || die "--reference wants a whole number of seconds"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed wants a whole number"

work=$(mktemp -d /tmp/osmem-zoo-bench.XXXXXX) || die "cannot make a working directory"
echo "zoo bench: working directory $work; load at start: $(uptime | sed 's/.*load/load/')"

# The harness archives, built once; the tool is pointed at them (as its own test does) instead of
# running Bazel for every variant.
echo "zoo bench: building the harness (bazel build //fuzz/own:own_harness)"
(cd "$repo" && bazel build //fuzz/own:own_harness 2>&1 | tail -n 1) || die "bazel could not build the harness"
execroot=$(cd "$repo" && bazel info execution_root 2>/dev/null)
bazel_manifest=$(cd "$repo" && bazel info bazel-bin 2>/dev/null)/fuzz/own/own_harness.manifest
[[ -f $bazel_manifest ]] || die "no harness manifest at $bazel_manifest"
# The tool reads the first column relative to --harness-root: give it the execution-root paths.
awk -F '\t' '{ print $2 "\t" $2 }' "$bazel_manifest" >"$work/harness.manifest"
harness=(--harness-manifest "$work/harness.manifest" --harness-root "$execroot")

header_field() { sed -n "s/^zoo-$2: //p" "$1" | head -n 1; }

# The oracle's rule name in a failure line ("... [rule name] expected ..."), or the kind of report.
rule_of() {
	local rule
	rule=$(sed -n 's/^[^[]*\[\([^]]*\)\].*/\1/p' <<<"$1" | head -n 1)
	if [[ -n $rule ]]; then
		echo "$rule"
	elif [[ $1 == *AddressSanitizer* ]]; then
		echo "(ASan report)"
	elif [[ $1 == *"runtime error"* || $1 == *UndefinedBehaviorSanitizer* ]]; then
		echo "(UBSan report)"
	elif [[ -n $1 ]]; then
		echo "(no rule name)"
	fi
}

# The first failure line of a libFuzzer log, as the tool reports it.
first_failure() {
	awk '/osmem-fuzz:|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error:/ { sub(/^.*osmem-fuzz:/, "osmem-fuzz:"); print; exit }
	     /ERROR: libFuzzer:/ { print (said != "" ? said : $0); exit }
	     /^(#[0-9]|INFO:|Running:|MS:|$)/ { said = ""; next }
	     { said = $0 }' "$1"
}

# make_copy NAME PATCH: the reference with PATCH applied, in $work/NAME/src.
make_copy() {
	mkdir -p "$work/$1/src"
	cp "$zoo"/reference/*.[ch] "$work/$1/src/"
	[[ -z $2 ]] || (cd "$work/$1/src" && patch -s -p1 <"$2")
}

# seeds NAME: replays the seed corpus; sets seed_msg (empty when every seed passes).
seeds() {
	"$tool" "$work/$1/src" "${harness[@]}" --replay "$repo/corpus/osmem_fuzz" --work "$work/$1/tool" >"$work/$1/seeds.log" 2>&1
	seed_msg=$(sed -n 's/^fuzz-own-allocator: FAILED: //p' "$work/$1/seeds.log" | head -n 1)
	[[ -x $work/$1/tool/fuzzer ]] || die "$1: the tool built no fuzzer (see $work/$1/seeds.log)"
}

# fuzz NAME: the user's command; sets fuzz_found (0/1), fuzz_secs, fuzz_msg, fuzz_rules.
fuzz() {
	local log=$work/$1/fuzz.log
	"$tool" "$work/$1/src" "${harness[@]}" --time "$time_secs" --seed "$seed" --work "$work/$1/fuzz" >"$log" 2>&1
	fuzz_found=$(($? == 1))
	fuzz_secs=$(sed -n 's/^fuzz-own-allocator: FOUND after \([0-9]*\)s.*/\1/p' "$log" | head -n 1)
	fuzz_msg=$(sed -n 's/^fuzz-own-allocator: FOUND after [0-9]*s: //p' "$log" | head -n 1)
	fuzz_rules=$(grep -o '\[[^]]*\]' "$log" | sort -u | tr '\n' ' ')
}

# empty NAME: the tool's fuzzer from an empty corpus; sets empty_found, empty_secs, empty_msg.
empty() {
	local dir=$work/$1/empty start end
	mkdir -p "$dir/corpus" "$dir/artifacts"
	start=$(date +%s.%N)
	OSMEM_FUZZ_MODE=contract "$work/$1/tool/fuzzer" -seed="$seed" -max_total_time="$time_secs" \
		-max_len=4096 -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$dir/artifacts/" \
		"$dir/corpus" >"$dir/log" 2>&1
	empty_found=$(($? != 0))
	end=$(date +%s.%N)
	empty_secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	empty_msg=$(first_failure "$dir/log")
}

wants_empty() {
	[[ $empty_rows == all ]] && return 0
	[[ " $empty_rows " == *" $1 "* ]]
}

short() { cut -c1-"${2:-160}" <<<"$1" | sed 's/|/\\|/g'; }

variants=0 found=0 by_seed=0 named=0 empty_runs=0 empty_found_total=0 missed=()
echo
echo "| variant | row | intended rule | seed corpus | fuzz ${time_secs}s: first finding | rule named | empty corpus | message |"
echo "|---|---|---|---|---|---|---|---|"
for patch in "$zoo"/variants/*.patch; do
	name=$(basename "$patch" .patch)
	[[ -z $only ]] || grep -qE "$only" <<<"$name" || continue
	row=$(header_field "$patch" row)
	rule=$(header_field "$patch" rule)
	variants=$((variants + 1))
	make_copy "$name" "$patch" || die "$name does not apply"
	seeds "$name"
	fuzz "$name"
	seed_cell="no"
	[[ -n $seed_msg ]] && seed_cell="fails: $(rule_of "$seed_msg")" && by_seed=$((by_seed + 1))
	if ((fuzz_found)); then
		found=$((found + 1))
		how=mutated
		[[ -n $seed_msg && $(rule_of "$seed_msg") == "$(rule_of "$fuzz_msg")" ]] && how=seed
		fuzz_cell="${fuzz_secs}s, $how"
	else
		fuzz_cell="NOT FOUND"
		missed+=("$name")
	fi
	rule_cell=no
	if [[ $fuzz_rules == *"[$rule]"* ]]; then
		rule_cell=yes
		named=$((named + 1))
	fi
	empty_cell="-"
	if wants_empty "$row"; then
		empty "$name"
		empty_runs=$((empty_runs + 1))
		if ((empty_found)); then
			empty_cell="${empty_secs}s: $(rule_of "$empty_msg")"
			empty_found_total=$((empty_found_total + 1))
		else
			empty_cell="NOT FOUND in ${time_secs}s"
		fi
	fi
	echo "| $name | $row | $rule | $seed_cell | $fuzz_cell | $rule_cell | $empty_cell | $(short "${fuzz_msg:-$seed_msg}") |"
done

reference_cell="skipped"
if ((reference_secs > 0)); then
	make_copy reference ""
	"$tool" "$work/reference/src" "${harness[@]}" --time "$reference_secs" --seed "$seed" --work "$work/reference/fuzz" \
		>"$work/reference/fuzz.log" 2>&1
	reference_status=$?
	reference_cell=$(grep -E '^fuzz-own-allocator: (PASS|FOUND)' "$work/reference/fuzz.log" | head -n 1)
fi

echo
echo "variants: $variants; found by fuzz-own-allocator --time $time_secs: $found; an unchanged seed fails: $by_seed;"
echo "intended rule named among the run's findings: $named; found from an empty corpus: $empty_found_total of $empty_runs"
((${#missed[@]})) && echo "not found: ${missed[*]}"
echo "reference, ${reference_secs}s: $reference_cell"
echo "load at end: $(uptime | sed 's/.*load/load/'); logs: $work"
((found == variants && ${#missed[@]} == 0)) && [[ $reference_secs == 0 || ${reference_status:-0} == 0 ]]
