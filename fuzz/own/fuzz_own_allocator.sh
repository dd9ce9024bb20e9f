#!/usr/bin/env bash
# Fuzzes an allocator implementing osmem.h that lives in a directory of its own (a course
# submission: osmem.c, its headers, maybe helper .c files) with the osmem fuzz harness and oracle.
#
#   tools/fuzz-own-allocator DIR [--time SECS] [--seed N]       fuzz for SECS seconds (default 60)
#   tools/fuzz-own-allocator DIR --replay INPUT...              run inputs (files or dirs) once
#
# Options:
#   --time SECS          how long to fuzz (default 60)
#   --seed N             libFuzzer's random seed (default 1): the same seed replays the same run
#   --cflags "FLAGS"     extra compiler flags for your sources, e.g. "-I ../include -DNDEBUG"
#   --header-size N      bytes in front of each payload that belong to the block (default 32, the
#                        contract's struct block_meta; 0 if the allocator keeps no header there)
#   --work DIR           where objects, the fuzzer, the corpus and crashes go (default: a new
#                        directory under /tmp, printed)
#   --harness-manifest F --harness-root R   use prebuilt harness archives (tests) instead of
#                        building //fuzz/own:own_harness with Bazel
#
# How: every DIR/*.c is compiled with clang-14, ASan, UBSan and libFuzzer coverage, with sbrk,
# mmap and munmap renamed to the harness's emulated OS layer (-Dsbrk=osmem_os_sbrk ...) so each
# input sees the same addresses, and with its static variables placed in sections of their own
# (fuzz/own/own_sections.h) that are put back before every input. Files defining main or an OS
# layer of their own are left out. Exit status: 0 clean, 1 failure found, 2 usage or build error.
set -uo pipefail

die() { echo "fuzz-own-allocator: $*" >&2; exit 2; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CC=${CC:-clang-14}
time_secs=60 seed=1 header_size=32 extra_cflags="" work="" manifest="" harness_root="" replay=0 dir=""
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
[[ -n $dir ]] || die "usage: tools/fuzz-own-allocator DIR [--time SECS] [--seed N] (try --help)"
[[ -e $dir ]] || die "no such directory: $dir"
[[ -d $dir ]] || die "not a directory: $dir"
dir=$(cd "$dir" && pwd)
[[ -f $dir/osmem.c ]] || die "no osmem.c in $dir: point at the directory holding your osmem.c"
case $dir/ in "$repo"/*) die "$dir is inside this repository: fuzz the built-in allocator with //fuzz:osmem_fuzz_run instead" ;; esac
if ((replay)); then
	((${#inputs[@]})) || die "--replay wants at least one input file or directory"
	for input in "${inputs[@]}"; do [[ -e $input ]] || die "no such input: $input"; done
elif ((${#inputs[@]})); then
	die "unexpected argument '${inputs[0]}' (inputs go after --replay)"
fi
command -v "$CC" >/dev/null || die "$CC not found (tools/setup.sh installs it)"

if [[ -z $work ]]; then
	work=$(mktemp -d /tmp/osmem-own.XXXXXX) || die "cannot create a working directory"
fi
mkdir -p "$work/obj" "$work/corpus" "$work/seeds" "$work/artifacts" || die "cannot create $work"

# ---- The harness archives ----

harness_archives() {
	if [[ -z $manifest ]]; then
		echo "fuzz-own-allocator: building the harness (bazel build //fuzz/own:own_harness)"
		(cd "$repo" && bazel build //fuzz/own:own_harness 2>&1 | tail -n 3) ||
			die "bazel could not build //fuzz/own:own_harness"
		manifest=$(cd "$repo" && bazel info bazel-bin 2>/dev/null)/fuzz/own/own_harness.manifest
		harness_root=$(cd "$repo" && bazel info execution_root 2>/dev/null)
		column=2
	else
		column=1
	fi
	[[ -f $manifest ]] || die "no harness manifest at $manifest"
	archives=()
	while IFS=$'\t' read -r short exec_path; do
		local path=$harness_root/$short
		((column == 2)) && path=$harness_root/$exec_path
		[[ -f $path ]] || die "harness archive missing: $path"
		archives+=("$path")
	done <"$manifest"
	((${#archives[@]})) || die "empty harness manifest $manifest"
}

# ---- The foreign allocator ----

cflags=(
	-std=gnu11 -O1 -g -D_GNU_SOURCE
	-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=all
	-fno-omit-frame-pointer -U_FORTIFY_SOURCE
	-Dsbrk=osmem_os_sbrk -Dmmap=osmem_os_mmap -Dmunmap=osmem_os_munmap
	-include "$repo/fuzz/own/own_sections.h" -I "$dir"
)
read -r -a user_cflags <<<"$extra_cflags"
cflags+=("${user_cflags[@]}")

defines() { nm --defined-only "$1" 2>/dev/null | awk '$2 ~ /[TDBR]/ {print $3}'; }

# Sets `objects` to the compiled sources that make up the allocator.
compile_allocator() {
	local src obj symbols
	objects=()
	rm -f "$work"/obj/*.o
	for src in "$dir"/*.c; do
		obj=$work/obj/$(basename "${src%.c}").o
		echo "fuzz-own-allocator: compiling $(basename "$src")"
		"$CC" "${cflags[@]}" -c "$src" -o "$obj" ||
			die "compiling $src failed (messages above; flags: ${cflags[*]})"
		symbols=$(defines "$obj")
		if grep -qxE 'main|LLVMFuzzerTestOneInput' <<<"$symbols"; then
			echo "fuzz-own-allocator:   left out: defines main (a test program?)"
		elif grep -qE '^osmem_(os|emu)_' <<<"$symbols"; then
			echo "fuzz-own-allocator:   left out: an OS layer of its own (the harness brings the emulated one)"
		else
			objects+=("$obj")
		fi
	done
	((${#objects[@]})) || die "nothing left to link in $dir"
	check_symbols
}

check_symbols() {
	local fn missing=() direct defined
	defined=$(for o in "${objects[@]}"; do defines "$o"; done)
	for fn in os_malloc os_free os_calloc os_realloc; do
		grep -qx "$fn" <<<"$defined" || missing+=("$fn")
	done
	((${#missing[@]} == 0)) || die "$dir does not define ${missing[*]} (osmem.h's four calls are needed)"
	direct=$(for o in "${objects[@]}"; do nm -u "$o"; done | awk '{print $2}' |
		grep -xE 'brk|sbrk|mmap|mmap64|munmap|mremap|syscall' | sort -u | tr '\n' ' ')
	[[ -z $direct ]] || die "the allocator calls ${direct}directly: the harness can only serve sbrk, mmap and munmap"
}

link_fuzzer() {
	echo "fuzz-own-allocator: linking $work/fuzzer"
	"$CC" -fsanitize=address,undefined,fuzzer \
		-Wl,--whole-archive "${archives[@]}" -Wl,--no-whole-archive "${objects[@]}" \
		-o "$work/fuzzer" || die "linking failed (messages above)"
}

# ---- Running ----

# The oracle's or a sanitizer's first report; when the process just died (an abort in the
# allocator, a failed assert), the last line it printed before libFuzzer's "deadly signal".
first_failure() {
	awk '/^osmem-fuzz:|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error:/ { print; exit }
	     /ERROR: libFuzzer:/ { print (said != "" ? said : $0); exit }
	     /^(#[0-9]|INFO:|Running:|MS:|$)/ { said = ""; next }
	     { said = $0 }' "$1"
}

# Addresses and process ids differ between runs (ASLR).
without_addresses() { sed -E 's/0x[0-9a-f]+/0x_/g; s/==[0-9]+==/==_==/g'; }

run_replay() {
	local log=$work/replay.log status count
	count=$(find -L "${inputs[@]}" -type f | wc -l)
	echo "fuzz-own-allocator: replaying $count inputs"
	OSMEM_OWN_HEADER_SIZE=$header_size "$work/fuzzer" -runs=1 "${inputs[@]}" >"$log" 2>&1
	status=$?
	if ((status == 0)); then
		echo "fuzz-own-allocator: PASS: $count inputs replayed, no failure ($dir)"
		return 0
	fi
	echo "fuzz-own-allocator: FAILED: $(first_failure "$log")"
	grep -E '^Running: ' "$log" | tail -n 1
	echo "fuzz-own-allocator: full log: $log"
	return 1
}

run_fuzz() {
	local log=$work/fuzz.log status crash start elapsed execs
	[[ -d $repo/corpus/osmem_fuzz ]] && cp -L "$repo"/corpus/osmem_fuzz/* "$work/seeds/" 2>/dev/null
	local dict=()
	[[ -f $repo/corpus/osmem_fuzz.dict ]] && dict=(-dict="$repo/corpus/osmem_fuzz.dict")
	echo "fuzz-own-allocator: fuzzing $dir for ${time_secs}s (seed $seed, log $log)"
	start=$(date +%s)
	# The working corpus first: libFuzzer writes new inputs into its first directory.
	OSMEM_OWN_HEADER_SIZE=$header_size "$work/fuzzer" "${dict[@]}" -seed="$seed" \
		-max_total_time="$time_secs" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$work/corpus" "$work/seeds" 2>&1 | tee "$log" |
		grep --line-buffered -E '(pulse|INITED|DONE) ' | sed -u 's/^/  /'
	status=${PIPESTATUS[0]}
	elapsed=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crash=$(find "$work/artifacts" -type f | head -n 1)
	if ((status == 0)) && [[ -z $crash ]]; then
		echo "fuzz-own-allocator: PASS: no failure in ${elapsed}s, ${execs:-?} inputs run ($dir)"
		return 0
	fi
	echo "fuzz-own-allocator: FOUND after ${elapsed}s: $(first_failure "$log")"
	if [[ -n $crash ]]; then
		echo "fuzz-own-allocator: input: $crash ($(reproduces_alone "$crash" "$log"))"
		echo "fuzz-own-allocator: reproduce: tools/fuzz-own-allocator $dir --replay $crash"
	fi
	echo "fuzz-own-allocator: full log: $log"
	return 1
}

# The failing input, run alone in a fresh process, must fail the same way: otherwise state leaked
# from earlier inputs (a static the reset did not cover, for example).
reproduces_alone() {
	local crash=$1 log=$2 again first
	OSMEM_OWN_HEADER_SIZE=$header_size "$work/fuzzer" -runs=1 "$crash" >"$work/alone.log" 2>&1
	again=$(first_failure "$work/alone.log" | without_addresses)
	first=$(first_failure "$log" | without_addresses)
	if [[ -n $again && $again == "$first" ]]; then
		echo "fails the same way when run alone"
	elif [[ -n $again ]]; then
		echo "run alone it fails differently: $again"
	else
		echo "run alone it does not fail the same way: state leaks between inputs?"
	fi
}

harness_archives
compile_allocator
link_fuzzer
if ((replay)); then run_replay; else run_fuzz; fi
