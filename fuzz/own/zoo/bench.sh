#!/usr/bin/env bash
# The zoo bench: how tools/fuzz-own-allocator does on every single-bug variant of the reference.
#
#   fuzz/own/zoo/bench.sh [--time SECS] [--seed N] [--empty ROWS] [--reference SECS]
#                         [--only PATTERN] [--jobs N] [--minimize-seconds S]
#   fuzz/own/zoo/bench.sh --report WORKDIR [--time SECS] [--empty ROWS] [--reference SECS]
#                         the table again from an earlier run's logs (nothing is run)
#
# For each variants/*.patch (or those whose file name matches --only, a grep -E pattern), applied
# with `patch -p1` to a copy of reference/ in a temporary directory:
#   1. fuzz:  tools/fuzz-own-allocator COPY --time SECS --seed N (the user's command, contract mode
#             chosen by the tool): its first finding (after how many seconds, made by an unchanged
#             seed or by a mutated input, the message) and whether one of its findings names the
#             variant's intended rule (the patch's zoo-rule line) or the rule the oracle names on
#             the variant's own script (zoo-oracle), after how many seconds;
#   2. empty: for the variants whose zoo-row is one of ROWS (default "placement thresholds"; "all"
#             or "none"), tools/fuzz-own-allocator COPY --no-seeds --format 1 --time SECS: from an
#             EMPTY corpus (no seed, only the tool's dictionary), format 1 for the whole time: after
#             how many seconds of fuzzing its first failure came.
# The reference itself is fuzzed by the tool for --reference SECS (default 60; 0 skips it),
# expecting no finding; it runs alongside the variants. --jobs N runs N variants at a time
# (default 1). --minimize-seconds is passed to the tool (default 0: the bench needs no small input).
#
# Prints a markdown table (one row per variant, in order) and totals; the logs stay in the working
# directory it names. Exit status: 0 every variant's rule named and the reference clean,
# 1 otherwise, 2 usage error.
set -uo pipefail

die() { echo "zoo bench: $*" >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
zoo=$repo/fuzz/own/zoo
tool=$repo/tools/fuzz-own-allocator
time_secs=60 seed=1 empty_rows="placement thresholds" reference_secs=60 only="" jobs=1 minimize_secs=0
report=""

while (($#)); do
	case $1 in
	--time) (($# > 1)) || die "--time wants seconds"; time_secs=$2; shift ;;
	--seed) (($# > 1)) || die "--seed wants a number"; seed=$2; shift ;;
	--empty) (($# > 1)) || die "--empty wants row names, 'all' or 'none'"; empty_rows=$2; shift ;;
	--reference) (($# > 1)) || die "--reference wants seconds"; reference_secs=$2; shift ;;
	--only) (($# > 1)) || die "--only wants a pattern"; only=$2; shift ;;
	--jobs) (($# > 1)) || die "--jobs wants a number"; jobs=$2; shift ;;
	--minimize-seconds) (($# > 1)) || die "--minimize-seconds wants a number"; minimize_secs=$2; shift ;;
	--report) (($# > 1)) || die "--report wants a bench working directory"; report=$2; shift ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
	shift
done
for n in time_secs reference_secs seed jobs minimize_secs; do
	[[ ${!n} =~ ^[0-9]+$ ]] || die "--${n%_secs} wants a whole number, got '${!n}'"
done
((time_secs > 0 && jobs > 0)) || die "--time and --jobs want a number > 0"

if [[ -n $report ]]; then
	[[ -d $report ]] || die "no such bench working directory: $report"
	work=$(cd "$report" && pwd)
else
	work=$(mktemp -d /tmp/osmem-zoo-bench.XXXXXX) || die "cannot make a working directory"
	echo "zoo bench: working directory $work"
	echo "zoo bench: load at start: $(uptime | sed 's/.*load/load/')"

	# The harness archives, built once; the tool is pointed at them (as its own test does)
	# instead of running Bazel for every variant.
	echo "zoo bench: building the harness (bazel build //fuzz/own:own_harness //tools/optrace)"
	(cd "$repo" && bazel build //fuzz/own:own_harness //tools/optrace 2>&1 | tail -n 1) ||
		die "bazel could not build the harness"
	execroot=$(cd "$repo" && bazel info execution_root 2>/dev/null)
	bazel_manifest=$(cd "$repo" && bazel info bazel-bin 2>/dev/null)/fuzz/own/own_harness.manifest
	[[ -f $bazel_manifest ]] || die "no harness manifest at $bazel_manifest"
	# The tool reads the first column relative to --harness-root: the execution-root paths.
	awk -F '\t' '{ print $2 "\t" $2 }' "$bazel_manifest" >"$work/harness.manifest"
	harness=(--harness-manifest "$work/harness.manifest" --harness-root "$execroot")
fi

header_field() { sed -n "s/^zoo-$2: //p" "$1" | head -n 1; }

# The oracle's rule name in a failure line ("... [rule name] expected ..."), else the kind of report.
rule_of() {
	if [[ $1 =~ osmem-fuzz:[^[]*\[([^]]+)\] ]]; then
		echo "${BASH_REMATCH[1]}"
	elif [[ $1 == *AddressSanitizer* ]]; then
		echo "(ASan report)"
	elif [[ $1 == *"runtime error"* || $1 == *UndefinedBehaviorSanitizer* ]]; then
		echo "(UBSan report)"
	elif [[ -n $1 ]]; then
		echo "(no rule name)"
	fi
}

# The first failure line of a libFuzzer log.
first_failure() {
	awk '/osmem-fuzz:|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error:/ { sub(/^.*osmem-fuzz:/, "osmem-fuzz:"); print; exit }
	     /ERROR: libFuzzer:/ { print (said != "" ? said : $0); exit }
	     /^(#[0-9]|INFO:|Running:|MS:|$)/ { said = ""; next }
	     { said = $0 }' "$1"
}

# How the first failure naming RULE was made: "seed" (an unchanged file of the seed corpora),
# "mutated", or "merge" (found while the tool sorted out failing corpus inputs, whose logs are not
# kept). The round log that first names RULE says which input libFuzzer wrote ("Test unit written
# to"); an artifact's own log is not used, as a later merge may rewrite it with the next rule.
made_by() { # made_by FUZZ_WORK RULE
	local log unit seedfile
	while read -r log; do
		[[ $(rule_of "$(first_failure "$log")") == "$2" ]] || continue
		unit=$(sed -n 's/.*Test unit written to //p' "$log" | head -n 1)
		[[ -f $unit ]] || { echo "?"; return; }
		# The repository's seeds: the tool removes from its copies those failing unskippably.
		for seedfile in "$repo"/corpus/osmem_fuzz/* "$repo"/corpus/osmem_misuse_fuzz/*; do
			cmp -s "$unit" "$seedfile" && { echo seed; return; }
		done
		echo mutated
		return
	done < <(ls "$1"/round-*.log 2>/dev/null | sort -t- -k2 -n)
	echo merge
}

wants_empty() {
	[[ $empty_rows == all ]] && return 0
	[[ " $empty_rows " == *" $1 "* ]]
}

cell() { cut -c1-"${2:-170}" <<<"$1" | sed 's/|/\\|/g'; }

# The tool from an empty corpus (--no-seeds: no seed, only its dictionary), format 1 for the whole
# time; its log is DIR/empty.log.
empty_corpus_run() { # DIR
	"$tool" "$1/src" "${harness[@]}" --time "$time_secs" --seed "$seed" --no-seeds --format 1 \
		--minimize-seconds 0 --work "$1/empty" >"$1/empty.log" 2>&1
}

# Prints "SECS<TAB>message" of the empty-corpus run's first finding naming RULE or ORACLE, or "none".
empty_result() { # DIR RULE ORACLE
	local first
	first=$(grep '^fuzz-own-allocator: FOUND after' "$1/empty.log" | grep -m1 -F -e "[$2]" -e "[$3]")
	[[ -n $first ]] || { printf 'none\t\n'; return; }
	printf '%s\t%s\n' "$(sed -E 's/^fuzz-own-allocator: FOUND after ([0-9]+)s: .*/\1/' <<<"$first")" \
		"$(sed -E 's/^fuzz-own-allocator: FOUND after [0-9]+s: //' <<<"$first")"
}

# One variant: the tool on a patched copy (and from an empty corpus for the wanted rows).
bench_variant() { # NAME PATCH
	local name=$1 patch=$2 dir=$work/$1
	mkdir -p "$dir/src"
	cp "$zoo"/reference/*.[ch] "$dir/src/"
	(cd "$dir/src" && patch -s -p1 <"$patch") || { echo "| $name | does not apply |" >"$dir/row"; return; }
	"$tool" "$dir/src" "${harness[@]}" --time "$time_secs" --seed "$seed" \
		--minimize-seconds "$minimize_secs" --work "$dir/fuzz" >"$dir/fuzz.log" 2>&1
	wants_empty "$(header_field "$patch" row)" && empty_corpus_run "$dir"
	summarize_variant "$name" "$patch"
}

# Writes $work/NAME/row (the table row) and $work/NAME/result (found named empty) from its logs.
summarize_variant() { # NAME PATCH
	local name=$1 patch=$2 dir=$work/$1 row rule oracle log first first_secs first_rule how named_secs wanted
	local fuzz_cell named_cell empty_cell="-" found=0 named=0 empty=- secs msg
	row=$(header_field "$patch" row)
	rule=$(header_field "$patch" rule)
	oracle=$(header_field "$patch" oracle)
	log=$dir/fuzz.log
	[[ -f $log ]] || return
	first=$(sed -n 's/^fuzz-own-allocator: FOUND after [0-9]*s: //p' "$log" | head -n 1)
	first_secs=$(sed -n 's/^fuzz-own-allocator: FOUND after \([0-9]*\)s: .*/\1/p' "$log" | head -n 1)
	if [[ -n $first ]]; then
		found=1
		first_rule=$(rule_of "$first")
		how=$(made_by "$dir/fuzz" "$first_rule")
		fuzz_cell="${first_secs}s, $how: $first_rule"
	else
		fuzz_cell="NOT FOUND"
	fi
	named_cell=no
	for wanted in "$rule" "$oracle"; do
		named_secs=$(grep -F "[$wanted]" "$log" | sed -n 's/^fuzz-own-allocator: FOUND after \([0-9]*\)s: .*/\1/p' | head -n 1)
		[[ -n $named_secs ]] || continue
		named=1
		named_cell="${named_secs}s, $(made_by "$dir/fuzz" "$wanted")"
		[[ $wanted == "$rule" ]] || named_cell+=" ($wanted)"
		break
	done
	if wants_empty "$row" && [[ -f $dir/empty.log ]]; then
		IFS=$'\t' read -r secs msg < <(empty_result "$dir" "$rule" "$oracle")
		if [[ $secs == none ]]; then
			empty=0 empty_cell="NOT FOUND in ${time_secs}s"
		else
			empty=1 empty_cell="${secs}s: $(rule_of "$msg")"
		fi
	fi
	echo "| $name | $row | $rule | $fuzz_cell | $named_cell | $empty_cell | $(cell "${first:-$(tail -n 1 "$log")}") |" >"$dir/row"
	echo "$found $named $empty" >"$dir/result"
}

reference_run() {
	mkdir -p "$work/reference/src"
	cp "$zoo"/reference/*.[ch] "$work/reference/src/"
	"$tool" "$work/reference/src" "${harness[@]}" --time "$reference_secs" --seed "$seed" \
		--work "$work/reference/fuzz" >"$work/reference/fuzz.log" 2>&1
	echo $? >"$work/reference/status"
}

names=()
for patch in "$zoo"/variants/*.patch; do
	name=$(basename "$patch" .patch)
	[[ -z $only ]] || grep -qE "$only" <<<"$name" || continue
	names+=("$name")
done
((${#names[@]})) || die "no variant matches '$only'"

# Background jobs: up to --jobs variants, plus the reference while it runs.
running_limit() { if [[ -n $reference_pid ]] && kill -0 "$reference_pid" 2>/dev/null; then echo $((jobs + 1)); else echo "$jobs"; fi; }
if [[ -n $report ]]; then
	for name in "${names[@]}"; do summarize_variant "$name" "$zoo/variants/$name.patch"; done
else
	reference_pid=""
	if ((reference_secs > 0)); then
		reference_run &
		reference_pid=$!
	fi
	for name in "${names[@]}"; do
		while (($(jobs -rp | wc -l) >= $(running_limit))); do
			wait -n
		done
		bench_variant "$name" "$zoo/variants/$name.patch" &
		echo "zoo bench: started $name ($(date -u +%H:%M:%S))"
	done
	wait
fi
echo
echo "| variant | row | intended rule | first finding (fuzz ${time_secs}s) | rule named | empty corpus | first message |"
echo "|---|---|---|---|---|---|---|"
found=0 named=0 empty_runs=0 empty_found=0 missed=()
for name in "${names[@]}"; do
	cat "$work/$name/row"
	read -r f n e <"$work/$name/result" || { missed+=("$name"); continue; }
	found=$((found + f)) named=$((named + n))
	((n)) || missed+=("$name")
	[[ $e == - ]] || { empty_runs=$((empty_runs + 1)) empty_found=$((empty_found + e)); }
done
echo
echo "variants: ${#names[@]}; found by tools/fuzz-own-allocator --time $time_secs: $found;" \
	"its rule named: $named; found from an empty corpus: $empty_found of $empty_runs"
((${#missed[@]})) && echo "rule not named: ${missed[*]}"
if ((reference_secs > 0)); then
	echo "reference, ${reference_secs}s: $(grep -E '^fuzz-own-allocator: (PASS|FOUND)|distinct broken' "$work/reference/fuzz.log" | head -n 2 | tr '\n' ' ')"
fi
[[ -n $report ]] || echo "zoo bench: load at end: $(uptime | sed 's/.*load/load/')"
((named == ${#names[@]})) && [[ $reference_secs == 0 || $(cat "$work/reference/status") == 0 ]]
