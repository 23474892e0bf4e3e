"""Credential helpers (docs/images.md "Logging in"): config.json's `credsStore` and
`credHelpers`, run as the docker CLI runs them (`docker-credential-<name> get|store|erase`,
the server URL or a JSON object on stdin). The helper is a small Python script this test
writes into a temp dir put on PATH; it keeps its secrets in a JSON file beside it and logs
each call. Debian's docker-registry on 127.0.0.1 asks for basic auth (htpasswd)."""

import json
import os
import shutil
import stat
import tempfile
import unittest

from harness import DaemonTestCase, require_root
from image_fixture import Registry

USER, PASSWORD = "helper-user", "pw-from-helper"

HELPER = r'''#!/usr/bin/python3
import json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
store = os.path.join(here, "store.json")
action = sys.argv[1]
data = sys.stdin.read()
with open(os.path.join(here, "calls.log"), "a") as log:
    log.write(json.dumps([action, data]) + "\n")
creds = json.load(open(store)) if os.path.exists(store) else {}
if os.environ.get("HELPER_FAIL"):
    print("helper exploded: " + os.environ["HELPER_FAIL"])
    sys.exit(3)
if action == "get":
    c = creds.get(data.strip())
    if not c:
        print("credentials not found in native keychain")
        sys.exit(1)
    print(json.dumps({"ServerURL": data.strip(), "Username": c[0], "Secret": c[1]}))
elif action == "store":
    j = json.loads(data)
    creds[j["ServerURL"]] = [j["Username"], j["Secret"]]
    json.dump(creds, open(store, "w"))
elif action == "erase":
    creds.pop(data.strip(), None)
    json.dump(creds, open(store, "w"))
'''


@require_root
@unittest.skipUnless(shutil.which("docker-registry"), "Debian's docker-registry is not installed")
class CredentialHelperTest(DaemonTestCase):
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
        self.tmp = tempfile.mkdtemp(prefix="wharf-it-credhelper-")
        self.addCleanup(lambda: shutil.rmtree(self.tmp, ignore_errors=True))
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.bin)
        helper = os.path.join(self.bin, "docker-credential-wtest")
        with open(helper, "w") as f:
            f.write(HELPER)
        os.chmod(helper, 0o755)
        self.env = {"WHARF_CONFIG": os.path.join(self.tmp, "wharf"),
                    "DOCKER_CONFIG": os.path.join(self.tmp, "docker"), "HOME": self.tmp,
                    "PATH": self.bin + ":" + os.environ.get("PATH", "/usr/bin:/bin")}

    def write_config(self, which, cfg):
        d = os.path.join(self.tmp, which)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f)

    def config(self):
        with open(os.path.join(self.tmp, "wharf", "config.json")) as f:
            return json.load(f)

    def calls(self):
        path = os.path.join(self.bin, "calls.log")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f]

    def stored(self):
        path = os.path.join(self.bin, "store.json")
        if not os.path.exists(path):
            return {}
        with open(path) as f:
            return json.load(f)

    def wharf(self, *args, input=None, env=None):
        return self.daemon.wharf(*args, input=input, env=dict(self.env, **(env or {})),
                                 timeout=120)

    def test_creds_store_login_push_pull_logout(self):
        addr = self.registry.addr
        ref = f"{addr}/{self.name()}/app:1"
        self.write_config("wharf", {"credsStore": "wtest"})
        r = self.wharf("login", "-u", USER, "--password-stdin", addr, input=PASSWORD + "\n")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "Login Succeeded\n")
        self.assertNotIn("stored unencrypted", r.err)
        # The helper has the secret; the file only says the registry has credentials.
        self.assertEqual(self.stored(), {addr: [USER, PASSWORD]})
        cfg = self.config()
        self.assertEqual(cfg["auths"], {addr: {}})
        self.assertEqual(cfg["credsStore"], "wtest")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.tmp, "wharf",
                                                           "config.json")).st_mode), 0o600)
        stores = [json.loads(data) for action, data in self.calls() if action == "store"]
        self.assertEqual(stores, [{"ServerURL": addr, "Username": USER, "Secret": PASSWORD}])

        self.assertExit(self.wharf("tag", "busybox", ref), 0)
        r = self.wharf("push", ref)
        self.assertExit(r, 0)
        self.assertIn(["get", addr], self.calls())
        self.assertExit(self.wharf("rmi", ref), 0)
        r = self.wharf("pull", ref)
        self.assertExit(r, 0)
        self.assertExit(self.wharf("rmi", ref), 0)

        r = self.wharf("logout", addr)
        self.assertExit(r, 0)
        self.assertEqual(self.stored(), {})
        self.assertIn(["erase", addr], self.calls())
        self.assertNotIn(addr, self.config()["auths"])
        r = self.wharf("pull", ref)
        self.assertExit(r, 1)
        self.assertIn("no basic auth credentials", r.err)

    def test_cred_helpers_per_registry_in_dockers_config(self):
        addr = self.registry.addr
        ref = f"{addr}/{self.name()}/app:1"
        with open(os.path.join(self.bin, "store.json"), "w") as f:
            json.dump({addr: [USER, PASSWORD]}, f)
        # docker's config: a helper for this registry only; the file's own entry for it is
        # wrong and must not be used.
        self.write_config("docker", {"credHelpers": {addr: "wtest"},
                                     "auths": {addr: {"auth": "d3Jvbmc6d3Jvbmc="}}})
        self.assertExit(self.wharf("tag", "busybox", ref), 0)
        self.addCleanup(self.daemon.wharf, "rmi", "-f", ref)
        r = self.wharf("push", ref)
        self.assertExit(r, 0)
        self.assertEqual(self.calls(), [["get", addr]])

    def test_failing_helper_is_an_error_naming_it(self):
        addr = self.registry.addr
        self.write_config("wharf", {"credsStore": "wtest"})
        r = self.wharf("pull", f"{addr}/nothing/here:1", env={"HELPER_FAIL": "no keyring"})
        self.assertExit(r, 1)
        self.assertIn("docker-credential-wtest", r.err)
        self.assertIn("helper exploded: no keyring", r.err)

    def test_missing_helper_program(self):
        addr = self.registry.addr
        self.write_config("wharf", {"credsStore": "absent"})
        r = self.wharf("pull", f"{addr}/nothing/here:1")
        self.assertExit(r, 1)
        self.assertIn('exec: "docker-credential-absent": executable file not found in $PATH',
                      r.err)


if __name__ == "__main__":
    unittest.main()
