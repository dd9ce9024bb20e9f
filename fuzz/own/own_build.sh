# shellcheck shell=bash
# Sourced by fuzz_own_allocator.sh: finds a foreign allocator's sources and headers, compiles
# them for the harness, decides contract or memory-only mode, and links the fuzzer.
# Reads: repo dir work CC extra_cflags memory_only; defines die/note in the caller.

# ---- Where the sources and headers are ----

# A course layout keeps the headers (osmem.h, block_meta.h, printf.h) and their helper sources in
# utils/ next to src/.
is_utils_dir() { [[ -f $1/osmem.h || -f $1/block_meta.h ]]; }

# Sets src_dir (the directory with osmem.c), include_dirs and sources (absolute paths).
find_layout() {
	local parent utils_dir=""
	if [[ -f $dir/osmem.c ]]; then
		src_dir=$dir
	elif [[ -f $dir/src/osmem.c ]]; then
		src_dir=$dir/src
	else
		die "no osmem.c in $dir (nor in $dir/src): point at the directory holding your osmem.c"
	fi
	parent=$(dirname "$src_dir")
	include_dirs=("$src_dir")
	sources=("$src_dir"/*.c)
	if is_utils_dir "$parent/utils"; then
		utils_dir=$parent/utils
		include_dirs+=("$utils_dir" "$parent")
		shopt -s nullglob
		sources+=("$utils_dir"/*.c)
		shopt -u nullglob
		note "course layout: sources in ${src_dir#"$parent"/}/ and utils/, headers from utils/ (-I $utils_dir)"
	fi
}

# --cflags is typed in the user's shell: a relative -I there means the user's directory, while
# the sources are compiled from their own directory (so that "../utils/x.h" is read from there).
absolute_include_flags() {
	local flag pending=0
	for flag in "$@"; do
		if ((pending)) && [[ $flag != /* && -d $flag ]]; then
			flag=$(cd "$flag" && pwd)
		elif [[ $flag == -I?* && ${flag#-I} != /* && -d ${flag#-I} ]]; then
			flag=-I$(cd "${flag#-I}" && pwd)
		fi
		pending=0
		[[ $flag == -I ]] && pending=1
		printf '%s\n' "$flag"
	done
}

set_cflags() {
	local dir_flag
	user_cflags=()
	read -r -a user_cflags <<<"$extra_cflags"
	((${#user_cflags[@]})) && mapfile -t user_cflags < <(absolute_include_flags "${user_cflags[@]}")
	cflags=(
		-std=gnu11 -O1 -g -D_GNU_SOURCE
		-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=all
		-fno-omit-frame-pointer -U_FORTIFY_SOURCE
		-Dsbrk=osmem_os_sbrk -Dmmap=osmem_os_mmap -Dmunmap=osmem_os_munmap
	)
	for dir_flag in "${include_dirs[@]}"; do cflags+=(-I "$dir_flag"); done
	cflags+=("${user_cflags[@]}")
}

# ---- Compiling ----

defines() { nm --defined-only "$1" 2>/dev/null | awk '$2 ~ /[TDBRC]/ {print $3}'; }

# What to try after the compiler's message, from the message itself.
advise_compile() {
	local log=$1
	if grep -q "file not found" "$log"; then
		echo "  try: a header is missing; pass the directory that holds it: --cflags \"-I /path/to/dir\" (relative -I paths are read from where you run this tool)"
	fi
	if grep -qE "implicit declaration|undeclared|unknown type name" "$log"; then
		echo "  try: a declaration is missing; does your Makefile pass -D or -include flags? give them with --cflags"
	fi
	echo "  the command was: (cd $(dirname "$2") && $CC ${cflags[*]} -c $2)"
}

advise_link() {
	local log=$1 symbol
	symbol=$(sed -nE "s/.*undefined reference to \`([^']*)'.*/\1/p" "$log" | sort -u | head -n 5 | tr '\n' ' ')
	[[ -n $symbol ]] &&
		echo "  try: ${symbol}is used but defined in none of the compiled files (${sources[*]##*/}); if it lives elsewhere, copy that .c file next to osmem.c"
	symbol=$(sed -nE "s/.*multiple definition of \`([^']*)'.*/\1/p" "$log" | sort -u | head -n 5 | tr '\n' ' ')
	[[ -n $symbol ]] &&
		echo "  try: ${symbol}is defined in more than one file: a header defining a global without extern? Declare it extern in the header and define it in one .c file, or pass --cflags -fcommon (what gcc before version 10 did)"
	return 0
}

# Compiles one source from its own directory, quietly: the status goes to OBJ.status, the
# messages to OBJ.log (start_compiles runs these side by side).
compile_one() {
	local src=$1 obj=$2
	(cd "$(dirname "$src")" && "$CC" "${cflags[@]}" -c "$src" -o "$obj") >"${obj%.o}.log" 2>&1
	echo $? >"${obj%.o}.status"
}

# The compiler's messages; a failure stops the tool with them and what to try.
finish_compile() {
	local src=$1 obj=$2 log=${2%.o}.log
	echo "fuzz-own-allocator: compiling ${src#"$(dirname "$src_dir")"/}"
	if [[ $(cat "${obj%.o}.status") != 0 ]]; then
		cat "$log" >&2
		echo "fuzz-own-allocator: compiling $src failed (the compiler's messages are above)" >&2
		advise_compile "$log" "$src" >&2
		exit 2
	fi
	[[ -s $log ]] && sed 's/^/  /' "$log"
	return 0
}

# Keeps or leaves out a compiled source (see compile_allocator).
keep_object() {
	local src=$1 obj=$2 symbols name=${1#"$(dirname "$src_dir")"/}
	symbols=$(defines "$obj")
	if grep -qx LLVMFuzzerTestOneInput <<<"$symbols"; then
		echo "fuzz-own-allocator: left out $name: a fuzz target of its own"
	elif grep -qx main <<<"$symbols" && ! defines_allocator "$symbols"; then
		echo "fuzz-own-allocator: left out $name: it defines main (a test program?)"
	elif grep -qE '^osmem_(os|emu)_' <<<"$symbols"; then
		echo "fuzz-own-allocator: left out $name: an OS layer of its own (the harness brings the emulated one)"
	else
		if grep -qx main <<<"$symbols"; then
			objcopy --redefine-sym "main=osmem_own_main_$(basename "${obj%.o}" | tr -c 'A-Za-z0-9_\n' _)" "$obj" ||
				die "could not rename main in $obj"
			echo "fuzz-own-allocator: $name: its main is renamed (objcopy --redefine-sym): the fuzzer brings its own"
		fi
		objects+=("$obj")
		allocator_sources+=("$src")
	fi
}

defines_allocator() { grep -qxE 'os_(malloc|free|calloc|realloc)' <<<"$1"; }

# Sets `objects` to the compiled sources that make up the allocator. A file with main is a test
# program, left out, unless it also defines the allocator (a single-file submission): then its
# main is renamed in the object (objcopy --redefine-sym), since libFuzzer brings the main.
# The sources compile side by side, as many at a time as there are cores.
compile_allocator() {
	local i object_of=() cores
	cores=$(nproc 2>/dev/null || echo 2)
	objects=() allocator_sources=()
	rm -f "$work"/obj/*.o "$work"/obj/*.status
	for i in "${!sources[@]}"; do
		object_of[i]=$work/obj/$i-$(basename "${sources[i]%.c}").o
		while (($(jobs -rp | wc -l) >= cores)); do wait -n; done
		compile_one "${sources[i]}" "${object_of[i]}" &
	done
	wait
	for i in "${!sources[@]}"; do finish_compile "${sources[i]}" "${object_of[i]}"; done
	for i in "${!sources[@]}"; do keep_object "${sources[i]}" "${object_of[i]}"; done
	((${#objects[@]})) || die "nothing left to link in $src_dir (every file defines main, a fuzz target or an OS layer)"
	check_symbols
}

check_symbols() {
	local fn missing=() direct defined
	defined=$(for o in "${objects[@]}"; do defines "$o"; done)
	for fn in os_malloc os_free os_calloc os_realloc; do
		grep -qx "$fn" <<<"$defined" || missing+=("$fn")
	done
	((${#missing[@]} == 0)) || die "$src_dir does not define ${missing[*]} (osmem.h's four calls are needed)"
	direct=$(for o in "${objects[@]}"; do nm -u "$o"; done | awk '{print $2}' |
		grep -xE 'brk|sbrk|mmap|mmap64|munmap|mremap|syscall' | sort -u | tr '\n' ' ')
	[[ -z $direct ]] || die "the allocator calls ${direct}directly: the harness can only serve sbrk, mmap and munmap"
}

# ---- Contract or memory-only ----

# Prints why the allocator's struct block_meta is not the contract's; nothing when it is. The
# probe includes one of your sources (osmem.c first, then the others beside it), so the struct is
# seen wherever your headers declare it; the first source where it is complete decides.
block_meta_mismatch() {
	local user_src probe=$work/obj/block_meta_probe.c log why first_why=""
	for user_src in "$src_dir/osmem.c" "$src_dir"/*.c; do
		printf '#include "%s"\n#include "%s"\n' "$user_src" "$repo/fuzz/own/block_meta_probe.h" >"$probe"
		log=$work/obj/block_meta_probe.log
		(cd "$(dirname "$user_src")" && "$CC" "${cflags[@]}" -fsyntax-only "$probe") >"$log" 2>&1 && return
		why=$(sed -nE 's/.*static_assert failed[^"]*"(.*)"$/\1/p' "$log" | paste -sd ';' | sed 's/;/; /g')
		[[ -n $why ]] && { echo "$why"; return; }
		[[ -n $first_why ]] || first_why="no complete struct block_meta where $(basename "$user_src") is compiled"
	done
	echo "$first_why"
}

# Sets mode: contract when block_meta is the contract's (unless --memory-only), else memory.
choose_mode() {
	local why
	if ((memory_only)); then
		mode=memory
		note "memory-only mode (--memory-only): memory-safety and outside rules, no contract rules"
		return
	fi
	why=$(block_meta_mismatch)
	if [[ -z $why ]]; then
		mode=contract
		note "contract mode: struct block_meta is the contract's (32 bytes: size, status, prev, next)"
	else
		mode=memory
		note "memory-only mode: struct block_meta is not the contract's ($why); only memory-safety and outside rules are checked"
	fi
}

# ---- Linking ----

# One relocatable object: common symbols (-fcommon) get their place in its .bss (ld -r -d), then
# every writable data section of the allocator gets the name the reset copies from
# (target_own.c): osmem_own_data, osmem_own_bss. Renaming after the compiler, not a section
# pragma, keeps tentative definitions as the compiler made them.
merge_allocator() {
	local merged=$work/obj/allocator.o renames=() section
	ld -r -d -o "$merged.tmp" "${objects[@]}" 2>"$work/obj/merge.log" || {
		cat "$work/obj/merge.log" >&2
		echo "fuzz-own-allocator: your files do not link together (messages above)" >&2
		advise_link "$work/obj/merge.log" >&2
		exit 2
	}
	while read -r section; do
		case $section in
		.data.rel.ro*) ;; # read-only once relocated
		.data | .data.*) renames+=(--rename-section "$section=osmem_own_data") ;;
		.bss | .bss.*) renames+=(--rename-section "$section=osmem_own_bss") ;;
		esac
	done < <(objdump -h "$merged.tmp" | awk '$1 ~ /^[0-9]+$/ {print $2}' | sort -u)
	objcopy "${renames[@]}" "$merged.tmp" "$merged" || die "objcopy could not rename the data sections of $merged.tmp"
	rm -f "$merged.tmp"
	allocator_object=$merged
}

link_fuzzer() {
	merge_allocator
	echo "fuzz-own-allocator: linking $work/fuzzer"
	"$CC" -fsanitize=address,undefined,fuzzer \
		-Wl,--whole-archive "${archives[@]}" -Wl,--no-whole-archive "$allocator_object" \
		-o "$work/fuzzer" 2>"$work/obj/link.log" || {
		cat "$work/obj/link.log" >&2
		echo "fuzz-own-allocator: linking failed (messages above)" >&2
		advise_link "$work/obj/link.log" >&2
		exit 2
	}
}
