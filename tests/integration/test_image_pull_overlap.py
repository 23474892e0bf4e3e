"""Pulls unpack a layer while later layers still download (docs/images.md, "Pulling from a
registry"). Debian's docker-registry on 127.0.0.1 holds 3-layer images pushed with plain
distribution API requests; the fault-injecting proxy (fault_registry.py) in front of it holds
the last layer's download until the first layer's snapshot exists on disk, which only ever
happens when unpacking overlaps the downloads (the proxy gives up after two minutes and the
test then fails: it never asserts on time). Nothing here leaves 127.0.0.1."""

import hashlib
import io
import json
import os
import platform
import shutil
import tarfile
import tempfile
import unittest
import urllib.parse
import urllib.request

import harness
from fault_registry import FaultProxy
from harness import Daemon, UnixHTTPConnection, require_root
from image_fixture import Registry, ensure, rootfs_tar

PROGRESS = ["Pulling fs layer", "Downloading", "Verifying Checksum", "Download complete",
            "Extracting", "Pull complete"]


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def data_layer(name, size):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("data")
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
        blob = os.urandom(size)
        info = tarfile.TarInfo("data/" + name)
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
    return buf.getvalue()


def push(addr, repo, tag, layers):
    """Pushes an image of these plain-tar layers; returns (layer digests, chain ids)."""
    def upload(data):
        digest = sha256(data)
        req = urllib.request.Request(f"http://{addr}/v2/{repo}/blobs/uploads/", method="POST",
                                     data=b"")
        with urllib.request.urlopen(req, timeout=60) as r:
            loc = r.headers["Location"]
        loc = urllib.parse.urljoin(f"http://{addr}/", loc)
        sep = "&" if "?" in loc else "?"
        req = urllib.request.Request(f"{loc}{sep}digest={digest}", method="PUT", data=data,
                                     headers={"Content-Type": "application/octet-stream"})
        urllib.request.urlopen(req, timeout=60).close()
        return {"digest": digest, "size": len(data)}

    descs = [upload(l) for l in layers]
    diffs = [d["digest"] for d in descs]
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    cfg = json.dumps({"architecture": arch, "os": "linux", "config": {"Cmd": ["sh"]},
                      "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": dict(upload(cfg), mediaType="application/vnd.oci.image.config.v1+json"),
                "layers": [dict(d, mediaType="application/vnd.oci.image.layer.v1.tar")
                           for d in descs]}
    req = urllib.request.Request(
        f"http://{addr}/v2/{repo}/manifests/{tag}", method="PUT",
        data=json.dumps(manifest).encode(),
        headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    urllib.request.urlopen(req, timeout=60).close()
    chains = [diffs[0]]
    for d in diffs[1:]:
        chains.append(sha256(f"{chains[-1]} {d}".encode()))
    return diffs, chains


@require_root
class PullOverlapTest(unittest.TestCase):
    daemon = registry = proxy = None

    @classmethod
    def setUpClass(cls):
        if not ensure("docker-registry", "docker-registry"):
            raise unittest.SkipTest("docker-registry could not be installed")
        cls.tmp = tempfile.mkdtemp(prefix="wharf-it-overlap-")
        try:
            cls.registry = Registry().start()
            cls.proxy = FaultProxy(cls.registry.port).start()
            cls.daemon = Daemon(extra_args=["--max-concurrent-downloads", "3"])
            cls.daemon.start()
            cls.images = {}
            for repo, marker in (("test/overlap", "good"), ("test/bad", "bad")):
                tar = os.path.join(cls.tmp, f"{marker}.tar")
                rootfs_tar(tar, marker)
                with open(tar, "rb") as f:
                    base = f.read()
                layers = [base, data_layer(marker + "1", 4 << 20), data_layer(marker + "2", 4 << 20)]
                cls.images[repo] = push(cls.registry.addr, repo, "1", layers)
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

    def snapshot_dir(self, chain):
        return os.path.join(self.daemon.data_root, "snapshots", chain[len("sha256:"):])

    def pull(self, repo):
        """POST /images/create as docker's CLI sends it; returns the decoded JSON messages."""
        c = UnixHTTPConnection(self.daemon.sock, 300)
        try:
            q = urllib.parse.urlencode({"fromImage": f"{self.proxy.addr}/{repo}", "tag": "1"})
            c.request("POST", f"/v1.51/images/create?{q}", headers={"X-Registry-Auth": "e30="})
            r = c.getresponse()
            body = r.read().decode()
            self.assertEqual(r.status, 200, body)
        finally:
            c.close()
        return [json.loads(line) for line in body.splitlines() if line.strip()]

    def assertWellFormed(self, msgs, digests):
        """Per layer, docker's sequence of statuses; layer N extracted only after layer N-1 is
        complete (the CLI redraws each layer's line by id, in the order the ids first came)."""
        ids = [d[len("sha256:"):][:12] for d in digests]
        first = [i for i, m in enumerate(msgs) if m.get("id") in ids]
        self.assertEqual([msgs[i]["id"] for i in first[:len(ids)]], ids)
        for lid in ids:
            seq = [m["status"] for m in msgs if m.get("id") == lid]
            collapsed = [s for k, s in enumerate(seq) if k == 0 or s != seq[k - 1]]
            self.assertEqual(collapsed, PROGRESS, f"layer {lid}: {seq}")
            for m in msgs:
                if m.get("id") == lid and m["status"] == "Downloading":
                    d = m["progressDetail"]
                    self.assertLessEqual(d["current"], d["total"])
        where = {(m.get("id"), m["status"]): i for i, m in enumerate(msgs) if "status" in m}
        for below, above in zip(ids, ids[1:]):
            self.assertLess(where[(below, "Pull complete")], where[(above, "Extracting")])
        return where, ids

    def hold_last_layer(self, digests, chains):
        # Given up before the daemon's own transfer timeout (60 s without a byte), so that a
        # pull that does not overlap fails here instead of passing through a retry.
        self.proxy.hold(digests[2], lambda: os.path.isdir(self.snapshot_dir(chains[0])),
                        limit=45)

    def assertReleasedByTheSnapshot(self, digests):
        self.assertEqual(self.proxy.released, ["condition"], self.daemon.log())
        # The held request itself was answered: no retry got around the hold.
        self.assertEqual(len(self.proxy.seen("GET", digests[2])), 1, self.proxy.requests)

    def test_first_layer_unpacks_while_the_last_downloads(self):
        repo = "test/overlap"
        digests, chains = self.images[repo]
        self.addCleanup(self.daemon.wharf, "rmi", "-f", f"{self.proxy.addr}/{repo}:1")
        self.hold_last_layer(digests, chains)
        msgs = self.pull(repo)
        self.assertNotIn("error", json.dumps(msgs), msgs)
        self.assertReleasedByTheSnapshot(digests)
        where, ids = self.assertWellFormed(msgs, digests)
        # The stream says it too: layer 0 was extracted before layer 2's download completed.
        self.assertLess(where[(ids[0], "Pull complete")], where[(ids[2], "Download complete")])
        self.assertTrue(msgs[-1]["status"].startswith("Status: Downloaded newer image for"))
        for c in chains:
            self.assertTrue(os.path.isdir(self.snapshot_dir(c)), c)
        r = self.daemon.wharf("run", "--rm", "--pull", "never", f"{self.proxy.addr}/{repo}:1",
                              "sh", "-c", "cat /etc/marker; ls /data")
        self.assertEqual(r.code, 0, f"{r}\n{self.daemon.log()}")
        self.assertEqual(r.out.split(), ["good", "good1", "good2"])

    def test_bad_digest_on_a_later_layer_leaves_nothing(self):
        repo = "test/bad"
        digests, chains = self.images[repo]
        # Layer 0 is unpacked (its snapshot visible) before the last layer's download ends,
        # and that download then fails its digest check.
        self.hold_last_layer(digests, chains)
        self.proxy.corrupt(digests[2])
        msgs = self.pull(repo)
        self.assertReleasedByTheSnapshot(digests)
        errors = [m for m in msgs if "error" in m]
        self.assertEqual(len(errors), 1, msgs)
        self.assertIn(digests[2], errors[0]["error"])
        r = self.daemon.wharf("images", "--format", "{{.Repository}}")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("test/bad", r.out)
        snaps = os.listdir(os.path.join(self.daemon.data_root, "snapshots"))
        for c in chains:
            self.assertNotIn(c[len("sha256:"):], snaps)
        self.assertEqual([s for s in snaps if s.startswith("tmp-")], [])
        blobs = os.path.join(self.daemon.data_root, "content", "blobs", "sha256")
        present = os.listdir(blobs) if os.path.isdir(blobs) else []
        for d in digests:
            self.assertNotIn(d[len("sha256:"):], present)


if __name__ == "__main__":
    unittest.main()
