"""Create-time validation as docker does, the private data root, and leftovers of cut-short
creates removed on start (issue 9, points 4, 6 and 8)."""

import json
import os
import stat
import unittest

from harness import Daemon, DaemonTestCase, random_name, require_root
from test_reliability import request


@require_root
class CreateValidationTest(DaemonTestCase):
    def create(self, body, name=None):
        body = dict({"Image": "busybox", "Cmd": ["true"]}, **body)
        path = "/containers/create" + (f"?name={name}" if name else "")
        status, data = request(self.daemon, "POST", path, body)
        if status == 201:
            cid = json.loads(data)["Id"]
            self.daemon.container_ids.add(cid)
            self.daemon.wharf("rm", "-f", cid)
        return status, data

    def test_bad_values_are_refused_as_docker_does(self):
        cases = [
            ({"WorkingDir": "relative/dir"}, 400, b"absolute path"),
            ({"StopSignal": "SIGFOO"}, 400, b"SIGFOO"),
            ({"StopTimeout": 4294967297}, 400, b"StopTimeout"),
            ({"HostConfig": {"RestartPolicy": {"Name": "on-failure",
                                               "MaximumRetryCount": -1}}}, 400, b"negative"),
            ({"HostConfig": {"NetworkMode": "nosuchnet"}}, 404, b"nosuchnet"),
            ({"HostConfig": {"NetworkMode": "container:ghost-" + random_name()}}, 404,
             b"No such container"),
        ]
        for body, want, text in cases:
            status, data = self.create(body)
            self.assertEqual(status, want, f"{body}: {data}")
            self.assertIn(text, data, body)
        # Nothing was created by any of them.
        r = self.daemon.wharf("ps", "-a", "-q")
        self.assertEqual(r.out.strip(), "")

    def test_valid_values_still_work(self):
        for body in ({"WorkingDir": "/tmp"}, {"StopSignal": "SIGUSR1"}, {"StopTimeout": 30},
                     {"HostConfig": {"NetworkMode": "none"}},
                     {"HostConfig": {"RestartPolicy": {"Name": "on-failure",
                                                       "MaximumRetryCount": 2}}}):
            status, data = self.create(body)
            self.assertEqual(status, 201, f"{body}: {data}")

    def test_missing_working_dir_is_created_at_start(self):
        r = self.daemon.wharf("run", "--rm", "--pull", "never", "-w", "/newdir/sub", "busybox",
                              "pwd")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "/newdir/sub\n")


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


@require_root
class DataRootTest(unittest.TestCase):
    def test_private_modes_and_old_roots_fixed_and_orphans_removed(self):
        d = Daemon()
        try:
            d.start()
            d.bootstrap_busybox()
            r = d.wharf("run", "-d", "--pull", "never", "-e", "DB_PASSWORD=hunter2", "busybox",
                        "sleep", "300")
            self.assertEqual(r.code, 0, r)
            cid = r.out.strip()
            cdir = os.path.join(d.data_root, "containers", cid)
            db = os.path.join(d.data_root, "wharf.db")
            self.assertEqual(mode(d.data_root), 0o710)
            self.assertEqual(mode(cdir), 0o710)
            for f in (db, db + "-wal", db + "-shm"):
                if os.path.exists(f):
                    self.assertEqual(mode(f), 0o600, f)
            # A data root as older versions left it, and a create cut short by a crash.
            d.stop_daemon()
            for p in (d.data_root, cdir, os.path.join(d.data_root, "containers")):
                os.chmod(p, 0o755)
            os.chmod(db, 0o644)
            orphan = os.path.join(d.data_root, "containers", "ab" * 32)
            os.makedirs(os.path.join(orphan, "upper"))
            d.start()
            self.assertEqual(mode(d.data_root), 0o710)
            self.assertEqual(mode(cdir), 0o710)
            self.assertEqual(mode(db), 0o600)
            self.assertFalse(os.path.exists(orphan))
            # The running container was adopted, not disturbed.
            self.assertEqual(d.inspect(cid)["State"]["Status"], "running")
            r = d.wharf("rm", "-f", cid)
            self.assertEqual(r.code, 0, r)
        finally:
            d.stop()


if __name__ == "__main__":
    unittest.main()
