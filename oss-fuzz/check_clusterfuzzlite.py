#!/usr/bin/env python3
"""Checks the ClusterFuzzLite files against the build they drive (oss-fuzz/test_build.sh runs it).

usage: check_clusterfuzzlite.py SOURCE_ROOT

.clusterfuzzlite/: project.yaml says C; the Dockerfile copies the checkout to the directory
oss-fuzz/build.sh builds in and installs .clusterfuzzlite/build.sh as $SRC/build.sh.
.github/workflows/cflite_{pr,batch,cron}.yml parse as YAML; each job builds with
build_fuzzers@v1 then runs run_fuzzers@v1 with the same sanitizer, in the mode its file is for
(code-change on pull requests; batch, prune and coverage on a schedule), with sanitizers that
oss-fuzz/project.yaml lists (coverage for the coverage report)."""
import os
import re
import sys

import yaml

BUILD = "google/clusterfuzzlite/actions/build_fuzzers@v1"
RUN = "google/clusterfuzzlite/actions/run_fuzzers@v1"
# workflow file -> (the event that starts it, the modes its jobs must run)
WORKFLOWS = {
    "cflite_pr.yml": ("pull_request", {"code-change"}),
    "cflite_batch.yml": ("schedule", {"batch"}),
    "cflite_cron.yml": ("schedule", {"prune", "coverage"}),
}


class Broken(Exception):
    pass


def load(root, path):
    try:
        with open(os.path.join(root, path)) as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as err:
        raise Broken(f"{path}: {err}")


def check_docker(root):
    with open(os.path.join(root, ".clusterfuzzlite", "Dockerfile")) as f:
        lines = [line.split() for line in f if line.strip() and not line.startswith("#")]
    with open(os.path.join(root, "oss-fuzz", "build.sh")) as f:
        project_dir = re.search(r'^cd "\$SRC/(\w+)"', f.read(), re.M).group(1)
    wanted = [["FROM", "gcr.io/oss-fuzz-base/base-builder"], ["COPY", ".", f"$SRC/{project_dir}"],
              ["COPY", ".clusterfuzzlite/build.sh", "$SRC/"]]
    for line in wanted:
        if line not in lines:
            raise Broken(f".clusterfuzzlite/Dockerfile: no line '{' '.join(line)}'")
    if load(root, ".clusterfuzzlite/project.yaml").get("language") != "c":
        raise Broken(".clusterfuzzlite/project.yaml: language is not c")


def resolve(value, matrix):
    """'${{ matrix.sanitizer }}' -> the matrix's values; a plain value -> [value]."""
    match = re.fullmatch(r"\$\{\{\s*matrix\.(\w+)\s*\}\}", str(value))
    if not match:
        return [value]
    if match.group(1) not in matrix:
        raise Broken(f"matrix.{match.group(1)} is used but not defined")
    return list(matrix[match.group(1)])


def check_job(name, job, sanitizers):
    """-> (mode, [sanitizers]) of a build + run job."""
    steps = job.get("steps") or []
    uses = [step.get("uses") for step in steps]
    if uses != [BUILD, RUN]:
        raise Broken(f"job {name}: steps use {uses}, not {BUILD} then {RUN}")
    build, run = (step.get("with") or {} for step in steps)
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    if build.get("language") != "c":
        raise Broken(f"job {name}: build_fuzzers language is {build.get('language')}, not c")
    built = resolve(build.get("sanitizer", "address"), matrix)
    ran = resolve(run.get("sanitizer", "address"), matrix)
    if built != ran:
        raise Broken(f"job {name}: builds for {built} but runs {ran}")
    mode = run.get("mode")
    allowed = {"coverage"} if mode == "coverage" else set(sanitizers)
    if not set(ran) <= allowed:
        raise Broken(f"job {name}: sanitizers {ran}, not among {sorted(allowed)}")
    if not isinstance(run.get("fuzz-seconds"), int) or run["fuzz-seconds"] <= 0:
        raise Broken(f"job {name}: fuzz-seconds is not a positive number")
    return mode, ran


def check_workflow(root, name, sanitizers):
    event, modes = WORKFLOWS[name]
    flow = load(root, os.path.join(".github", "workflows", name))
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    if event not in (triggers or {}):
        raise Broken(f"{name}: not started by {event}")
    found = {}
    for job_name, job in (flow.get("jobs") or {}).items():
        try:
            mode, ran = check_job(job_name, job, sanitizers)
        except Broken as err:
            raise Broken(f"{name}: {err}")
        found.setdefault(mode, []).extend(ran)
    if set(found) != modes:
        raise Broken(f"{name}: modes {sorted(found)}, wanted {sorted(modes)}")
    return ", ".join(f"{mode} ({' '.join(found[mode])})" for mode in sorted(found))


def main(root):
    sanitizers = load(root, "oss-fuzz/project.yaml").get("sanitizers") or []
    try:
        check_docker(root)
        print(".clusterfuzzlite: Dockerfile installs build.sh, project.yaml says c")
        for name in WORKFLOWS:
            print(f".github/workflows/{name}: {check_workflow(root, name, sanitizers)}")
    except Broken as err:
        print(f"FAIL: {err}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
