"""Planted bugs (allocator/planted.h): the list, and the Bazel flags that build a fuzzer with one.

The define goes on the allocator's sources only (--per_file_copt), so a planted build recompiles
the allocator and relinks; its own --platform_suffix keeps it apart from the correct build (Bazel 4
output paths ignore --copt). fuzz/planted/bench.sh asks this module for both:
  python3 tools/lib/planted.py list            N<TAB>name<TAB>description, one bug a line
  python3 tools/lib/planted.py flags N CONFIG  the Bazel flags of bug N under --config=CONFIG"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, ToolError  # noqa: E402

HEADER = os.path.join(ROOT, "allocator", "planted.h")
BUG_LINE = re.compile(r'^\s*X\((\d+), "([^"]*)", "([^"]*)"\)', re.MULTILINE)


def bugs():
    """{N: (name, description)} as allocator/planted.h lists them."""
    try:
        with open(HEADER) as f:
            found = {int(n): (name, text) for n, name, text in BUG_LINE.findall(f.read())}
    except OSError as err:
        raise ToolError(f"cannot read the planted-bug list {HEADER}: {err.strerror}")
    if not found:
        raise ToolError(f"no planted bugs listed in {HEADER}")
    return found


def check(n):
    """n itself when allocator/planted.h lists it (None: no planted bug)."""
    if n is not None and n not in bugs():
        raise ToolError(f"no planted bug {n} (allocator/planted.h lists "
                        f"{' '.join(map(str, sorted(bugs())))})")
    return n


def suffix(config):
    """One output path per config for every planted bug: switching bugs recompiles only the
    allocator, and never touches the correct build's path."""
    return f"planted-{config or 'plain'}"


def parse(text):
    """A --planted argument: a bug number allocator/planted.h lists."""
    if not text.isdigit():
        raise ToolError(f"--planted wants a bug number, not '{text}'")
    return check(int(text))


def define(n):
    """The compiler flag that turns bug n on (for the allocator's sources only)."""
    return [] if n is None else [f"-DOSMEM_PLANTED_BUG={check(n)}"]


def bazel_flags(n, config):
    """The flags that turn bug n on for a build under --config=config; none for n = None."""
    return [f"--per_file_copt=allocator/.*\\.c@{flag}" for flag in define(n)] + \
        ([f"--platform_suffix={suffix(config)}"] if n is not None else [])


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
