"""wharf-runtime as the *default* runtime of Debian's dockerd, and as podman's --runtime,
driven the way users drive them: many containers in a row (detached, attached, --rm, exit
codes, exec, stop, restart policies) with zero failures allowed, and HOME as runc sets it.

WHARF_ENGINE_ROUNDS (default 6: about 40 containers per engine, CI) sets the number of rounds;
bench/runtime/soak.sh runs it with a few hundred. Engines are installed from Debian when missing
(skipped, with the reason, only if that fails), run with private temp roots and sockets, no
network setup, and are stopped afterwards; every container is removed by the test that made it.
"""

import io
import json
import os
import tarfile
import subprocess
import time
import unittest

from test_runtime_interop import APPLETS, BUSYBOX, RUNTIME, EngineFixture, ensure, wait_socket

ROUNDS = int(os.environ.get("WHARF_ENGINE_ROUNDS", "6"))
PASSWD = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"


def image_tar(path):
    """busybox with an /etc/passwd (so HOME has something to come from)."""
    with tarfile.open(path, "w") as tar:
        for d in ("bin", "proc", "sys", "dev", "etc", "tmp", "root"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        tar.add(BUSYBOX, "bin/busybox")
        for a in APPLETS + ["env", "touch", "ls"]:
            info = tarfile.TarInfo("bin/" + a)
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
        info = tarfile.TarInfo("etc/passwd")
        info.size = len(PASSWD)
        tar.addfile(info, io.BytesIO(PASSWD))


class EngineSoakTest(EngineFixture):

    def setUp(self):
        super().setUp()
        image_tar(self.tar)
        self.failures = []

    def run_cli(self, cli, *args, timeout=120, expect=0):
        p = subprocess.run(cli + list(args), capture_output=True, text=True, timeout=timeout, env=self.env)
        if p.returncode != expect:
            self.failures.append(f"{' '.join(args)}: exit {p.returncode} (want {expect}): {p.stderr.strip()}")
        return p

    def inspect(self, cli, name, fmt):
        return self.run_cli(cli, "inspect", "--format", fmt, name).stdout.strip()

    def wait_for(self, cli, name, fmt, want, timeout=60):
        got = None
        for _ in range(int(timeout * 10)):
            got = self.inspect(cli, name, fmt)
            if got == want:
                return
            time.sleep(0.1)
        self.failures.append(f"{name}: {fmt} is {got!r}, want {want!r} after {timeout}s")

    def expect_out(self, p, want, what):
        if p.stdout.strip() != want:
            self.failures.append(f"{what}: stdout {p.stdout.strip()!r}, want {want!r}; {p.stderr.strip()}")

    def rounds(self, cli, run_flags, restart):
        """Each round: attached --rm (HOME, exit code), detached + exec + stop + rm, and (when
        `restart`) a restart policy that must reach its count. Returns containers started."""
        started = 0
        for i in range(ROUNDS):
            p = self.run_cli(cli, "run", "--rm", *run_flags, "bb", "sh", "-c", "echo $HOME")
            self.expect_out(p, "/root", f"round {i}: HOME")
            self.run_cli(cli, "run", "--rm", *run_flags, "bb", "sh", "-c", "exit 7", expect=7)
            p = self.run_cli(cli, "run", "--rm", "--user", "65534", *run_flags, "bb", "sh", "-c", "echo $HOME")
            self.expect_out(p, "/nonexistent", f"round {i}: HOME of nobody")
            name = f"soak{i}"
            self.run_cli(cli, "run", "-d", "--name", name, *run_flags, "bb", "sleep", "300")
            p = self.run_cli(cli, "exec", name, "sh", "-c", "echo exec-$HOME")
            self.expect_out(p, "exec-/root", f"round {i}: exec")
            self.run_cli(cli, "stop", "-t", "1", name)
            self.wait_for(cli, name, "{{.State.Running}}", "false")
            self.run_cli(cli, "rm", name)
            # A named, kept container that exits by itself, then started again.
            kept = f"kept{i}"
            p = self.run_cli(cli, "run", "--name", kept, *run_flags, "bb", "echo", "kept")
            self.expect_out(p, "kept", f"round {i}: attached")
            p = self.run_cli(cli, "start", "-a", kept)
            self.expect_out(p, "kept", f"round {i}: start -a")
            self.run_cli(cli, "rm", kept)
            started += 6
            if restart and i % 3 == 0:
                r = f"restart{i}"
                self.run_cli(cli, "run", "-d", "--name", r, "--restart", "on-failure:2", *run_flags, "bb",
                             "sh", "-c", "exit 3")
                self.wait_for(cli, r, "{{.RestartCount}} {{.State.Status}}", "2 exited")
                self.run_cli(cli, "rm", "-f", r)
                started += 3
        return started

    def report(self, engine, started):
        print(f"{engine}: {started} containers started, {len(self.failures)} failures")
        self.assertEqual(self.failures, [], "\n".join(self.failures[:20]))

    def test_dockerd_default_runtime(self):
        if not ensure("docker.io", "dockerd"):
            self.skipTest("docker.io could not be installed")
        self.cgroup_parents.append("docker")
        t = self.tmp
        sock = f"{t}/docker.sock"
        with open(f"{t}/daemon.json", "w") as f:
            json.dump({"runtimes": {"wharf": {"path": RUNTIME}}, "default-runtime": "wharf"}, f)
        d = subprocess.Popen(["dockerd", "--config-file", f"{t}/daemon.json", "--data-root", f"{t}/data",
                              "--exec-root", f"{t}/exec", "-H", f"unix://{sock}", "--pidfile", f"{t}/docker.pid",
                              "--iptables=false", "--ip6tables=false", "--bridge=none", "--ip-forward=false",
                              "--ip-masq=false", "--storage-driver", "vfs"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(d)
        self.assertTrue(wait_socket(sock, d), "dockerd did not start")
        self.env = dict(os.environ, DOCKER_HOST=f"unix://{sock}")
        docker = ["docker"]
        subprocess.run(docker + ["import", self.tar, "bb:latest"], check=True, capture_output=True, env=self.env)
        info = self.run_cli(docker, "info", "--format", "{{.DefaultRuntime}}")
        self.assertEqual(info.stdout.strip(), "wharf")
        started = self.rounds(docker, ["--network", "none"], restart=True)
        left = self.run_cli(docker, "ps", "-aq").stdout.split()
        self.assertEqual(left, [], "containers left behind")
        self.report("dockerd", started)

    def test_podman_runtime(self):
        if not ensure("podman", "podman"):
            self.skipTest("podman could not be installed")
        self.cgroup_parents.append("libpod_parent")
        t = self.tmp
        self.env = dict(os.environ)
        podman = ["podman", "--root", f"{t}/root", "--runroot", f"{t}/run", "--tmpdir", f"{t}/tmp",
                  "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--storage-driver", "vfs",
                  "--runtime", RUNTIME]
        subprocess.run(podman + ["import", self.tar, "localhost/bb:latest"], check=True, capture_output=True)
        # This VM refuses podman's default (high) hard ulimits: DESIGN.md.
        flags = ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
        started = self.rounds(podman, flags, restart=False)
        left = self.run_cli(podman, "ps", "-aq").stdout.split()
        self.assertEqual(left, [], "containers left behind")
        self.report("podman", started)

if __name__ == "__main__":
    unittest.main()
