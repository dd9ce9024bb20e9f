"""Planted bugs (allocator/planted/NN-name.patch): the list, the Bazel flags that build a fuzzer
with one, and a patched copy of the allocator's sources for the tools that compile them directly.

Each bug is a unified diff applied to a copy of the allocator's sources, as a mutation tool would:
--define=osmem_planted=N makes allocator/BUILD.bazel build every target on that copy, and its own
--platform_suffix keeps it apart from the correct build (Bazel 4 output paths ignore --define).
fuzz/planted/bench.sh asks this module for both:
  python3 tools/lib/planted.py list            N<TAB>name<TAB>description, one bug a line
  python3 tools/lib/planted.py flags N CONFIG  the Bazel flags of bug N under --config=CONFIG"""
import glob
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, ToolError  # noqa: E402

PATCHES = os.path.join(ROOT, "allocator", "planted")
# The first line of a patch: "Planted bug N (name): what is wrong."
TITLE = re.compile(r"^Planted bug (\d+) \(([^)]*)\): (.*?)\.?$")


def patch_path(n):
    """allocator/planted/NN-name.patch of bug n."""
    return os.path.join(PATCHES, f"{n:02d}-{bugs()[n][0]}.patch")


def bugs():
    """{N: (name, description)} from the first line of each patch in allocator/planted/."""
    found = {}
    for path in sorted(glob.glob(os.path.join(PATCHES, "[0-9][0-9]-*.patch"))):
        try:
            with open(path) as f:
                match = TITLE.match(f.readline().rstrip("\n"))
        except OSError as err:
            raise ToolError(f"cannot read the planted bug {path}: {err.strerror}")
        if not match:
            raise ToolError(f"{path}: the first line is not 'Planted bug N (name): description.'")
        found[int(match.group(1))] = (match.group(2), match.group(3))
    if not found:
        raise ToolError(f"no planted bugs in {PATCHES}")
    return found


def check(n):
    """n itself when allocator/planted/ has its patch (None: no planted bug)."""
    if n is not None and n not in bugs():
        raise ToolError(f"no planted bug {n} (allocator/planted/ has "
                        f"{' '.join(map(str, sorted(bugs())))})")
    return n


def suffix(config):
    """One output path per config for every planted bug: switching bugs recompiles only the
    allocator, and never touches the correct build's path."""
    return f"planted-{config or 'plain'}"


def parse(text):
    """A --planted argument: a bug number allocator/planted/ has a patch for."""
    if not text.isdigit():
        raise ToolError(f"--planted wants a bug number, not '{text}'")
    return check(int(text))


def bazel_flags(n, config):
    """The flags that turn bug n on for a build under --config=config; none for n = None."""
    if n is None:
        return []
    return [f"--define=osmem_planted={check(n)}", f"--platform_suffix={suffix(config)}"]


def patched_sources(n, out_dir):
    """The allocator's sources (allocator/*.c, *.h) copied under out_dir/allocator with bug n's
    patch applied; returns that directory. n = None: the sources themselves."""
    allocator = os.path.join(ROOT, "allocator")
    if n is None:
        return allocator
    copy = os.path.join(out_dir, "allocator")
    shutil.rmtree(copy, ignore_errors=True)
    os.makedirs(copy)
    for path in glob.glob(os.path.join(allocator, "*.[ch]")):
        shutil.copy(path, copy)
    with open(patch_path(n)) as patch:
        result = subprocess.run(["patch", "--quiet", "--batch", "-p1", "-d", out_dir], stdin=patch,
                                capture_output=True, text=True)
    if result.returncode:
        raise ToolError(f"{patch_path(n)} does not apply: {result.stdout}{result.stderr}")
    return copy


def describe(n):
    return "" if n is None else f"planted bug {n} ({bugs()[n][0]})"


def tag(n):
    """', planted bug N (name)' after a build's name, or nothing for the correct allocator."""
    return f", {describe(n)}" if n is not None else ""


def flag(n):
    """The command-line flag that asks for bug n again."""
    return f"--planted {n}" if n is not None else ""


def built_with(n):
    return f"with {describe(n)}" if n is not None else "without a planted bug"


def main(argv):
    if argv == ["list"]:
        for n, (name, text) in sorted(bugs().items()):
            print(f"{n}\t{name}\t{text}")
    elif len(argv) == 3 and argv[0] == "flags" and argv[1].isdigit():
        print("\n".join(bazel_flags(int(argv[1]), argv[2])))
    else:
        raise ToolError("usage: planted.py list | planted.py flags N CONFIG")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except ToolError as err:
        print(f"planted.py: error: {err}", file=sys.stderr)
        sys.exit(2)
