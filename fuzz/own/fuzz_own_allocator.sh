#!/usr/bin/env bash
# Fuzzes an allocator implementing osmem.h that lives in a directory of its own (a course
# submission: osmem.c, its headers, maybe helper .c files) with the osmem fuzz harness and oracle,
# and ends with every distinct rule it breaks.
#
#   tools/fuzz-own-allocator DIR [--time SECS] [--seed N]       fuzz for SECS seconds (default 60)
#   tools/fuzz-own-allocator DIR --replay INPUT...              run inputs (files or dirs) once
#
# DIR holds osmem.c, or is the course's assignment root (src/osmem.c with headers in utils/).
#
# Options:
#   --time SECS          how long to fuzz (default 60)
#   --seed N             libFuzzer's random seed (default 1): the same seed replays the same run
#   --memory-only        memory-safety and outside rules only, for an allocator whose struct
#                        block_meta is not the contract's (chosen by itself in that case)
#   --format F           the input format: 1 (format 1: every contract rule), misuse (format 1's
#                        ops plus bad pointers given to os_free/os_realloc), or both (the default
#                        in contract mode: format 1 for the first 5/6 of --time, then the misuse
#                        format; memory mode: 1). --replay reads its inputs in this format
#                        (default 1, or OSMEM_FUZZ_FORMAT)
#   --no-seeds           fuzz from an empty corpus: no seed input, only the dictionary
#   --cflags "FLAGS"     extra compiler flags for your sources, e.g. "-I ../include -DNDEBUG"
#                        (a relative -I is read from where you run the tool)
#   --header-size N      bytes in front of each payload that belong to the block (default 32, the
#                        contract's struct block_meta; 0 if the allocator keeps no header there)
#   --skip-rules "A;B"   contract rules not to report (a finding's replay command passes the
#                        rules found before it)
#   --answer-impossible  impossible sizes do not reach the allocator: the harness answers them as
#                        the contract does (set by itself after the allocator died on one)
#   --minimize-seconds S how long libFuzzer may shrink each finding's input (default 10)
#   --campaign NAME      a long run through the campaign runner instead (tools/fuzz: libFuzzer
#                        fork mode, resumable, status lines, out/campaigns/NAME/report.html);
#                        --jobs N cores (default 1)
#   --work DIR           where objects, the fuzzer, the corpus and findings go (default: a new
#                        directory under /tmp, printed)
#   --harness-manifest F --harness-root R   use prebuilt harness archives (tests) instead of
#                        building //fuzz/own:own_harness with Bazel
#
# Contract mode (the default when struct block_meta is the contract's: 32 bytes, size, status,
# prev, next) checks every op against the contract's model: returned pointer, system calls,
# headers and heap list. After a finding the fuzzing goes on with that rule skipped, until --time
# is used up; the summary lists every distinct broken rule with a minimized input, an op trace
# and a standalone C test. Exit status: 0 clean, 1 findings, 2 usage or build error.
set -uo pipefail

die() { echo "fuzz-own-allocator: $*" >&2; exit 2; }
note() { echo "fuzz-own-allocator: $*"; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CC=${CC:-clang-14}
time_secs=60 seed=1 header_size=32 extra_cflags="" work="" manifest="" harness_root="" replay=0 dir=""
memory_only=0 minimize_secs=10 given_skips="" answer_impossible=0 campaign="" jobs=1
formats=${OSMEM_FUZZ_FORMAT:-} no_seeds=0
inputs=()

while (($#)); do
	case $1 in
	--time) (($# > 1)) || die "--time wants a number of seconds"; time_secs=$2; shift ;;
	--time=*) time_secs=${1#*=} ;;
	--seed) (($# > 1)) || die "--seed wants a number"; seed=$2; shift ;;
	--seed=*) seed=${1#*=} ;;
	--cflags) (($# > 1)) || die "--cflags wants a string of flags"; extra_cflags=$2; shift ;;
	--cflags=*) extra_cflags=${1#*=} ;;
	--header-size) (($# > 1)) || die "--header-size wants a number"; header_size=$2; shift ;;
	--header-size=*) header_size=${1#*=} ;;
	--skip-rules) (($# > 1)) || die "--skip-rules wants rule names separated by ';'"; given_skips=$2; shift ;;
	--minimize-seconds) (($# > 1)) || die "--minimize-seconds wants a number"; minimize_secs=$2; shift ;;
	--memory-only) memory_only=1 ;;
	--format) (($# > 1)) || die "--format wants 1, misuse or both"; formats=$2; shift ;;
	--format=*) formats=${1#*=} ;;
	--no-seeds) no_seeds=1 ;;
	--campaign) (($# > 1)) || die "--campaign wants a name"; campaign=$2; shift ;;
	--jobs) (($# > 1)) || die "--jobs wants a number of cores"; jobs=$2; shift ;;
	--answer-impossible) answer_impossible=1 ;;
	--work) (($# > 1)) || die "--work wants a directory"; work=$2; shift ;;
	--work=*) work=${1#*=} ;;
	--harness-manifest) (($# > 1)) || die "--harness-manifest wants a file"; manifest=$2; shift ;;
	--harness-root) (($# > 1)) || die "--harness-root wants a directory"; harness_root=$2; shift ;;
	--replay) replay=1 ;;
	-h | --help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1' (try --help)" ;;
	*)
		if [[ -z $dir ]]; then dir=$1; else inputs+=("$1"); fi ;;
	esac
	shift
done

[[ $time_secs =~ ^[0-9]+$ && $time_secs -gt 0 ]] || die "--time wants a whole number of seconds > 0, got '$time_secs'"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed wants a whole number, got '$seed'"
[[ $header_size =~ ^[0-9]+$ ]] || die "--header-size wants a whole number, got '$header_size'"
[[ $minimize_secs =~ ^[0-9]+$ ]] || die "--minimize-seconds wants a whole number, got '$minimize_secs'"
case $formats in '' | 1 | misuse | both) ;; *) die "--format wants 1, misuse or both, got '$formats'" ;; esac
((!replay)) || [[ $formats != both ]] || die "--replay reads one format: --format 1 or --format misuse"
[[ -z $campaign || $formats != misuse ]] || die "--campaign fuzzes format 1 only"
[[ -n $dir ]] || die "usage: tools/fuzz-own-allocator DIR [--time SECS] [--seed N] (try --help)"
[[ -e $dir ]] || die "no such directory: $dir"
[[ -d $dir ]] || die "not a directory: $dir"
dir=$(cd "$dir" && pwd)
case $dir/ in "$repo"/*) die "$dir is inside this repository: fuzz the built-in allocator with //fuzz:osmem_fuzz_run instead" ;; esac
if ((replay)); then
	((${#inputs[@]})) || die "--replay wants at least one input file or directory"
	for input in "${inputs[@]}"; do [[ -e $input ]] || die "no such input: $input"; done
elif ((${#inputs[@]})); then
	die "unexpected argument '${inputs[0]}' (inputs go after --replay)"
fi
command -v "$CC" >/dev/null || die "$CC not found (tools/setup.sh installs it)"

# shellcheck source=fuzz/own/own_build.sh
source "$repo/fuzz/own/own_build.sh"
# shellcheck source=fuzz/own/own_findings.sh
source "$repo/fuzz/own/own_findings.sh"
# shellcheck source=fuzz/own/own_report.sh
source "$repo/fuzz/own/own_report.sh"

find_layout
if [[ -z $work ]]; then
	work=$(mktemp -d /tmp/osmem-own.XXXXXX) || die "cannot create a working directory"
fi
mkdir -p "$work/obj" "$work/corpus" "$work/seeds" "$work/artifacts" || die "cannot create $work"
work=$(cd "$work" && pwd) # sources compile from their own directory

# ---- The harness archives and the op tracer ----

harness_archives() {
	local column=1 short exec_path path
	if [[ -z $manifest ]]; then
		echo "fuzz-own-allocator: building the harness (bazel build //fuzz/own:own_harness //tools/optrace)"
		(cd "$repo" && bazel build //fuzz/own:own_harness //tools/optrace:optrace 2>&1 | tail -n 3) ||
			die "bazel could not build //fuzz/own:own_harness"
		manifest=$(cd "$repo" && bazel info bazel-bin 2>/dev/null)/fuzz/own/own_harness.manifest
		harness_root=$(cd "$repo" && bazel info execution_root 2>/dev/null)
		optrace=$(dirname "$(dirname "$(dirname "$manifest")")")/tools/optrace/optrace
		column=2
	else
		optrace=$harness_root/tools/optrace/optrace
	fi
	[[ -f $manifest ]] || die "no harness manifest at $manifest"
	[[ -x $optrace ]] || optrace=""
	archives=()
	while IFS=$'\t' read -r short exec_path; do
		path=$harness_root/$short
		((column == 2)) && path=$harness_root/$exec_path
		[[ -f $path ]] || die "harness archive missing: $path"
		archives+=("$path")
	done <"$manifest"
	((${#archives[@]})) || die "empty harness manifest $manifest"
}

# Runs a command with the fuzzer's environment; $1 is the contract rules to skip. With
# answer_impossible set, impossible sizes no longer reach the allocator (target_own.c).
fuzzer_env() {
	local skips=$1 answer=()
	shift
	((answer_impossible)) && answer=(OSMEM_OWN_ANSWER_IMPOSSIBLE=1)
	env OSMEM_OWN_HEADER_SIZE="$header_size" OSMEM_FUZZ_MODE="$mode" OSMEM_FUZZ_SKIP_RULES="$skips" \
		OSMEM_FUZZ_FORMAT="${format:-1}" "${answer[@]}" "$@"
}

# Addresses and process ids differ between runs (ASLR).
without_addresses() { sed -E 's/0x[0-9a-f]+/0x_/g; s/==[0-9]+==/==_==/g'; }

run_replay() {
	local log=$work/replay.log status count
	count=$(find -L "${inputs[@]}" -type f | wc -l)
	echo "fuzz-own-allocator: replaying $count inputs ($mode mode, format $format${given_skips:+, skipping: $given_skips})"
	fuzzer_env "$given_skips" "$work/fuzzer" -runs=1 "${inputs[@]}" >"$log" 2>&1
	status=$?
	if ((status == 0)); then
		echo "fuzz-own-allocator: PASS: $count inputs replayed in $mode mode, no failure ($src_dir)"
		return 0
	fi
	echo "fuzz-own-allocator: FAILED: $(first_failure "$log")"
	grep -E '^Running: ' "$log" | tail -n 1
	echo "fuzz-own-allocator: full log: $log"
	return 1
}

# The campaign runner fuzzes with the binaries its campaign keeps in bin/ (tools/fuzz --no-build):
# this fuzzer as the libFuzzer one, the op tracer; its reports replay through this tool.
run_campaign() {
	local bin=${OSMEM_OUT:-$repo/out}/campaigns/$campaign/bin
	mkdir -p "$bin" || die "cannot create $bin"
	cp "$work/fuzzer" "$bin/osmem_fuzz_libfuzzer" || die "cannot copy the fuzzer into $bin"
	[[ -n $optrace ]] && cp "$optrace" "$bin/optrace"
	note "campaign $campaign: tools/fuzz --no-build with this fuzzer ($mode mode)"
	OSMEM_OWN_REPLAY="tools/fuzz-own-allocator $dir --replay" fuzzer_env "$given_skips" \
		"$repo/tools/fuzz" --campaign "$campaign" --no-build --no-setup --no-earlier --time "${time_secs}s" --jobs "$jobs"
}

[[ -z $campaign ]] || ((!replay)) || die "--campaign and --replay do not go together"
harness_archives
set_cflags
compile_allocator
choose_mode
link_fuzzer
if ((replay)); then
	format=${formats:-1}
	run_replay
elif [[ -n $campaign ]]; then
	format=1
	run_campaign
else
	IFS=';' read -r -a skip_rules <<<"$given_skips"
	keep_fuzzing
	report_findings
fi
