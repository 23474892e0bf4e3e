"""`create` returns only when the container's state is final (issue 8, defect 2): a caller that
runs `state` and `start` right after `create` -- containerd, podman and CRI-O all do -- must
always find "created" with the init's pid, and a --pid-file that holds that pid."""

import json
import os
import subprocess

from runtime_fixture import RuntimeFixture


class CreateRaceTest(RuntimeFixture):
    def test_create_state_start_delete_without_pause(self):
        self.config["process"]["args"] = ["sleep", "5"]
        pid_file = os.path.join(self.tmp, "pid")
        failures = []
        for i in range(60):
            cid = self.new_id()
            self.write_config()
            subprocess.run(self.rt("create", "--bundle", self.bundle, "--pid-file", pid_file, cid),
                           check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)  # the init keeps them open
            st = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True,
                                           text=True, timeout=30).stdout)
            with open(pid_file) as f:
                pid = int(f.read())
            if st["status"] != "created" or st["pid"] != pid or pid <= 0:
                failures.append(f"round {i}: state {st['status']} pid {st['pid']}, pid file {pid}")
            start = subprocess.run(self.rt("start", cid), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True, timeout=30)
            if start.returncode != 0:
                failures.append(f"round {i}: start: {start.stderr.strip()}")
            subprocess.run(self.rt("delete", "--force", cid), check=True, capture_output=True,
                           timeout=30)
            self.assert_clean(cid)
        self.assertEqual(failures, [])
