"""Registry authentication and bad registries (issue 11), against a small registry this test
serves itself on 127.0.0.1 (Python's http.server): the bearer-token flow (anonymous and with
credentials from X-Registry-Auth), basic auth, and a registry that answers 500 or serves a
blob that does not match its digest. The image it serves is one `wharf save` wrote."""

import base64
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import unittest

from harness import DaemonTestCase, require_root
from image_fixture import rootfs_tar

USER, PASSWORD = "wharf-user", "s3cret:pass"


class FakeRegistry(http.server.ThreadingHTTPServer):
    """Serves an OCI layout (dir) as repository "test/app". mode: "bearer", "basic",
    "anonymous", "error500" or "badblob"."""

    daemon_threads = True

    def __init__(self, layout, mode):
        super().__init__(("127.0.0.1", 0), Handler)
        self.layout, self.mode = layout, mode
        self.port = self.server_address[1]
        self.token = "tok-" + os.urandom(8).hex()
        self.token_requests = []  # (service, scope, had_basic_auth)
        with open(os.path.join(layout, "index.json")) as f:
            self.index = json.load(f)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        self.thread.join(5)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body=b"", ctype="application/json", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def basic_ok(self):
        want = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return self.headers.get("Authorization") == want

    def authorized(self):
        s = self.server
        if s.mode == "bearer":
            if self.headers.get("Authorization") == f"Bearer {s.token}":
                return True
            realm = f"http://127.0.0.1:{s.port}/token"
            self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                      headers=[("WWW-Authenticate",
                                f'Bearer realm="{realm}",service="fake-registry",'
                                f'scope="repository:test/app:pull"')])
            return False
        if s.mode == "basic":
            if self.basic_ok():
                return True
            self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                      headers=[("WWW-Authenticate", 'Basic realm="fake"')])
            return False
        return True

    def do_GET(self):
        s = self.server
        path = self.path.split("?")[0]
        if path == "/token":
            from urllib.parse import parse_qs, urlparse
            q = parse_qs(urlparse(self.path).query)
            s.token_requests.append((q.get("service", [""])[0], q.get("scope", [""])[0],
                                     self.basic_ok()))
            if self.headers.get("Authorization") and not self.basic_ok():
                return self.send(401, b'{"details":"bad credentials"}')
            return self.send(200, json.dumps({"token": s.token}).encode())
        if not self.authorized():
            return
        if path == "/v2/":
            return self.send(200, b"{}")
        if s.mode == "error500" and "/manifests/" in path:
            return self.send(500, b"internal trouble", ctype="text/plain")
        prefix = "/v2/test/app/"
        if not path.startswith(prefix):
            return self.send(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}')
        kind, _, ref = path[len(prefix):].partition("/")
        if kind == "manifests":
            digest = ref
            if not ref.startswith("sha256:"):
                m = [e for e in s.index["manifests"]
                     if e.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
                if not m:
                    return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
                digest = m[0]["digest"]
            data = self.blob(digest)
            if data is None:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
            mt = json.loads(data).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
            return self.send(200, data, ctype=mt, headers=[("Docker-Content-Digest", digest)])
        if kind == "blobs":
            data = self.blob(ref)
            if data is None:
                return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}')
            if s.mode == "badblob" and len(data) > 1000:
                data = bytes(b ^ 0x33 for b in data)
            return self.send(200, data, ctype="application/octet-stream")
        return self.send(404, b"{}")

    do_HEAD = do_GET

    def blob(self, digest):
        p = os.path.join(self.server.layout, "blobs", "sha256", digest.split(":", 1)[-1])
        try:
            with open(p, "rb") as f:
                return f.read()
        except OSError:
            return None


def api_pull(sock, ref, tag, auth=None):
    """POST /images/create over the unix socket, with X-Registry-Auth when `auth` is given.
    Returns (status, [messages])."""
    class Conn(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(sock)
    c = Conn("localhost", timeout=120)
    headers = {}
    if auth is not None:
        headers["X-Registry-Auth"] = base64.urlsafe_b64encode(json.dumps(auth).encode()).decode()
    c.request("POST", f"/v1.51/images/create?fromImage={ref}&tag={tag}", headers=headers)
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    if r.status != 200:
        return r.status, [json.loads(body)]
    return r.status, [json.loads(l) for l in body.splitlines() if l.strip()]


@require_root
class RegistryAuthTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="wharf-it-auth-")
        try:
            tar = os.path.join(cls.tmp, "rootfs.tar")
            rootfs_tar(tar, "served-by-fake", mode="w:gz")
            r = cls.daemon.wharf("import", "-c", 'CMD ["cat", "/etc/marker"]', tar, "fake/app:v1")
            assert r.code == 0, r
            archive = os.path.join(cls.tmp, "app.tar")
            r = cls.daemon.wharf("save", "-o", archive, "fake/app:v1")
            assert r.code == 0, r
            cls.daemon.wharf("rmi", "fake/app:v1")
            cls.layout = os.path.join(cls.tmp, "layout")
            with tarfile.open(archive) as t:
                t.extractall(cls.layout)
        except Exception:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(getattr(cls, "tmp", "/nonexistent"), ignore_errors=True)
        super().tearDownClass()

    def registry(self, mode):
        reg = FakeRegistry(self.layout, mode).start()
        self.addCleanup(reg.stop)
        return reg

    def cleanup_image(self, ref):
        self.addCleanup(lambda: self.daemon.wharf("rmi", "-f", ref))

    def test_bearer_anonymous(self):
        reg = self.registry("bearer")
        ref = f"127.0.0.1:{reg.port}/test/app:v1"
        self.cleanup_image(ref)
        r = self.daemon.wharf("pull", ref, timeout=120)
        self.assertExit(r, 0)
        self.assertIn(("fake-registry", "repository:test/app:pull", False), reg.token_requests)
        r = self.daemon.wharf("run", "--rm", ref)
        self.assertEqual(r.out, "served-by-fake\n")

    def test_bearer_with_credentials_from_x_registry_auth(self):
        reg = self.registry("bearer")
        status, msgs = api_pull(self.daemon.sock, f"127.0.0.1:{reg.port}/test/app", "v1",
                                {"username": USER, "password": PASSWORD})
        self.cleanup_image(f"127.0.0.1:{reg.port}/test/app:v1")
        self.assertEqual(status, 200, msgs)
        self.assertNotIn("error", msgs[-1])
        self.assertTrue(all(t[2] for t in reg.token_requests), reg.token_requests)
        # Wrong credentials: the token service refuses, the pull fails, nothing is added.
        reg2 = self.registry("bearer")
        status, msgs = api_pull(self.daemon.sock, f"127.0.0.1:{reg2.port}/test/app", "v1",
                                {"username": USER, "password": "wrong"})
        # The error comes as an HTTP error, or in the stream once progress began (docker's
        # errorDetail); either way it names the refusal and nothing is pulled.
        err = msgs[-1].get("message") if status != 200 else msgs[-1].get("error")
        self.assertIn("unauthorized", err or "", msgs)

    def test_basic_auth(self):
        reg = self.registry("basic")
        ref = f"127.0.0.1:{reg.port}/test/app"
        r = self.daemon.wharf("pull", ref + ":v1", timeout=120)
        self.assertExit(r, 1)
        self.assertIn("requires authentication", r.err)
        status, msgs = api_pull(self.daemon.sock, ref, "v1",
                                {"auth": base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()})
        self.cleanup_image(ref + ":v1")
        self.assertEqual(status, 200, msgs)
        self.assertNotIn("error", msgs[-1])

    def test_server_error_and_bad_blob(self):
        reg = self.registry("error500")
        r = self.daemon.wharf("pull", f"127.0.0.1:{reg.port}/test/app:v1", timeout=120)
        self.assertExit(r, 1)
        self.assertIn("500", r.err)
        reg = self.registry("badblob")
        ref = f"127.0.0.1:{reg.port}/test/app:v1"
        content = os.path.join(self.daemon.data_root, "content", "blobs", "sha256")
        before = set(os.listdir(content))
        r = self.daemon.wharf("pull", ref, timeout=120)
        self.assertExit(r, 1)
        self.assertIn("digest", r.err)
        self.assertEqual(set(os.listdir(content)), before)
        r = self.daemon.wharf("images", "-q", ref)
        self.assertEqual(r.out, "")


if __name__ == "__main__":
    unittest.main()
