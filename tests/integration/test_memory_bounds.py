"""wharfd's memory stays bounded whatever a container prints (issue 9, point 7): a 100 MB line
read back with `logs` and streamed to an attached client goes through bounded buffers, and
the memory goes back afterwards. (It used to grow from 14 MB to a 211 MB peak on `logs`.)"""

import os
import subprocess
import unittest

from harness import (WHARF, DaemonTestCase, RssSampler, asan_without_quarantine,
                     require_root, status_kib)

MiB = 1024 * 1024
LINE = 100 * 1000 * 1000


@require_root
class MemoryBoundsTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        with asan_without_quarantine():
            super().setUpClass()

    def count_bytes(self, *args):
        """Runs `wharf ARGS` with its stdout counted by `wc -c` (not held in this process)."""
        wharf = subprocess.Popen([WHARF, "-H", self.daemon.host, *args],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        wc = subprocess.run(["wc", "-c"], stdin=wharf.stdout, capture_output=True, text=True,
                            timeout=600)
        wharf.stdout.close()
        self.assertEqual(wharf.wait(timeout=60), 0)
        return int(wc.stdout.strip())

    def test_a_100_mb_line_through_logs_and_attach(self):
        pid = self.daemon.proc.pid
        name = self.name()
        prog = f"head -c {LINE} /dev/zero | tr '\\0' a; echo"
        before = status_kib(pid, "VmRSS")
        # Attached: the shim streams it to the client while it writes the log.
        with RssSampler(pid) as attach_rss:
            n = self.count_bytes("run", "--name", name, "--pull", "never", "busybox", "sh", "-c",
                                 prog)
        self.assertEqual(n, LINE + 1)
        # Read back from the json log: one 100 MB log line, decoded in bounded pieces.
        with RssSampler(pid) as logs_rss:
            n = self.count_bytes("logs", name)
        self.assertEqual(n, LINE + 1)
        after = status_kib(pid, "VmRSS")
        print(f"\n  100 MB line: wharfd VmRSS {before / 1024:.1f} MiB before, attach peak "
              f"{attach_rss.peak_kib / 1024:.1f} MiB, logs peak {logs_rss.peak_kib / 1024:.1f} "
              f"MiB, after {after / 1024:.1f} MiB")
        # A buffered line alone would add 100 MiB (and its JSON form more).
        self.assertLess((attach_rss.peak_kib - before) / 1024, 48)
        self.assertLess((logs_rss.peak_kib - before) / 1024, 48)
        self.assertLess((after - before) / 1024, 32)
        self.assertExit(self.daemon.wharf("rm", name), 0)


if __name__ == "__main__":
    unittest.main()
