"""Archives both ways between wharf and Debian's dockerd (issue 11): `docker save` →
`wharf load` → run, and `wharf save` → `docker load` → run. dockerd runs with private temp
roots and socket, no network setup (no firewall changes), and is stopped afterwards."""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import harness
from harness import DaemonTestCase, require_root
from image_fixture import ensure, rootfs_tar


@require_root
@unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
class DockerdInteropTest(DaemonTestCase):
    dockerd = None

    @classmethod
    def setUpClass(cls):
        if not ensure("docker.io", "dockerd"):
            raise unittest.SkipTest("docker.io could not be installed")
        super().setUpClass()
        # dockerd makes a "docker" cgroup under each hierarchy; those it adds are removed again.
        cls.cgroups_before = set(glob.glob("/sys/fs/cgroup/*/docker") + glob.glob("/sys/fs/cgroup/docker"))
        cls.tmp = tempfile.mkdtemp(prefix="wharf-it-dockerd-")
        t = cls.tmp
        cls.sock = f"{t}/docker.sock"
        cls.dockerd_log = open(f"{t}/dockerd.log", "wb")
        cls.dockerd = subprocess.Popen(
            ["dockerd", "--data-root", f"{t}/data", "--exec-root", f"{t}/exec", "-H",
             f"unix://{cls.sock}", "--pidfile", f"{t}/docker.pid", "--iptables=false",
             "--ip6tables=false", "--bridge=none", "--ip-forward=false", "--ip-masq=false",
             "--storage-driver", "vfs"],
            stdout=cls.dockerd_log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.time() + 60
        while not cls._docker_ok():
            if cls.dockerd.poll() is not None or time.time() > deadline:
                cls.tearDownClass()
                raise RuntimeError("dockerd did not start")
            time.sleep(0.2)

    @classmethod
    def _docker_ok(cls):
        return os.path.exists(cls.sock) and subprocess.run(
            [harness.docker_cli(), "-H", f"unix://{cls.sock}", "version"],
            capture_output=True).returncode == 0

    @classmethod
    def tearDownClass(cls):
        if cls.dockerd is not None and cls.dockerd.poll() is None:
            cls.dockerd.send_signal(signal.SIGTERM)
            try:
                cls.dockerd.wait(30)
            except subprocess.TimeoutExpired:
                cls.dockerd.kill()
                cls.dockerd.wait()
        if getattr(cls, "dockerd_log", None):
            cls.dockerd_log.close()
        if getattr(cls, "tmp", None):
            for mp in harness._mounts_under(cls.tmp):
                subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL)
            shutil.rmtree(cls.tmp, ignore_errors=True)
        now = set(glob.glob("/sys/fs/cgroup/*/docker") + glob.glob("/sys/fs/cgroup/docker"))
        for cg in now - getattr(cls, "cgroups_before", now):
            try:
                os.rmdir(cg)
            except OSError:
                pass
        super().tearDownClass()

    def dockerd_cli(self, *args, timeout=120):
        env = dict(os.environ, DOCKER_CONFIG=os.path.join(self.tmp, "docker-config"))
        env.pop("DOCKER_HOST", None)
        p = subprocess.run([harness.docker_cli(), "-H", f"unix://{self.sock}", *args],
                           capture_output=True, text=True, timeout=timeout, env=env)
        return harness.Result(p)

    def test_docker_save_then_wharf_load(self):
        tar = os.path.join(self.tmp, "a-rootfs.tar")
        rootfs_tar(tar, "from-dockerd")
        self.assertExit(self.dockerd_cli("import", "-c", 'CMD ["cat", "/etc/marker"]', tar,
                                         "dk/bb:1"), 0)
        archive = os.path.join(self.tmp, "docker-save.tar")
        self.assertExit(self.dockerd_cli("save", "-o", archive, "dk/bb:1"), 0)
        docker_id = self.dockerd_cli("image", "inspect", "--format", "{{.Id}}", "dk/bb:1").out.strip()
        r = self.daemon.wharf("load", "-i", archive)
        self.assertExit(r, 0)
        self.assertEqual(r.out, "Loaded image: dk/bb:1\n")
        r = self.daemon.wharf("image", "inspect", "--format", "{{.Id}}", "dk/bb:1")
        self.assertEqual(r.out.strip(), docker_id)
        r = self.daemon.wharf("run", "--rm", "dk/bb:1")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "from-dockerd\n")

    def test_wharf_save_then_docker_load(self):
        tar = os.path.join(self.tmp, "b-rootfs.tar")
        rootfs_tar(tar, "from-wharf")
        r = self.daemon.wharf("import", "-c", 'CMD ["cat", "/etc/marker"]', tar, "wh/bb:1")
        self.assertExit(r, 0)
        wharf_id = r.out.strip()
        archive = os.path.join(self.tmp, "wharf-save.tar")
        self.assertExit(self.daemon.wharf("save", "-o", archive, "wh/bb:1"), 0)
        r = self.dockerd_cli("load", "-i", archive)
        self.assertExit(r, 0)
        self.assertIn("Loaded image: wh/bb:1", r.out)
        r = self.dockerd_cli("image", "inspect", "--format", "{{.Id}}", "wh/bb:1")
        self.assertEqual(r.out.strip(), wharf_id)
        r = self.dockerd_cli("run", "--rm", "--network", "none", "wh/bb:1")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "from-wharf\n")


if __name__ == "__main__":
    unittest.main()
