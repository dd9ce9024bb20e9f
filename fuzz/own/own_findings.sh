# shellcheck shell=bash
# Sourced by fuzz_own_allocator.sh: fuzzing that keeps going after a finding, one record per
# distinct broken rule, each with a minimized input, an op trace and a C test, and the summary.
# Reads: work dir src_dir mode header_size seed time_secs minimize_secs fuzzer_env() optrace.
#
# Rounds of in-process fuzzing, not libFuzzer's -fork=1 -ignore_crashes=1: once a rule is broken,
# many later inputs break it again, and in fork mode each of them ends a job (measured on a
# submission that exits on a failed mmap: 136 inputs in 18 s in fork mode). The contract oracle
# can skip a rule instead (OSMEM_FUZZ_SKIP_RULES: not reported again, the model follows the
# allocator's actual state), so each round runs with every rule found so far skipped, from the
# working corpus, until the next failure or the end of --time. A failure the oracle cannot skip (a
# sanitizer report, an exit, a memory-safety rule) is counted when it comes back; when it comes
# from the corpus itself, libFuzzer's crash-resistant merge (-merge=1) finds every input that
# fails: each is recorded, and those failing that way leave the corpus before the next round.

findings=0
declare -a finding_rule finding_seen finding_secs finding_input finding_skips finding_dir finding_hits finding_answer
declare -a finding_format
skip_rules=()

# The first report of a failing run: the oracle's line, a sanitizer's, or (a plain abort in the
# allocator, a failed assert) the last line printed before libFuzzer's "deadly signal".
first_failure() {
	awk '/^osmem-fuzz:|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error:/ { print; exit }
	     /ERROR: libFuzzer: (timeout|out-of-memory)/ { print; exit }
	     /ERROR: libFuzzer:/ { print (said != "" ? said : $0); exit }
	     /^(#[0-9]|INFO:|Running:|MS:|op [0-9]+ |$)/ { said = ""; next }
	     { said = $0 }' "$1"
}

blank_numbers() { sed -E 's/0x[0-9a-fA-F]+/N/g; s/[0-9]+/N/g'; }
without_dirs() { sed -E 's#/([^ /,:()]+/)+##g'; }

# The rule a failing run broke, as one short line that two inputs breaking it share: the oracle's
# bracketed rule name; else its message with numbers blanked; else the sanitizer's kind and where.
rule_of_log() {
	local log=$1 line where
	line=$(first_failure "$log")
	if [[ $line =~ ^osmem-fuzz:[^[]*\[([^]]+)\] ]]; then
		echo "${BASH_REMATCH[1]}"
	elif [[ $line == osmem-fuzz:* ]]; then
		sed -E 's/^osmem-fuzz: (op [0-9]+ [^)]*\)|end[^:]*): //' <<<"$line" | blank_numbers
	elif [[ $line == *"runtime error:"* ]]; then
		where=$(sed -E 's/^([^ ]*):[0-9]+: runtime error:.*/\1/' <<<"$line")
		echo "UBSan: $(sed -E 's/.*runtime error: //' <<<"$line" | blank_numbers) ($(basename "$where"))"
	elif [[ $line == *"ERROR: AddressSanitizer"* || $line == *"ERROR: LeakSanitizer"* ]]; then
		where=$(sed -nE 's/^SUMMARY: [A-Za-z]+: [^ ]+ .* in (.*)$/\1/p' "$log" | head -n 1)
		echo "$(sed -E 's/.*ERROR: ([A-Za-z]+): ([A-Za-z-]+).*/\1: \2/' <<<"$line")${where:+ in $where}"
	elif [[ $line == *"ERROR: libFuzzer: timeout"* ]]; then
		echo "timeout: one input ran longer than 25 s (a loop in the allocator? or a loaded machine)"
	elif [[ $line == *"ERROR: libFuzzer: out-of-memory"* ]]; then
		echo "out of memory: one input used more than 4 GiB"
	elif grep -q 'ERROR: libFuzzer: fuzz target exited' "$log"; then
		echo "exits: $(without_dirs <<<"$line" | blank_numbers)"
	elif [[ -n $line ]]; then
		echo "crash: $(without_dirs <<<"$line" | blank_numbers)"
	else
		echo "crash without a message"
	fi
}

# "seen by a tracing grader" or "headers only" when the contract oracle says so.
seen_by_of_log() {
	local line
	line=$(first_failure "$1")
	case $line in
	*"(seen by a tracing grader)"*) echo "tracer" ;;
	*"(headers only)"*) echo "headers only" ;;
	osmem-fuzz:*) echo "oracle" ;;
	*) echo "sanitizer/crash" ;;
	esac
}

joined_skips() { local IFS=';'; echo "$*"; }

# Runs one input alone; its log goes to $2.
run_input() { fuzzer_env "$(joined_skips "${@:3}")" "$work/fuzzer" -runs=1 "$1" >"$2" 2>&1; }

# Records a new distinct rule, or one more hit of a known one. $1 input, $2 its log, $3 seconds.
record_finding() {
	local input=$1 log=$2 secs=$3 rule i
	rule=$(rule_of_log "$log")
	for ((i = 0; i < findings; i++)); do
		if [[ ${finding_rule[i]} == "$rule" ]]; then
			finding_hits[i]=$((finding_hits[i] + 1))
			return
		fi
	done
	finding_rule[findings]=$rule
	finding_seen[findings]=$(seen_by_of_log "$log")
	finding_secs[findings]=$secs
	finding_input[findings]=$input
	finding_skips[findings]=$(joined_skips "${skip_rules[@]}")
	finding_hits[findings]=1
	finding_answer[findings]=$answer_impossible
	finding_format[findings]=${format:-1}
	findings=$((findings + 1))
	echo "fuzz-own-allocator: FOUND after ${secs}s: $(first_failure "$log")"
	if [[ $mode == contract && ${finding_seen[findings - 1]} != sanitizer/crash ]]; then
		skip_rules+=("$rule")
	elif ((!answer_impossible)) && ! died_without_impossible_sizes "$input" "$rule"; then
		answer_impossible=1
		note "it dies on an impossible size: from now on the harness answers those as the contract does (NULL), so fuzzing goes on"
	fi
}

# The input breaks the same rule when impossible sizes never reach the allocator.
died_without_impossible_sizes() {
	local answer_impossible=1
	! run_input "$1" "$work/answer.log" "${skip_rules[@]}" && [[ $(rule_of_log "$work/answer.log") == "$2" ]]
}

new_artifacts() { find "$work/artifacts" -type f -newer "$1" ! -name '*.log' | sort; }

# A format's files: its working corpus (libFuzzer writes new inputs there), seeds, dictionary.
corpus_of() { if [[ $1 == misuse ]]; then echo "$work/corpus-misuse"; else echo "$work/corpus"; fi; }
seeds_of() { if [[ $1 == misuse ]]; then echo "$work/seeds-misuse"; else echo "$work/seeds"; fi; }
dict_of() { if [[ $1 == misuse ]]; then echo "$repo/corpus/osmem_misuse_fuzz.dict"; else echo "$repo/corpus/osmem_fuzz.dict"; fi; }

# One round: libFuzzer in-process, in the current $format, until the first failure or the
# deadline. Succeeds when it found a failure (another round may follow).
fuzz_round() {
	local round=$1 secs=$2 log=$work/round-$1.log stamp=$work/round-$1.stamp crash dict=()
	local corpora=("$(corpus_of "$format")" "$(seeds_of "$format")")
	[[ -f $(dict_of "$format") ]] && dict=(-dict="$(dict_of "$format")")
	touch "$stamp"
	# The working corpus first: libFuzzer writes new inputs into its first directory.
	# -len_control=100 is libFuzzer's default, which it drops when the fuzzer has a custom
	# mutator (fuzz/guidance/op_mutator.c): inputs still start short and grow.
	fuzzer_env "$(joined_skips "${skip_rules[@]}")" "$work/fuzzer" "${dict[@]}" \
		-seed="$((seed + round - 1))" -max_total_time="$secs" -max_len=4096 -len_control=100 -timeout=25 \
		-rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"${corpora[@]}" 2>&1 | tee "$log" |
		grep --line-buffered -E '(pulse|INITED|DONE) ' | sed -u "s/^/  [round $round, format $format] /"
	total_execs=$((total_execs + $(round_execs "$log")))
	crash=$(new_artifacts "$stamp" | head -n 1)
	[[ -n $crash ]] || return 1
	cp "$log" "$crash.log"
	record_finding "$crash" "$crash.log" "$(($(date +%s) - start))"
	grep -q 'INITED' "$log" || is_skipped "$(rule_of_log "$crash.log")" || drop_failing_inputs "${corpora[@]}"
	return 0
}

# An input of the corpus fails in a way the oracle cannot skip, so every round would stop while
# loading the corpus. libFuzzer's crash-resistant merge (-merge=1, its output thrown away) runs
# every input and saves those that fail: each is recorded (a contract rule among them is then
# skipped, and the input kept), and those failing in a way that cannot be skipped leave the
# working corpus and the seeds.
# The merge restarts once per failing input and ignores -max_total_time: on a submission that fails
# most seeds it took 394 s of a 60 s run (load 9), so it gets what is left of --time (at least
# MERGE_MIN_SECS); the inputs it did not reach stay, and the next round meets them.
MERGE_MIN_SECS=10
drop_failing_inputs() {
	local merged=$work/merge.out failing rule sha file left status=0
	rm -rf "$merged" "$work"/merge-crash-* && mkdir -p "$merged"
	left=$((start + time_secs - $(date +%s)))
	((left >= MERGE_MIN_SECS)) || left=$MERGE_MIN_SECS
	note "an input of the corpus fails: sorting out the inputs that fail (-merge=1, at most ${left}s)"
	# timeout signals its whole process group: libFuzzer's inner merge process goes too.
	fuzzer_env "$(joined_skips "${skip_rules[@]}")" timeout -k 5 "$left" "$work/fuzzer" -merge=1 \
		-artifact_prefix="$work/merge-" "$merged" "$@" >"$work/merge.log" 2>&1 || status=$?
	if ((status == 124 || status == 137)); then
		note "time is up while sorting them out: the inputs not reached stay in the corpus"
	fi
	rm -rf "$merged"
	for failing in "$work"/merge-crash-*; do
		[[ -f $failing ]] || continue
		mv "$failing" "$work/artifacts/${failing##*/merge-}"
		failing=$work/artifacts/${failing##*/merge-}
		# It passes when the rule it broke was recorded (and skipped) a moment ago.
		run_input "$failing" "$failing.log" "${skip_rules[@]}" && continue
		record_finding "$failing" "$failing.log" "$(($(date +%s) - start))"
		rule=$(rule_of_log "$failing.log")
		is_skipped "$rule" && continue
		sha=$(sha1sum <"$failing" | cut -d' ' -f1)
		for file in "$@"; do
			find "$file" -type f -exec sha1sum {} + | awk -v sha="$sha" '$1 == sha {print $2}' | xargs -r rm -f
		done
	done
}

is_skipped() {
	local rule
	for rule in "${skip_rules[@]}"; do [[ $rule == "$1" ]] && return 0; done
	return 1
}

# Executions of one round: libFuzzer's final stats, else its last status line (fork mode).
round_execs() {
	local n
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1)
	[[ -z $n ]] && n=$(grep -oE '^#[0-9]+' "$1" | tail -n 1 | tr -d '#')
	echo "${n:-0}"
}

# The formats to fuzz and their share of --time. Contract mode runs both: format 1 reaches every
# contract rule but never hands the allocator a pointer it took back or never gave (realloc rule
# 2, bad pointers); the misuse format does, at a fork per bad-pointer call: on the zoo's reference,
# 840 against 32 inputs/s, side by side (fuzz/own/README.md). Its value is mostly its seeds (about
# 2 s for the 19), which run whatever its share (libFuzzer runs the whole corpus first), so format
# 1 comes first and keeps 5/6 of the time.
phase_plan() {
	case ${formats:-} in
	1 | misuse) echo "$formats 1" ;;
	both) echo "1 5/6" && echo "misuse 1" ;;
	*) if [[ $mode == contract ]]; then echo "1 5/6" && echo "misuse 1"; else echo "1 1"; fi ;;
	esac
}

# The seeds of each format, unless --no-seeds.
copy_seeds() {
	local from
	((no_seeds)) && return
	for from in osmem_fuzz:seeds osmem_misuse_fuzz:seeds-misuse; do
		[[ -d $repo/corpus/${from%%:*} ]] && cp -L "$repo/corpus/${from%%:*}"/* "$work/${from#*:}/" 2>/dev/null
	done
}

keep_fuzzing() {
	local round=0 left phase_end share format phase phase_rounds=0
	start=$(date +%s) total_execs=0
	mkdir -p "$work/corpus-misuse" "$work/seeds-misuse"
	copy_seeds
	mapfile -t phases < <(phase_plan)
	echo "fuzz-own-allocator: fuzzing $src_dir for ${time_secs}s in $mode mode (format $(printf '%s ' "${phases[@]%% *}" | sed 's/ $//; s/ / then /'), seed $seed$( ((no_seeds)) && echo ', no seeds'), logs $work/round-*.log)"
	for phase in "${phases[@]}"; do
		format=${phase%% *} share=${phase#* }
		# The phase ends at its share of the whole time ("1": the end of --time); it runs at
		# least one round, so its seeds run even when an earlier phase overran (a merge).
		phase_end=$((start + time_secs * ${share%/*} / ${share#*/}))
		left=$((phase_end - $(date +%s)))
		while ((left > 0 || phase_rounds == 0)); do
			round=$((round + 1)) phase_rounds=$((phase_rounds + 1))
			fuzz_round "$round" "$((left > 0 ? left : 1))" || break
			left=$((phase_end - $(date +%s)))
		done
		phase_rounds=0
	done
	rounds=$round
	elapsed=$(($(date +%s) - start))
}
