"""One in-process libFuzzer process of a campaign and what its log says about it.

libFuzzer prints a status line when it finds something (NEW, REDUCE), at each power of two of
executions (pulse) and at the end (DONE), and its exact totals (`-print_final_stats=1`) when it
exits, also on a crash. Between two lines a running process's executions are estimated from its
own rate; once it has exited, its count is exact."""
import collections
import os
import re
import time

# "#4096\tpulse  cov: 45 ft: 67 corp: 8/120b lim: 4 exec/s: 1024 rss: 40Mb"
STATUS = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: \d+/\S+ .*?exec/s: (\d+)")
FINAL_EXECS = re.compile(r"^stat::number_of_executed_units: (\d+)")
ARTIFACT = re.compile(r"Test unit written to (\S+)")
TAIL_LINES = 200  # enough for a sanitizer report and its stack


class Run:
    """A libFuzzer process and the part of its worker's log it wrote (from `offset` on)."""

    def __init__(self, proc, log_path, offset):
        self.proc, self.log_path, self.offset = proc, log_path, offset
        self.started = time.time()
        self.execs = self.rate = self.coverage = self.features = 0
        self.final_execs = None
        self.inited = False
        self.artifact = None
        self.tail = collections.deque(maxlen=TAIL_LINES)
        self.partial = ""

    def read(self):
        """Parses what the process wrote since the last call."""
        with open(self.log_path, errors="replace") as log:
            log.seek(self.offset)
            text = log.read()
            self.offset = log.tell()
        lines = (self.partial + text).split("\n")
        self.partial = lines.pop()  # an unfinished line waits for its end
        for line in lines:
            self.parse(line)

    def parse(self, line):
        self.tail.append(line)
        status = STATUS.match(line)
        if status:
            execs, kind, cov, ft, rate = status.groups()
            self.execs, self.rate = int(execs), int(rate)
            self.coverage, self.features = int(cov), int(ft)
            self.inited = self.inited or kind == "INITED"
            return
        final = FINAL_EXECS.match(line)
        if final:
            self.final_execs = int(final.group(1))
            return
        artifact = ARTIFACT.search(line)
        if artifact:
            self.artifact = artifact.group(1)

    def finished(self):
        """True once the process has exited and its last words are read."""
        if self.proc.poll() is None:
            return False
        self.read()
        return True

    def executions(self):
        """Exact once the process printed its totals; before, its last count or its own rate times
        the time it has run, whichever is more."""
        if self.final_execs is not None:
            return self.final_execs
        if self.proc.poll() is not None:
            return self.execs
        return max(self.execs, int(self.rate * (time.time() - self.started)))

    def output(self):
        return "\n".join(self.tail)


def log_size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0
