"""Helpers shared by the fuzzing user's tools: errors, durations, the workspace, Bazel builds."""
import configparser
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Campaigns, reproducers and reports; OSMEM_OUT moves them (the tools' own tests use a temp dir).
OUT = os.environ.get("OSMEM_OUT") or os.path.join(ROOT, "out")
ENGINES = ("libfuzzer", "afl")
# Bazel configs (fuzz/README.md): the sanitized libFuzzer build, the AFL++ build, plain replay.
ENGINE_CONFIG = {"libfuzzer": "asan-ubsan-libfuzzer", "afl": "asan-afl"}
# Built only once per machine: tools/setup.sh is idempotent but costs a dpkg query per package.
SETUP_STAMP = os.path.join(OUT, ".setup-done")


class ToolError(Exception):
    """Bad input or a failed step: printed as one line, exit status 2."""


def main_guard(tool, fn):
    """Runs fn(argv) and turns ToolError into a clear message and a non-zero exit."""
    try:
        sys.exit(fn(sys.argv[1:]) or 0)
    except ToolError as err:
        print(f"{tool}: error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"\n{tool}: interrupted", file=sys.stderr)
        sys.exit(130)


def rel(path):
    """A path as the user types it from the workspace root."""
    return os.path.relpath(path, ROOT) if os.path.abspath(path).startswith(ROOT + "/") else path


def parse_duration(text):
    """'300', '90s', '5m', '2h' -> seconds; '0' or 'forever' -> 0 (until Ctrl-C)."""
    if text == "forever":
        return 0
    match = re.fullmatch(r"(\d+)([smh]?)", text)
    if not match:
        raise ToolError(f"bad duration '{text}' (use e.g. 90s, 5m, 2h, forever)")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def format_duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m{seconds % 60:02d}s" if seconds >= 3600 \
        else f"{seconds // 60}m{seconds % 60:02d}s"


def human(number):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if number >= scale:
            return f"{number / scale:.1f}{unit}"
    return str(int(number))


def check_engine(engine):
    if engine not in ENGINES:
        raise ToolError(f"unknown engine '{engine}' (choose one of: {', '.join(ENGINES)})")
    return engine


def input_files(path, what="corpus"):
    """The regular, non-empty files of a corpus directory; refuses a missing or empty one."""
    if not os.path.isdir(path):
        raise ToolError(f"{what} directory '{path}' does not exist")
    files = sorted(os.path.join(path, name) for name in os.listdir(path)
                   if os.path.isfile(os.path.join(path, name)) and not name.startswith("."))
    if not any(os.path.getsize(f) for f in files):
        raise ToolError(f"{what} directory '{path}' has no non-empty input file")
    return files


def dir_stats(path):
    """(files, bytes) of a directory's regular files. A running libFuzzer deletes an input it
    replaced by a smaller one: a file gone between listing and stat is not counted."""
    count = size = 0
    for name in os.listdir(path) if os.path.isdir(path) else []:
        try:
            st = os.stat(os.path.join(path, name))
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode):
            count, size = count + 1, size + st.st_size
    return count, size


def ensure_setup():
    """Runs tools/setup.sh the first time on this machine (it is idempotent anyway)."""
    if os.path.exists(SETUP_STAMP):
        return
    run_checked(["bash", os.path.join(ROOT, "tools", "setup.sh")], "tools/setup.sh")
    os.makedirs(OUT, exist_ok=True)
    open(SETUP_STAMP, "w").close()


def run_checked(cmd, what, **kwargs):
    result = subprocess.run(cmd, cwd=kwargs.pop("cwd", ROOT), **kwargs)
    if result.returncode != 0:
        raise ToolError(f"{what} failed (exit {result.returncode}): {' '.join(cmd)}")
    return result


def bazel_build(config, targets, flags=(), root=ROOT):
    """Builds `targets` under `--config=config` (and extra `flags`) in the workspace `root` and
    returns each target's output file path."""
    args = ([f"--config={config}"] if config else []) + list(flags)
    print(f"building {' '.join(targets)}" + (f" ({' '.join(args)})" if args else ""), flush=True)
    result = subprocess.run(["bazel", "build", "--noshow_progress", *args, *targets], cwd=root,
                            capture_output=True, text=True, errors="replace")
    if result.returncode:
        sys.stderr.write(result.stderr[-4000:])
        raise ToolError(f"bazel build {' '.join(args + targets)} failed")
    bin_dir = subprocess.run(["bazel", "info", *args, "bazel-bin"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.strip()
    return [os.path.join(bin_dir, t.lstrip("/").replace(":", "/")) for t in targets]


def default_fuzzer():
    """The one fuzzer with a seed corpus, so that the common case needs no --fuzzer flag."""
    corpus = os.path.join(ROOT, "corpus")
    names = sorted(n for n in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, n))
                   and not n.endswith("_regressions")) if os.path.isdir(corpus) else []
    if not names:
        raise ToolError("no seed corpus under corpus/: pass --fuzzer NAME")
    return names[0]


def corpus_name(fuzzer):
    """The corpus a fuzzer was declared with (`corpus = "//corpus:NAME"` in fuzz/BUILD.bazel):
    several fuzzers may share one; a fuzzer without a declaration has its own name's."""
    build = os.path.join(ROOT, "fuzz", "BUILD.bazel")
    if os.path.isfile(build):
        with open(build) as f:
            match = re.search(r'name = "%s",\s*corpus = \[?"//corpus:(\w+)"' % re.escape(fuzzer),
                              f.read())
        if match:
            return match.group(1)
    return fuzzer


def seed_dir(fuzzer):
    return os.path.join(ROOT, "corpus", corpus_name(fuzzer))


def dictionary(fuzzer):
    path = os.path.join(ROOT, "corpus", f"{corpus_name(fuzzer)}.dict")
    return path if os.path.isfile(path) else None


def libfuzzer_options(fuzzer):
    """The [libfuzzer] section of the fuzzer's OSS-Fuzz .options file, as libFuzzer flags."""
    path = os.path.join(ROOT, "fuzz", f"{fuzzer}.options")
    if not os.path.isfile(path):
        path = os.path.join(ROOT, "fuzz", "osmem_fuzz.options")  # shared by the osmem fuzzers
    if not os.path.isfile(path):
        return []
    parser = configparser.ConfigParser()
    parser.read(path)
    return [f"-{k}={v}" for k, v in parser.items("libfuzzer")] if parser.has_section("libfuzzer") \
        else []


def copy_new_files(src_dir, dst_dir, refused=frozenset()):
    """Copies the files of src_dir missing from dst_dir (by name), except those whose SHA-1 is in
    refused; returns how many were copied and how many refused."""
    os.makedirs(dst_dir, exist_ok=True)
    copied = kept_out = 0
    for name in os.listdir(src_dir) if os.path.isdir(src_dir) else []:
        src, dst = os.path.join(src_dir, name), os.path.join(dst_dir, name)
        if not os.path.isfile(src) or not os.path.getsize(src) or os.path.exists(dst):
            continue
        if refused and sha1_of(src) in refused:
            kept_out += 1
            continue
        shutil.copyfile(src, dst)  # a copy, not a link: afl-fuzz rejects symlinks
        copied += 1
    return copied, kept_out


def sha1_of(path):
    """The name libFuzzer gives an input (and the campaign's corpus uses for merged ones)."""
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()
