"""Container stats end to end (issue 10): the shim's stats op, GET /containers/{id}/stats in
docker's shape, `docker stats` and `wharf stats` against wharfd."""

import json
import time
import unittest

from harness import (DaemonTestCase, RssSampler, UnixHTTPConnection, asan_without_quarantine,
                     docker_cli, random_name, require_root, status_kib)


@require_root
class StatsTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        # Without ASan's quarantine wharfd's RSS shows what it holds (the streams test).
        with asan_without_quarantine():
            super().setUpClass()
        cls.burner = random_name("burn")
        r = cls.daemon.wharf("run", "-d", "--name", cls.burner, "--pull", "never", "busybox",
                             "sh", "-c", "while :; do :; done")
        if r.code != 0:
            cls.daemon.stop()
            raise RuntimeError(f"run failed: {r}")

    def get(self, path):
        conn = UnixHTTPConnection(self.daemon.sock)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def one_shot(self, name):
        status, body = self.get(f"/v1.51/containers/{name}/stats?stream=false&one-shot=true")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_samples_of_a_busy_container(self):
        first = self.one_shot(self.burner)
        time.sleep(0.3)
        second = self.one_shot(self.burner)
        self.assertEqual(second["name"], "/" + self.burner)
        self.assertEqual(len(second["id"]), 64)
        self.assertGreater(second["cpu_stats"]["cpu_usage"]["total_usage"],
                           first["cpu_stats"]["cpu_usage"]["total_usage"])
        self.assertGreater(second["cpu_stats"]["system_cpu_usage"],
                           first["cpu_stats"]["system_cpu_usage"])
        self.assertGreaterEqual(second["cpu_stats"]["online_cpus"], 1)
        self.assertGreaterEqual(second["pids_stats"]["current"], 1)
        self.assertGreater(second["memory_stats"]["usage"], 0)
        self.assertGreater(second["memory_stats"]["limit"], 0)
        self.assertIn("eth0", second["networks"])
        self.assertNotIn("lo", second["networks"])
        for key in ("read", "preread", "blkio_stats", "num_procs", "storage_stats",
                    "precpu_stats"):
            self.assertIn(key, second)

    def test_stream_carries_the_previous_cpu(self):
        conn = UnixHTTPConnection(self.daemon.sock)
        try:
            conn.request("GET", f"/containers/{self.burner}/stats?stream=true")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            a = json.loads(resp.readline())
            b = json.loads(resp.readline())
        finally:
            conn.close()
        self.assertEqual(b["precpu_stats"], a["cpu_stats"])
        self.assertEqual(b["preread"], a["read"])
        self.assertEqual(a["preread"], "0001-01-01T00:00:00Z")

    def test_stream_false_sends_two_samples_apart(self):
        status, body = self.get(f"/containers/{self.burner}/stats?stream=false")
        self.assertEqual(status, 200)
        s = json.loads(body)
        self.assertGreater(s["cpu_stats"]["cpu_usage"]["total_usage"],
                           s["precpu_stats"]["cpu_usage"]["total_usage"])
        status, body = self.get(f"/containers/{self.burner}/stats?stream=true&one-shot=true")
        self.assertEqual(status, 400)

    def test_stopped_container_gives_dockers_zeroed_answer(self):
        name = self.name()
        self.assertExit(self.daemon.wharf("create", "--name", name, "--pull", "never", "busybox",
                                          "true"), 0)
        status, body = self.get(f"/containers/{name}/stats?stream=false")
        self.assertEqual(status, 200)
        s = json.loads(body)
        self.assertEqual(s["name"], "/" + name)
        self.assertEqual(s["read"], "0001-01-01T00:00:00Z")
        self.assertEqual(s["memory_stats"], {})
        self.assertEqual(s["pids_stats"], {})
        self.assertEqual(s["cpu_stats"]["cpu_usage"]["total_usage"], 0)
        self.assertNotIn("networks", s)
        r = self.daemon.wharf("stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}} "
                              "{{.MemUsage}} {{.PIDs}}", name)
        self.assertExit(r, 0)
        self.assertEqual(r.out.strip(), f"{name} 0.00% 0B / 0B 0")
        self.assertExit(self.daemon.wharf("rm", name), 0)

    def test_missing_container_is_404(self):
        status, body = self.get("/containers/no-such-thing/stats?stream=false")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["message"], "No such container: no-such-thing")
        r = self.daemon.wharf("stats", "--no-stream", "no-such-thing")
        self.assertExit(r, 1)
        self.assertIn("Error response from daemon: No such container: no-such-thing", r.err)

    def test_wharf_stats_format_and_table(self):
        r = self.daemon.wharf("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}")
        self.assertExit(r, 0)
        name, pids = r.out.split()
        self.assertEqual(name, self.burner)
        self.assertGreaterEqual(int(pids), 1)

    @unittest.skipUnless(docker_cli(), "the docker CLI is not installed")
    def test_docker_stats_no_stream(self):
        r = self.daemon.docker("stats", "--no-stream", self.burner)
        self.assertExit(r, 0)
        lines = r.out.splitlines()
        self.assertEqual(lines[0].split(), ["CONTAINER", "ID", "NAME", "CPU", "%", "MEM",
                                            "USAGE", "/", "LIMIT", "MEM", "%", "NET", "I/O",
                                            "BLOCK", "I/O", "PIDS"])
        row = lines[1].split()
        self.assertEqual(row[1], self.burner)
        self.assertTrue(row[2].endswith("%"))
        self.assertGreater(float(row[2][:-1]), 0.0, r.out)

    def test_twenty_streams_keep_wharfd_flat(self):
        pid = self.daemon.proc.pid
        before = status_kib(pid, "VmRSS")
        conns = []
        try:
            with RssSampler(pid) as rss:
                for _ in range(20):
                    c = UnixHTTPConnection(self.daemon.sock)
                    c.request("GET", f"/containers/{self.burner}/stats")
                    resp = c.getresponse()
                    conns.append((c, resp))
                for _ in range(2):
                    for _, resp in conns:
                        json.loads(resp.readline())
        finally:
            for c, _ in conns:
                c.close()
        print(f"\n  20 stats streams: wharfd VmRSS {before / 1024:.1f} MiB before, peak "
              f"{rss.peak_kib / 1024:.1f} MiB")
        self.assertLess((rss.peak_kib - before) / 1024, 8)


if __name__ == "__main__":
    unittest.main()
