"""Seccomp: Docker's default profile, unconfined, custom profiles (wharf and docker CLIs)."""

import json
import os
import tempfile
import unittest

import harness
from harness import DaemonTestCase, require_root

DENY_MKDIR = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
    ],
}


@require_root
class SeccompTest(DaemonTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wharf-seccomp-")

    def tearDown(self):
        for f in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, f))
        os.rmdir(self.tmp)

    def profile(self, content):
        path = os.path.join(self.tmp, f"{harness.random_name('profile')}.json")
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content, indent=2))
        return path

    def seccomp_mode(self, *opts):
        r = self.daemon.wharf("run", "--rm", *opts, "busybox", "grep", "^Seccomp:",
                              "/proc/self/status")
        self.assertExit(r, 0)
        return r.out.split()[1]

    def all_ids(self):
        r = self.daemon.wharf("ps", "-a", "-q", "--no-trunc")
        self.assertExit(r, 0)
        return set(r.out.split())

    def test_default_profile_is_applied(self):
        self.assertEqual(self.seccomp_mode(), "2")

    def test_default_profile_blocks_user_namespaces(self):
        # Creating a user namespace needs no capability: only the profile stops it.
        r = self.daemon.wharf("run", "--rm", "busybox", "unshare", "-U", "true")
        self.assertExit(r, 1)
        self.assertIn("Operation not permitted", r.err)
        r = self.daemon.wharf("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox",
                              "unshare", "-U", "true")
        self.assertExit(r, 0)
        # With CAP_SYS_ADMIN the profile allows unshare and mount.
        r = self.daemon.wharf("run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c",
                              "unshare -U true && mkdir -p /mnt && mount -t tmpfs x /mnt && echo ok")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "ok\n")

    def test_default_profile_allows_ordinary_work(self):
        r = self.daemon.wharf("run", "--rm", "busybox", "sh", "-c",
                              "mkdir /tmp/d && echo x > /tmp/d/f && cat /tmp/d/f && linux32 true "
                              "&& (sleep 0 &) && wait && echo done")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "x\ndone\n")

    def test_unconfined(self):
        self.assertEqual(self.seccomp_mode("--security-opt", "seccomp=unconfined"), "0")
        self.assertEqual(self.seccomp_mode("--security-opt", "seccomp=builtin"), "2")

    def test_privileged_has_no_filter(self):
        self.assertEqual(self.seccomp_mode("--privileged"), "0")

    def test_custom_profile_file(self):
        path = self.profile(DENY_MKDIR)
        name = self.name()
        r = self.daemon.wharf("run", "--name", name, "--security-opt", f"seccomp={path}",
                              "busybox", "sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /tmp/x")
        self.assertExit(r, 1)
        self.assertIn("Seccomp:\t2", r.out)
        self.assertIn("Operation not permitted", r.err)
        # inspect shows what was sent: the profile's JSON, as docker stores it.
        opts = self.daemon.inspect(name)["HostConfig"]["SecurityOpt"]
        self.assertEqual(len(opts), 1)
        self.assertTrue(opts[0].startswith("seccomp={"), opts)
        self.assertEqual(json.loads(opts[0][len("seccomp="):]), DENY_MKDIR)
        self.assertExit(self.daemon.wharf("rm", name), 0)

    def test_home_is_set_even_when_the_profile_forbids_open(self):
        # HOME comes from the container's /etc/passwd; it must be read before the filter is
        # loaded (a profile may deny open, and the process itself never needs it here).
        deny_open = {"defaultAction": "SCMP_ACT_ALLOW",
                     "syscalls": [{"names": ["open", "openat", "openat2"],
                                   "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
        path = self.profile(deny_open)
        r = self.daemon.wharf("run", "--rm", "--security-opt", f"seccomp={path}", "busybox",
                              "sh", "-c", "echo home=$HOME")
        self.assertExit(r, 0)
        self.assertEqual(r.out.strip(), "home=/root")

    def test_invalid_profile_creates_nothing(self):
        before = self.all_ids()
        bad = self.profile({"defaultAction": "SCMP_ACT_ALLOW",
                            "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_BOGUS"}]})
        r = self.daemon.wharf("run", "--rm", "--security-opt", f"seccomp={bad}", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn('Decoding seccomp profile failed: syscalls[0].action: unknown action '
                      '"SCMP_ACT_BOGUS"', r.err)
        r = self.daemon.wharf("create", "--security-opt", f"seccomp={bad}", "busybox", "true")
        self.assertExit(r, 125)
        # Not JSON at all: the CLI refuses it before asking the daemon.
        r = self.daemon.wharf("run", "--rm", "--security-opt",
                              f"seccomp={self.profile('{nope')}", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn("compacting json for seccomp profile", r.err)
        missing = os.path.join(self.tmp, "missing.json")
        r = self.daemon.wharf("run", "--rm", "--security-opt", f"seccomp={missing}", "busybox",
                              "true")
        self.assertExit(r, 125)
        self.assertIn(f"opening seccomp profile ({missing}) failed: open {missing}: no such file "
                      "or directory", r.err)
        r = self.daemon.wharf("run", "--rm", "--security-opt", "bogus=1", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn('invalid --security-opt 2: "bogus=1"', r.err)
        self.assertEqual(self.all_ids(), before)

    def test_info_advertises_the_builtin_profile(self):
        r = self.daemon.wharf("info", "--format", "{{json .SecurityOptions}}")
        self.assertExit(r, 0)
        self.assertIn("name=seccomp,profile=builtin", json.loads(r.out))


@require_root
@unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
class SeccompDockerCliTest(DaemonTestCase):
    def test_docker_cli_profile_and_errors(self):
        with tempfile.TemporaryDirectory(prefix="wharf-seccomp-") as tmp:
            path = os.path.join(tmp, "deny-mkdir.json")
            with open(path, "w") as f:
                json.dump(DENY_MKDIR, f, indent=2)
            r = self.daemon.docker("run", "--rm", "--security-opt", f"seccomp={path}", "busybox",
                                   "mkdir", "/tmp/x")
            self.assertExit(r, 1)
            self.assertIn("Operation not permitted", r.err)
            r = self.daemon.docker("run", "--rm", "busybox", "grep", "^Seccomp:",
                                   "/proc/self/status")
            self.assertExit(r, 0)
            self.assertEqual(r.out.split()[1], "2")
            r = self.daemon.docker("run", "--rm", "--security-opt", "seccomp=unconfined",
                                   "busybox", "unshare", "-U", "true")
            self.assertExit(r, 0)

            bad = os.path.join(tmp, "bad.json")
            with open(bad, "w") as f:
                json.dump({"defaultAction": "SCMP_ACT_ALLOW", "archMap": "x86"}, f)
            r = self.daemon.docker("run", "--rm", "--security-opt", f"seccomp={bad}", "busybox",
                                   "true")
            self.assertExit(r, 125)
            self.assertIn("Decoding seccomp profile failed: archMap: expected an array", r.err)
            r = self.daemon.docker("ps", "-a", "-q")
            self.assertExit(r, 0)
            self.assertEqual(r.out.strip(), "")


if __name__ == "__main__":
    unittest.main()
