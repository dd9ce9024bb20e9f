#!/usr/bin/env bash
# Planted-bug benchmark: does the libFuzzer harness (ASan + UBSan) find each bug planted in the
# allocator (allocator/planted/*.patch), starting from an empty corpus, and how fast?
#
#   fuzz/planted/bench.sh [--time SECS] [--seeds "1 2 3"] [--bugs "1 5 9"] [--no-dict] [--no-control]
#
# For each bug N the fuzzer //fuzz:osmem_fuzz_bin is built once on a copy of the allocator's sources
# with patch N applied (--define=osmem_planted=N, see allocator/BUILD.bazel) and cached under $OSMEM_BENCH_CACHE (default
# /tmp/osmem-planted-bench), keyed by the sources; then it runs on one core from a fresh empty
# corpus directory (with the dictionary unless --no-dict) for at most SECS seconds (default 60),
# once per libFuzzer seed (default 1 2 3). A run finds the bug when it stops on an oracle or
# sanitizer failure (a libFuzzer timeout or out-of-memory stop does not count). The table gives,
# per bug, how many seeds found it, the median wall-clock seconds to the first failure (runs
# that found nothing count as not found in time), the median number of inputs run up to it (which
# does not change with the machine's speed: in the fuzz configs one seed runs the same inputs every
# time) and the first failure line of the fastest run.
# The control row runs the unplanted fuzzer the same way: it must find nothing.
set -uo pipefail

die() { echo "bench: $*" >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
time_secs=60 seeds="1 2 3" bugs="" dict=1 control=1
while (($#)); do
	case $1 in
	--time) (($# > 1)) || die "--time wants seconds"; time_secs=$2; shift ;;
	--seeds) (($# > 1)) || die "--seeds wants a list"; seeds=$2; shift ;;
	--bugs) (($# > 1)) || die "--bugs wants a list"; bugs=$2; shift ;;
	--no-dict) dict=0 ;;
	--no-control) control=0 ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
	shift
done
[[ $time_secs =~ ^[0-9]+$ && $time_secs -gt 0 ]] || die "--time wants a whole number > 0, got '$time_secs'"
for s in $seeds; do [[ $s =~ ^[0-9]+$ ]] || die "--seeds wants whole numbers, got '$s'"; done
[[ -n ${seeds// /} ]] || die "--seeds is empty"

# ---- The bugs, from allocator/planted/ (read by tools/lib/planted.py, shared with tools/fuzz) ----

declare -A name description
all_bugs=()
while IFS=$'\t' read -r n short text; do
	name[$n]=$short description[$n]=$text
	all_bugs+=("$n")
done < <(python3 "$repo/tools/lib/planted.py" list)
((${#all_bugs[@]})) || die "no planted bugs in allocator/planted/"
for n in $bugs; do [[ -n ${name[$n]:-} ]] || die "no planted bug $n (allocator/planted/ has ${all_bugs[*]})"; done
[[ -n $bugs ]] || bugs="${all_bugs[*]}"
name[0]=control description[0]="no planted bug: the harness must find nothing"
variants=$bugs
((control)) && variants="$variants 0"

# ---- Builds: one fuzzer per variant, cached by the sources they come from ----

cache=${OSMEM_BENCH_CACHE:-/tmp/osmem-planted-bench}
key=$(cd "$repo" && cat .bazelrc WORKSPACE tools/lib/planted.py $(find allocator fuzz corpus -name '*.[ch]' -o -name '*.patch' -o -name BUILD.bazel -o -name '*.bzl' | sort) | sha256sum | cut -c1-16)
mkdir -p "$cache" || die "cannot create $cache"
[[ $(cat "$cache/key" 2>/dev/null) == "$key" ]] || { rm -rf "${cache:?}"/bug-*; echo "$key" >"$cache/key"; }

# The patched copy of the allocator, in an output path of its own: the same flags
# as `tools/fuzz --planted N` (tools/lib/planted.py); the control is the config's plain build.
build_variant() {
	local n=$1 flags=(--config=asan-ubsan-libfuzzer) start out bin
	if ((n)); then
		mapfile -t -O 1 flags < <(python3 "$repo/tools/lib/planted.py" flags "$n" asan-ubsan-libfuzzer)
		((${#flags[@]} > 1)) || die "tools/lib/planted.py gave no build flags for bug $n"
	fi
	start=$(date +%s)
	out=$(cd "$repo" && bazel build "${flags[@]}" //fuzz:osmem_fuzz_bin 2>&1) ||
		{ echo "$out" | tail -n 20 >&2; die "build of bug $n failed"; }
	bin=$(cd "$repo" && bazel info "${flags[@]}" bazel-bin 2>/dev/null)/fuzz/osmem_fuzz_bin
	mkdir -p "$cache/bug-$n"
	cp "$bin" "$cache/bug-$n/fuzzer" || die "built fuzzer not found where expected ($bin)"
	echo "$(($(date +%s) - start))s"
}

count=$(wc -w <<<"$variants") i=0
for n in $variants; do
	i=$((i + 1))
	if [[ -x $cache/bug-$n/fuzzer ]]; then
		echo "bench: [$i/$count] bug $n (${name[$n]}): cached"
	else
		echo "bench: [$i/$count] bug $n (${name[$n]}): building... $(build_variant "$n")"
	fi
done

# ---- Runs ----

# Prints "<found 0|1> <seconds> <execs> <first failure line>" for one run.
run_once() {
	local n=$1 seed=$2 tmp log start end status line found=0 execs args=()
	tmp=$(mktemp -d /tmp/osmem-bench-run.XXXXXX) || die "no temp dir"
	mkdir "$tmp/corpus"
	((dict)) && args+=(-dict="$repo/corpus/osmem_fuzz.dict")
	log=$tmp/log
	start=$(date +%s%N)
	taskset -c "$(($(nproc) - 1))" "$cache/bug-$n/fuzzer" "${args[@]}" -seed="$seed" \
		-max_total_time="$time_secs" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
		-print_final_stats=1 -artifact_prefix="$tmp/" "$tmp/corpus" >"$log" 2>&1
	status=$?
	end=$(date +%s%N)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	line=$(grep -m1 -E '^osmem-fuzz:|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error:|ERROR: libFuzzer: deadly signal' "$log")
	if ((status != 0)) && [[ -n $line ]] && ls "$tmp"/crash-* >/dev/null 2>&1; then
		found=1
	elif ((status != 0)); then
		line="stopped without a failure: $(grep -m1 -E 'ERROR: libFuzzer' "$log")"
	fi
	[[ -n $line ]] || line="-"
	printf '%d %s %s %s\n' "$found" "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')" "${execs:-?}" "$line"
	rm -rf "$tmp"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

nseeds=$(wc -w <<<"$seeds")
rows=()
all_found=1
echo "bench: fuzzing each variant from an empty corpus, ${time_secs}s per run, seeds: $seeds"
for n in $variants; do
	found=0 times="" runs="" best="" best_time=""
	for seed in $seeds; do
		read -r f t e line < <(run_once "$n" "$seed")
		echo "bench:   bug $n seed $seed: $([[ $f == 1 ]] && echo "found in ${t}s" || echo "nothing in ${t}s") ($e runs) $line"
		if ((f)); then
			found=$((found + 1))
			times="$times $t"
			runs="$runs ${e/\?/999999999999}"
			if [[ -z $best_time ]] || awk -v a="$t" -v b="$best_time" 'BEGIN { exit !(a < b) }'; then
				best_time=$t best=$line
			fi
		else
			# Not found counts as slower than any time limit for the median.
			times="$times 999999"
			runs="$runs 999999999999"
			[[ -z $best ]] && best=$line
		fi
	done
	med=$(tr ' ' '\n' <<<"$times" | grep . | median)
	[[ $med == 999999* ]] && med="> $time_secs"
	med_runs=$(tr ' ' '\n' <<<"$runs" | grep . | median)
	if [[ $med_runs == 99999999* ]]; then med_runs="-"; else med_runs=$(printf '%.0f' "$med_runs"); fi
	if ((n)); then
		((found == nseeds)) || all_found=0
		verdict=$([[ $found -gt 0 ]] && echo yes || echo no)
	else
		verdict=$([[ $found -eq 0 ]] && echo "clean" || echo "FALSE ALARM")
		((found == 0)) || all_found=0
	fi
	rows+=("$(printf '%-3s %-15s %-7s %-6s %-8s %-11s %s' "$n" "${name[$n]}" "$verdict" "$found/$nseeds" "$med" "$med_runs" "${best:0:110}")")
done

echo
echo "Planted-bug benchmark: libFuzzer + ASan + UBSan, empty corpus, $([[ $dict == 1 ]] && echo "dictionary, ")${time_secs}s limit, seeds $seeds"
printf '%-3s %-15s %-7s %-6s %-8s %-11s %s\n' bug name found seeds median_s median_runs "first failure (fastest run)"
for r in "${rows[@]}"; do echo "$r"; done
echo
for n in $variants; do printf '%3s  %-15s %s\n' "$n" "${name[$n]}" "${description[$n]}"; done
echo
if ((all_found)); then
	echo "bench: every planted bug found by every seed$( ((control)) && echo "; the control run stayed clean")"
else
	echo "bench: NOT every planted bug was found by every seed (or the control run failed): see above"
	exit 1
fi
