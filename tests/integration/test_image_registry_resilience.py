"""The registry client's resilience (docs/images.md): Docker Hub mirrors (--registry-mirror),
retries with backoff, resumed blob downloads, chunked uploads and cross-repository mounts.

Debian's docker-registry (distribution 2.8) on 127.0.0.1 serves the images; a fault-injecting
proxy (fault_registry.py) in front of it answers 503/429/500, cuts downloads and ignores Range
requests when told to, and records what the daemon asked. Nothing here leaves 127.0.0.1: the
daemon runs with https_proxy pointing at a dead 127.0.0.1 port (and no_proxy for loopback), so
its last-resort fallback to registry-1.docker.io fails at once without resolving a name."""

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest
import urllib.request

import harness
from fault_registry import FaultProxy
from harness import Daemon, require_root
from image_fixture import BUSYBOX, Registry, ensure, free_port


def layer_tar(path, marker, random_bytes):
    """A busybox root filesystem with /etc/marker and /data/blob (random, so that the layer
    is as big as asked)."""
    with tarfile.open(path, "w") as tar:
        for d in ("bin", "proc", "sys", "dev", "etc", "tmp", "data"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        tar.add(BUSYBOX, "bin/busybox")
        for a in ("sh", "cat"):
            info = tarfile.TarInfo("bin/" + a)
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
        import io
        data = (marker + "\n").encode()
        info = tarfile.TarInfo("etc/marker")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        blob = os.urandom(random_bytes)
        info = tarfile.TarInfo("data/blob")
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))


@require_root
class RegistryResilienceTest(unittest.TestCase):
    daemon = registry = proxy = None

    @classmethod
    def setUpClass(cls):
        if not ensure("docker-registry", "docker-registry"):
            raise unittest.SkipTest("docker-registry could not be installed")
        cls.tmp = tempfile.mkdtemp(prefix="wharf-it-resilience-")
        try:
            cls.registry = Registry().start()
            cls.proxy = FaultProxy(cls.registry.port).start()
            cls.dead = f"127.0.0.1:{free_port()}"  # nothing listens there
            cls.mirrors = [f"http://{cls.dead}/", f"http://{cls.proxy.addr}/"]
            saved = {k: os.environ.get(k) for k in ("https_proxy", "no_proxy")}
            os.environ["https_proxy"] = f"http://{cls.dead}"
            os.environ["no_proxy"] = "127.0.0.1,localhost"
            try:
                cls.daemon = Daemon(extra_args=[
                    "--registry-mirror", cls.mirrors[0], "--registry-mirror", cls.mirrors[1],
                    # Never contacted: only for what /info says.
                    "--insecure-registry", "10.9.0.0/16",
                    "--insecure-registry", "myreg.example:5000"])
                cls.daemon.start()
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            # One image in the registry under two names: library/xyz:tag (what a Docker Hub
            # mirror holds for `xyz:tag`) and test/app:1; pushed straight to the registry.
            tar = os.path.join(cls.tmp, "small.tar")
            layer_tar(tar, "from-the-mirror", 1 << 20)
            direct = cls.registry.addr
            r = cls.daemon.wharf("import", "-c", 'CMD ["cat", "/etc/marker"]', tar,
                                 f"{direct}/library/xyz:tag")
            if r.code != 0:
                raise RuntimeError(f"import: {r}")
            for ref in (f"{direct}/library/xyz:tag", f"{direct}/test/app:1"):
                if ref.endswith("app:1"):
                    cls.daemon.wharf("tag", f"{direct}/library/xyz:tag", ref)
                r = cls.daemon.wharf("push", ref, timeout=120)
                if r.code != 0:
                    raise RuntimeError(f"push {ref}: {r}\n{cls.daemon.log()}")
            # Gone locally: every pull below downloads.
            for ref in (f"{direct}/library/xyz:tag", f"{direct}/test/app:1"):
                cls.daemon.wharf("rmi", ref)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.daemon is not None:
            cls.daemon.stop()
        if cls.proxy is not None:
            cls.proxy.stop()
        if cls.registry is not None:
            cls.registry.stop()
        shutil.rmtree(getattr(cls, "tmp", "/nonexistent"), ignore_errors=True)

    def setUp(self):
        self.proxy.reset()

    def assertExit(self, result, code):
        self.assertEqual(result.code, code, f"{result}\n--- wharfd log ---\n{self.daemon.log()}")

    def rmi(self, *refs):
        for ref in refs:
            self.daemon.wharf("rmi", "-f", ref)

    def run_marker(self, ref):
        r = self.daemon.wharf("run", "--rm", "--pull", "never", ref)
        self.assertExit(r, 0)
        return r.out

    # -- mirrors ------------------------------------------------------------------------------
    def test_info_reports_the_mirrors(self):
        r = self.daemon.wharf("info", "--format", "{{json .RegistryConfig}}")
        self.assertExit(r, 0)
        cfg = json.loads(r.out)
        self.assertEqual(cfg["Mirrors"], self.mirrors)
        self.assertEqual(cfg["IndexConfigs"]["docker.io"]["Mirrors"], self.mirrors)
        # dockerd's shape for --insecure-registry: CIDRs beside loopback's, hosts as index
        # configs that are not secure.
        self.assertEqual(cfg["InsecureRegistryCIDRs"], ["::1/128", "127.0.0.0/8", "10.9.0.0/16"])
        self.assertEqual(cfg["IndexConfigs"]["myreg.example:5000"],
                         {"Name": "myreg.example:5000", "Mirrors": [], "Secure": False,
                          "Official": False})
        r = self.daemon.wharf("info")
        self.assertExit(r, 0)
        self.assertIn(" Insecure Registries:\n  myreg.example:5000\n  ::1/128\n  127.0.0.0/8\n"
                      "  10.9.0.0/16\n Registry Mirrors:\n  " + "\n  ".join(self.mirrors) + "\n",
                      r.out)

    def test_pull_from_mirror_after_a_dead_one(self):
        self.addCleanup(self.rmi, "xyz:tag")
        r = self.daemon.wharf("pull", "xyz:tag", timeout=180)
        self.assertExit(r, 0)
        self.assertIn("Status: Downloaded newer image for xyz:tag", r.out)
        # The live mirror served the manifest, the config and the layer.
        self.assertTrue(self.proxy.seen("GET", "/v2/library/xyz/manifests/tag"))
        self.assertTrue(self.proxy.seen("GET", "/v2/library/xyz/blobs/"))
        # The dead one was tried first, and the daemon said so.
        self.assertIn(f"registry mirror http://{self.dead}/ failed", self.daemon.log())
        self.assertEqual(self.run_marker("xyz:tag"), "from-the-mirror\n")

    def test_error_names_every_endpoint_tried(self):
        r = self.daemon.wharf("pull", "nosuchimage:tag", timeout=180)
        self.assertNotEqual(r.code, 0)
        err = r.err
        # The dead mirror, the live one (which has no such image), then Docker Hub itself.
        self.assertIn(f"mirror http://{self.dead}/", err)
        self.assertIn(f"mirror http://{self.proxy.addr}/", err)
        self.assertIn("registry-1.docker.io", err)
        self.assertTrue(self.proxy.seen("GET", "/v2/library/nosuchimage/manifests/tag"))

    def test_other_registries_and_pushes_never_use_mirrors(self):
        ref = f"{self.proxy.addr}/test/app:1"
        self.addCleanup(self.rmi, ref)
        r = self.daemon.wharf("pull", ref, timeout=180)
        self.assertExit(r, 0)
        self.assertFalse(self.proxy.seen(contains="/library/"))

    # -- retries ------------------------------------------------------------------------------
    def test_transient_answers_are_retried(self):
        ref = f"{self.proxy.addr}/test/app:1"
        self.addCleanup(self.rmi, ref)
        self.proxy.fail("/manifests/1", 503)
        self.proxy.fail("/manifests/1", 429, {"Retry-After": "1"})
        self.proxy.fail("/blobs/sha256:", 502)
        r = self.daemon.wharf("pull", ref, timeout=180)
        self.assertExit(r, 0)
        statuses = [x["status"] for x in self.proxy.seen("GET", "/manifests/1")]
        self.assertEqual(statuses[:3], [503, 429, 200])
        self.assertIn(502, [x["status"] for x in self.proxy.seen("GET", "/blobs/")])
        self.assertEqual(self.run_marker(ref), "from-the-mirror\n")

    def test_client_errors_are_not_retried(self):
        ref = f"{self.proxy.addr}/test/app:1"
        self.addCleanup(self.rmi, ref)
        self.proxy.fail("/manifests/1", 400)
        r = self.daemon.wharf("pull", ref, timeout=180)
        self.assertNotEqual(r.code, 0)
        self.assertEqual(len(self.proxy.seen("GET", "/manifests/1")), 1)

    def test_persistent_failure_names_what_failed(self):
        ref = f"{self.proxy.addr}/test/app:1"
        self.proxy.fail("/manifests/1", 500, times=10)
        r = self.daemon.wharf("pull", ref, timeout=180)
        self.assertNotEqual(r.code, 0)
        self.assertIn("test/app:1", r.err)
        self.assertIn("500", r.err)
        # The retry policy's attempts (4), not more.
        self.assertEqual(len(self.proxy.seen("GET", "/manifests/1")), 4)

    # -- resumed downloads --------------------------------------------------------------------
    def layer_digest(self):
        req = urllib.request.Request(
            f"http://{self.registry.addr}/v2/test/app/manifests/1",
            headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())["layers"][0]["digest"]

    def test_cut_download_resumes_with_range(self):
        ref = f"{self.proxy.addr}/test/app:1"
        self.addCleanup(self.rmi, ref)
        digest = self.layer_digest()
        self.proxy.cut(digest)
        r = self.daemon.wharf("pull", ref, timeout=180)
        self.assertExit(r, 0)
        gets = self.proxy.seen("GET", digest)
        self.assertEqual(len(gets), 2, gets)
        self.assertIsNone(gets[0]["range"])
        self.assertRegex(gets[1]["range"] or "", r"^bytes=[1-9][0-9]*-$")
        self.assertEqual(gets[1]["status"], 206)
        self.assertEqual(self.run_marker(ref), "from-the-mirror\n")

    def test_range_ignored_restarts_cleanly(self):
        ref = f"{self.proxy.addr}/test/app:1"
        self.addCleanup(self.rmi, ref)
        digest = self.layer_digest()
        self.proxy.ignore_range = True
        self.proxy.cut(digest)
        r = self.daemon.wharf("pull", ref, timeout=180)
        self.assertExit(r, 0)
        gets = self.proxy.seen("GET", digest)
        self.assertEqual(len(gets), 2, gets)
        self.assertIsNotNone(gets[1]["range"])  # asked for, but answered with the whole blob
        self.assertEqual(gets[1]["status"], 200)
        self.assertIn("ignored the Range request", self.daemon.log())
        # The digest was verified over the whole blob: the image runs.
        self.assertEqual(self.run_marker(ref), "from-the-mirror\n")

    # -- push: chunks and mounts --------------------------------------------------------------
    def test_push_chunked_then_mounted(self):
        tar = os.path.join(self.tmp, "big.tar")
        layer_tar(tar, "big-one", 20 << 20)  # over the 16 MiB of one PUT
        first = f"{self.proxy.addr}/team/big:1"
        second = f"{self.proxy.addr}/other/big:1"
        third = f"{self.proxy.addr}/third/big:1"
        self.addCleanup(self.rmi, first, second, third)
        r = self.daemon.wharf("import", "-c", 'CMD ["cat", "/etc/marker"]', tar, first)
        self.assertExit(r, 0)
        r = self.daemon.wharf("push", first, timeout=300)
        self.assertExit(r, 0)
        patches = self.proxy.seen("PATCH", "/v2/team/big/blobs/uploads/")
        self.assertEqual([p["content_range"] for p in patches],
                         [f"0-{(16 << 20) - 1}", f"{16 << 20}-{os.path.getsize(tar) - 1}"])
        self.assertTrue(all(p["status"] == 202 for p in patches))

        # Another repository of the same registry: the blobs are mounted, not sent again.
        self.proxy.reset()
        self.assertExit(self.daemon.wharf("tag", first, second), 0)
        r = self.daemon.wharf("push", second, timeout=300)
        self.assertExit(r, 0)
        self.assertIn("Mounted from team/big", r.out)
        mounts = self.proxy.seen("POST", "/v2/other/big/blobs/uploads/?mount=")
        self.assertTrue(mounts)
        self.assertTrue(all("from=team%2Fbig" in m["path"] and m["status"] == 201
                            for m in mounts), mounts)
        self.assertFalse(self.proxy.seen("PATCH"))
        self.assertFalse(self.proxy.seen("PUT", "/blobs/uploads/"))

        # A registry that does not mount (202): a normal upload follows on that session.
        self.proxy.reset()
        self.proxy.refuse_mount = True
        self.assertExit(self.daemon.wharf("tag", first, third), 0)
        r = self.daemon.wharf("push", third, timeout=300)
        self.assertExit(r, 0)
        self.assertNotIn("Mounted from", r.out)
        self.assertTrue(self.proxy.seen("PATCH", "/v2/third/big/blobs/uploads/"))

        # What was pushed pulls back and runs.
        self.rmi(first, second, third)
        r = self.daemon.wharf("pull", third, timeout=300)
        self.assertExit(r, 0)
        self.assertEqual(self.run_marker(third), "big-one\n")


@require_root
class MirrorConfigTest(unittest.TestCase):
    """How mirrors are given: the config file's registry-mirrors, and dockerd's validation."""

    def test_config_file_mirrors_and_invalid_ones(self):
        tmp = tempfile.mkdtemp(prefix="wharf-it-mirrorcfg-")
        self.addCleanup(shutil.rmtree, tmp, True)
        cfg = os.path.join(tmp, "daemon.json")
        with open(cfg, "w") as f:
            json.dump({"registry-mirrors": ["https://mirror.example:5000"]}, f)
        d = Daemon(extra_args=["--config-file", cfg])
        try:
            d.start()
            r = d.wharf("info", "--format", "{{json .RegistryConfig.Mirrors}}")
            self.assertEqual(r.code, 0, r)
            self.assertEqual(json.loads(r.out), ["https://mirror.example:5000/"])
        finally:
            d.stop()
        for bad, words in (("ftp://mirror.example", "unsupported scheme"),
                           ("https://mirror.example/v2/", "path, query, or fragment")):
            p = subprocess.run([harness.WHARFD, "--data-root", os.path.join(tmp, "d"),
                                "--exec-root", os.path.join(tmp, "e"),
                                "-H", "unix://" + os.path.join(tmp, "s.sock"),
                                "--registry-mirror", bad],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1, p)
            self.assertIn("invalid mirror", p.stderr)
            self.assertIn(words, p.stderr)


if __name__ == "__main__":
    unittest.main()
