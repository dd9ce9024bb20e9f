#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs trace scenarios under strace and compares what each os_* call asked of the kernel.

For every scenarios/<name>.ops the driver (linked against libosmem.so) is run under real strace.
The raw trace is cut at the driver's marker syscalls (write(-1, "BEGIN ...") / write(-1, "END ...")),
and every syscall between them is kept, whatever it is. Nothing before the driver's "START" marker
(loading, reading the script) is kept. Addresses are named so that traces do not
depend on ASLR:

  H+0x20    heap addresses, relative to the process's initial break (the result of the first
            brk(NULL), made by the dynamic loader before main)
  M1, M2    mappings, numbered in the order the scenario's mmap calls return them; a later
            mapping at a reused address gets a new number
  UNKNOWN(0x...)   anything else (always a mismatch: expected traces never contain it)

Syscalls made by the driver outside os_* calls (its sbrk(0) statement) appear under
"(between os_* calls)". The normalised trace is diffed with expected/<name>.trace, whose '#' lines
are comments.

Usage: bazel run //allocator/trace:trace_check -- [--update] [--show] [SCENARIO ...]
(--update rewrites expected/*.trace in the source tree from this run: review the diff before commit;
the checked-in traces were written by hand from SPEC.md.)
"""

import argparse
import difflib
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile

HEAP_WINDOW = 1 << 32  # an address this far above the initial break still counts as heap
SYSCALL_LINE = re.compile(r"^(?P<name>\w+)\((?P<args>.*)\)\s+= (?P<result>.*)$")
MARKER = re.compile(r'^write\(-1, "(?P<kind>START|BEGIN|END)(?: (?P<text>.*))?", \d+\)\s+= -1 EBADF')
HEX = re.compile(r"\b0x[0-9a-f]+\b")
INDENT = "    "


class TraceError(Exception):
    """The raw trace cannot be normalised (no initial break, unbalanced markers, ...)."""


class AddressNamer:
    """Turns absolute addresses into H+offset or Mk+offset."""

    def __init__(self, heap_start):
        self.heap_start = heap_start
        self.mappings = []  # [name, start, length, live], in creation order

    def add_mapping(self, start, length):
        name = "M%d" % (len(self.mappings) + 1)
        self.mappings.append([name, start, length, True])

    def unmap(self, start):
        for mapping in reversed(self.mappings):
            if mapping[1] == start and mapping[3]:
                mapping[3] = False
                return

    def name(self, address):
        # The newest mapping containing the address wins: an address can be reused after munmap.
        for name, start, length, _ in reversed(self.mappings):
            if start <= address < start + max(length, 1):
                return _offset_name(name, address - start)
        if self.heap_start <= address < self.heap_start + HEAP_WINDOW:
            return _offset_name("H", address - self.heap_start)
        return "UNKNOWN(%#x)" % address

    def rename_all(self, text):
        return HEX.sub(lambda m: self.name(int(m.group(0), 16)), text)


def _offset_name(base, offset):
    return base if offset == 0 else "%s+%#x" % (base, offset)


def _initial_break(lines):
    for line in lines:
        match = SYSCALL_LINE.match(line)
        if match and match.group("name") == "brk":
            if match.group("args") != "NULL":
                raise TraceError("the first brk of the process is not brk(NULL): " + line)
            return int(match.group("result"), 16)
    raise TraceError("no brk(NULL) in the trace: cannot tell where the heap starts")


def _normalise_syscall(line, namer):
    """One syscall line inside the scenario, with its addresses named."""
    match = SYSCALL_LINE.match(line)
    if not match:
        return namer.rename_all(line)
    name, args, result = match.group("name", "args", "result")
    if name == "mmap" and result.startswith("0x"):
        length = int(args.split(",")[1].strip(), 0)
        namer.add_mapping(int(result, 16), length)
    rendered = namer.rename_all("%s(%s) = %s" % (name, args, result))
    if name == "munmap" and result == "0":
        namer.unmap(int(args.split(",")[0], 16))
    return rendered


def normalise(raw):
    """Returns the readable, address-independent trace of a raw `strace -s 256` output."""
    lines = [line.rstrip("\n") for line in raw.splitlines()]
    namer = AddressNamer(_initial_break(lines))
    out, title_index, started = [], None, False
    for line in lines:
        marker = MARKER.match(line)
        if marker and marker.group("kind") == "START":
            started = True
        elif marker and marker.group("kind") == "BEGIN":
            if title_index is not None:
                raise TraceError("BEGIN inside the call %r: %s" % (out[title_index], line))
            title_index = len(out)
            out.append(marker.group("text"))
        elif marker:
            if title_index is None:
                raise TraceError("END without BEGIN: " + line)
            if marker.group("text") is not None:
                out[title_index] += " -> " + namer.rename_all(marker.group("text"))
            title_index = None
        elif started and not line.startswith(("+++", "---", "exit_group(")):
            if title_index is None:
                _open_between_section(out)
            out.append(INDENT + _normalise_syscall(line, namer))
    if title_index is not None:
        out.append(INDENT + "<no END marker: the process ended inside this call>")
    return "\n".join(out) + "\n"


def _open_between_section(out):
    title = "(between os_* calls)"
    last_title = next((line for line in reversed(out) if not line.startswith(INDENT)), None)
    if last_title != title:
        out.append(title)


def strip_comments(text):
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines) + "\n"


def run_traced(driver, scenario, strace="strace"):
    """Runs the driver on one scenario under strace; returns the raw trace text."""
    with tempfile.TemporaryDirectory(prefix="osmem-trace-") as tmp:
        raw_path = os.path.join(tmp, "raw.strace")
        proc = subprocess.run(
            [strace, "-qq", "-s", "256", "-e", "signal=none", "-o", raw_path, driver, scenario],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        if proc.returncode != 0:
            raise TraceError("%s exited with %d: %s%s" % (
                os.path.basename(driver), proc.returncode, proc.stdout, proc.stderr.strip()))
        with open(raw_path, encoding="utf-8") as raw:
            return raw.read()


def compare(name, actual, expected_path, update=False):
    """Returns (ok, message): message is the unified diff when the traces differ."""
    if update:
        _write_expected(expected_path, name, actual)
        return True, "updated " + expected_path
    if not os.path.exists(expected_path):
        return False, "no expected trace %s (run with --update to create it, then review it)" % (
            expected_path)
    with open(expected_path, encoding="utf-8") as f:
        expected = strip_comments(f.read())
    if expected == actual:
        return True, ""
    diff = difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                "expected/%s.trace" % name, "actual (%s)" % name, lineterm="")
    return False, "\n".join(diff)


def _write_expected(path, name, actual):
    """Keeps an existing file's leading comment lines; the trace itself is replaced."""
    header = ["# Expected trace of scenarios/%s.ops (see trace_check.py for the notation).\n" % name]
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        kept = [line for line in itertools.takewhile(lambda l: l.startswith("#"), lines)]
        header = kept or header
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(header) + actual)


def find_scenarios(scenario_dir, names):
    if not os.path.isdir(scenario_dir):
        raise TraceError("scenario directory %s does not exist" % scenario_dir)
    available = sorted(f[:-4] for f in os.listdir(scenario_dir) if f.endswith(".ops"))
    if not available:
        raise TraceError("no *.ops scenario in %s" % scenario_dir)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise TraceError("unknown scenario(s) %s; available: %s" % (
            ", ".join(unknown), ", ".join(available)))
    return names or available


def check_all(driver, scenario_dir, expected_dir, names=(), strace="strace", update=False,
              show=False, out=sys.stdout):
    """Checks every scenario; prints PASS/FAIL per scenario and a summary. Returns failures."""
    if shutil.which(strace) is None:
        raise TraceError("strace not found (%s); tools/setup.sh installs it" % strace)
    if not os.access(driver, os.X_OK):
        raise TraceError("driver %s is not an executable; bazel build //allocator/trace:trace_driver"
                         % driver)
    failures = 0
    selected = find_scenarios(scenario_dir, list(names))
    for name in selected:
        scenario = os.path.join(scenario_dir, name + ".ops")
        expected = os.path.join(expected_dir, name + ".trace")
        actual = None
        try:
            actual = normalise(run_traced(driver, scenario, strace))
            ok, message = compare(name, actual, expected, update)
        except TraceError as error:
            ok, message = False, str(error)
        failures += not ok
        print("%s %s" % ("PASS" if ok else "FAIL", name), file=out)
        if message:
            print(message, file=out)
        if show and actual is not None:
            print(actual, file=out)
    print("trace_check: %d scenarios, %d passed, %d failed" % (
        len(selected), len(selected) - failures, failures), file=out)
    return failures


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--driver", default=os.path.join(root, "bazel-bin/allocator/trace/trace_driver"))
    parser.add_argument("--scenarios", default=os.path.join(here, "scenarios"))
    parser.add_argument("--expected", default=os.path.join(here, "expected"))
    parser.add_argument("--strace", default="strace")
    parser.add_argument("--update", action="store_true",
                        help="rewrite the expected traces from this run (review them before commit)")
    parser.add_argument("--show", action="store_true", help="also print each normalised trace")
    parser.add_argument("names", nargs="*", metavar="SCENARIO", help="default: all")
    args = parser.parse_args(argv)
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if args.update and workspace and not os.path.isabs(args.expected):
        # Under `bazel run` the relative path names the runfiles copy: write the source tree's.
        args.expected = os.path.join(workspace, args.expected)
    try:
        return 1 if check_all(args.driver, args.scenarios, args.expected, args.names, args.strace,
                              args.update, args.show) else 0
    except TraceError as error:
        print("trace_check: error: %s" % error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
