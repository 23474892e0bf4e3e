"""Checks shared by the reliability tests (issue 9): is every container's record consistent
with the processes, mounts and directories that really exist, and is nothing left behind?"""

import json
import os
import signal
import time

from harness import CGROUP_ROOT, _cgroup_dirs_for, _mounts_under, _pids_with_in_cmdline


def cgroup_pids(cid):
    pids = set()
    for cg in _cgroup_dirs_for(cid):
        for name in ("cgroup.procs", "tasks"):
            try:
                with open(os.path.join(cg, name)) as f:
                    pids.update(int(p) for p in f.read().split())
            except OSError:
                pass
    return pids


def shim_pids(cid):
    out = []
    for pid in _pids_with_in_cmdline(cid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"wharf-shim":
            out.append(pid)
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def all_ids(daemon):
    r = daemon.wharf("ps", "-a", "-q", "--no-trunc")
    if r.code != 0:
        raise AssertionError(f"ps failed: {r}")
    return [line for line in r.out.split() if line]


def inspect_all(daemon, ids):
    if not ids:
        return []
    r = daemon.wharf("inspect", *ids)
    if r.code != 0:
        raise AssertionError(f"inspect failed: {r}")
    return json.loads(r.out)


def inconsistencies(daemon, settle=10.0):
    """Every row must be running with a live shim and init, or not running with no process
    of its own left. Rows may still move (a container exiting as we look), so retry for a
    while before calling it a failure. Returns a list of problems (empty when consistent)."""
    deadline = time.time() + settle
    while True:
        problems = []
        ids = all_ids(daemon)
        for c in inspect_all(daemon, ids):
            cid, st = c["Id"], c["State"]
            shims = [p for p in shim_pids(cid) if alive(p)]
            procs = [p for p in cgroup_pids(cid) if alive(p)]
            if st["Status"] == "running":
                if not shims:
                    problems.append(f"{cid[:12]} running without a shim")
                if not st["Pid"] or not alive(st["Pid"]):
                    problems.append(f"{cid[:12]} running but its init {st['Pid']} is gone")
            else:
                if shims:
                    problems.append(f"{cid[:12]} {st['Status']} with a live shim {shims}")
                if procs:
                    problems.append(f"{cid[:12]} {st['Status']} with live processes {procs}")
        if not problems or time.time() > deadline:
            return problems
        time.sleep(0.2)


def cgroups_of(ids):
    """Cgroup dirs (any hierarchy) named after one of these container ids: one walk."""
    ids = set(ids)
    found = []
    for root, dirs, _ in os.walk(CGROUP_ROOT):
        for d in dirs:
            name = d[:-len(".scope")] if d.endswith(".scope") else d
            if name in ids or name.split("-")[-1] in ids:
                found.append(os.path.join(root, d))
        if root.count("/") > 7:
            dirs[:] = []
    return found


def leftovers(daemon, ids=()):
    """What is left of containers after all were removed: mounts, shims, directories and the
    cgroups of `ids`."""
    left = [f"cgroup {cg}" for cg in cgroups_of(ids)]
    left += [f"mount {m}" for m in _mounts_under(daemon.tmp)]
    for root in (os.path.join(daemon.data_root, "containers"),
                 os.path.join(daemon.exec_root, "containers")):
        if os.path.isdir(root):
            left += [f"dir {os.path.join(root, d)}" for d in os.listdir(root)]
    for pid in _pids_with_in_cmdline(daemon.tmp):
        if alive(pid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv0 = f.read().split(b"\0")[0]
            except OSError:
                continue
            if os.path.basename(argv0) == b"wharf-shim":
                left.append(f"shim {pid}")
    return left


def kill_daemon(daemon):
    """kill -9 of this test's wharfd (by its pid), as a crash would."""
    if daemon.proc is not None and daemon.proc.poll() is None:
        os.kill(daemon.proc.pid, signal.SIGKILL)
        daemon.proc.wait()
    daemon.stop_daemon()
