#!/usr/bin/python3
"""bench/runtime: create+start+wait+delete of /bin/true in a busybox bundle, wharf-runtime vs
runc vs crun, interleaved, >= 100 sequential runs each; prints medians, ratios and the peak
RSS of each runtime process.

    sudo bench/runtime/bench.py [--runs 100] [--wharf build/release/bin/wharf-runtime]

Installs runc and crun from Debian if missing. crun refuses this machine's hybrid cgroups, so
(DESIGN.md) the whole benchmark re-execs itself in a private mount namespace with
/sys/fs/cgroup/unified unmounted: all three runtimes then run in the same environment.
Not a test: nothing is asserted."""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MARK = "WHARF_BENCH_PRIVATE_NS"


def ensure(pkg, binary):
    if shutil.which(binary):
        return shutil.which(binary)
    print(f"installing {pkg} ...", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", pkg]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL)
    return shutil.which(binary)


def make_bundle(wharf, root):
    bundle = os.path.join(root, "bundle")
    rootfs = os.path.join(bundle, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"))
    for d in ("proc", "sys", "dev", "tmp"):
        os.makedirs(os.path.join(rootfs, d))
    shutil.copy(shutil.which("busybox") or "/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
    os.symlink("busybox", os.path.join(rootfs, "bin", "true"))
    os.symlink("busybox", os.path.join(rootfs, "bin", "sh"))
    subprocess.run([wharf, "spec", "--bundle", bundle], check=True)
    import json
    path = os.path.join(bundle, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg["ociVersion"] = "1.0.2"  # Debian 12's crun (1.8) refuses newer versions
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["/bin/true"]
    with open(path, "w") as f:
        json.dump(cfg, f)
    return bundle


# Peak RSS: a process's ru_maxrss includes the memory of whatever exec'd it, so Python cannot
# measure it directly; this tiny static helper forks and execs the runtime and prints it.
MAXRSS_C = r"""
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char** argv) {
  pid_t pid = fork();
  if (pid == 0) { execv(argv[1], argv + 1); _exit(127); }
  int status; struct rusage ru;
  wait4(pid, &status, 0, &ru);
  printf("%ld\n", ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
"""


def build_maxrss(tmp):
    src, exe = os.path.join(tmp, "maxrss.c"), os.path.join(tmp, "maxrss")
    with open(src, "w") as f:
        f.write(MAXRSS_C)
    subprocess.run(["cc", "-O2", "-static", "-o", exe, src], check=True)
    return exe


def timed(cmd):
    """Wall time of one command, spawned directly (no shell)."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ)
    _, status = os.waitpid(pid, 0)
    dt = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed")
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--wharf", default=os.path.join(REPO, "build/release/bin/wharf-runtime"))
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/runtime needs root")
    if not os.environ.get(MARK):
        ensure("runc", "runc")
        ensure("crun", "crun")
        env = dict(os.environ, **{MARK: "1"})
        os.execvpe("unshare", ["unshare", "-m", "--propagation", "private", sys.executable,
                               os.path.abspath(__file__), *sys.argv[1:]], env)
    subprocess.run(["umount", "/sys/fs/cgroup/unified"], stderr=subprocess.DEVNULL)

    runtimes = {"wharf-runtime": os.path.abspath(args.wharf), "runc": shutil.which("runc"),
                "crun": shutil.which("crun")}
    runtimes = {k: v for k, v in runtimes.items() if v and os.path.exists(v)}
    tmp = tempfile.mkdtemp(prefix="wharf-bench-rt-")
    os.chmod(tmp, 0o755)
    try:
        bundle = make_bundle(runtimes["wharf-runtime"], tmp)
        times = {k: [] for k in runtimes}
        rss = {k: 0 for k in runtimes}
        names = list(runtimes)
        maxrss = build_maxrss(tmp)
        for name in names:  # warm-up (page cache, binaries) and peak RSS
            root = os.path.join(tmp, "root-" + name)
            for k in range(3):
                out = subprocess.run([maxrss, runtimes[name], "--root", root, "run", "--bundle", bundle,
                                      f"warm{k}"], check=True, capture_output=True, text=True).stdout
                rss[name] = max(rss[name], int(out.split()[-1]))
        for i in range(args.runs):
            order = names[i % len(names):] + names[:i % len(names)]  # interleaved, rotated
            for name in order:
                root = os.path.join(tmp, "root-" + name)
                times[name].append(timed([runtimes[name], "--root", root, "run", "--bundle", bundle, f"b{i}"]))
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        print(f"create+start+wait+delete of /bin/true, {args.runs} interleaved runs each (median)")
        for name in names:
            line = f"  {name:14s} {med[name]:7.2f} ms   peak RSS {rss[name] / 1024:6.1f} MiB"
            if name != "wharf-runtime":
                line += f"   wharf/{name} = {med['wharf-runtime'] / med[name]:.2f}"
            print(line)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        # wharf-runtime's default cgroup parent (/wharf): remove it if nothing else uses it.
        for h in os.listdir("/sys/fs/cgroup"):
            try:
                os.rmdir(os.path.join("/sys/fs/cgroup", h, "wharf"))
            except OSError:
                pass


if __name__ == "__main__":
    main()
