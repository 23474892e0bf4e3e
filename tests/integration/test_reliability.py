"""Reliability under load, hostile input and daemon deaths (issue 9, severe 1-3)."""

import concurrent.futures
import json
import time
import unittest

from harness import Daemon, DaemonTestCase, UnixHTTPConnection, random_name, require_root
import lifecycle_check as lc


def request(daemon, method, path, body=None):
    conn = UnixHTTPConnection(daemon.sock, 60)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def parallel(n, fn):
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as ex:
        return list(ex.map(fn, range(n)))


@require_root
class ConcurrentStartTest(DaemonTestCase):
    """Severe 1: a stale epoll event used to pass for a shim's death and kill a healthy
    container (Exited (255), "wharf-shim exited without recording the container's exit")."""

    def test_concurrent_detached_runs_all_stay_running(self):
        prefix = random_name("cs")
        ids = []
        try:
            for rnd in range(5):
                results = parallel(20, lambda i: self.daemon.wharf(
                    "run", "-d", "--pull", "never", "--name", f"{prefix}-{rnd}-{i}",
                    "busybox", "sleep", "60"))
                for r in results:
                    self.assertExit(r, 0)
                    ids.append(r.out.strip())
            infos = lc.inspect_all(self.daemon, ids)
            bad = [(c["Name"], c["State"]) for c in infos if c["State"]["Status"] != "running"]
            self.assertEqual(bad, [], self.daemon.log())
            self.assertNotIn("exited without an exit file", self.daemon.log())
        finally:
            if ids:
                self.daemon.wharf("rm", "-f", *ids, timeout=120)

    def test_concurrent_attached_rm_runs_all_succeed(self):
        for _ in range(3):
            results = parallel(20, lambda i: self.daemon.wharf(
                "run", "--rm", "--pull", "never", "busybox", "echo", f"hello-{i}"))
            for i, r in enumerate(results):
                self.assertExit(r, 0)
                self.assertEqual(r.out, f"hello-{i}\n")
        self.assertEqual(lc.all_ids(self.daemon), [])


@require_root
class HostileInputTest(DaemonTestCase):
    """Severe 2: one request must never take the daemon down."""

    def assertAlive(self):
        self.assertTrue(self.daemon.ping(), self.daemon.log())
        self.assertIsNone(self.daemon.proc.poll(), self.daemon.log())

    def test_huge_name_is_refused_not_fatal(self):
        r = self.daemon.wharf("create", "--name", "a" * 30000, "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn("Invalid container name", r.err)
        self.assertLess(len(r.err), 1000)
        self.assertAlive()
        status, body = request(self.daemon, "POST", "/containers/create?name=" + "b" * 30000,
                               {"Image": "busybox"})
        self.assertEqual(status, 400, body)
        self.assertAlive()

    def test_name_at_the_bound_is_accepted(self):
        prefix = random_name("n")
        name = prefix + "x" * (253 - len(prefix))
        self.assertEqual(len(name), 253)
        r = self.daemon.wharf("create", "--name", name, "busybox", "true")
        self.assertExit(r, 0)
        self.daemon.wharf("rm", r.out.strip())
        r = self.daemon.wharf("create", "--name", name + "y", "busybox", "true")
        self.assertExit(r, 125)

    def test_deeply_nested_bodies_are_refused(self):
        deep = '{"Image":"busybox","Labels":' + "[" * 200000 + "]" * 200000 + "}"
        status, body = request(self.daemon, "POST", "/containers/create", deep)
        self.assertEqual(status, 400, body)
        self.assertIn(b"nested deeper", body)
        filters = "%5B" * 15000  # within the 64 KiB request head
        status, body = request(self.daemon, "GET", "/containers/json?filters=" + filters)
        self.assertEqual(status, 400, body)
        self.assertAlive()

    def test_logs_since_overflow_is_400(self):
        r = self.daemon.wharf("create", "busybox", "true")
        self.assertExit(r, 0)
        cid = r.out.strip()
        try:
            status, body = request(self.daemon, "GET",
                                   f"/containers/{cid}/logs?stdout=1&since=99999999999999999")
            self.assertEqual(status, 400, body)
            self.assertAlive()
        finally:
            self.daemon.wharf("rm", cid)


@require_root
class DaemonDeathDuringStartTest(unittest.TestCase):
    """Severe 3: a daemon killed while containers start leaves every one manageable."""

    def test_kill_during_start_then_restore(self):
        d = Daemon()
        try:
            d.start()
            d.bootstrap_busybox()
            prefix = random_name("ds")
            names = [f"{prefix}-{i}" for i in range(10)]
            rm_names = [f"{prefix}-rm-{i}" for i in range(4)]
            with concurrent.futures.ThreadPoolExecutor(max_workers=14) as ex:
                futs = [ex.submit(d.wharf, "run", "-d", "--pull", "never", "--name", n,
                                  "busybox", "sleep", "300") for n in names]
                futs += [ex.submit(d.wharf, "run", "-d", "--rm", "--pull", "never", "--name", n,
                                   "busybox", "sleep", "300") for n in rm_names]
                # Kill as soon as the first container is running: others are mid-start.
                deadline = time.time() + 30
                while time.time() < deadline:
                    if any(f.done() for f in futs):
                        break
                    time.sleep(0.005)
                lc.kill_daemon(d)
                for f in futs:
                    f.result()
            d.start()
            self.assertEqual(lc.inconsistencies(d), [], d.log())
            ids = lc.all_ids(d)
            # Every one can be stopped and removed, and nothing is left behind.
            for c in lc.inspect_all(d, ids):
                if c["State"]["Status"] == "running":
                    r = d.wharf("stop", "-t", "1", c["Id"])
                    self.assertEqual(r.code, 0, f"{r}\n{d.log()}")
            ids = lc.all_ids(d)
            if ids:
                r = d.wharf("rm", "-f", *ids, timeout=120)
                self.assertEqual(r.code, 0, f"{r}\n{d.log()}")
            self.assertEqual(lc.all_ids(d), [])
            self.assertEqual(lc.leftovers(d, ids), [], d.log())
        finally:
            d.stop()


if __name__ == "__main__":
    unittest.main()
