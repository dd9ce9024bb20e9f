"""Coverage of a whole corpus, as each engine measures it: libFuzzer's cov/ft after loading the
corpus (-runs=0), AFL++'s distinct edges over every input (afl-showmap -C)."""
import os
import re
import subprocess
import tempfile

from common import ToolError

INITED = re.compile(r"#\d+\s+(?:INITED|DONE)\s+cov: (\d+) ft: (\d+)")
CAPTURED = re.compile(r"Captured (\d+) tuples")
AFL_ENV = dict(os.environ, AFL_ALLOW_TMP="1", AFL_SKIP_CPUFREQ="1", AFL_NO_AFFINITY="1")


def libfuzzer(binary, corpus):
    """(cov, ft) reached by replaying every input of `corpus`, fuzzing nothing."""
    out = subprocess.run([binary, "-runs=0", corpus], capture_output=True, text=True,
                         errors="replace").stderr
    found = INITED.findall(out)
    if not found:
        raise ToolError(f"libFuzzer could not replay {corpus}:\n{out[-2000:]}")
    return tuple(map(int, found[-1]))


def afl(binary, corpus):
    """(edges, 0): distinct edges hit by the corpus."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["afl-showmap", "-C", "-i", corpus, "-o", os.path.join(tmp, "map"),
                              "-m", "none", "-t", "10000", "--", binary], capture_output=True,
                             text=True, errors="replace", env=AFL_ENV)
    found = CAPTURED.findall(out.stdout + out.stderr)
    if not found:
        raise ToolError(f"afl-showmap could not replay {corpus}:\n{(out.stdout + out.stderr)[-2000:]}")
    return int(found[-1]), 0
