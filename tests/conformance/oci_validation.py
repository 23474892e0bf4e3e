#!/usr/bin/env python3
"""Runs the OCI runtime-tools validation suite (../shared/conformance/oci-validation) against
wharf-runtime and holds it to a floor: the test fails when fewer files are all-ok, fewer
assertions pass, or a file that passed when the floor was recorded fails now. It never fails
because more pass: then it says so, so that the floor can be raised
(oci_validation_floor.json; the reasons for the files still failing are in docs/runtime.md).

Exit status: 0 at or above the floor, 1 below it, 77 (ctest's skip) when it cannot run here
(not root, runner missing); 2 when the runner could not build or run the suite."""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# The suite's relative cgroupsPath ("testdir/cgrouptest/container", runtime-tools cgroups.go)
# lands below the runtime's own cgroup in each hierarchy. A runtime removes only the leaf it
# was given (runc and crun do the same: a parent may be shared), so the parents are ours to
# remove after the run.
SUITE_CGROUP_PARENT = "testdir"

LINE = re.compile(r"^(PASS|FAIL) (\S+) ok=(\d+) notok=(\d+)$")
SUMMARY = re.compile(r"^tests: (\d+) files all-ok, (\d+) files with failures; "
                     r"assertions: (\d+) passed, (\d+) failed$")


def parse(output):
    """The runner's lines: {name: (passed, ok, notok)} and the summary tuple (or None)."""
    files, summary = {}, None
    for line in output.splitlines():
        if m := LINE.match(line):
            files[m[2]] = (m[1] == "PASS", int(m[3]), int(m[4]))
        elif m := SUMMARY.match(line):
            summary = tuple(int(g) for g in m.groups())
    return files, summary


def judge(files, summary, floor):
    """Problems (strings) that put this run below the floor; empty when it is not."""
    problems = []
    if summary is None or not files:
        return ["the runner printed no results"]
    all_ok, _, passed, _ = summary
    if all_ok < floor["files_all_ok"]:
        problems.append(f"{all_ok} files all-ok, the floor is {floor['files_all_ok']}")
    if passed < floor["assertions_passed"]:
        problems.append(f"{passed} assertions passed, the floor is {floor['assertions_passed']}")
    for name in floor["files"]:
        if name not in files:
            problems.append(f"{name}: not run")
        elif not files[name][0]:
            problems.append(f"{name}: was all-ok when the floor was recorded, now ok={files[name][1]} "
                            f"notok={files[name][2]}")
    return problems


def suite_cgroup_parents():
    """<hierarchy mount>/<our cgroup>/testdir for every cgroup hierarchy we are in."""
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            fields, fstype = pre.split(), post.split()
            if fstype and fstype[0] in ("cgroup", "cgroup2"):
                opts = set(fstype[2].split(",")) if len(fstype) > 2 else set()
                mounts[fields[4]] = (fstype[0], opts)
    paths = []
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            want = set(ctrls.split(",")) if ctrls else set()
            for mnt, (fstype, opts) in mounts.items():
                if (fstype == "cgroup2" and not ctrls) or (ctrls and want <= opts):
                    paths.append(os.path.join(mnt, path.lstrip("/"), SUITE_CGROUP_PARENT))
    return sorted(set(paths))


def remove_cgroup_tree(top):
    """rmdir the (process-free) cgroup directories below top, deepest first, then top."""
    for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
        try:
            os.rmdir(dirpath)
        except OSError as e:
            print(f"cgroup {dirpath} left behind: {e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", required=True)
    ap.add_argument("--runtime", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--keep-tap", help="keep every file's TAP output in this directory")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: the OCI validation suite needs root")
        return 77
    if not os.access(args.runner, os.X_OK):
        print(f"SKIP: {args.runner} is missing (set WHARF_OCI_VALIDATION)")
        return 77
    if not os.access(args.runtime, os.X_OK):
        print(f"{args.runtime} is missing: build wharf-runtime")
        return 1
    with open(args.floor) as f:
        floor = json.load(f)

    tap = args.keep_tap or tempfile.mkdtemp(prefix="wharf-oci-validation-")
    env = dict(os.environ, OCI_VALIDATION_LOG=tap)
    # Stream the runner's per-file lines as they come: a slow file shows where it is slow.
    before = {p for p in suite_cgroup_parents() if os.path.isdir(p)}
    proc = subprocess.Popen([args.runner, args.runtime], stdout=subprocess.PIPE, text=True, env=env)
    out = []
    try:
        for line in proc.stdout:
            print(line, end="", flush=True)
            out.append(line)
        rc = proc.wait()
    finally:
        for parent in suite_cgroup_parents():
            if parent not in before and os.path.isdir(parent):
                remove_cgroup_tree(parent)
    if rc != 0:
        print(f"the runner failed (exit status {rc})")
        return 2
    files, summary = parse("".join(out))
    problems = judge(files, summary, floor)
    newly = sorted(n for n, (ok, _, _) in files.items() if ok and n not in floor["files"])
    if problems:
        print("BELOW THE FLOOR (" + args.floor + "):")
        for p in problems:
            print("  " + p)
        print(f"TAP outputs: {tap}/<file>.tap")
        return 1
    if newly:
        print("all-ok now and not in the floor (raise it): " + " ".join(newly))
    if not args.keep_tap:
        for name in os.listdir(tap):
            os.unlink(os.path.join(tap, name))
        os.rmdir(tap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
