"""Pull from a real registry (issue 11): Debian's docker-registry (distribution 2.8) on
127.0.0.1 with a temp root, images pushed into it with skopeo from archives `wharf save`
wrote (and from an OCI layout this test builds, for a multi-platform index). Nothing here
reaches beyond 127.0.0.1."""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import DaemonTestCase, require_root
from image_fixture import Registry, ensure, registry_manifest, rootfs_tar, skopeo_copy, tar_members


def _write_blob(layout, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest[7:])
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": digest, "size": len(data)}


def multi_platform_layout(layout, tmp):
    """An OCI layout whose index has a linux/amd64 and a linux/arm64 image (different layers;
    the arm64 one is never run, only selected and inspected)."""
    os.makedirs(os.path.join(layout, "blobs", "sha256"))
    entries = []
    for arch in ("amd64", "arm64"):
        tar = os.path.join(tmp, f"{arch}.tar")
        rootfs_tar(tar, f"platform-{arch}")
        with open(tar, "rb") as f:
            layer = f.read()
        ldesc = _write_blob(layout, layer)
        cfg = {"architecture": arch, "os": "linux",
               "config": {"Cmd": ["cat", "/etc/marker"]},
               "rootfs": {"type": "layers", "diff_ids": [ldesc["digest"]]}}
        cdesc = _write_blob(layout, json.dumps(cfg).encode())
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": dict(cdesc, mediaType="application/vnd.oci.image.config.v1+json"),
                    "layers": [dict(ldesc, mediaType="application/vnd.oci.image.layer.v1.tar")]}
        mdesc = _write_blob(layout, json.dumps(manifest).encode())
        entries.append(dict(mdesc, mediaType="application/vnd.oci.image.manifest.v1+json",
                            platform={"os": "linux", "architecture": arch}))
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": entries}
    idesc = _write_blob(layout, json.dumps(index).encode())
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            dict(idesc, mediaType="application/vnd.oci.image.index.v1+json",
                 annotations={"org.opencontainers.image.ref.name": "multi"})]}, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')


@require_root
class RegistryPullTest(DaemonTestCase):
    registry = None

    @classmethod
    def setUpClass(cls):
        if not ensure("docker-registry", "docker-registry") or not ensure("skopeo", "skopeo"):
            raise unittest.SkipTest("docker-registry or skopeo could not be installed")
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="wharf-it-pull-")
        try:
            cls.registry = Registry().start()
            # The image pushed: one `wharf import`ed, saved by wharf, copied with skopeo.
            tar = os.path.join(cls.tmp, "rootfs.tar")
            rootfs_tar(tar, "pulled-from-registry", mode="w:gz")
            r = cls.daemon.wharf("import", "-c", 'CMD ["cat", "/etc/marker"]', tar, "src/app:1")
            if r.code != 0:
                raise RuntimeError(f"import: {r}")
            cls.image_id = r.out.strip()
            cls.archive = os.path.join(cls.tmp, "app.tar")
            r = cls.daemon.wharf("save", "-o", cls.archive, "src/app:1")
            if r.code != 0:
                raise RuntimeError(f"save: {r}")
            cls.repo = f"{cls.registry.addr}/test/app"
            p = skopeo_copy(f"oci-archive:{cls.archive}:1", f"docker://{cls.repo}:1")
            if p.returncode != 0:
                raise RuntimeError(f"skopeo copy: {p.stderr}")
            # Remove the source image: every pull below must come from the registry.
            r = cls.daemon.wharf("rmi", "src/app:1")
            if r.code != 0:
                raise RuntimeError(f"rmi: {r}")
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.registry is not None:
            cls.registry.stop()
        shutil.rmtree(getattr(cls, "tmp", "/nonexistent"), ignore_errors=True)
        super().tearDownClass()

    def ids(self):
        r = self.daemon.wharf("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
        self.assertExit(r, 0)
        return dict(l.split() for l in r.out.splitlines())

    def rmi(self, ref):
        self.daemon.wharf("rmi", "-f", ref)

    def test_pull_and_run(self):
        ref = f"{self.repo}:1"
        self.addCleanup(self.rmi, ref)
        r = self.daemon.wharf("pull", ref, timeout=120)
        self.assertExit(r, 0)
        self.assertIn("Pulling from test/app", r.out)
        self.assertIn("Pull complete", r.out)
        self.assertIn(f"Status: Downloaded newer image for {ref}", r.out)
        self.assertTrue(r.out.endswith(ref + "\n"), r.out)
        # Same image id as the one pushed: the config came through unchanged.
        self.assertEqual(self.ids()[ref], self.image_id)
        r = self.daemon.wharf("run", "--rm", "--pull", "never", ref)
        self.assertExit(r, 0)
        self.assertEqual(r.out, "pulled-from-registry\n")
        _, digest = registry_manifest(self.registry.addr, "test/app", "1")
        r = self.daemon.wharf("image", "inspect", "--format", "{{json .RepoDigests}}", ref)
        self.assertEqual(json.loads(r.out), [f"{self.repo}@{digest}"])
        # Again: nothing new.
        r = self.daemon.wharf("pull", "-q", ref, timeout=120)
        self.assertExit(r, 0)
        self.assertEqual(r.out, ref + "\n")

    def test_pull_by_digest_and_missing_tag(self):
        _, digest = registry_manifest(self.registry.addr, "test/app", "1")
        ref = f"{self.repo}@{digest}"
        self.addCleanup(self.rmi, ref)
        r = self.daemon.wharf("pull", ref, timeout=120)
        self.assertExit(r, 0)
        r = self.daemon.wharf("run", "--rm", ref)
        self.assertEqual(r.out, "pulled-from-registry\n")
        r = self.daemon.wharf("pull", f"{self.repo}:nosuch", timeout=120)
        self.assertExit(r, 1)
        self.assertIn("not found: manifest unknown", r.err)
        r = self.daemon.wharf("pull", f"{self.registry.addr}/nosuch/repo:1", timeout=120)
        self.assertExit(r, 1)

    def test_platform_from_an_index(self):
        layout = os.path.join(self.tmp, "multi-layout")
        if not os.path.exists(layout):
            multi_platform_layout(layout, self.tmp)
            p = subprocess.run(["skopeo", "copy", "--all", "--insecure-policy",
                                "--dest-tls-verify=false", f"oci:{layout}:multi",
                                f"docker://{self.repo}:multi"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
        ref = f"{self.repo}:multi"
        self.addCleanup(self.rmi, ref)
        for plat, arch in (("linux/arm64", "arm64"), ("linux/amd64", "amd64")):
            r = self.daemon.wharf("pull", "--platform", plat, ref, timeout=120)
            self.assertExit(r, 0)
            r = self.daemon.wharf("image", "inspect", "--format", "{{.Architecture}} {{.Os}}", ref)
            self.assertEqual(r.out.strip(), f"{arch} linux")
        r = self.daemon.wharf("run", "--rm", ref)
        self.assertEqual(r.out, "platform-amd64\n")
        r = self.daemon.wharf("pull", "--platform", "linux/s390x", ref, timeout=120)
        self.assertExit(r, 1)
        self.assertIn("no matching manifest for linux/s390x", r.err)
        # A single-platform image asked for another platform is refused, not substituted.
        r = self.daemon.wharf("pull", "--platform", "linux/arm64", f"{self.repo}:1", timeout=120)
        self.assertExit(r, 1)
        self.assertIn("does not match the specified platform", r.err)

    def test_corrupt_layer_is_refused_and_leaves_nothing(self):
        # A second repository with its own copy of the image, whose layer is then damaged in
        # the registry's storage (same length, other bytes).
        repo = f"{self.registry.addr}/test/corrupt"
        p = skopeo_copy(f"oci-archive:{self.archive}:1", f"docker://{repo}:1")
        self.assertEqual(p.returncode, 0, p.stderr)
        manifest, _ = registry_manifest(self.registry.addr, "test/corrupt", "1")
        layer = manifest["layers"][0]["digest"]
        path = self.registry.blob_path(layer)
        with open(path, "rb") as f:
            good = f.read()
        def restore():
            with open(path, "wb") as f:
                f.write(good)
        self.addCleanup(restore)
        with open(path, "wb") as f:
            f.write(bytes(b ^ 0x5A for b in good))
        content = os.path.join(self.daemon.data_root, "content", "blobs", "sha256")
        before = set(os.listdir(content))
        r = self.daemon.wharf("pull", f"{repo}:1", timeout=120)
        self.assertExit(r, 1)
        self.assertIn(layer, r.err)
        self.assertNotIn(f"{repo}:1", self.ids())
        self.assertEqual(set(os.listdir(content)), before)

    def test_push_round_trip(self):
        ref = f"{self.registry.addr}/pushed/busybox:1"
        self.addCleanup(self.rmi, ref)
        self.assertExit(self.daemon.wharf("tag", "busybox", ref), 0)
        busybox_id = self.ids()["busybox:latest"]
        r = self.daemon.wharf("push", ref, timeout=120)
        self.assertExit(r, 0)
        self.assertIn(f"The push refers to repository [{self.registry.addr}/pushed/busybox]",
                      r.out)
        self.assertIn("Pushed", r.out)
        manifest, digest = registry_manifest(self.registry.addr, "pushed/busybox", "1")
        self.assertEqual(manifest["config"]["digest"], busybox_id)
        self.assertIn(f"1: digest: {digest} size:", r.out)
        # skopeo reads it back from the registry with the same config.
        p = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--config",
                            f"docker://{ref}"], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["config"]["Cmd"], ["sh"])
        # Pushing again: every blob is already there.
        r = self.daemon.wharf("push", ref, timeout=120)
        self.assertExit(r, 0)
        self.assertNotIn("Pushed", r.out)
        self.assertIn("Layer already exists", r.out)
        # And back: untag, pull, run.
        self.assertExit(self.daemon.wharf("rmi", ref), 0)
        self.assertExit(self.daemon.wharf("pull", ref, timeout=120), 0)
        r = self.daemon.wharf("run", "--rm", ref, "echo", "round-trip")
        self.assertEqual(r.out, "round-trip\n")
        r = self.daemon.wharf("push", f"{self.registry.addr}/pushed/nosuch:1", timeout=120)
        self.assertExit(r, 1)
        self.assertIn("An image does not exist locally with the tag", r.err)

    @unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
    def test_docker_cli_pull_and_run(self):
        ref = f"{self.repo}:1"
        self.addCleanup(self.rmi, ref)
        r = self.daemon.docker("pull", ref, timeout=120)
        self.assertExit(r, 0)
        self.assertIn(f"Status: Downloaded newer image for {ref}", r.out)
        r = self.daemon.docker("run", "--rm", ref)
        self.assertExit(r, 0)
        self.assertEqual(r.out, "pulled-from-registry\n")
        # docker run pulls what is missing (the CLI's create → 404 → pull → create).
        self.daemon.wharf("rmi", ref)
        r = self.daemon.docker("run", "--rm", ref)
        self.assertExit(r, 0)
        self.assertIn("pulled-from-registry", r.out)


if __name__ == "__main__":
    unittest.main()
