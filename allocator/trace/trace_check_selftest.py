# SPDX-License-Identifier: BSD-3-Clause
"""The trace checker itself: its normalisation, and that it fails (with a readable diff) when a
trace differs from the expected one, so that trace_test cannot pass by accident."""
import io
import os
import shutil
import tempfile
import unittest

from allocator.trace import trace_check

HERE = os.path.join(os.environ.get("TEST_SRCDIR", "."), "osmem", "allocator", "trace")
DRIVER = os.path.join(HERE, "trace_driver")
SCENARIOS = os.path.join(HERE, "scenarios")
EXPECTED = os.path.join(HERE, "expected")

RW = "PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0"
RAW = """execve("./trace_driver", ["./trace_driver", "x.ops"], 0x7ffd /* 3 vars */) = 0
brk(NULL)                               = 0x555555559000
mmap(NULL, 8192, {rw}) = 0x7ffff7fc0000
write(-1, "START", 5)                   = -1 EBADF (Bad file descriptor)
brk(NULL)                               = 0x555555559000
write(-1, "BEGIN a = os_malloc(131072)", 27) = -1 EBADF (Bad file descriptor)
mmap(NULL, 131104, {rw}) = 0x7ffff7f00000
write(-1, "END 0x7ffff7f00020", 18)     = -1 EBADF (Bad file descriptor)
write(-1, "BEGIN os_free(a)", 16)       = -1 EBADF (Bad file descriptor)
munmap(0x7ffff7f00000, 131104)          = 0
write(-1, "END", 3)                     = -1 EBADF (Bad file descriptor)
write(-1, "BEGIN b = os_malloc(200000)", 27) = -1 EBADF (Bad file descriptor)
mmap(NULL, 200032, {rw}) = 0x7ffff7f00000
write(-1, "END 0x7ffff7f00020", 18)     = -1 EBADF (Bad file descriptor)
write(-1, "BEGIN c = os_malloc(100)", 24) = -1 EBADF (Bad file descriptor)
brk(0x555555579000)                     = 0x555555579000
getpid()                                = 42
write(-1, "END 0x555555559020", 18)     = -1 EBADF (Bad file descriptor)
write(-1, "BEGIN os_free(z)", 16)       = -1 EBADF (Bad file descriptor)
munmap(0x1000, 4096)                    = 0
+++ killed by SIGSEGV +++
""".format(rw=RW)

NORMALISED = """(between os_* calls)
    brk(NULL) = H
a = os_malloc(131072) -> M1+0x20
    mmap(NULL, 131104, {rw}) = M1
os_free(a)
    munmap(M1, 131104) = 0
b = os_malloc(200000) -> M2+0x20
    mmap(NULL, 200032, {rw}) = M2
c = os_malloc(100) -> H+0x20
    brk(H+0x20000) = H+0x20000
    getpid() = 42
os_free(z)
    munmap(UNKNOWN(0x1000), 4096) = 0
    <no END marker: the process ended inside this call>
""".format(rw=RW)


class NormaliseTest(unittest.TestCase):
    def test_names_addresses_keeps_every_syscall_and_reports_a_call_that_never_ended(self):
        self.assertEqual(trace_check.normalise(RAW), NORMALISED)

    def test_a_trace_without_the_initial_break_is_an_error(self):
        without_brk_null = "\n".join(l for l in RAW.splitlines() if not l.startswith("brk(NULL)"))
        with self.assertRaisesRegex(trace_check.TraceError, "first brk .* is not brk\\(NULL\\)"):
            trace_check.normalise(without_brk_null)
        without_brk = "\n".join(l for l in RAW.splitlines() if not l.startswith("brk("))
        with self.assertRaisesRegex(trace_check.TraceError, "no brk\\(NULL\\)"):
            trace_check.normalise(without_brk)

    def test_unbalanced_markers_are_an_error(self):
        raw = RAW.replace('write(-1, "BEGIN os_free(a)", 16)', 'write(-1, "NOP", 3)')
        with self.assertRaisesRegex(trace_check.TraceError, "END without BEGIN"):
            trace_check.normalise(raw)

    def test_comments_and_surrounding_blank_lines_are_not_compared(self):
        self.assertEqual(trace_check.strip_comments("# why\n\nx\n  y\n\n"), "x\n  y\n")


class CheckerFailsOnDifferencesTest(unittest.TestCase):
    """Alters a copy of the expected worked trace and runs the real traced check against it."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="osmem-trace-selftest-")
        self.expected = os.path.join(self.tmp, "worked_trace.trace")
        shutil.copy(os.path.join(EXPECTED, "worked_trace.trace"), self.expected)
        with open(self.expected, encoding="utf-8") as f:
            self.original = f.read()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def check(self):
        out = io.StringIO()
        failures = trace_check.check_all(DRIVER, SCENARIOS, self.tmp, ["worked_trace"], out=out)
        return failures, out.getvalue()

    def alter(self, old, new):
        self.assertIn(old, self.original)
        with open(self.expected, "w", encoding="utf-8") as f:
            f.write(self.original.replace(old, new, 1))

    def assert_fails_with(self, *diff_lines):
        failures, output = self.check()
        self.assertEqual(failures, 1, output)
        self.assertIn("FAIL worked_trace", output)
        for line in diff_lines:
            self.assertIn("\n" + line + "\n", output)

    def test_the_unaltered_copy_passes(self):
        failures, output = self.check()
        self.assertEqual(failures, 0, output)

    def test_a_wrong_mmap_length_fails(self):
        self.alter("mmap(NULL, 131104,", "mmap(NULL, 131096,")
        self.assert_fails_with("-    mmap(NULL, 131096, %s) = M1" % RW,
                               "+    mmap(NULL, 131104, %s) = M1" % RW)

    def test_a_missing_syscall_fails(self):
        self.alter("    brk(NULL) = H\n", "")
        self.assert_fails_with("+    brk(NULL) = H")

    def test_an_extra_syscall_fails(self):
        self.alter("    munmap(M1, 131104) = 0\n",
                   "    munmap(M1, 131104) = 0\n    brk(NULL) = H+0x20000\n")
        self.assert_fails_with("-    brk(NULL) = H+0x20000")

    def test_a_wrong_returned_address_fails(self):
        self.alter("a = os_malloc(1986) -> H+0x20\n", "a = os_malloc(1986) -> H+0x28\n")
        self.assert_fails_with("-a = os_malloc(1986) -> H+0x28", "+a = os_malloc(1986) -> H+0x20")

    def test_a_missing_expected_file_fails(self):
        os.remove(self.expected)
        failures, output = self.check()
        self.assertEqual(failures, 1)
        self.assertIn("no expected trace", output)

    def test_an_unknown_scenario_is_an_error(self):
        with self.assertRaisesRegex(trace_check.TraceError, "unknown scenario"):
            trace_check.check_all(DRIVER, SCENARIOS, self.tmp, ["no_such_scenario"],
                                  out=io.StringIO())


if __name__ == "__main__":
    unittest.main()
