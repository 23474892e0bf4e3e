"""The shared fixture of the wharf-runtime integration tests (test_runtime.py,
test_runtime_more.py): a busybox bundle with wharf-checker in a temp dir, its own --root, random
container ids, and a tearDown that removes every container, cgroup, mount and temp dir the test
made, even when it failed. It holds no tests itself."""

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("WHARF_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/dev/bin"))
RUNTIME = os.path.join(BIN, "wharf-runtime")
CHECKER = os.path.join(BIN, "wharf-checker")
BUSYBOX = shutil.which("busybox") or "/bin/busybox"
APPLETS = ["sh", "true", "false", "cat", "ls", "echo", "id", "sleep", "mkdir", "touch", "ps"]
CGROUP_PARENT = "wharf-test"


def cgroup_dirs(cgpath):
    root = "/sys/fs/cgroup"
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        return [root + cgpath]
    return [os.path.join(root, h) + cgpath for h in sorted(os.listdir(root))
            if h != "unified" and os.path.isdir(os.path.join(root, h)) and not os.path.islink(os.path.join(root, h))]


def parse(out):
    facts, mounts = {}, []
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key == "mount":
            mounts.append(value.split(" "))
        else:
            facts[key] = value
    return facts, mounts


@unittest.skipUnless(os.geteuid() == 0, "needs root")
class RuntimeFixture(unittest.TestCase):
    def setUp(self):
        for path in (RUNTIME, CHECKER):
            self.assertTrue(os.path.exists(path), f"{path} is missing: build wharf-runtime and wharf-checker")
        self.tmp = tempfile.mkdtemp(prefix="wharf-rt-test-")
        os.chmod(self.tmp, 0o755)  # reachable by a user namespace's root
        self.root = os.path.join(self.tmp, "state")
        self.bundle = os.path.join(self.tmp, "bundle")
        rootfs = os.path.join(self.bundle, "rootfs")
        os.makedirs(os.path.join(rootfs, "bin"))
        for d in ("proc", "sys", "dev", "tmp", "etc", "work"):
            os.makedirs(os.path.join(rootfs, d), exist_ok=True)
        shutil.copy(BUSYBOX, os.path.join(rootfs, "bin", "busybox"))
        shutil.copy(CHECKER, os.path.join(rootfs, "bin", "checker"))
        for a in APPLETS:
            os.symlink("busybox", os.path.join(rootfs, "bin", a))
        subprocess.run([RUNTIME, "spec", "--docker", "--bundle", self.bundle], check=True)
        with open(os.path.join(self.bundle, "config.json")) as f:
            self.config = json.load(f)
        self.ids = []
        # Undone after the containers are deleted and before the temp dir is removed (last
        # first): host mounts under self.tmp, cgroups outside CGROUP_PARENT.
        self.undo = []

    def tearDown(self):
        for cid in self.ids:
            subprocess.run(self.rt("delete", "--force", cid), capture_output=True)
            for d in cgroup_dirs(f"/{CGROUP_PARENT}/{cid}"):
                if os.path.isdir(d):
                    os.rmdir(d)
        for fn in reversed(self.undo):
            try:
                fn()
            except Exception as e:  # keep undoing the rest
                print(f"cleanup failed: {e}")
        shutil.rmtree(self.tmp, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        # On hybrid hosts the runtime also leaves an empty CGROUP_PARENT in the (controller-
        # less) unified hierarchy; per-container dirs are never made there.
        unified = f"/sys/fs/cgroup/unified/{CGROUP_PARENT}"
        for d in cgroup_dirs(f"/{CGROUP_PARENT}") + ([unified] if os.path.isdir(unified) else []):
            try:
                os.rmdir(d)
            except OSError:
                pass

    def rt(self, *args):
        return [RUNTIME, "--root", self.root, *args]

    def new_id(self):
        cid = "t-" + secrets.token_hex(6)
        self.ids.append(cid)
        self.config.setdefault("linux", {})["cgroupsPath"] = f"/{CGROUP_PARENT}/{cid}"
        return cid

    def write_config(self):
        with open(os.path.join(self.bundle, "config.json"), "w") as f:
            json.dump(self.config, f)

    def run_container(self, args, expect_rc=0):
        cid = self.new_id()
        self.config["process"]["args"] = args
        self.write_config()
        p = subprocess.run(self.rt("run", "--bundle", self.bundle, cid), capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, expect_rc, p.stderr)
        return p

    def check(self, *extra):
        p = self.run_container(["checker", *extra])
        return parse(p.stdout)

    def assert_clean(self, cid):
        self.assertFalse(os.path.exists(os.path.join(self.root, cid)), "state dir left behind")
        for d in cgroup_dirs(f"/{CGROUP_PARENT}/{cid}"):
            self.assertFalse(os.path.exists(d), f"cgroup {d} left behind")
