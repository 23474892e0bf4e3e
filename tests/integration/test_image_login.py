"""`wharf login` / `logout` and `docker login` against wharfd (issue 11), with Debian's
docker-registry on 127.0.0.1 asking for basic auth (htpasswd): the daemon checks the
credentials (POST /auth), the CLI keeps them in docker's config.json format and sends them as
X-Registry-Auth on push and pull; docker's own config.json is read too."""

import base64
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import unittest

import harness
from harness import DaemonTestCase, require_root
from image_fixture import Registry, rootfs_tar

USER, PASSWORD = "wharf-user", "pw:s3cret"


@require_root
@unittest.skipUnless(shutil.which("docker-registry"), "Debian's docker-registry is not installed")
class LoginTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.registry = Registry(htpasswd=(USER, PASSWORD)).start()
        except Exception:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.registry.stop()
        super().tearDownClass()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wharf-it-login-")
        self.addCleanup(lambda: shutil.rmtree(self.tmp, ignore_errors=True))
        self.env = {"WHARF_CONFIG": os.path.join(self.tmp, "wharf"),
                    "DOCKER_CONFIG": os.path.join(self.tmp, "docker"), "HOME": self.tmp}

    def wharf(self, *args, input=None):
        return self.daemon.wharf(*args, input=input, env=self.env, timeout=120)

    def config(self):
        with open(os.path.join(self.tmp, "wharf", "config.json")) as f:
            return json.load(f)

    def test_login_push_pull_logout(self):
        addr = self.registry.addr
        ref = f"{addr}/{self.name()}/app:1"
        self.assertExit(self.wharf("tag", "busybox", ref), 0)
        # Without credentials the registry refuses the push.
        r = self.wharf("push", ref)
        self.assertExit(r, 1)
        self.assertIn("no basic auth credentials", r.err)
        r = self.wharf("login", "-u", USER, "--password-stdin", addr, input="wrong\n")
        self.assertExit(r, 1)
        self.assertIn(f"login attempt to http://{addr}/v2/ failed with status: 401 Unauthorized",
                      r.err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "wharf", "config.json")))

        r = self.wharf("login", "-u", USER, "--password-stdin", addr, input=PASSWORD + "\n")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "Login Succeeded\n")
        self.assertIn("WARNING! Your credentials are stored unencrypted", r.err)
        auth = self.config()["auths"][addr]["auth"]
        self.assertEqual(base64.b64decode(auth).decode(), f"{USER}:{PASSWORD}")
        mode = os.stat(os.path.join(self.tmp, "wharf", "config.json")).st_mode
        self.assertEqual(stat.S_IMODE(mode), 0o600)

        r = self.wharf("push", ref)
        self.assertExit(r, 0)
        self.assertRegex(r.out, r"1: digest: sha256:[0-9a-f]{64} size: \d+")
        self.assertExit(self.wharf("rmi", ref), 0)
        r = self.wharf("pull", ref)
        self.assertExit(r, 0)
        r = self.wharf("run", "--rm", ref, "echo", "pulled with login")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "pulled with login\n")
        self.assertExit(self.wharf("rmi", ref), 0)

        r = self.wharf("logout", addr)
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Removing login credentials for {addr}\n")
        self.assertNotIn(addr, self.config()["auths"])
        r = self.wharf("pull", ref)
        self.assertExit(r, 1)
        self.assertIn("no basic auth credentials", r.err)

    def test_push_all_tags(self):
        addr = self.registry.addr
        repo = f"{addr}/{self.name()}/all"
        self.assertExit(self.wharf("login", "-u", USER, "--password-stdin", addr,
                                   input=PASSWORD), 0)
        for tag in ("1", "2"):
            self.assertExit(self.wharf("tag", "busybox", f"{repo}:{tag}"), 0)
        r = self.wharf("push", "-a", f"{repo}:1")
        self.assertExit(r, 1)
        self.assertIn("tag can't be used with --all-tags/-a", r.err)
        r = self.wharf("push", "-a", repo)
        self.assertExit(r, 0)
        self.assertRegex(r.out, r"(?s)1: digest: sha256:[0-9a-f]{64}.*2: digest: sha256:")
        auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        import urllib.request
        req = urllib.request.Request(f"http://{repo.replace(addr, addr + '/v2', 1)}/tags/list",
                                     headers={"Authorization": "Basic " + auth})
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.assertEqual(sorted(json.load(resp)["tags"]), ["1", "2"])
        for tag in ("1", "2"):
            self.assertExit(self.wharf("rmi", f"{repo}:{tag}"), 0)

    def test_multi_layer_pull_downloads_in_parallel_with_auth(self):
        """Five layers pulled three at a time, each worker authenticating on its own; then a
        damaged middle layer fails the pull naming it, and nothing of it stays."""
        from test_image_upload import write_docker_save
        addr = self.registry.addr
        repo = f"{addr}/{self.name()}/layers"
        layers = [os.path.join(self.tmp, "base.tar")]
        rootfs_tar(layers[0], "layered")
        for i in range(4):
            path = os.path.join(self.tmp, f"l{i}.tar")
            with tarfile.open(path, "w") as t:
                data = os.urandom(256 * 1024) + str(i).encode()
                info = tarfile.TarInfo(f"layer{i}.bin")
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            layers.append(path)
        archive = os.path.join(self.tmp, "layers.tar")
        write_docker_save(archive, f"{repo}:5", layers,
                          [{"created_by": f"layer {i}"} for i in range(5)])
        self.assertExit(self.wharf("load", "-i", archive), 0)
        self.assertExit(self.wharf("login", "-u", USER, "--password-stdin", addr,
                                   input=PASSWORD), 0)
        self.assertExit(self.wharf("push", f"{repo}:5"), 0)
        self.assertExit(self.wharf("rmi", f"{repo}:5"), 0)
        r = self.wharf("pull", f"{repo}:5")
        self.assertExit(r, 0)
        self.assertEqual(r.out.count("Download complete"), 5, r.out)
        r = self.wharf("run", "--rm", f"{repo}:5", "sh", "-c", "cat /etc/marker; ls /")
        self.assertExit(r, 0)
        for i in range(4):
            self.assertIn(f"layer{i}.bin", r.out)
        self.assertExit(self.wharf("rmi", f"{repo}:5"), 0)

        # One download at a time (the daemon flag) gives the same image; 0 is refused.
        with harness.Daemon(["--max-concurrent-downloads", "1"]) as one:
            r = one.wharf("pull", f"{repo}:5", env=self.env, timeout=120)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(r.out.count("Download complete"), 5, r.out)
            self.assertExit(one.wharf("rmi", f"{repo}:5", env=self.env), 0)
        bad = subprocess.run([harness.WHARFD, "--max-concurrent-downloads", "0", "--data-root",
                              os.path.join(self.tmp, "bad")], capture_output=True, text=True,
                             timeout=30)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("max-concurrent-downloads", bad.stderr + bad.stdout)

        # Damage the third layer in the registry's storage (same length, other bytes).
        with open(layers[2], "rb") as f:
            digest = "sha256:" + hashlib.sha256(f.read()).hexdigest()
        path = self.registry.blob_path(digest)
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
        r = self.wharf("pull", f"{repo}:5")
        self.assertExit(r, 1)
        self.assertIn(digest, r.err)
        self.assertEqual(set(os.listdir(content)), before)

    def test_dockers_config_json_is_read(self):
        addr = self.registry.addr
        ref = f"{addr}/{self.name()}/app:2"
        os.makedirs(self.env["DOCKER_CONFIG"])
        with open(os.path.join(self.env["DOCKER_CONFIG"], "config.json"), "w") as f:
            auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            json.dump({"auths": {"http://" + addr: {"auth": auth}}}, f)
        self.assertExit(self.wharf("tag", "busybox", ref), 0)
        self.assertExit(self.wharf("push", ref), 0)
        self.assertExit(self.wharf("rmi", ref), 0)

    def test_login_flag_errors(self):
        r = self.wharf("login", "--password-stdin", self.registry.addr, input="x\n")
        self.assertExit(r, 1)
        self.assertIn("Must provide --username with --password-stdin", r.err)
        r = self.wharf("login", "-u", USER, "-p", "x", "--password-stdin", self.registry.addr)
        self.assertExit(r, 1)
        self.assertIn("--password and --password-stdin are mutually exclusive", r.err)
        r = self.wharf("login", self.registry.addr, input="")
        self.assertExit(r, 1)
        self.assertIn("Cannot perform an interactive login from a non TTY device", r.err)

    @unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
    def test_docker_login_and_push_through_wharfd(self):
        addr = self.registry.addr
        ref = f"{addr}/{self.name()}/docker:1"
        r = self.daemon.docker("login", "-u", USER, "--password-stdin", addr, input="bad\n")
        self.assertExit(r, 1)
        self.assertIn("401 Unauthorized", r.err)
        r = self.daemon.docker("login", "-u", USER, "--password-stdin", addr,
                               input=PASSWORD + "\n")
        self.assertExit(r, 0)
        self.assertIn("Login Succeeded", r.out)
        self.assertExit(self.daemon.docker("tag", "busybox", ref), 0)
        r = self.daemon.docker("push", ref)
        self.assertExit(r, 0)
        self.assertIn("digest: sha256:", r.out)
        self.assertExit(self.daemon.docker("rmi", ref), 0)
        self.assertExit(self.daemon.docker("pull", ref), 0)
        self.assertExit(self.daemon.docker("rmi", ref), 0)
        self.assertExit(self.daemon.docker("logout", addr), 0)


if __name__ == "__main__":
    unittest.main()
