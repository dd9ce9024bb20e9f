"""The op tracer (//tools/optrace): decode, encode and C reproducers, built once per call."""
import glob
import os
import subprocess

import common
import planted
from common import ToolError

_binary = None


def binary():
    global _binary
    if not _binary:
        _binary = common.bazel_build(None, ["//tools/optrace:optrace"])[0]
    return _binary


def use_binary(path):
    """Takes an optrace built before (a campaign's bin/optrace) instead of building one."""
    global _binary
    _binary = path


def run(*args):
    result = subprocess.run([binary(), *args], capture_output=True, text=True, errors="replace")
    if result.returncode:
        raise ToolError(result.stderr.strip() or f"optrace {args[0]} failed")
    return result.stdout


def decode(path):
    return run("decode", path)


def speaks(fuzzer):
    """optrace knows format 1: the format of the osmem_fuzz corpus and of every fuzzer sharing it.
    The misuse format (osmem_misuse_fuzz) only its own harness decodes."""
    return common.corpus_name(fuzzer) == "osmem_fuzz"


def decoder(fuzzer):
    """path -> readable op trace for `fuzzer`'s inputs: optrace for format 1, otherwise the
    fuzzer's own replay engine with --decode (it prints the ops its harness would run)."""
    if speaks(fuzzer):
        return decode
    replay_binary = common.bazel_build(None, [f"//fuzz:{fuzzer}_bin"])[0]

    def decode_with_harness(path):
        result = subprocess.run([replay_binary, "--decode", "--", path], capture_output=True,
                                text=True, errors="replace")
        if result.returncode:
            raise ToolError(result.stderr.strip() or f"{fuzzer} --decode failed on {path}")
        return result.stdout
    return decode_with_harness


def encode(trace_path, out_path):
    run("encode", trace_path, out_path)


def c_test(path, rule):
    return run("ctest", path, *([rule] if rule else []))


def compile_command(c_path, exe_path, planted_bug=None):
    """A reproducer needs only the allocator's sources: the production OS layer, or the emulated
    one when it plans refusals (it says so with OSMEM_REPRO_EMULATED). With a planted bug they are
    a patched copy next to the executable."""
    with open(c_path) as f:
        emulated = "#define OSMEM_REPRO_EMULATED" in f.read()
    skip = "os_layer_syscalls.c" if emulated else "os_layer_emulated.c"
    allocator = planted.patched_sources(planted_bug, os.path.dirname(os.path.abspath(exe_path)))
    sources = sorted(common.rel(p)
                     for p in glob.glob(os.path.join(allocator, "*.c"))
                     if not p.endswith(skip))
    return ["clang-14", "-std=c11", "-g", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-I.",
            "-o", exe_path, c_path, *sources]
