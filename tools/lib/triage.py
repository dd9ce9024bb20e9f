"""Failure triage: replay, signature (the rule broken + the stack), de-duplication, minimization.

A signature is the oracle's rule with numbers blanked (op index, sizes, addresses change between
two inputs breaking the same rule) plus the top frames of the stack, outside the fuzzing runtime."""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess

SYMBOLIZER = "/usr/bin/llvm-symbolizer-14"
ORACLE_LINE = re.compile(r"osmem-fuzz: (?:op \d+ .*?\)|end \(.*?\)): (.*)")
SANITIZER_LINE = re.compile(r"(?:SUMMARY: \w+Sanitizer: \S+|runtime error: .*|osmem: .*)")
FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ in (\S+)")
# Frames of the runtimes, not of the code under test or its oracle.
RUNTIME_FRAME = re.compile(r"^(__|fuzzer::|abort$|raise$|gsignal$|fuzz_fail$|print_context$|"
                           r"LLVMFuzzerTestOneInput$|main$|_start$|std::)")
STACK_DEPTH = 3


def replay_env():
    env = dict(os.environ)
    if os.path.exists(SYMBOLIZER):
        env["ASAN_SYMBOLIZER_PATH"] = env["MSAN_SYMBOLIZER_PATH"] = SYMBOLIZER
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    return env


def replay(binary, path, timeout=60):
    """Runs one input through the libFuzzer binary; returns (failed, output)."""
    try:
        result = subprocess.run([binary, path], capture_output=True, text=True,
                                errors="replace", env=replay_env(), timeout=timeout)
    except subprocess.TimeoutExpired:
        return True, f"timeout after {timeout}s"
    return result.returncode != 0, result.stdout + result.stderr


def blank_numbers(text):
    return re.sub(r"0x[0-9a-fA-F]+|\d+", "N", text).strip()


def rule_of(output):
    for pattern in (ORACLE_LINE, SANITIZER_LINE):
        match = pattern.search(output)
        if match:
            return match.group(match.lastindex or 0)
    return "timeout" if output.startswith("timeout") else "crash without a message"


def stack_of(output):
    frames = []
    for line in output.splitlines():
        match = FRAME.match(line)
        if match and not RUNTIME_FRAME.match(match.group(1)):
            frames.append(match.group(1))
        if len(frames) == STACK_DEPTH:
            break
    return frames


def signature(output):
    return blank_numbers(rule_of(output)) + " @ " + " < ".join(stack_of(output) or ["?"])


def minimize(binary, path, dest, seconds):
    """libFuzzer's crash minimizer, stopped after `seconds` (its -max_total_time bounds each of
    its steps, not the whole); libFuzzer rewrites `dest` with each smaller input it finds. Keeps
    the original when the result breaks another rule."""
    with subprocess.Popen([binary, "-minimize_crash=1", f"-max_total_time={seconds}",
                           f"-exact_artifact_path={dest}", path], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, env=replay_env(),
                          start_new_session=True) as proc:
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the minimizer and the step it runs
            proc.wait()
    if os.path.exists(dest):
        failed_before, before = replay(binary, path)
        failed, after = replay(binary, dest)
        if failed and signature(after) == signature(before):
            return dest
    shutil.copyfile(path, dest)
    return dest


class Triage:
    """Keeps failures.json: signature -> first input, count, triage directory."""

    def __init__(self, campaign, binary, trace_fn, replay_cmd_fn, minimize_seconds=20):
        self.campaign, self.binary = campaign, binary
        self.trace_fn, self.replay_cmd_fn = trace_fn, replay_cmd_fn
        self.minimize_seconds = minimize_seconds
        self.db_path = os.path.join(campaign.path, "failures.json")
        self.db = {"seen": [], "distinct": {}}
        if os.path.exists(self.db_path):
            with open(self.db_path) as f:
                self.db = json.load(f)

    def save(self):
        with open(self.db_path, "w") as f:
            json.dump(self.db, f, indent=1)

    def add(self, path):
        if path in self.db["seen"]:
            return False
        self.db["seen"].append(path)
        failed, output = replay(self.binary, path)
        sig = signature(output) if failed else "does not reproduce"
        entry = self.db["distinct"].get(sig)
        if entry:
            entry["count"] += 1
            return False
        self.db["distinct"][sig] = self.describe(path, sig, output)
        return True

    def describe(self, path, sig, output):
        ident = hashlib.sha1(sig.encode()).hexdigest()[:10]
        out_dir = os.path.join(self.campaign.triage_dir, ident)
        os.makedirs(out_dir, exist_ok=True)
        minimized = minimize(self.binary, path, os.path.join(out_dir, "minimized"),
                             self.minimize_seconds)
        _, min_output = replay(self.binary, minimized)
        with open(os.path.join(out_dir, "output.txt"), "w") as f:
            f.write(min_output)
        trace = self.trace_fn(minimized)
        with open(os.path.join(out_dir, "trace.txt"), "w") as f:
            f.write(trace)
        return {"id": ident, "rule": rule_of(min_output if min_output else output),
                "stack": stack_of(output), "input": path, "minimized": minimized,
                "minimized_bytes": os.path.getsize(minimized), "count": 1,
                "trace": trace, "replay": self.replay_cmd_fn(minimized)}

    def distinct(self):
        return list(self.db["distinct"].values())
