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
    proc = subprocess.Popen([args.runner, args.runtime], stdout=subprocess.PIPE, text=True, env=env)
    out = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        out.append(line)
    rc = proc.wait()
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
