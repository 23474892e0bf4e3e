"""A data root that fills up (issue 9, point 5): output the log cannot take is counted and
reported, the daemon keeps serving, and everything can still be removed."""

import os
import subprocess
import time
import unittest

from harness import Daemon, random_name, require_root


@require_root
class DiskFullTest(unittest.TestCase):
    def test_log_on_a_full_data_root(self):
        d = Daemon()
        try:
            os.makedirs(d.data_root)
            # Small enough to fill in a moment, big enough for the busybox image.
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0710", "tmpfs",
                            d.data_root], check=True)
            d.start()
            d.bootstrap_busybox()
            r = d.wharf("run", "-d", "--pull", "never", "busybox", "sh", "-c",
                        "head -c 40000000 /dev/zero | tr '\\0' a; echo; echo after")
            self.assertEqual(r.code, 0, r)
            cid = r.out.strip()
            r = d.wharf("wait", cid, timeout=120)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(r.out.strip(), "0")
            deadline = time.time() + 10
            while "were dropped" not in d.log() and time.time() < deadline:
                time.sleep(0.1)
            self.assertIn("were dropped", d.log())
            self.assertTrue(d.ping())
            r = d.wharf("rm", cid)
            self.assertEqual(r.code, 0, f"{r}\n{d.log()}")
            self.assertFalse(os.path.exists(os.path.join(d.data_root, "containers", cid)))
        finally:
            d.stop()

    def test_attached_output_on_a_full_data_root(self):
        # Attach streams from the shim, not from the json log: when the log cannot take the
        # output, the attached client still gets all of it (issue 9, point 5).
        d = Daemon()
        try:
            os.makedirs(d.data_root)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0710", "tmpfs",
                            d.data_root], check=True)
            d.start()
            d.bootstrap_busybox()
            name = random_name()
            r = d.wharf("run", "--name", name, "--pull", "never", "busybox", "sh",
                        "-c", "head -c 40000000 /dev/zero | tr '\\0' a; echo; echo after",
                        timeout=180)
            self.assertEqual(r.code, 0, r.err)
            lines = r.out.split("\n")
            self.assertEqual(len(lines[0]), 40000000)
            self.assertEqual(lines[1], "after")
            self.assertTrue(d.ping())
            r = d.wharf("rm", name)
            self.assertEqual(r.code, 0, f"{r}\n{d.log()}")
        finally:
            d.stop()


if __name__ == "__main__":
    unittest.main()
