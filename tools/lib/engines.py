"""The two engines behind one interface: start on N cores, read live figures, list failures.

libFuzzer runs in-process, one process per job on the shared working corpus, restarted after a
failure; AFL++ runs one -M main and -S secondaries. Each keeps its state in the campaign
directory, so a stopped campaign resumes where it was."""
import collections
import glob
import math
import os
import re
import signal
import subprocess
import time

import common
import libfuzzer_run
import triage
from common import ToolError, human, sha1_of

AFL_PROGRESS = re.compile(r"Fuzzing test case #\d+ \((\d+) total")


class Figures:
    """One sample of a running engine (this run only; the campaign adds earlier runs)."""

    def __init__(self, execs=0, coverage=0, features=0, corpus=0, failures=0):
        self.execs, self.coverage, self.features = execs, coverage, features
        self.corpus, self.failures = corpus, failures


class Engine:
    """What both engines share: their campaign, their binary, the processes they started."""

    def __init__(self, campaign, binary):
        self.campaign, self.binary = campaign, binary
        self.procs = []
        self.stopping = False

    def poll(self):
        """Engine upkeep once a second; returns lines for the status stream."""
        return []

    def running(self):
        return any(p.poll() is None for p in self.procs)

    def check_started(self, fig):
        """An engine that ran nothing and failed (bad binary, rejected seeds) is an error."""
        statuses = [p.returncode for p in self.procs]
        if fig.execs == 0 and any(s not in (0, None, -signal.SIGINT) for s in statuses):
            logs = sorted(glob.glob(os.path.join(self.campaign.logs, f"{self.name}*.log")))
            text = open(logs[-1], errors="replace").read() if logs else ""
            tail = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()[-6:])
            raise ToolError(f"{self.name} stopped without running (exit {statuses}):\n{tail}")


class LibFuzzer(Engine):
    """libFuzzer in-process, one process per job on the shared working corpus. A process that
    stops on a failure is started again with the grown corpus while time remains (as ClusterFuzz
    does): the campaign goes on at the in-process rate instead of fork mode's short jobs, each of
    which starts from a few corpus inputs (tools/README.md has the figures)."""
    name = "libfuzzer"
    coverage_names = ("cov", "ft")
    # The report plots ft (features), as it did for fork mode, whose `cov` restarted per run.
    coverage_plot = ("coverage (ft: libFuzzer features)", "features", "features")

    def __init__(self, campaign, binary):
        super().__init__(campaign, binary)
        self.runs = []      # every process of this campaign run, in start order
        self.workers = []   # each job's latest process; None once the job is over
        self.deadline = None
        self.messages = collections.Counter()  # failure message (numbers blanked) -> hits
        self.load_failures = {}  # job -> the input its last process failed on while loading
        self.dict_path, self.options = None, []

    def log_path(self, worker):
        return os.path.join(self.campaign.logs, f"libfuzzer-{worker}.log")

    def command(self, seconds, jobs):
        """The working corpus is the only corpus dir: libFuzzer writes new inputs there and, with
        several jobs, rereads it every second for the inputs the others found."""
        cmd = [self.binary, self.campaign.corpus, "-print_final_stats=1",
               f"-reload={1 if jobs > 1 else 0}", *self.options,
               f"-artifact_prefix={self.campaign.failures_dir}/"]
        if seconds:
            cmd.append(f"-max_total_time={seconds}")
        if self.dict_path:
            cmd.append(f"-dict={self.dict_path}")
        return cmd

    def start(self, seconds, jobs, dict_path, options):
        self.deadline = time.time() + seconds if seconds else None
        self.dict_path, self.options = dict_path, list(options)
        self.workers = [self.launch(worker, seconds, jobs) for worker in range(jobs)]

    def launch(self, worker, seconds, jobs):
        path = self.log_path(worker)
        offset = libfuzzer_run.log_size(path)
        with open(path, "a") as log:
            proc = subprocess.Popen(self.command(seconds, jobs), stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        run = libfuzzer_run.Run(proc, path, offset)
        self.runs.append(run)
        self.procs.append(proc)
        return run

    def remaining(self):
        """Whole seconds left (0: no limit), or None when the time is up."""
        if self.deadline is None:
            return 0
        left = math.ceil(self.deadline - time.time())
        return left if left >= 1 else None

    def poll(self):
        """Reads every job's log; a job stopped by a failure starts again while time remains.
        Returns a line for each failure message not seen before in this run (repeats only
        count) and for a job that cannot go on."""
        events = []
        for worker, run in enumerate(self.workers):
            if run is None:
                continue
            if not run.finished():
                run.read()
                continue
            self.workers[worker] = None
            if run.artifact and not self.stopping:
                events += self.restart(worker, run)
        return events

    def restart(self, worker, run):
        message = triage.blank_numbers(triage.rule_of(run.output()))
        self.messages[message] += 1
        new = self.messages[message] == 1
        if not run.inited:
            self.drop_from_corpus(run.artifact)
            # Each input that fails while loading leaves the corpus (another job may have taken
            # it out first): failing again on the same one means it cannot be taken out.
            if self.load_failures.get(worker) == run.artifact:
                return [f"job {worker}: libFuzzer fails again while loading the corpus "
                        f"({message}) and is not restarted: see {common.rel(run.log_path)}"]
            self.load_failures[worker] = run.artifact
        left = self.remaining()
        if left is not None:
            self.workers[worker] = self.launch(worker, left, len(self.workers))
        restarted = "restarted" if left is not None else "time is up"
        return [f"job {worker}: failure: {message} ({restarted}; repeats are counted, not shown)"] \
            if new else []

    def drop_from_corpus(self, artifact):
        """An input of the corpus itself that fails (a seed, an input imported from an earlier
        campaign) would stop every restart while loading: it leaves the working corpus (the
        failure directory keeps it)."""
        if not artifact or not os.path.exists(artifact):
            return
        digest = sha1_of(artifact)
        self.campaign.remember_failing(digest)
        for name in os.listdir(self.campaign.corpus):
            path = os.path.join(self.campaign.corpus, name)
            try:  # a running job may replace an input by a smaller one meanwhile
                if name == digest or sha1_of(path) == digest:
                    os.remove(path)
            except FileNotFoundError:
                pass

    def running(self):
        return any(run is not None for run in self.workers)

    def figures(self):
        for run in self.workers:
            if run is not None:
                run.read()
        return Figures(sum(run.executions() for run in self.runs),
                       max((run.coverage for run in self.runs), default=0),
                       max((run.features for run in self.runs), default=0),
                       common.dir_stats(self.campaign.corpus)[0],
                       len({run.artifact for run in self.runs if run.artifact}))

    def failure_files(self):
        return sorted(glob.glob(os.path.join(self.campaign.failures_dir, "*-*")))

    def new_corpus_files(self):
        return []  # libFuzzer writes into the working corpus itself

    def describe(self, fig):
        if not fig.features:  # no job has loaded the whole corpus yet
            return "cov - ft -"
        return f"cov {fig.coverage} ft {fig.features}"


class Afl(Engine):
    name = "afl"
    coverage_names = ("edges found", "edges in map")
    coverage_plot = ("coverage (edges found)", "edges", "coverage")  # the map size is constant

    def __init__(self, campaign, binary):
        super().__init__(campaign, binary)
        self.state = os.path.join(campaign.path, "afl")
        # A resumed instance carries on counting: this run's executions start from here.
        self.baseline = {i: self.instance_figures(i).execs for i in self.instances()}

    def instances(self):
        return glob.glob(os.path.join(self.state, "*", ""))

    def instance_names(self, jobs):
        return ["main"] + [f"sec{i}" for i in range(1, jobs)]

    def start(self, seconds, jobs, dict_path, options):
        del options  # libFuzzer's; AFL++ gets its limits from -t/-m below
        resume = os.path.exists(os.path.join(self.state, "main", "fuzzer_stats"))
        env = dict(os.environ, AFL_NO_UI="1", AFL_SKIP_CPUFREQ="1", AFL_NO_AFFINITY="1",
                   AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1", AFL_ALLOW_TMP="1",
                   AFL_SUPPRESS_AFFINITY="1")
        for index, name in enumerate(self.instance_names(jobs)):
            cmd = ["afl-fuzz", "-i", "-" if resume else self.campaign.corpus, "-o", self.state,
                   "-M" if index == 0 else "-S", name, "-t", "10000", "-m", "none"]
            # A resumed main instance takes -i - ; new seeds and inputs imported from earlier
            # campaigns reach it through a foreign sync with the working corpus.
            cmd += ["-F", self.campaign.corpus] if resume and index == 0 else []
            cmd += ["-V", str(seconds)] if seconds else []
            cmd += ["-x", dict_path] if dict_path else []
            log = open(os.path.join(self.campaign.logs, f"afl-{name}.log"), "a")
            self.procs.append(subprocess.Popen(cmd + ["--", self.binary], stdout=log,
                                               stderr=subprocess.STDOUT, env=env,
                                               start_new_session=True))

    def instance_figures(self, instance):
        """An instance's latest figures: fuzzer_stats (final) or, while it runs, the last line of
        plot_data (fuzzer_stats is only rewritten once a minute without the UI)."""
        stats = {}
        path = os.path.join(instance, "fuzzer_stats")
        if os.path.exists(path):
            with open(path) as f:
                stats = {k.strip(): v.strip() for k, v in
                         (line.split(":", 1) for line in f if ":" in line)}
        fig = Figures(int(stats.get("execs_done", 0)), int(stats.get("edges_found", 0)),
                      int(stats.get("total_edges", 0)), int(stats.get("corpus_count", 0)))
        plot = os.path.join(instance, "plot_data")
        if os.path.exists(plot):
            with open(plot) as f:
                rows = [line.split(", ") for line in f if not line.startswith("#")]
            if rows and len(rows[-1]) >= 13 and int(rows[-1][11]) > fig.execs:
                row = rows[-1]
                fig.execs, fig.coverage, fig.corpus = int(row[11]), int(row[12]), int(row[3])
        return self.with_log_figures(instance, fig)

    def with_log_figures(self, instance, fig):
        """Between two stats writes, the corpus size from the instance's own progress lines
        ("Fuzzing test case #7 (265 total, ...")."""
        log = os.path.join(self.campaign.logs, f"afl-{os.path.basename(instance.rstrip('/'))}.log")
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                f.seek(max(0, os.path.getsize(log) - 8192))
                totals = AFL_PROGRESS.findall(f.read())
            if totals:
                fig.corpus = max(fig.corpus, int(totals[-1]))
        return fig

    def figures(self):
        fig = Figures()
        for instance in self.instances():
            one = self.instance_figures(instance)
            base = self.baseline.get(instance, 0)
            fig.execs += one.execs - base if one.execs >= base else one.execs
            fig.coverage = max(fig.coverage, one.coverage)
            fig.features = max(fig.features, one.features)
            fig.corpus = max(fig.corpus, one.corpus)
        fig.failures = len(self.failure_files())
        return fig

    def failure_files(self):
        return sorted(glob.glob(os.path.join(self.state, "*", "crashes", "id:*")) +
                      glob.glob(os.path.join(self.state, "*", "hangs", "id:*")))

    def new_corpus_files(self):
        return sorted(glob.glob(os.path.join(self.state, "*", "queue", "id:*")))

    def describe(self, fig):
        # AFL++ without its UI rewrites fuzzer_stats once a minute: executions lag behind.
        return f"edges {fig.coverage}/{fig.features} (stats every 60s)"


def make_engine(name, campaign, binary):
    if name not in ENGINE_CLASSES:
        raise ToolError(f"unknown engine '{name}'")
    return ENGINE_CLASSES[name](campaign, binary)


ENGINE_CLASSES = {"libfuzzer": LibFuzzer, "afl": Afl}


def running(engine):
    """Upkeep (a libFuzzer job restarted after a failure is printed) and whether it still runs."""
    for event in engine.poll():
        print(event, flush=True)
    return engine.running()


def stop(engine):
    """SIGINT to each engine process still running (both engines save their state on it), then
    its whole group. A process already reaped is left alone: its pid may be another's by now."""
    engine.stopping = True
    live = [proc for proc in engine.procs if proc.poll() is None]
    for proc in live:
        proc.send_signal(signal.SIGINT)
    for proc in live:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # a child left behind
        except ProcessLookupError:
            pass


def status_line(engine, elapsed, fig, prior_failures=0):
    rate = fig.execs / elapsed if elapsed > 0 else 0
    return (f"[{int(elapsed) // 60}m{int(elapsed) % 60:02d}s] execs {human(fig.execs)} "
            f"({human(rate)}/s) {engine.describe(fig)} corpus {fig.corpus} "
            f"failures {fig.failures + prior_failures}")
