"""The walking skeleton end to end through the wharf CLI and wharfd (issue 2).

Each class gets a private wharfd (harness.Daemon) with the built-in busybox image.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

import harness
from harness import DaemonTestCase, require_root


def _mount_points():
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f]


@require_root
class RunTest(DaemonTestCase):
    def assertNothingLeftFor(self, cid):
        """No mount, cgroup or state dir of the container is left."""
        self.assertFalse([m for m in _mount_points() if cid in m])
        self.assertFalse(harness._cgroup_dirs_for(cid))
        self.assertFalse(os.path.exists(os.path.join(self.daemon.data_root, "containers", cid)))
        self.assertFalse(os.path.exists(os.path.join(self.daemon.exec_root, "containers", cid)))

    def all_ids(self):
        r = self.daemon.wharf("ps", "-a", "-q", "--no-trunc")
        self.assertExit(r, 0)
        return set(r.out.split())

    def test_run_rm_echo(self):
        before = self.all_ids()
        r = self.daemon.wharf("run", "--rm", "busybox", "echo", "hi")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "hi\n")
        self.assertEqual(self.all_ids(), before)  # --rm removed it

    def test_exit_code_is_the_containers(self):
        name = self.name()
        r = self.daemon.wharf("run", "--name", name, "busybox", "sh", "-c", "exit 3")
        self.assertExit(r, 3)
        info = self.daemon.inspect(name)
        self.assertEqual(info["State"]["Status"], "exited")
        self.assertEqual(info["State"]["ExitCode"], 3)
        cid = info["Id"]
        self.assertExit(self.daemon.wharf("rm", name), 0)
        self.assertNothingLeftFor(cid)

    def test_env_and_stdout_stderr(self):
        r = self.daemon.wharf("run", "--rm", "-e", "FOO=bar baz", "busybox", "sh", "-c",
                              'echo "$FOO"; echo oops >&2')
        self.assertExit(r, 0)
        self.assertEqual(r.out, "bar baz\n")
        self.assertEqual(r.err, "oops\n")

    def test_detached_ps_logs_rm(self):
        name = self.name()
        r = self.daemon.wharf("run", "-d", "--name", name, "busybox", "sh", "-c",
                              "echo out; echo err >&2; exec sleep 300")
        self.assertExit(r, 0)
        cid = r.out.strip()
        self.assertRegex(cid, r"^[0-9a-f]{64}$")

        ps = self.daemon.wharf("ps")
        self.assertExit(ps, 0)
        self.assertTrue(ps.out.startswith("CONTAINER ID   IMAGE "), ps.out)
        line = next(l for l in ps.out.splitlines() if l.endswith(name))
        self.assertTrue(line.startswith(cid[:12]), line)
        self.assertIn(" Up ", line)
        self.assertIn(cid[:12], self.daemon.wharf("ps", "-q").out.split())

        # the log holds both streams; `logs` writes each to its own stream
        deadline = time.time() + 10
        while time.time() < deadline:
            logs = self.daemon.wharf("logs", name)
            if logs.out and logs.err:
                break
            time.sleep(0.05)
        self.assertEqual((logs.code, logs.out, logs.err), (0, "out\n", "err\n"))

        # a running container is not removed without -f; nothing changes
        r = self.daemon.wharf("rm", name)
        self.assertExit(r, 1)
        self.assertIn("container is running", r.err)
        self.assertEqual(self.daemon.inspect(name)["State"]["Status"], "running")

        self.assertExit(self.daemon.wharf("rm", "-f", name), 0)
        self.assertNotIn(cid, self.all_ids())
        self.assertNothingLeftFor(cid)

    def test_isolation(self):
        script = ("hostname; echo pid=$$; grep CapEff /proc/self/status;"
                  "cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' ';"
                  "touch /sys/x 2>/dev/null && echo sys-rw || echo sys-ro;"
                  "ls /dev | tr '\\n' ' '; echo; grep -E '^Sig(Blk|Ign)' /proc/self/status;"
                  "cat /proc/self/cgroup")
        name = self.name()
        r = self.daemon.wharf("run", "--name", name, "busybox", "sh", "-c", script)
        self.assertExit(r, 0)
        cid = self.daemon.inspect(name)["Id"]
        lines = r.out.splitlines()
        self.assertEqual(lines[0], cid[:12])  # own UTS namespace, docker's hostname
        self.assertEqual(lines[1], "pid=1")  # own PID namespace
        self.assertEqual(lines[2], "CapEff:\t00000000a80425fb")  # docker's default set
        # network: its own namespace, with loopback and its veth on the default bridge
        self.assertEqual(sorted(lines[3:5]), ["eth0", "lo"])
        self.assertEqual(lines[5], "sys-ro")
        devs = set(lines[6].split())
        self.assertLessEqual({"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts"},
                             devs)
        # no signal ignored or blocked, whatever the daemon's own dispositions are
        self.assertEqual(lines[7:9], ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"])
        self.assertIn(cid, "\n".join(lines[9:]))  # its own cgroup
        self.daemon.wharf("rm", name)

    def test_images_and_inspect(self):
        r = self.daemon.wharf("images")
        self.assertExit(r, 0)
        header, *rows = r.out.splitlines()
        self.assertEqual(header.split(), ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"])
        self.assertTrue(any(row.split()[:2] == ["busybox", "latest"] for row in rows), r.out)

    def test_wharf_host_chooses_the_daemon(self):
        env = dict(os.environ, WHARF_HOST=self.daemon.host)
        p = subprocess.run([harness.WHARF, "run", "--rm", "busybox", "echo", "via env"],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual((p.returncode, p.stdout), (0, "via env\n"), p.stderr)
        # -H wins over WHARF_HOST
        env["WHARF_HOST"] = "unix:///nonexistent/wharf.sock"
        p = subprocess.run([harness.WHARF, "-H", self.daemon.host, "version"],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_version_and_info(self):
        r = self.daemon.wharf("version")
        self.assertExit(r, 0)
        self.assertIn("Server: wharf", r.out)
        self.assertIn("API version:      1.51 (minimum version 1.24)", r.out)
        r = self.daemon.wharf("info")
        self.assertExit(r, 0)
        self.assertIn("Containers:", r.out)
        self.assertIn(self.daemon.data_root, r.out)


@require_root
class BadInputTest(DaemonTestCase):
    def count_containers(self):
        return len(self.daemon.wharf("ps", "-a", "-q").out.split())

    def test_unknown_image(self):
        before = self.count_containers()
        # A registry on 127.0.0.1 where nothing listens: the pull that follows "Unable to find
        # image" fails at once and never leaves the machine.
        image = "127.0.0.1:1/nosuch-" + self.name()
        r = self.daemon.wharf("run", "--rm", image)
        self.assertExit(r, 125)
        self.assertIn(f"Unable to find image '{image}:latest' locally", r.err)
        self.assertIn("Error response from daemon", r.err)
        self.assertEqual(self.count_containers(), before)

    def test_missing_command(self):
        before = self.count_containers()
        r = self.daemon.wharf("run", "--rm", "busybox", "nosuchcmd")
        self.assertExit(r, 127)
        self.assertIn('exec: "nosuchcmd": executable file not found in $PATH', r.err)
        self.assertEqual(self.count_containers(), before)
        self.assertFalse([m for m in _mount_points() if m.startswith(self.daemon.data_root +
                                                                        "/containers")])

    def test_missing_command_without_rm_stays_created(self):
        # As docker: the container exists, was never started, and holds no mount.
        name = self.name()
        r = self.daemon.wharf("run", "--name", name, "busybox", "/no/such")
        self.assertExit(r, 127)
        info = self.daemon.inspect(name)
        self.assertEqual(info["State"]["Status"], "created")
        self.assertFalse([m for m in _mount_points() if info["Id"] in m])
        self.assertExit(self.daemon.wharf("rm", name), 0)

    def test_invalid_flag(self):
        before = self.count_containers()
        r = self.daemon.wharf("run", "--bogus", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn("unknown flag: --bogus", r.err)
        self.assertIn("See 'wharf run --help'.", r.err)
        self.assertEqual(self.count_containers(), before)

    def test_duplicate_name(self):
        name = self.name()
        self.assertExit(self.daemon.wharf("create", "--name", name, "busybox"), 0)
        r = self.daemon.wharf("run", "--name", name, "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn("is already in use", r.err)
        self.assertExit(self.daemon.wharf("rm", name), 0)

    def test_daemon_not_running(self):
        r = harness.Daemon()  # never started: its socket does not exist
        try:
            res = r.wharf("ps")
            self.assertEqual(res.code, 1)
            self.assertIn("Cannot connect to the wharf daemon", res.err)
            self.assertIn("wharfd", res.err)
        finally:
            r.stop()


@require_root
class DaemonTest(unittest.TestCase):
    def test_second_daemon_on_the_same_data_root_refuses(self):
        first = harness.Daemon()
        try:
            first.start()
            second = subprocess.run(
                [harness.WHARFD, "-H", "unix://" + first.sock + "2", "--data-root",
                 first.data_root, "--exec-root", first.exec_root + "2"],
                capture_output=True, text=True, timeout=20)
            self.assertNotEqual(second.returncode, 0)
            self.assertIn(first.data_root, second.stderr)
            self.assertFalse(os.path.exists(first.sock + "2"))
            self.assertTrue(first.ping())  # the first keeps running
            first.bootstrap_busybox()
            r = first.wharf("run", "--rm", "busybox", "echo", "still here")
            self.assertEqual(r.out, "still here\n", r)
        finally:
            first.stop()

    def test_busybox_image_is_reproducible_and_complete(self):
        d = harness.Daemon()
        try:
            d.start()
            d.bootstrap_busybox()
            first = d.inspect("busybox")
            d.bootstrap_busybox()
            self.assertEqual(d.inspect("busybox")["Id"], first["Id"])

            self.assertEqual(first["RepoTags"], ["busybox:latest"])
            self.assertEqual(first["Config"]["Cmd"], ["sh"])
            self.assertTrue(any(e.startswith("PATH=") for e in first["Config"]["Env"]))
            self.assertEqual(len(first["RootFS"]["Layers"]), 1)

            # every blob sits under its own sha256
            blobs = os.path.join(d.data_root, "content", "blobs", "sha256")
            names = os.listdir(blobs)
            self.assertGreaterEqual(len(names), 3)  # manifest, config, layer
            for name in names:
                with open(os.path.join(blobs, name), "rb") as f:
                    self.assertEqual(hashlib.sha256(f.read()).hexdigest(), name)
            self.assertIn(first["Id"].split(":")[1], names)

            # the layer: busybox, applets as symlinks, passwd/group, /tmp 1777
            script = ("readlink /bin/sh | grep -q 'busybox$' && echo link;"
                      "grep -c . /etc/passwd /etc/group; stat -c %a /tmp; id -un nobody")
            r = d.wharf("run", "--rm", "busybox", "sh", "-c", script)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(r.out.split(), ["link", "/etc/passwd:2", "/etc/group:2", "1777",
                                             "nobody"])

            # metadata: SQLite in WAL mode with a schema version
            dbs = [os.path.join(root, f) for root, _, files in os.walk(d.data_root)
                   for f in files if f.endswith(".db")]
            self.assertTrue(dbs)
            with sqlite3.connect(dbs[0]) as db:
                self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        finally:
            d.stop()

    def test_containers_survive_a_daemon_restart(self):
        d = harness.Daemon()
        try:
            d.start()
            d.bootstrap_busybox()
            name = harness.random_name()
            r = d.wharf("run", "-d", "--name", name, "busybox", "sleep", "300")
            self.assertEqual(r.code, 0, r)
            pid = d.inspect(name)["State"]["Pid"]
            self.assertGreater(pid, 0)
            d.stop_daemon()
            os.kill(pid, 0)  # still running without the daemon
            d.start()
            info = d.inspect(name)
            self.assertEqual((info["State"]["Status"], info["State"]["Pid"]), ("running", pid))
            self.assertEqual(d.wharf("rm", "-f", name).code, 0)
            for _ in range(100):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                time.sleep(0.02)
            self.assertFalse(os.path.exists(f"/proc/{pid}"))
        finally:
            d.stop()


class InstallTest(unittest.TestCase):
    def test_cmake_install_puts_the_four_binaries_into_prefix_bin(self):
        build_dir = os.path.dirname(harness.BIN_DIR)
        prefix = tempfile.mkdtemp(prefix="wharf-it-install-")
        try:
            p = subprocess.run(["cmake", "--install", build_dir, "--prefix", prefix],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            for b in ("wharf", "wharfd", "wharf-shim", "wharf-runtime"):
                path = os.path.join(prefix, "bin", b)
                self.assertTrue(os.access(path, os.X_OK), path)
            v = subprocess.run([os.path.join(prefix, "bin", "wharf-runtime"), "--version"],
                               capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stderr)
        finally:
            shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
