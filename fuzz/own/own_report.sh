# shellcheck shell=bash
# Sourced by fuzz_own_allocator.sh: for each distinct broken rule (own_findings.sh) a directory
# with the minimized input, its op trace and a standalone C test, then the summary table.
# Reads: work src_dir dir mode optrace CC include_dirs objects findings finding_* fuzzer_env.

slug() { tr -c 'A-Za-z0-9\n' '-' <<<"$1" | tr -s '-' | sed 's/^-//; s/-$//' | cut -c1-40; }

# libFuzzer's crash minimizer with the rules found before this one skipped; the smaller input is
# kept only if it still breaks the same rule first.
minimize_finding() {
	local i=$1 out=$2 rule answer_impossible=${finding_answer[$1]} format=${finding_format[$1]}
	IFS=';' read -r -a skips <<<"${finding_skips[i]}"
	# A timeout takes 25 s a try: not worth shrinking.
	if ((minimize_secs > 0)) && [[ ${finding_rule[i]} != timeout* ]]; then
		fuzzer_env "${finding_skips[i]}" "$work/fuzzer" -minimize_crash=1 \
			-max_total_time="$minimize_secs" -exact_artifact_path="$out/minimized" \
			"${finding_input[i]}" >"$out/minimize.log" 2>&1
	fi
	if [[ -s $out/minimized ]]; then
		run_input "$out/minimized" "$out/output.txt" "${skips[@]}"
		rule=$(rule_of_log "$out/output.txt")
		[[ $rule == "${finding_rule[i]}" ]] && return
	fi
	cp "${finding_input[i]}" "$out/minimized"
	run_input "$out/minimized" "$out/output.txt" "${skips[@]}"
}

# The ops as the harness runs them, up to the failure (target_own.c: OSMEM_OWN_TRACE); the op
# tracer decodes format 1 only.
trace_finding() {
	local i=$1 out=$2 answer_impossible=${finding_answer[$1]} format=${finding_format[$1]}
	{
		[[ -n $optrace && $format == 1 ]] && "$optrace" decode "$out/minimized" && echo "# as run:"
		OSMEM_OWN_TRACE=1 fuzzer_env "${finding_skips[i]}" "$work/fuzzer" -runs=1 "$out/minimized" 2>&1 |
			grep -E '^(op [0-9]+ |osmem-fuzz:|SUMMARY:|.*runtime error:)'
	} >"$out/trace.txt"
}

# The C test: your osmem.h and your sources, no fuzzing runtime, the real sbrk and mmap (or the
# emulated OS layer when the input plans refusals); built and run once here. The op tracer writes
# format 1 only: a misuse-format finding has no C test.
ctest_finding() {
	local out=$2 kind=--own
	[[ -n $optrace && ${finding_format[$1]} == 1 ]] || return 0
	[[ $mode == contract ]] && kind=--own-contract
	"$optrace" ctest "$kind" "$out/minimized" "$(first_failure "$out/output.txt")" >"$out/repro.c" 2>"$out/repro.log" || return 0
	build_ctest "$out" >"$out/build.txt" 2>"$out/repro.log" || return 0
	{ (cd "$out" && timeout 20 ./repro) >"$out/repro.out" 2>&1; } 2>/dev/null # no "Segmentation fault" from bash
	echo $? >"$out/repro.status"
}

# Prints each command and runs it.
run_shown() { printf '%q ' "$@" && echo && "$@"; }

# Each of your kept sources compiled on its own, a main of yours renamed (-Dmain=...: a
# single-file submission) so that the test's main is the program's. The objects are built once
# per OS layer (real or emulated) and shared by every finding's test; build.txt lists the commands.
build_ctest() {
	local out=$1 src flags=(-std=gnu11 -g -D_GNU_SOURCE) sources=("${allocator_sources[@]}") n=0
	local objs=$work/ctest-obj/real link=() renames=()
	for src in "${include_dirs[@]}"; do flags+=(-I "$src"); done
	flags+=("${user_cflags[@]}")
	# Refusals need the emulated OS layer; so does an allocator that calls osmem's OS layer by
	# name (a copy of osmem, whose own layer was left out). The layer itself calls the real mmap.
	if grep -q '^#define OSMEM_REPRO_EMULATED' "$out/repro.c" ||
		nm -u "$allocator_object" | grep -qE ' osmem_os_(sbrk|mmap|munmap)$'; then
		flags+=(-I "$repo")
		renames=(-Dsbrk=osmem_os_sbrk -Dmmap=osmem_os_mmap -Dmunmap=osmem_os_munmap)
		objs=$work/ctest-obj/emulated
		mkdir -p "$objs"
		if [[ ! -s $objs/os_layer.o ]]; then
			# The layer and the mapping table it keeps (allocator/emulated_maps.c), as one object.
			# This repository's headers only: yours may carry older copies of them.
			run_shown "$CC" -std=gnu11 -g -D_GNU_SOURCE -I "$repo" -c "$repo/allocator/os_layer_emulated.c" -o "$objs/os_layer_only.o" || return 1
			run_shown "$CC" -std=gnu11 -g -D_GNU_SOURCE -I "$repo" -c "$repo/allocator/emulated_maps.c" -o "$objs/emulated_maps.o" || return 1
			run_shown ld -r -o "$objs/os_layer.o" "$objs/os_layer_only.o" "$objs/emulated_maps.o" || return 1
		fi
	fi
	mkdir -p "$out/build" "$objs"
	run_shown "$CC" "${flags[@]}" -c "$out/repro.c" -o "$out/build/repro.o" || return 1
	link=("$CC" -o "$out/repro" "$out/build/repro.o")
	[[ -s $objs/os_layer.o ]] && link+=("$objs/os_layer.o")
	for src in "${sources[@]}"; do
		n=$((n + 1))
		if [[ ! -s $objs/$n.o ]]; then
			(cd "$(dirname "$src")" && run_shown "$CC" "${flags[@]}" "${renames[@]}" -Dmain=osmem_own_user_main \
				-c "$src" -o "$objs/$n.o") || return 1
		fi
		link+=("$objs/$n.o")
	done
	run_shown "${link[@]}"
}

report_findings() {
	local i out
	echo
	if ((findings == 0)); then
		echo "fuzz-own-allocator: PASS: no failure in ${elapsed}s, $total_execs inputs run, $mode mode ($src_dir)"
		return 0
	fi
	echo "fuzz-own-allocator: $findings distinct broken rule(s); minimizing each (${minimize_secs}s) and writing its trace and C test"
	for ((i = 0; i < findings; i++)); do
		out=$work/findings/$((i + 1))-$(slug "${finding_rule[i]}")
		mkdir -p "$out"
		minimize_finding "$i" "$out"
		trace_finding "$i" "$out"
		ctest_finding "$i" "$out"
		finding_dir[i]=$out
	done
	summary_table
	return 1
}

ctest_verdict() { # ctest_verdict DIR FORMAT
	local out=$1
	[[ $2 == 1 ]] || { echo "none (the op tracer writes format 1 only; the replay shows the failure)"; return; }
	[[ -n $optrace ]] || { echo "none (no op tracer next to this harness; the replay shows the failure)"; return; }
	[[ -f $out/repro.status ]] || { echo "not built (see $out/repro.log)"; return; }
	if [[ $(cat "$out/repro.status") == 0 ]]; then
		echo "passes (the rule needs the oracle)"
	elif (($(cat "$out/repro.status") > 128)); then
		echo "fails: killed by signal $(($(cat "$out/repro.status") - 128)) after: $(tail -n 1 "$out/repro.out")"
	else
		echo "fails: $(tail -n 1 "$out/repro.out")"
	fi
}

summary_table() {
	local i out replay
	echo
	echo "==== $findings distinct broken rule(s) in ${elapsed}s, $total_execs inputs, $mode mode: $src_dir"
	printf "%-3s %-44s %-7s %-6s %-15s %s\n" "#" "rule" "after" "hits" "seen by" "files"
	for ((i = 0; i < findings; i++)); do
		printf '%-3s %-44s %-7s %-6s %-15s %s\n' "$((i + 1))" "${finding_rule[i]:0:44}" "${finding_secs[i]}s" \
			"${finding_hits[i]}" "${finding_seen[i]}" "${finding_dir[i]#"$work"/}/"
	done
	for ((i = 0; i < findings; i++)); do
		out=${finding_dir[i]}
		replay="tools/fuzz-own-allocator $dir --replay $out/minimized"
		[[ ${finding_format[i]} == 1 ]] || replay+=" --format ${finding_format[i]}"
		[[ -n ${finding_skips[i]} ]] && replay+=" --skip-rules '${finding_skips[i]}'"
		((finding_answer[i])) && replay+=" --answer-impossible"
		echo
		echo "[$((i + 1))] $(first_failure "$out/output.txt")"
		echo "    input:  $out/minimized ($(stat -c %s "$out/minimized") bytes, format ${finding_format[i]}; found as ${finding_input[i]##*/})"
		echo "    trace:  $out/trace.txt ($(grep -c '^op ' "$out/trace.txt") ops run)"
		echo "    C test: $out/repro.c: $(ctest_verdict "$out" "${finding_format[i]}")"
		echo "    replay: $replay"
	done
	echo
	echo "work directory: $work"
}
