"""The two engines behind one interface: start on N cores, read live figures, list failures.

Each engine keeps its own parallel mode (libFuzzer -fork, AFL++ -M/-S) and its own state in the
campaign directory, so a stopped campaign resumes where it was."""
import glob
import os
import re
import signal
import subprocess

from common import ToolError, human

# libFuzzer -fork status: "#123: cov: 45 ft: 67 corp: 8 exec/s 0 oom/timeout/crash: 0/0/1 time: 3s"
FORK_STATUS = re.compile(r"^#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) .*?"
                         r"oom/timeout/crash: (\d+)/(\d+)/(\d+) time: (\d+)s")


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

    def check_started(self, fig):
        """An engine that ran nothing and failed (bad binary, rejected seeds) is an error."""
        statuses = [p.returncode for p in self.procs]
        if fig.execs == 0 and any(s not in (0, None, -signal.SIGINT) for s in statuses):
            logs = sorted(glob.glob(os.path.join(self.campaign.logs, f"{self.name}*.log")))
            text = open(logs[-1], errors="replace").read() if logs else ""
            tail = "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()[-6:])
            raise ToolError(f"{self.name} stopped without running (exit {statuses}):\n{tail}")


class LibFuzzer(Engine):
    name = "libfuzzer"
    coverage_names = ("cov", "ft")
    # Fork mode's parent seeds its `cov` with the features of the corpus it starts from (LLVM 14):
    # a resumed run starts with cov = ft. ft means the same in every run, so the report plots it.
    coverage_plot = ("coverage (ft: libFuzzer features)", "features", "features")

    def __init__(self, campaign, binary):
        super().__init__(campaign, binary)
        self.log_path = os.path.join(campaign.logs, "libfuzzer.log")

    def command(self, seconds, jobs, dict_path, options):
        """Fork mode: the parent merges every job's new inputs into the first corpus dir and keeps
        going after a failure, on `jobs` cores."""
        cmd = [self.binary, self.campaign.corpus, f"-fork={jobs}", "-ignore_crashes=1",
               "-ignore_timeouts=1", "-ignore_ooms=1", *options,
               f"-artifact_prefix={self.campaign.failures_dir}/"]
        if seconds:
            cmd.append(f"-max_total_time={seconds}")
        if dict_path:
            cmd.append(f"-dict={dict_path}")
        return cmd

    def start(self, seconds, jobs, dict_path, options):
        log = open(self.log_path, "a")
        self.procs = [subprocess.Popen(self.command(seconds, jobs, dict_path, options), stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)]

    def figures(self):
        last = None
        with open(self.log_path, errors="replace") as log:
            log.seek(max(0, os.path.getsize(self.log_path) - 65536))
            for line in log:
                match = FORK_STATUS.match(line)
                last = match or last
        if not last:
            return Figures(corpus=len(os.listdir(self.campaign.corpus)))
        execs, cov, ft, corp, oom, timeout, crash, _ = map(int, last.groups())
        return Figures(execs, cov, ft, corp, oom + timeout + crash)

    def failure_files(self):
        return sorted(glob.glob(os.path.join(self.campaign.failures_dir, "*-*")))

    def new_corpus_files(self):
        return []  # fork mode already merges into the working corpus

    def describe(self, fig):
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
    return any(p.poll() is None for p in engine.procs)


def stop(engine):
    """SIGINT to each engine's main process (both save their state on it), then its whole group."""
    for proc in engine.procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in engine.procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # a libFuzzer -fork job left behind
        except ProcessLookupError:
            pass


def status_line(engine, elapsed, fig, prior_failures=0):
    rate = fig.execs / elapsed if elapsed > 0 else 0
    return (f"[{int(elapsed) // 60}m{int(elapsed) % 60:02d}s] execs {human(fig.execs)} "
            f"({human(rate)}/s) {engine.describe(fig)} corpus {fig.corpus} "
            f"failures {fig.failures + prior_failures}")
