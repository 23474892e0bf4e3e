"""wharf-runtime where the OCI validation suite (tests/conformance) found it wrong: a rootfs
equal to the bundle or reached through a symlink, HOME from the container's /etc/passwd,
hook order, state and failure semantics, --pid-file, kill of a created container, delete of a
running one, and bad input that must leave nothing behind. Same fixture and clean-up as
test_runtime.py (runtime_fixture.py)."""

import json
import os
import subprocess
import tempfile
import time

from runtime_fixture import CGROUP_PARENT, RuntimeFixture, cgroup_dirs

PASSWD = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n"


class RuntimeConformanceTest(RuntimeFixture):
    def state(self, cid):
        p = subprocess.run(self.rt("state", cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def wait_stopped(self, cid):
        for _ in range(500):
            if self.state(cid)["status"] == "stopped":
                return
            time.sleep(0.01)
        self.fail(f"{cid} did not stop")

    def create(self, args, *flags, bundle=None):
        cid = self.new_id()
        self.config["process"]["args"] = args
        self.write_config()
        # The init inherits create's stdio (as with runc): no pipes, or reading them never ends.
        with tempfile.TemporaryFile("w+") as err:
            p = subprocess.run(self.rt("create", "--bundle", bundle or self.bundle, *flags, cid),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                               timeout=60)
            err.seek(0)
            self.assertEqual(p.returncode, 0, err.read())
        return cid

    def rootfs(self, *path):
        return os.path.join(self.bundle, "rootfs", *path)

    # root.path: the spec allows any path; runc and crun accept these two.
    def test_rootfs_equal_to_the_bundle(self):
        cid = self.new_id()
        self.config["root"]["path"] = "."
        self.config["process"]["args"] = ["cat", "/config.json"]
        bundle = self.rootfs()
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(self.config, f)
        p = subprocess.run(self.rt("run", "--bundle", bundle, cid), capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["root"]["path"], ".")
        self.assert_clean(cid)

    def test_rootfs_symlink_out_of_the_bundle(self):
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.rename(self.rootfs(), elsewhere)
        os.symlink(elsewhere, self.rootfs())
        with open(os.path.join(elsewhere, "marker"), "w") as f:
            f.write("outside")
        p = self.run_container(["cat", "/marker"])
        self.assertEqual(p.stdout, "outside")
        cid = self.create(["true"])
        self.assertEqual(self.state(cid)["rootfs"], elsewhere)

    # HOME as runc sets it, for the init and for exec'd processes.
    def env_of(self, user=None, env=None):
        if user is not None:
            self.config["process"]["user"] = {"uid": user, "gid": user}
        if env is not None:
            self.config["process"]["env"] = env
        p = self.run_container(["sh", "-c", 'echo "home=${HOME-unset}"'])
        return p.stdout.strip()

    def test_home_from_the_containers_passwd(self):
        self.assertFalse(any(e.startswith("HOME=") for e in self.config["process"]["env"]))
        self.assertEqual(self.env_of(), "home=/")  # no /etc/passwd in the rootfs
        with open(self.rootfs("etc", "passwd"), "w") as f:
            f.write(PASSWD)
        self.assertEqual(self.env_of(), "home=/root")
        self.assertEqual(self.env_of(user=1000), "home=/home/alice")
        self.assertEqual(self.env_of(user=4242), "home=/")
        self.assertEqual(self.env_of(user=0, env=["PATH=/bin", "HOME=/mine"]), "home=/mine")

    def test_home_for_exec(self):
        with open(self.rootfs("etc", "passwd"), "w") as f:
            f.write(PASSWD)
        cid = self.create(["sleep", "100"])
        subprocess.run(self.rt("start", cid), check=True)
        p = subprocess.run(self.rt("exec", "--user", "1000", cid, "sh", "-c", "echo $HOME"),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout), (0, "/home/alice\n"), p.stderr)

    # Hooks: order, state on stdin, and what a failure does.
    def hook(self, script):
        return {"path": "/bin/sh", "args": ["sh", "-c", script], "timeout": 10}

    def test_hook_order_and_state(self):
        out = os.path.join(self.tmp, "out")
        log = os.path.join(self.tmp, "order")
        kinds = ("prestart", "createRuntime", "poststart", "poststop")
        self.config["hooks"] = {k: [self.hook(f"cat > {out}-{k}; echo {k}1 >> {log}"),
                                    self.hook(f"echo {k}2 >> {log}")] for k in kinds}
        self.config["annotations"] = {"org.example.key": "value"}
        cid = self.create(["true"])  # gone before poststart runs: its state still says running
        pid = self.state(cid)["pid"]
        subprocess.run(self.rt("start", cid), check=True)
        self.wait_stopped(cid)
        subprocess.run(self.rt("delete", cid), check=True)
        with open(log) as f:
            self.assertEqual(f.read().split(), [f"{k}{n}" for k in kinds for n in (1, 2)])
        want = {"prestart": "created", "createRuntime": "creating", "poststart": "running",
                "poststop": "stopped"}
        for kind, status in want.items():
            with open(f"{out}-{kind}") as f:
                st = json.load(f)
            self.assertEqual((st["id"], st["status"], st["bundle"]), (cid, status, self.bundle), kind)
            self.assertEqual(st["annotations"], {"org.example.key": "value"}, kind)
            if kind != "poststop":
                self.assertEqual(st["pid"], pid, kind)

    def test_failing_poststart_and_poststop_hooks_only_warn(self):
        out = os.path.join(self.tmp, "out")
        for kind in ("poststart", "poststop"):
            self.config["hooks"] = {kind: [{"path": "/bin/false"}, self.hook(f"echo {kind} >> {out}")]}
            cid = self.create(["true"])
            start = subprocess.run(self.rt("start", cid), capture_output=True, text=True)
            self.assertEqual(start.returncode, 0, start.stderr)
            self.wait_stopped(cid)
            delete = subprocess.run(self.rt("delete", cid), capture_output=True, text=True)
            self.assertEqual(delete.returncode, 0, delete.stderr)
            self.assertIn(f"hooks.{kind}[0]", start.stderr + delete.stderr)  # the warning
            self.assert_clean(cid)
        with open(out) as f:
            self.assertEqual(f.read(), "poststart\npoststop\n")

    def test_failing_prestart_hook_fails_create_and_leaves_nothing(self):
        marker = self.rootfs("output")
        self.config["hooks"] = {"prestart": [{"path": "/bin/false"}]}
        cid = self.new_id()
        self.config["process"]["args"] = ["touch", "/output"]
        self.write_config()
        p = subprocess.run(self.rt("create", "--bundle", self.bundle, cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("hooks.prestart[0]", p.stderr)
        self.assertFalse(os.path.exists(marker))
        self.assert_clean(cid)

    # --pid-file, kill and delete.
    def test_pid_file(self):
        piddir = os.path.join(self.tmp, "piddir")
        os.makedirs(piddir)
        pidfile = os.path.join(piddir, "pid")
        cid = self.create(["sleep", "100"], "--pid-file", pidfile)
        with open(pidfile) as f:
            self.assertEqual(int(f.read()), self.state(cid)["pid"])
        self.assertEqual(os.listdir(piddir), ["pid"])  # written to a temp name and renamed

    def test_kill_of_a_created_container(self):
        cid = self.create(["sleep", "100"])
        subprocess.run(self.rt("kill", cid, "KILL"), check=True)
        self.wait_stopped(cid)
        p = subprocess.run(self.rt("kill", cid, "KILL"), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("container not running", p.stderr)  # what containerd looks for
        subprocess.run(self.rt("delete", cid), check=True)
        self.assert_clean(cid)

    def test_delete_of_a_running_container_fails_with_no_effect(self):
        cid = self.create(["sleep", "100"])
        subprocess.run(self.rt("start", cid), check=True)
        pid = self.state(cid)["pid"]
        p = subprocess.run(self.rt("delete", cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not stopped", p.stderr)
        self.assertEqual(self.state(cid)["status"], "running")
        os.kill(pid, 0)  # still alive
        for d in cgroup_dirs(f"/{CGROUP_PARENT}/{cid}"):
            self.assertTrue(os.path.isdir(d), d)

    # Bad input: a clear error naming the JSON path, and nothing left behind.
    def test_invalid_configs_leave_nothing(self):
        # Refused while parsing, before anything is made, and (the mount) by the init.
        cases = [
            (["process", "rlimits"], [{"type": "RLIMIT_TEST", "soft": 1, "hard": 1}],
             'process.rlimits[0].type: unknown rlimit "RLIMIT_TEST"'),
            (["process", "args"], [], "process.args"),
            (["process", "user", "uid"], "root", "process.user.uid: expected an integer"),
            (["linux", "namespaces"], [{"type": "pid"}, {"type": "nosuchns"}],
             'linux.namespaces[1].type: unknown namespace type "nosuchns"'),
            (["mounts"], [{"destination": "/x", "type": "nosuchfs", "source": "none"}], "mounts[0]"),
        ]
        for path, value, message in cases:
            saved = json.loads(json.dumps(self.config))
            node = self.config
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            cid = self.new_id()
            self.write_config()
            p = subprocess.run(self.rt("create", "--bundle", self.bundle, cid), capture_output=True, text=True)
            self.assertEqual(p.returncode, 1, path)
            self.assertIn(message, p.stderr, path)
            self.assert_clean(cid)
            self.config = saved
            # No process is left that was started for it (the init carries our --root).
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        self.assertNotIn(self.root.encode(), f.read(), f"process {pid} left behind")
                except FileNotFoundError:
                    pass
        self.assertFalse(os.path.exists(self.root) and os.listdir(self.root), "state left behind")

    def test_unknown_id(self):
        for cmd in (["state"], ["delete"], ["kill"], ["start"]):
            p = subprocess.run(self.rt(*cmd, "nosuch"), capture_output=True, text=True)
            self.assertEqual(p.returncode, 1, cmd)
            self.assertIn("does not exist", p.stderr, cmd)  # runc's words, what callers match
        p = subprocess.run(self.rt("delete", "--force", "nosuch"), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
