# SPDX-License-Identifier: BSD-3-Clause
"""bazel test: every scenario, traced with real strace, matches its expected trace."""
import os
import sys

from allocator.trace import trace_check


def main():
    here = os.path.join(os.environ.get("TEST_SRCDIR", "."), "osmem", "allocator", "trace")
    failures = trace_check.check_all(
        driver=os.path.join(here, "trace_driver"),
        scenario_dir=os.path.join(here, "scenarios"),
        expected_dir=os.path.join(here, "expected"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
