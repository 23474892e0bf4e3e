"""Image archives of any size (issue 11): `docker load` / `docker import` / `wharf load`
bodies are spooled to the data root as they arrive, not held in memory, so a 200 MB
`docker save` archive loads and wharfd's resident memory stays small; and `history`
(wharf and the docker CLI) shows what built the image."""

import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
import threading
import time
import unittest

import harness
from harness import (DaemonTestCase, RssSampler, asan_without_quarantine, require_root,
                     status_kib)
from image_fixture import rootfs_tar

MiB = 1 << 20


def write_docker_save(path, repo_tag, layers, history):
    """A `docker save` archive (docker 25+ layout: blobs/sha256 + manifest.json) with the given
    layer tar files, the config's history entries, and CMD ["sh"]."""
    diff_ids = []
    for layer in layers:
        h = hashlib.sha256()
        with open(layer, "rb") as f:
            for block in iter(lambda: f.read(MiB), b""):
                h.update(block)
        diff_ids.append(h.hexdigest())
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
        "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for d in diff_ids]},
        "history": history}).encode()
    config_hex = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": f"blobs/sha256/{config_hex}", "RepoTags": [repo_tag],
                            "Layers": [f"blobs/sha256/{d}" for d in diff_ids]}]).encode()
    with tarfile.open(path, "w") as tar:
        def add_bytes(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add_bytes(f"blobs/sha256/{config_hex}", config)
        for layer, d in zip(layers, diff_ids):
            tar.add(layer, f"blobs/sha256/{d}")
        add_bytes("manifest.json", manifest)
    return "sha256:" + config_hex


def big_layer(path, size):
    """A layer with one file of `size` incompressible bytes: /big.bin."""
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("big.bin")
        info.size = size

        class Random(io.RawIOBase):
            def __init__(self):
                self.left = size

            def readable(self):
                return True

            def readinto(self, b):
                n = min(len(b), self.left)
                b[:n] = os.urandom(n)
                self.left -= n
                return n

        tar.addfile(info, io.BufferedReader(Random(), MiB))


@require_root
class UploadTest(DaemonTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wharf-it-upload-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.tmp]))

    def spool_fds(self):
        """wharfd's open files in <data-root>/tmp: the unlinked upload files (O_TMPFILE)."""
        tmp = os.path.join(self.daemon.data_root, "tmp") + "/"
        fd_dir = f"/proc/{self.daemon.proc.pid}/fd"
        n = 0
        for fd in os.listdir(fd_dir):
            try:
                n += os.readlink(os.path.join(fd_dir, fd)).startswith(tmp)
            except OSError:
                pass
        return n

    def wait_spool_fds(self, done, timeout=5):
        """The count of spool fds once done(count) holds (or the timeout passed)."""
        deadline = time.time() + timeout
        while not done(self.spool_fds()) and time.time() < deadline:
            time.sleep(0.05)
        return self.spool_fds()

    def spool_dir_is_empty(self):
        tmp = os.path.join(self.daemon.data_root, "tmp")
        no_names = not os.path.isdir(tmp) or os.listdir(tmp) == []
        return no_names and self.wait_spool_fds(lambda n: n == 0) == 0

    def test_wharf_load_and_import_of_archives_over_16_mib(self):
        repo = self.name()
        base = os.path.join(self.tmp, "base.tar")
        rootfs_tar(base, "big-base")
        big = os.path.join(self.tmp, "big.tar")
        big_layer(big, 40 * MiB)
        archive = os.path.join(self.tmp, "save.tar")
        write_docker_save(archive, f"{repo}:1", [base, big], [
            {"created": "2024-01-01T00:00:00Z", "created_by": "ADD rootfs /"},
            {"created": "2024-01-02T03:04:05Z", "created_by": "ADD big.bin /"}])
        r = self.daemon.wharf("load", "-i", archive, timeout=300)
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Loaded image: {repo}:1\n")
        r = self.daemon.wharf("run", "--rm", f"{repo}:1", "sh", "-c",
                              "cat /etc/marker; wc -c < /big.bin")
        self.assertExit(r, 0)
        self.assertEqual(r.out.split(), ["big-base", str(40 * MiB)])
        # The same through stdin, and an import of the big layer as a root filesystem.
        with open(big, "rb") as f:
            r = subprocess.run([harness.WHARF, "-H", self.daemon.host, "import", "-",
                                f"{repo}:imported"], stdin=f, capture_output=True, text=True,
                               timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.strip(), r"^sha256:[0-9a-f]{64}$")
        r = self.daemon.wharf("image", "inspect", "--format", "{{.Size}}", f"{repo}:imported")
        self.assertExit(r, 0)
        self.assertGreater(int(r.out), 40 * MiB)
        self.assertTrue(self.spool_dir_is_empty())

    def test_a_broken_upload_leaves_nothing(self):
        # A body that ends short (the client dies): no image, no temp file, the daemon serves on.
        import socket
        before = self.daemon.wharf("images", "-q").out
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.daemon.sock)
            s.sendall(b"POST /v1.51/images/load HTTP/1.1\r\nHost: d\r\n"
                      b"Content-Length: 50000000\r\n\r\n" + b"x" * (4 * MiB))
            # Mid-body the upload is an unlinked file in <data-root>/tmp, not memory.
            self.assertGreater(self.wait_spool_fds(lambda n: n > 0), 0)
        time.sleep(0.2)
        self.assertTrue(self.spool_dir_is_empty())
        self.assertEqual(self.daemon.wharf("images", "-q").out, before)
        r = self.daemon.wharf("load", "-i", "/dev/null")
        self.assertExit(r, 1)
        self.assertIn("no body", r.err)

    def test_import_from_a_url(self):
        import functools
        import http.server
        repo = self.name()
        rootfs_tar(os.path.join(self.tmp, "root.tar"), "from-url")
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=self.tmp)
        handler.log_message = lambda *a: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = self.daemon.wharf("import", "-c", 'CMD ["cat", "/etc/marker"]', url + "/root.tar",
                              f"{repo}:url")
        self.assertExit(r, 0)
        self.assertRegex(r.out.strip(), r"^sha256:[0-9a-f]{64}$")
        r = self.daemon.wharf("run", "--rm", f"{repo}:url")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "from-url\n")
        r = self.daemon.wharf("history", "--format", "{{.CreatedBy}}", f"{repo}:url")
        self.assertEqual(r.out, f"wharf import {url}/root.tar\n")
        r = self.daemon.wharf("import", url + "/missing.tar")
        self.assertExit(r, 1)
        self.assertIn(f"GET {url}/missing.tar answered 404", r.err)
        self.assertTrue(self.spool_dir_is_empty())

    def test_history(self):
        repo = self.name()
        base = os.path.join(self.tmp, "base.tar")
        rootfs_tar(base, "hist")
        archive = os.path.join(self.tmp, "hist.tar")
        iid = write_docker_save(archive, f"{repo}:h", [base], [
            {"created": "2024-01-01T00:00:00Z",
             "created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / "},
            {"created": "2024-01-02T03:04:05Z", "created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]",
             "empty_layer": True, "comment": "a comment"}])
        self.assertExit(self.daemon.wharf("load", "-i", archive), 0)
        size = os.path.getsize(base)
        r = self.daemon.wharf("history", "-H=false", f"{repo}:h")
        self.assertExit(r, 0)
        lines = r.out.splitlines()
        self.assertRegex(lines[0], r"^IMAGE +CREATED AT +CREATED BY +SIZE +COMMENT$")
        self.assertRegex(lines[1], "^" + iid[7:19] + r" +2024-01-02T03:04:05Z +/bin/sh -c "
                         r"#\(nop\)  CMD \[\"sh\"\] +0 +a comment$")
        # CREATED BY is cut at 45 characters with an ellipsis.
        self.assertRegex(lines[2], r"^<missing> +2024-01-01T00:00:00Z +/bin/sh -c #\(nop\) ADD "
                         r"file:0123456789abcdef0… +" + str(size) + " *$")
        self.assertEqual(len(lines), 3)
        r = self.daemon.wharf("history", "--no-trunc", "-q", f"{repo}:h")
        self.assertExit(r, 0)
        self.assertEqual(r.out.splitlines(), [iid, "<missing>"])
        r = self.daemon.wharf("image", "history", "--format", "{{.ID}}|{{.Size}}|{{.Comment}}",
                              f"{repo}:h")
        self.assertExit(r, 0)
        self.assertEqual(r.out.splitlines(), [f"{iid[7:19]}|0B|a comment",
                                              f"<missing>|{size / 1e6:.3g}MB|"])
        r = self.daemon.wharf("history", "nosuch-history-x")
        self.assertExit(r, 1)
        self.assertIn("No such image: nosuch-history-x:latest", r.err)


@require_root
@unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
class DockerCliUploadTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        with asan_without_quarantine():
            super().setUpClass()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wharf-it-upload-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.tmp]))

    def test_docker_load_of_a_200_mb_archive_keeps_wharfd_small(self):
        repo = self.name()
        base = os.path.join(self.tmp, "base.tar")
        rootfs_tar(base, "docker-big")
        big = os.path.join(self.tmp, "big.tar")
        big_layer(big, 200 * MiB)
        archive = os.path.join(self.tmp, "save.tar")
        write_docker_save(archive, f"{repo}:big", [base, big], [
            {"created": "2024-01-01T00:00:00Z", "created_by": "ADD rootfs /"},
            {"created": "2024-01-02T03:04:05Z", "created_by": "ADD big.bin /"}])
        pid = self.daemon.proc.pid
        rss_before = status_kib(pid, "VmRSS")
        with RssSampler(pid) as rss:
            r = self.daemon.docker("load", "-i", archive, timeout=600)
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Loaded image: {repo}:big\n")
        grew_mib = (rss.peak_kib - rss_before) / 1024
        print(f"\n  docker load of {os.path.getsize(archive) / MiB:.0f} MiB: wharfd VmRSS "
              f"{rss_before / 1024:.1f} MiB before, peak {rss.peak_kib / 1024:.1f} MiB "
              f"(+{grew_mib:.1f} MiB)")
        # Buffered in memory, the body alone would add 200 MiB.
        self.assertLess(grew_mib, 64)
        r = self.daemon.docker("run", "--rm", f"{repo}:big", "sh", "-c", "wc -c < /big.bin")
        self.assertExit(r, 0)
        self.assertEqual(r.out.strip(), str(200 * MiB))
        # docker history against wharfd: newest first, the image id on top.
        r = self.daemon.docker("history", "--format", "{{.ID}} {{.CreatedBy}}", f"{repo}:big")
        self.assertExit(r, 0)
        lines = r.out.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].endswith(" ADD big.bin /"), lines)
        self.assertEqual(lines[1], "<missing> ADD rootfs /")

    def test_docker_import_from_stdin_over_16_mib(self):
        repo = self.name()
        tar = os.path.join(self.tmp, "rootfs.tar")
        rootfs_tar(tar, "docker-import-big")
        with tarfile.open(tar, "a") as t:
            info = tarfile.TarInfo("filler.bin")
            info.size = 24 * MiB
            t.addfile(info, io.BytesIO(os.urandom(info.size)))
        with open(tar, "rb") as f:
            r = self.daemon.docker("import", "-", f"{repo}:i", input=f.read(), text=False,
                                   timeout=300)
        self.assertEqual(r.code, 0, r)
        r = self.daemon.docker("run", "--rm", f"{repo}:i", "cat", "/etc/marker")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "docker-import-big\n")


if __name__ == "__main__":
    unittest.main()
