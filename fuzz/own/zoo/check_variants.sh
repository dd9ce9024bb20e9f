#!/usr/bin/env bash
# Shows, without any fuzzer, that the zoo is what it claims to be:
# - the reference prints exactly what osmem prints on every variant's script (zoo_driver run with
#   each; osmem is the allocator whose every contract rule has its own test), and
# - every variant, applied with `patch -p1` to a copy of the reference, compiles cleanly and prints
#   something else on its own script (its `zoo-op:` lines): the first differing line is shown.
#
#   fuzz/own/zoo/check_variants.sh OSMEM_DRIVER [PATCH...]    (default: every variants/*.patch)
#
# OSMEM_DRIVER is bazel-bin/fuzz/own/zoo/zoo_driver_osmem. Run from the workspace root (a Bazel
# test's runfiles root is one). Exit status: 0 all as claimed, 1 a check failed, 2 usage error.
set -uo pipefail

die() { echo "check_variants: $*" >&2; exit 2; }

(($# >= 1)) || die "usage: check_variants.sh OSMEM_DRIVER [PATCH...]"
osmem_driver=$1
shift
[[ -x $osmem_driver ]] || die "no driver at $osmem_driver (bazel build //fuzz/own/zoo:zoo_driver_osmem)"
zoo=fuzz/own/zoo
[[ -f $zoo/driver.c ]] || die "run from the workspace root"
patches=("$@")
((${#patches[@]})) || patches=("$zoo"/variants/*.patch)
CC=${CC:-clang-14}
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/zoo-check.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cflags=(-std=gnu11 -O0 -Wall -Wextra -Werror -D_GNU_SOURCE -I .)
"$CC" "${cflags[@]}" -c "$zoo/driver.c" -o "$work/driver.o" || die "cannot compile the driver"
for part in os_layer_emulated emulated_maps; do
	"$CC" "${cflags[@]}" -c "allocator/$part.c" -o "$work/$part.o" || die "cannot compile the emulated OS"
done

# build_driver DIR: DIR/zoo_driver from DIR/osmem.c, as a course's Makefile would compile it.
build_driver() {
	"$CC" "${cflags[@]}" -Dsbrk=osmem_os_sbrk -Dmmap=osmem_os_mmap -Dmunmap=osmem_os_munmap \
		-c "$1/osmem.c" -o "$1/osmem.o" 2>"$1/compile.log" &&
		"$CC" "$work/driver.o" "$work/os_layer_emulated.o" "$work/emulated_maps.o" "$1/osmem.o" -o "$1/zoo_driver"
}

script_of() { sed -n 's/^zoo-op: //p' "$1"; }

# first_difference A B: the first line that differs, as "line N: <A's> | <B's>".
first_difference() {
	awk 'NR == FNR { a[FNR] = $0; n = FNR; next }
	     a[FNR] != $0 { print "line " FNR ": " (FNR <= n ? a[FNR] : "(end)") "  |  " $0; found = 1; exit }
	     END { if (!found) print "line " FNR + 1 ": " a[FNR + 1] "  |  (end)" }' "$1" "$2"
}

mkdir -p "$work/reference"
cp "$zoo"/reference/*.[ch] "$work/reference/"
build_driver "$work/reference" || { cat "$work/reference/compile.log"; die "the reference does not build"; }

for patch in "${patches[@]}"; do
	name=$(basename "$patch" .patch)
	dir=$work/$name
	script_of "$patch" >"$work/$name.script"
	[[ -s $work/$name.script ]] || { fail "$name: no zoo-op lines"; continue; }
	"$work/reference/zoo_driver" "$work/$name.script" >"$work/$name.ref" 2>&1 ||
		fail "$name: the reference driver failed"
	"$osmem_driver" "$work/$name.script" >"$work/$name.osmem" 2>&1 || fail "$name: the osmem driver failed"
	if ! cmp -s "$work/$name.ref" "$work/$name.osmem"; then
		fail "$name: the reference and osmem differ: $(first_difference "$work/$name.osmem" "$work/$name.ref")"
	fi
	mkdir -p "$dir"
	cp "$zoo"/reference/*.[ch] "$dir/"
	if ! (cd "$dir" && patch -s -p1) <"$patch"; then
		fail "$name: the patch does not apply to the reference"
		continue
	fi
	if ! build_driver "$dir"; then
		fail "$name: the variant does not compile cleanly: $(head -n 1 "$dir/compile.log")"
		continue
	fi
	"$dir/zoo_driver" "$work/$name.script" >"$work/$name.out" 2>&1
	status=$?
	((status == 0)) || echo "exit status $status (the variant crashed the driver)" >>"$work/$name.out"
	if cmp -s "$work/$name.ref" "$work/$name.out"; then
		fail "$name: prints the same as the reference on its script"
	else
		echo "ok: $name: $(first_difference "$work/$name.ref" "$work/$name.out")"
	fi
done

echo "${#patches[@]} variants, $failures failed checks"
((failures == 0))
