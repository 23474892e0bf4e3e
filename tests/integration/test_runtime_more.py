"""wharf-runtime as root, the parts of issue #3 that test_runtime.py does not prove: the
informational commands (--version, features, state and list JSON through the whole life cycle),
kill's signal forms and --all, --systemd-cgroup, a killed init, process and linux fields seen
from inside (personality, ioPriority, scheduler, domainname, umask), cgroup resources (blkio,
hugetlb, unified, relative cgroupsPath), mount propagation and --no-pivot, and bad input.
Same fixture as test_runtime.py (runtime_fixture.py): every container, cgroup, host mount and
temp dir is removed even when a test fails."""

import json
import os
import re
import signal
import subprocess
import time
import unittest

from runtime_fixture import CGROUP_PARENT, RuntimeFixture, cgroup_dirs, parse

EXTRA_APPLETS = ["uname", "mount", "grep", "cat"]
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def wait_until(pred, tries=500):
    """Polls pred (no assertion on time: a bound only so that a broken runtime fails)."""
    for _ in range(tries):
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def proc_state(pid):
    """The state letter of /proc/<pid>/stat, or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


class RuntimeMoreTest(RuntimeFixture):
    def setUp(self):
        super().setUp()
        bindir = os.path.join(self.bundle, "rootfs", "bin")
        for a in EXTRA_APPLETS:
            if not os.path.lexists(os.path.join(bindir, a)):
                os.symlink("busybox", os.path.join(bindir, a))

    # --- helpers -------------------------------------------------------------------------

    def state(self, cid):
        p = subprocess.run(self.rt("state", cid), capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def start_detached(self, args, *flags):
        cid = self.new_id()
        self.config["process"]["args"] = args
        self.write_config()
        # The container keeps the stdio it is given: a file, not a pipe we would wait on.
        p = self.run_to_file(self.rt("run", "--detach", *flags, "--bundle", self.bundle, cid))
        self.assertEqual(p.returncode, 0, p.stderr)
        return cid

    def run_to_file(self, cmd):
        out = os.path.join(self.tmp, "out.txt")
        with open(out, "w+") as f:
            rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=f, timeout=30).returncode
            f.seek(0)
            return subprocess.CompletedProcess(cmd, rc, "", f.read())

    def create_fails(self, *expected, flags=()):
        """create must exit 1, name every string of `expected` and leave nothing behind."""
        cid = self.new_id()
        self.write_config()
        p = self.run_to_file(self.rt(*flags, "create", "--bundle", self.bundle, cid))
        self.assertEqual(p.returncode, 1, p.stderr)
        for e in expected:
            self.assertIn(e, p.stderr)
        self.assert_clean(cid)
        p = subprocess.run(self.rt("list", "--format", "json"), capture_output=True, text=True)
        self.assertEqual(json.loads(p.stdout or "[]"), [])
        return p

    def wait_stopped(self, cid):
        self.assertTrue(wait_until(lambda: self.state(cid)["status"] == "stopped"), self.state(cid))

    def host_mount(self, *args):
        subprocess.run(["mount", *args], check=True)

    def shared_tmpfs(self, name):
        """A tmpfs under self.tmp, made shared on the host (the host's own mounts are private)."""
        path = os.path.join(self.tmp, name)
        os.makedirs(path)
        self.host_mount("-t", "tmpfs", "wharf-test", path)
        self.undo.append(lambda: subprocess.run(["umount", "-R", "-l", path], check=True))
        self.host_mount("--make-shared", path)
        return path

    # --- informational commands ----------------------------------------------------------

    def test_version_and_features(self):
        p = subprocess.run(self.rt("--version"), capture_output=True, text=True, check=True)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r"^wharf-runtime version \S+$")
        self.assertRegex(lines[1], r"^spec: 1\.2\.\d+$")
        spec_version = lines[1].split()[1]
        feats = json.loads(subprocess.run(self.rt("features"), capture_output=True, text=True, check=True).stdout)
        self.assertEqual(feats["ociVersionMin"], "1.0.0")
        self.assertEqual(feats["ociVersionMax"], spec_version)
        self.assertEqual(set(feats["hooks"]), {"prestart", "createRuntime", "createContainer",
                                               "startContainer", "poststart", "poststop"})
        for opt in ("rbind", "ro", "nosuid", "nodev", "noexec", "relatime", "strictatime", "private",
                    "rprivate", "shared", "rshared", "slave", "rslave"):
            self.assertIn(opt, feats["mountOptions"])
        linux = feats["linux"]
        self.assertEqual(set(linux["namespaces"]),
                         {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"})
        self.assertIn("CAP_SYS_ADMIN", linux["capabilities"])
        self.assertIn("CAP_CHECKPOINT_RESTORE", linux["capabilities"])
        self.assertTrue(linux["cgroup"]["v1"] and linux["cgroup"]["v2"])
        self.assertFalse(linux["cgroup"]["systemd"])  # --systemd-cgroup is refused (below)
        self.assertTrue(linux["seccomp"]["enabled"])
        self.assertIn("SCMP_ACT_NOTIFY", linux["seccomp"]["actions"])
        self.assertIn("SCMP_ARCH_X86_64", linux["seccomp"]["archs"])
        # idmapped bind mounts work (test_runtime.test_idmapped_bind_mount): say so
        self.assertTrue(linux["mountExtensions"]["idmap"]["enabled"])
        # applied where the LSM exists, refused clearly otherwise (test_runtime.test_refuses_missing_lsm)
        self.assertTrue(linux["apparmor"]["enabled"])
        self.assertTrue(linux["selinux"]["enabled"])

    def test_state_and_list_through_the_life_cycle(self):
        fields = ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"]
        version = subprocess.run(self.rt("--version"), capture_output=True, text=True).stdout.split()[-1]
        cid = self.new_id()
        self.config["process"]["args"] = ["sleep", "100"]
        self.config["annotations"] = {"org.example.key": "value"}
        self.write_config()
        subprocess.run(self.rt("create", "--bundle", self.bundle, cid), check=True, timeout=30)
        created = self.state(cid)
        self.assertEqual(list(created)[:8], fields)
        self.assertEqual(created["ociVersion"], version)
        self.assertEqual(created["id"], cid)
        self.assertEqual(created["status"], "created")
        self.assertGreater(created["pid"], 0)
        self.assertEqual(proc_state(created["pid"]) not in (None, "Z"), True)
        self.assertEqual(created["bundle"], self.bundle)
        self.assertEqual(created["rootfs"], os.path.realpath(os.path.join(self.bundle, "rootfs")))
        self.assertRegex(created["created"], RFC3339)
        self.assertEqual(created["owner"], "")  # runc: empty for root
        self.assertEqual(created["annotations"], {"org.example.key": "value"})
        seen = {}
        for step, status in ((None, "created"), ("start", "running"), ("pause", "paused"),
                             ("resume", "running")):
            if step:
                subprocess.run(self.rt(step, cid), check=True, timeout=30)
            st = self.state(cid)
            self.assertEqual(st["status"], status, step)
            self.assertEqual({k: st[k] for k in fields if k != "status"},
                             {k: created[k] for k in fields if k != "status"}, step)
            listed = json.loads(subprocess.run(self.rt("list", "--format", "json"), check=True,
                                               capture_output=True).stdout)
            self.assertEqual(len(listed), 1)
            self.assertEqual({k: listed[0][k] for k in fields}, {k: st[k] for k in fields}, step)
            table = subprocess.run(self.rt("list"), check=True, capture_output=True, text=True).stdout.splitlines()
            self.assertEqual(table[0].split(), ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"])
            self.assertEqual(table[1].split()[:4], [cid, str(st["pid"]), status, self.bundle])
            seen[status] = True
        subprocess.run(self.rt("kill", cid, "KILL"), check=True)
        self.wait_stopped(cid)
        stopped = self.state(cid)
        self.assertEqual(stopped["pid"], 0)
        self.assertEqual(stopped["created"], created["created"])
        p = subprocess.run(self.rt("kill", cid, "KILL"), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not running", p.stderr)
        subprocess.run(self.rt("delete", cid), check=True, timeout=30)
        self.assert_clean(cid)
        self.assertEqual(json.loads(subprocess.run(self.rt("list", "--format", "json"), check=True,
                                                   capture_output=True).stdout), [])

    # --- kill --------------------------------------------------------------------------

    def test_kill_signal_names_and_numbers(self):
        # PID 1 of a pid namespace only gets signals it has a handler for: trap them.
        ready = os.path.join(self.bundle, "rootfs", "tmp", "ready")
        script = ("trap 'exit 3' TERM; trap 'exit 4' USR1; touch /tmp/ready; "
                  "while true; do sleep 100 & wait $!; done")
        for sig, rc in (("SIGTERM", 3), ("term", 3), ("15", 3), ("USR1", 4), ("KILL", 128 + 9),
                        ("9", 128 + 9), ("SIGKILL", 128 + 9)):
            with self.subTest(signal=sig):
                if os.path.exists(ready):
                    os.unlink(ready)
                cid = self.new_id()
                self.config["process"]["args"] = ["sh", "-c", script]
                self.write_config()
                run = subprocess.Popen(self.rt("run", "--bundle", self.bundle, cid), stderr=subprocess.PIPE,
                                       text=True)
                try:
                    self.assertTrue(wait_until(lambda: os.path.exists(ready) or run.poll() is not None))
                    p = subprocess.run(self.rt("kill", cid, sig), capture_output=True, text=True, timeout=30)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    _, err = run.communicate(timeout=60)
                    self.assertEqual(run.returncode, rc, err)
                finally:
                    if run.poll() is None:
                        run.kill()
                        run.wait()
                self.assert_clean(cid)
        cid = self.start_detached(["sleep", "100"])
        for bad in ("FOO", "SIGNOPE", "0", "-1", "99999"):
            p = subprocess.run(self.rt("kill", cid, bad), capture_output=True, text=True)
            self.assertEqual(p.returncode, 1, bad)
            self.assertIn("signal", p.stderr, bad)
        self.assertEqual(self.state(cid)["status"], "running")

    def test_kill_all_in_a_pid_namespace(self):
        # sh as PID 1 has no TERM handler: TERM reaches only its children, the sleeps; when
        # they die, sh's wait returns and the container stops.
        ready = os.path.join(self.bundle, "rootfs", "tmp", "ready")
        cid = self.start_detached(["sh", "-c", "sleep 100 & sleep 100 & touch /tmp/ready; wait"])
        self.assertTrue(wait_until(lambda: os.path.exists(ready)))
        pids = json.loads(subprocess.run(self.rt("ps", "--format", "json", cid), check=True,
                                         capture_output=True).stdout)
        self.assertEqual(len(pids), 3, pids)
        subprocess.run(self.rt("kill", cid, "TERM"), check=True)  # PID 1 only: ignored
        self.assertEqual(self.state(cid)["status"], "running")
        subprocess.run(self.rt("kill", "--all", cid, "TERM"), check=True)
        self.wait_stopped(cid)
        subprocess.run(self.rt("delete", cid), check=True, timeout=30)
        self.assert_clean(cid)

    def test_kill_all_without_a_pid_namespace(self):
        # Sharing the host's pid namespace, the init's children outlive it: --all must reach them.
        self.config["linux"]["namespaces"] = [n for n in self.config["linux"]["namespaces"] if n["type"] != "pid"]
        ready = os.path.join(self.bundle, "rootfs", "tmp", "ready")
        cid = self.start_detached(["sh", "-c", "sleep 100 & sleep 100 & touch /tmp/ready; wait"])
        self.assertTrue(wait_until(lambda: os.path.exists(ready)))
        pids = json.loads(subprocess.run(self.rt("ps", "--format", "json", cid), check=True,
                                         capture_output=True).stdout)
        self.assertEqual(len(pids), 3, pids)
        subprocess.run(self.rt("kill", "-a", cid, "9"), check=True)
        for pid in pids:
            self.assertTrue(wait_until(lambda: proc_state(pid) in (None, "Z")), f"pid {pid} survived kill --all")
        self.wait_stopped(cid)
        subprocess.run(self.rt("delete", cid), check=True, timeout=30)
        self.assert_clean(cid)

    def test_init_killed_with_sigkill_then_delete_leaves_nothing(self):
        cid = self.start_detached(["sh", "-c", "sleep 100 & sleep 100 & wait"])
        st = self.state(cid)
        pid = st["pid"]
        children = [int(x) for x in open(f"/proc/{pid}/task/{pid}/children").read().split()]
        mnt_ns = os.readlink(f"/proc/{pid}/ns/mnt")
        os.kill(pid, signal.SIGKILL)
        self.wait_stopped(cid)
        p = subprocess.run(self.rt("delete", cid), capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_clean(cid)
        for q in [pid, *children]:
            # gone, or reaped soon by whoever is its parent now: never a zombie that stays
            self.assertTrue(wait_until(lambda: proc_state(q) is None), f"pid {q}: {proc_state(q)}")
        with open("/proc/self/mountinfo") as f:
            self.assertNotIn(self.bundle, f.read())
        # no process is left in the container's mount namespace
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    self.assertNotEqual(os.readlink(f"/proc/{d}/ns/mnt"), mnt_ns, f"pid {d}")
                except OSError:
                    pass

    # --- --systemd-cgroup --------------------------------------------------------------

    def test_systemd_cgroup_is_refused_clearly(self):
        if os.path.isdir("/run/systemd/system"):
            self.skipTest("systemd manages this host")
        self.config["process"]["args"] = ["true"]
        p = self.create_fails("--systemd-cgroup", "systemd", flags=("--systemd-cgroup",))
        self.assertNotIn("\n", p.stderr.strip())
        cid = self.new_id()
        p = subprocess.run(self.rt("--systemd-cgroup", "run", "--bundle", self.bundle, cid),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("systemd", p.stderr)
        self.assert_clean(cid)
        # Accepted by the commands that touch no cgroup (containerd passes it to all of them).
        p = subprocess.run(self.rt("--systemd-cgroup", "list", "--format", "json"), capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "[]"), p.stderr)
        p = subprocess.run(self.rt("--systemd-cgroup", "features"), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run(self.rt("--systemd-cgroup", "delete", "--force", cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    # --- process and linux fields seen from inside ---------------------------------------

    def test_personality_domainname_umask(self):
        self.config["linux"]["personality"] = {"domain": "LINUX32"}
        self.config["domainname"] = "example.org"
        self.config["hostname"] = "boxy"
        self.config["process"]["user"]["umask"] = 0o077
        facts, _ = self.check()
        self.assertEqual(facts["machine"], "i686")
        self.assertEqual(int(facts["personality"], 16) & 0xff, 0x0008)  # PER_LINUX32
        self.assertEqual(facts["domainname"], "example.org")
        self.assertEqual(facts["hostname"], "boxy")
        self.assertEqual(facts["umask"], "0077")
        p = self.run_container(["uname", "-m"])
        self.assertEqual(p.stdout.strip(), "i686")
        # umask 0 is a value, not "unset" (the default is 0022)
        self.config["process"]["user"]["umask"] = 0
        self.config["linux"]["personality"] = {"domain": "LINUX"}
        facts, _ = self.check()
        self.assertEqual(facts["umask"], "0000")
        self.assertEqual(facts["machine"], "x86_64")

    def test_io_priority_and_scheduler(self):
        self.config["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
        self.config["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 7}
        facts, _ = self.check()
        self.assertEqual(int(facts["ioprio"]), (2 << 13) | 6)
        self.assertEqual(facts["sched.policy"], "3")  # SCHED_BATCH
        self.assertEqual(facts["nice"], "7")
        self.config["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}
        self.config["process"]["scheduler"] = {"policy": "SCHED_IDLE"}
        facts, _ = self.check()
        self.assertEqual(int(facts["ioprio"]) >> 13, 3)  # IOPRIO_CLASS_IDLE
        self.assertEqual(facts["sched.policy"], "5")  # SCHED_IDLE
        # additionalGids for root too, and exec gets the same settings
        self.config["process"]["user"] = {"uid": 0, "gid": 0, "additionalGids": [5, 7]}
        cid = self.start_detached(["sleep", "100"])
        p = subprocess.run(self.rt("exec", cid, "checker"), capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        facts, _ = parse(p.stdout)
        self.assertEqual(facts["groups"], "5,7")
        self.assertEqual(facts["sched.policy"], "5")

    # --- cgroups -----------------------------------------------------------------------

    def block_device(self):
        for name in sorted(os.listdir("/sys/block")):
            if name.startswith(("loop", "ram", "zram")):
                continue
            with open(f"/sys/block/{name}/dev") as f:
                return f.read().strip()
        self.skipTest("no block device")

    def test_blkio_throttle_and_weight(self):
        if not os.path.isdir("/sys/fs/cgroup/blkio"):
            self.skipTest("no blkio hierarchy (cgroup v1)")
        dev = self.block_device()
        major, minor = (int(x) for x in dev.split(":"))
        self.config["linux"]["resources"] = {"blockIO": {
            "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 1048576}],
            "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 100}]}}
        p = self.run_container(["cat", "/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device",
                                "/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device"])
        self.assertEqual(p.stdout.split("\n")[:2], [f"{dev} 1048576", f"{dev} 100"])
        self.assert_clean(self.ids[-1])
        # The weight needs CFQ or BFQ as the disk's scheduler; runc then fails the create.
        self.config["linux"]["resources"] = {"blockIO": {"weight": 300}}
        blkio = f"/sys/fs/cgroup/blkio/{CGROUP_PARENT}"
        os.makedirs(blkio, exist_ok=True)
        weight_files = [f for f in ("blkio.weight", "blkio.bfq.weight") if os.path.exists(f"{blkio}/{f}")]
        if weight_files:
            p = self.run_container(["cat", f"/sys/fs/cgroup/blkio/{weight_files[0]}"])
            self.assertIn("300", p.stdout)
        else:
            self.config["process"]["args"] = ["true"]
            self.create_fails("linux.resources.blockIO.weight:", "blkio.weight")

    def test_hugetlb_limits(self):
        sizes = sorted(os.listdir("/sys/kernel/mm/hugepages")) if os.path.isdir("/sys/kernel/mm/hugepages") else []
        if not sizes:
            self.skipTest("no huge pages in this kernel")
        kb = int(sizes[0].split("-")[1].rstrip("kB"))
        page = f"{kb // 1024}MB" if kb >= 1024 else f"{kb}KB"
        self.config["linux"]["resources"] = {"hugepageLimits": [{"pageSize": page, "limit": 4 * kb * 1024}]}
        v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
        have = (os.path.isdir("/sys/fs/cgroup/hugetlb") if not v2 else
                "hugetlb" in open("/sys/fs/cgroup/cgroup.controllers").read().split())
        if have:
            f = f"hugetlb.{page}.limit_in_bytes" if not v2 else f"hugetlb.{page}.max"
            p = self.run_container(["cat", f"/sys/fs/cgroup/hugetlb/{f}" if not v2 else f"/sys/fs/cgroup/{f}"])
            self.assertEqual(p.stdout.strip(), str(4 * kb * 1024))
        else:
            # A limit that cannot be applied must not be dropped silently (runc fails too).
            self.config["process"]["args"] = ["true"]
            self.create_fails("linux.resources.hugepageLimits", "hugetlb")
        self.config["linux"]["resources"] = {"hugepageLimits": [{"pageSize": "3MB", "limit": 1}]}
        self.create_fails("linux.resources.hugepageLimits[0].pageSize", "3MB")

    def test_unified_is_refused_on_cgroup_v1(self):
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            self.skipTest("cgroup v2 host")
        self.config["process"]["args"] = ["true"]
        self.config["linux"]["resources"] = {"unified": {"memory.max": "1000000"}}
        self.create_fails("linux.resources.unified", "cgroup v2")

    def test_relative_cgroups_path(self):
        cid = self.new_id()
        rel = f"{CGROUP_PARENT}-rel/{cid}"
        self.config["linux"]["cgroupsPath"] = rel
        self.config["process"]["args"] = ["cat", "/proc/self/cgroup"]
        self.write_config()
        own = {}
        with open("/proc/self/cgroup") as f:
            for line in f.read().splitlines():
                _, ctrls, path = line.split(":", 2)
                if ctrls:
                    own[ctrls.removeprefix("name=")] = path.rstrip("/")
        v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
        expected = {h: f"{own.get('' if v2 else h, '')}/{rel}" for h in (own if not v2 else [""])}
        dirs = [f"/sys/fs/cgroup{'/' + h if h else ''}{path}" for h, path in expected.items()]

        def remove_dirs():
            for d in dirs:
                for x in (d, os.path.dirname(d)):
                    if os.path.isdir(x):
                        os.rmdir(x)
        self.undo.append(remove_dirs)
        p = subprocess.run(self.rt("run", "--bundle", self.bundle, cid), capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        inside = {}
        for line in p.stdout.splitlines():
            _, ctrls, path = line.split(":", 2)
            inside[ctrls.removeprefix("name=")] = path
        for h, path in expected.items():
            if h in ("unified",) or (not v2 and not os.path.isdir(f"/sys/fs/cgroup/{h}")):
                continue
            self.assertEqual(inside.get(h), path, h)
        for d in dirs:
            self.assertFalse(os.path.exists(d), f"{d} left behind")

    # --- mount propagation and --no-pivot --------------------------------------------------

    def root_mount_fields(self, mountinfo):
        for line in mountinfo.splitlines():
            f = line.split()
            if f[4] == "/":
                return f[6:f.index("-")]  # the optional fields: shared:N master:N ...
        self.fail("no / in mountinfo:\n" + mountinfo)

    def test_rootfs_propagation(self):
        # The bundle lives on a host mount that is shared, so that the difference shows.
        base = self.shared_tmpfs("shared-bundle")
        new_bundle = os.path.join(base, "bundle")
        subprocess.run(["cp", "-a", self.bundle, new_bundle], check=True)
        self.bundle = new_bundle
        for prop in ("private", "rprivate", "slave", "rslave", "shared", "rshared", None):
            with self.subTest(rootfsPropagation=prop):
                if prop is None:
                    self.config["linux"].pop("rootfsPropagation", None)
                else:
                    self.config["linux"]["rootfsPropagation"] = prop
                p = self.run_container(["cat", "/proc/self/mountinfo"])
                kinds = {f.split(":")[0] for f in self.root_mount_fields(p.stdout)}
                # shared only when asked: else nothing mounted inside could reach the host
                self.assertEqual("shared" in kinds, prop in ("shared", "rshared"), p.stdout)
                if prop in ("private", "rprivate"):
                    self.assertEqual(kinds, set(), p.stdout)
        self.config["linux"]["rootfsPropagation"] = "sideways"
        self.config["process"]["args"] = ["true"]
        self.create_fails("linux.rootfsPropagation", "sideways")

    def test_bind_mount_propagation_both_ways(self):
        shared = self.shared_tmpfs("vol")
        os.makedirs(os.path.join(shared, "in"))
        os.makedirs(os.path.join(shared, "late"))
        caps = self.config["process"]["capabilities"]
        for k in ("bounding", "effective", "permitted"):
            caps[k].append("CAP_SYS_ADMIN")
        self.config["linux"].pop("seccomp", None)
        # rshared both ways needs the root shared too (Docker sets rootfsPropagation for it)
        self.config["linux"]["rootfsPropagation"] = "rshared"
        self.config["mounts"] += [
            {"destination": "/vol", "type": "bind", "source": shared, "options": ["rbind", "rshared"]},
            {"destination": "/slave", "type": "bind", "source": shared, "options": ["rbind", "rslave"]},
            {"destination": "/private", "type": "bind", "source": shared, "options": ["rbind", "rprivate"]},
        ]
        cid = self.start_detached(["sleep", "100"])
        # container -> host: only through the shared one
        p = subprocess.run(self.rt("exec", cid, "mount", "-t", "tmpfs", "from-container", "/vol/in"),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.undo.append(lambda: subprocess.run(["umount", "-l", os.path.join(shared, "in")]))
        self.assertTrue(os.path.ismount(os.path.join(shared, "in")), "rshared: not propagated to the host")
        # host -> container: to the shared and the slave one, not the private one
        self.host_mount("-t", "tmpfs", "from-host", os.path.join(shared, "late"))
        self.undo.append(lambda: subprocess.run(["umount", "-l", os.path.join(shared, "late")]))
        p = subprocess.run(self.rt("exec", cid, "cat", "/proc/self/mountinfo"), capture_output=True, text=True,
                           timeout=30)
        points = {line.split()[4] for line in p.stdout.splitlines()}
        self.assertIn("/vol/late", points)
        self.assertIn("/slave/late", points)
        self.assertNotIn("/private/late", points)
        # and nothing the runtime mounted in the rootfs (proc, dev, ...) reached the host
        with open("/proc/self/mountinfo") as f:
            self.assertNotIn(os.path.join(self.bundle, "rootfs"), f.read())

    def test_no_pivot(self):
        cid = self.new_id()
        self.config["process"]["args"] = ["checker"]
        self.write_config()
        p = subprocess.run(self.rt("run", "--no-pivot", "--bundle", self.bundle, cid), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        facts, mounts = parse(p.stdout)
        self.assertEqual(facts["pid"], "1")
        points = [m[0] for m in mounts]
        self.assertEqual(points.count("/"), 1, mounts)
        self.assertIn("/proc", points)
        self.assert_clean(cid)
        # the host's root is out of reach: / is the rootfs
        self.config["process"]["args"] = ["ls", "/"]
        cid = self.new_id()
        self.write_config()
        p = subprocess.run(self.rt("run", "--no-pivot", "--bundle", self.bundle, cid), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(p.stdout.split()), sorted(os.listdir(os.path.join(self.bundle, "rootfs"))))
        # create --no-pivot + start
        cid = self.new_id()
        self.config["process"]["args"] = ["sleep", "100"]
        self.write_config()
        subprocess.run(self.rt("create", "--no-pivot", "--bundle", self.bundle, cid), check=True, timeout=30)
        subprocess.run(self.rt("start", cid), check=True)
        self.assertEqual(self.state(cid)["status"], "running")
        subprocess.run(self.rt("delete", "--force", cid), check=True, timeout=30)
        self.assert_clean(cid)

    # --- bad input ---------------------------------------------------------------------

    def test_bad_input_names_the_field(self):
        # test_runtime.test_bad_input covers a bad capability and a missing rootfs.
        cases = [
            (lambda c: c["process"].__setitem__("args", "sh"), ["process.args: expected an array, got string"]),
            (lambda c: c["process"]["user"].__setitem__("uid", "0"), ["process.user.uid: expected an integer"]),
            (lambda c: c["process"]["user"].__setitem__("uid", -1), ["process.user.uid", "out of range"]),
            (lambda c: c.__setitem__("hostname", 5), ["hostname: expected a string, got integer"]),
            (lambda c: c["linux"]["namespaces"].append({"type": "foo"}),
             ["linux.namespaces[", "].type: unknown namespace type \"foo\""]),
            (lambda c: c["linux"]["namespaces"].append({"type": "pid"}), ["duplicate namespace \"pid\""]),
            (lambda c: c["mounts"].append({"destination": "relative/dir", "type": "tmpfs", "source": "tmpfs"}),
             ["mounts[", "].destination: must be an absolute path, got \"relative/dir\""]),
            (lambda c: c["process"].__setitem__("rlimits", [{"type": "RLIMIT_FOO", "hard": 1, "soft": 1}]),
             ["process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""]),
            (lambda c: c["process"]["capabilities"]["effective"].append("CAP_NOPE"),
             ["process.capabilities.effective[", "unknown capability \"CAP_NOPE\""]),
            (lambda c: c["process"].__setitem__("ioPriority", {"class": "IOPRIO_CLASS_FAST", "priority": 0}),
             ["process.ioPriority.class: unknown class"]),
            (lambda c: c["process"].__setitem__("scheduler", {"policy": "SCHED_FAST"}),
             ["process.scheduler.policy", "SCHED_FAST"]),
            (lambda c: c["linux"].__setitem__("personality", {"domain": "LINUX64"}),
             ["linux.personality.domain", "LINUX64"]),
            (lambda c: c["linux"].__setitem__("resources", {"memory": {"limit": "lots"}}),
             ["linux.resources.memory.limit: expected an integer, got string"]),
            (lambda c: c.pop("root"), ["root: required"]),
            (lambda c: c["root"].__setitem__("path", "/nonexistent/rootfs"),
             ["root.path", "/nonexistent/rootfs", "does not exist"]),
            (lambda c: c["linux"]["namespaces"].append({"type": "user"}), ["linux.uidMappings"]),
        ]
        base = json.dumps(self.config)
        for mutate, expected in cases:
            with self.subTest(expected=expected[0]):
                self.config = json.loads(base)
                self.config["process"]["args"] = ["true"]
                mutate(self.config)
                self.create_fails(*expected)
        # not JSON at all
        cid = self.new_id()
        with open(os.path.join(self.bundle, "config.json"), "w") as f:
            f.write("{\"ociVersion\": ")
        p = subprocess.run(self.rt("create", "--bundle", self.bundle, cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("config.json", p.stderr)
        self.assert_clean(cid)


if __name__ == "__main__":
    unittest.main()
