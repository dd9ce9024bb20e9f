"""A campaign directory, out/campaigns/<name>/: everything a campaign needs to resume.

  corpus/     working corpus: seeds copied in, new inputs merged in (never the checked-in seeds)
  failures/   failing inputs as the engine wrote them
  triage/     one directory per distinct failure: minimized input, op trace, output, replay command
  afl/        AFL++ state (-M main, -S secN); resumed with `-i -`
  logs/       engine output
  stats.csv   one row per sample: campaign time, executions, coverage, corpus, failures, run
  state.json  total time, executions and runs; its fuzzer and the planted bug its binaries were
              built with
  failing-inputs.txt  SHA-1 of each input that failed while a job loaded the corpus and left it
  report.html the campaign report"""
import csv
import hashlib
import json
import os
import shutil

import common
import planted
from common import OUT, ToolError, copy_new_files

STATS_FIELDS = ("seconds", "execs", "coverage", "features", "corpus", "failures", "engine", "run")


def check_name(name):
    if not name or "/" in name or name.startswith("."):
        raise ToolError(f"bad campaign name '{name}' (a plain directory name)")
    return name


class Campaign:
    def __init__(self, name):
        self.name = check_name(name)
        self.path = os.path.join(OUT, "campaigns", name)
        self.corpus = os.path.join(self.path, "corpus")
        self.failures_dir = os.path.join(self.path, "failures")
        self.triage_dir = os.path.join(self.path, "triage")
        self.logs = os.path.join(self.path, "logs")
        self.stats_path = os.path.join(self.path, "stats.csv")
        self.state_path = os.path.join(self.path, "state.json")
        self.failing_path = os.path.join(self.path, "failing-inputs.txt")

    def add_seeds(self, *seed_dirs):
        """Copies the inputs the working corpus lacks; returns (copied, kept out). An input known
        to fail stays out: each job would stop on it while loading, one restart per such input,
        at every resume."""
        failing = self.failing_inputs()
        counts = [copy_new_files(d, self.corpus, failing) for d in seed_dirs]
        return sum(c for c, _ in counts), sum(k for _, k in counts)

    def failing_inputs(self):
        if not os.path.exists(self.failing_path):
            return frozenset()
        with open(self.failing_path) as f:
            return frozenset(line.strip() for line in f if line.strip())

    def remember_failing(self, digest):
        if digest not in self.failing_inputs():
            with open(self.failing_path, "a") as f:
                f.write(digest + "\n")

    def load_state(self):
        if not os.path.exists(self.state_path):
            return {"seconds": 0, "execs": 0, "runs": 0}
        try:
            with open(self.state_path) as f:
                return json.load(f)
        except (OSError, ValueError) as err:
            raise ToolError(f"cannot read {self.state_path} ({err}): repair or remove it "
                            "(it holds the campaign's total time and its planted bug)")

    def planted(self):
        """The planted bug this campaign's binaries were built with (None: the real allocator)."""
        return self.load_state().get("planted")

    def check_planted(self, n):
        """A campaign's corpus, failures and binaries belong to one build: resuming it with another
        would mix them silently."""
        if not os.path.exists(self.state_path) or self.planted() == n:
            return n
        was = self.planted()
        resume = planted.flag(was) or "no --planted"
        raise ToolError(f"campaign '{self.name}' was built {planted.built_with(was)}, not "
                        f"{planted.built_with(n)}: resume it with {resume}, or start another "
                        "--campaign")

    def check_fuzzer(self, fuzzer):
        """Inputs of one fuzzer's format mean other ops to another: one campaign, one fuzzer."""
        was = self.load_state().get("fuzzer") if os.path.exists(self.state_path) else None
        if was and was != fuzzer:
            raise ToolError(f"campaign '{self.name}' runs {was}, not {fuzzer}: use --fuzzer {was} "
                            "with it, or another --campaign")

    def claim(self, planted_bug, fuzzer):
        """Starts a run: the directories, and the state with its fuzzer and planted bug recorded
        before anything is built (a refused resume writes nothing)."""
        self.check_planted(planted_bug)
        self.check_fuzzer(fuzzer)
        state = self.load_state()
        for d in (self.corpus, self.failures_dir, self.triage_dir, self.logs):
            os.makedirs(d, exist_ok=True)
        state["planted"], state["fuzzer"] = planted_bug, fuzzer
        self.save_state(state)
        return state

    def earlier_corpora(self, fuzzer):
        """The working corpora of the other campaigns whose inputs are in `fuzzer`'s format (the
        same corpus in fuzz/BUILD.bazel); a campaign whose state is unreadable is skipped."""
        root = os.path.dirname(self.path)
        names = sorted(os.listdir(root)) if os.path.isdir(root) else []
        others = [Campaign(n) for n in names if n != self.name and not n.startswith(".")]
        return [(other.name, other.corpus) for other in others
                if os.path.isdir(other.corpus) and other.reads_format_of(fuzzer)]

    def reads_format_of(self, fuzzer):
        try:
            theirs = self.load_state().get("fuzzer")
        except ToolError:
            return False
        return bool(theirs) and common.corpus_name(theirs) == common.corpus_name(fuzzer)

    def save_state(self, state):
        with open(self.state_path, "w") as f:
            json.dump(state, f, indent=1)

    def record(self, seconds, fig, engine, run):
        new = not os.path.exists(self.stats_path)
        with open(self.stats_path, "a", newline="") as f:
            writer = csv.writer(f)
            if new:
                writer.writerow(STATS_FIELDS)
            writer.writerow((int(seconds), fig.execs, fig.coverage, fig.features, fig.corpus,
                             fig.failures, engine, run))

    def samples(self):
        if not os.path.exists(self.stats_path):
            return []
        with open(self.stats_path) as f:
            return list(csv.DictReader(f))

    def merge_into_corpus(self, files):
        """Copies inputs (e.g. AFL++ queue entries) into the working corpus under their content
        hash, so the same input found twice lands once."""
        added = 0
        for path in files:
            with open(path, "rb") as f:
                data = f.read()
            if not data:
                continue
            dst = os.path.join(self.corpus, hashlib.sha1(data).hexdigest())
            if not os.path.exists(dst):
                shutil.copyfile(path, dst)
                added += 1
        return added
