"""wharf-runtime under other engines, in place of runc: podman (--runtime), dockerd
(--add-runtime) and containerd (ctr run --runc-binary). Each installs its Debian package if
missing and is skipped, with the reason, only if that fails. Every engine runs with private
temp roots and sockets, no network setup (no firewall changes), and is stopped afterwards."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import unittest

import image_fixture
from image_fixture import ensure

BIN = os.environ.get("WHARF_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../build/dev/bin"))
RUNTIME = os.path.abspath(os.path.join(BIN, "wharf-runtime"))
BUSYBOX = shutil.which("busybox") or "/bin/busybox"
APPLETS = ["sh", "true", "echo", "cat", "id", "sleep", "hostname"]


def rootfs_tar(path):
    """A busybox root filesystem as a plain tar (what `import` commands take)."""
    image_fixture.rootfs_tar(path, applets=APPLETS)


def docker_archive(path, layer_path, tag):
    """A `docker save` archive holding one layer, for `ctr image import`."""
    with open(layer_path, "rb") as f:
        layer = f.read()
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": ["layer.tar"]}]).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in (("layer.tar", layer), (config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def wait_socket(path, proc, timeout=30):
    for _ in range(int(timeout * 10)):
        if os.path.exists(path):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.1)
    return False


@unittest.skipUnless(os.geteuid() == 0, "needs root")
class EngineFixture(unittest.TestCase):
    """A temp dir with a busybox rootfs tar; tearDown stops the engines started (self.procs),
    unmounts what they left under the temp dir and removes their cgroup parents. No tests."""

    def setUp(self):
        self.assertTrue(os.path.exists(RUNTIME), f"{RUNTIME} is missing")
        self.tmp = tempfile.mkdtemp(prefix="wharf-interop-")
        self.tar = os.path.join(self.tmp, "rootfs.tar")
        rootfs_tar(self.tar)
        self.procs = []
        self.cgroup_parents = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        # Unmount anything an engine left under our temp dir, deepest first.
        with open("/proc/self/mountinfo") as f:
            points = [line.split()[4] for line in f if line.split()[4].startswith(self.tmp)]
        for point in sorted(points, key=len, reverse=True):
            subprocess.run(["umount", "-l", point], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        for parent in self.cgroup_parents:
            for h in os.listdir("/sys/fs/cgroup"):
                d = os.path.join("/sys/fs/cgroup", h, parent)
                if os.path.isdir(d) and not os.path.islink(os.path.join("/sys/fs/cgroup", h)):
                    for sub in sorted((os.path.join(d, e) for e in os.listdir(d)), reverse=True):
                        if os.path.isdir(sub):
                            try:
                                os.rmdir(sub)
                            except OSError:
                                pass
                    try:
                        os.rmdir(d)
                    except OSError:
                        pass


class InteropTest(EngineFixture):
    def test_podman(self):
        if not ensure("podman", "podman"):
            self.skipTest("podman could not be installed")
        self.cgroup_parents.append("libpod_parent")
        t = self.tmp
        podman = ["podman", "--root", f"{t}/root", "--runroot", f"{t}/run", "--tmpdir", f"{t}/tmp",
                  "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--storage-driver", "vfs",
                  "--runtime", RUNTIME]
        subprocess.run(podman + ["import", self.tar, "localhost/bb:latest"], check=True, capture_output=True)
        p = subprocess.run(podman + ["run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024",
                                     "--ulimit", "nproc=1024:1024", "localhost/bb", "sh", "-c", "echo hi; id -u"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.split(), ["hi", "0"])

    def test_dockerd(self):
        if not ensure("docker.io", "dockerd"):
            self.skipTest("docker.io could not be installed")
        self.cgroup_parents.append("docker")
        t = self.tmp
        sock = f"{t}/docker.sock"
        d = subprocess.Popen(["dockerd", "--data-root", f"{t}/data", "--exec-root", f"{t}/exec", "-H",
                              f"unix://{sock}", "--pidfile", f"{t}/docker.pid", "--iptables=false",
                              "--ip6tables=false", "--bridge=none", "--ip-forward=false", "--ip-masq=false",
                              "--storage-driver", "vfs", "--add-runtime", f"wharf={RUNTIME}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(d)
        self.assertTrue(wait_socket(sock, d), "dockerd did not start")
        env = dict(os.environ, DOCKER_HOST=f"unix://{sock}")
        docker = ["docker"]
        subprocess.run(docker + ["import", self.tar, "bb:latest"], check=True, capture_output=True, env=env)
        p = subprocess.run(docker + ["run", "--rm", "--runtime", "wharf", "--network", "none", "bb",
                                     "sh", "-c", "echo hi; hostname"], capture_output=True, text=True, env=env,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.split()[0], "hi")
        p = subprocess.run(docker + ["run", "--rm", "--runtime", "wharf", "--network", "none", "bb", "nosuch"],
                           capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(p.returncode, 127, p.stderr)
        subprocess.run(docker + ["run", "-d", "--runtime", "wharf", "--network", "none", "--name", "c1", "bb",
                                 "sleep", "60"], check=True, capture_output=True, env=env, timeout=120)
        p = subprocess.run(docker + ["exec", "c1", "echo", "exec-ok"], capture_output=True, text=True, env=env,
                           timeout=60)
        self.assertEqual(p.stdout.strip(), "exec-ok", p.stderr)
        subprocess.run(docker + ["rm", "-f", "c1"], check=True, capture_output=True, env=env, timeout=60)

    def test_containerd_ctr(self):
        if not ensure("containerd", "containerd"):
            self.skipTest("containerd could not be installed")
        t = self.tmp
        sock = f"{t}/containerd.sock"
        with open(f"{t}/config.toml", "w") as f:
            f.write('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  disable_apparmor = true\n')
        c = subprocess.Popen(["containerd", "--config", f"{t}/config.toml", "--root", f"{t}/root", "--state",
                              f"{t}/state", "--address", sock], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.procs.append(c)
        self.assertTrue(wait_socket(sock, c), "containerd did not start")
        ctr = ["ctr", "--address", sock, "--namespace", "wharftest"]
        archive = f"{t}/image.tar"
        docker_archive(archive, self.tar, "docker.io/library/bb:latest")
        subprocess.run(ctr + ["image", "import", "--snapshotter", "native", archive], check=True,
                       capture_output=True, timeout=120)
        self.cgroup_parents.append("wharftest")
        p = subprocess.run(ctr + ["run", "--rm", "--snapshotter", "native", "--runc-binary", RUNTIME,
                                  "--cgroup", "/wharftest/c1",
                                  "docker.io/library/bb:latest", "c1", "sh", "-c", "echo hi"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "hi")


if __name__ == "__main__":
    unittest.main()
