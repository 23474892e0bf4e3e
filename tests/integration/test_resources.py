"""Container resource limits (issue 10): `docker run -m --cpus --pids-limit`, `docker update`,
OOM kills (exit 137, State.OOMKilled, the "oom" event) and docker's errors, through the real
docker CLI and wharf; the limits are read back from the container's cgroup on the host."""

import json
import os
import time
import unittest

import harness
from harness import DaemonTestCase, require_root

MiB = 1024 * 1024
V2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def cgroup_file(container_id, controller, v1_name, v2_name):
    if V2:
        path = f"/sys/fs/cgroup/wharf/{container_id}/{v2_name}"
    else:
        path = f"/sys/fs/cgroup/{controller}/wharf/{container_id}/{v1_name}"
    with open(path) as f:
        return f.read().strip()


@require_root
@unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
class ResourcesTest(DaemonTestCase):
    def run_docker(self, *args, code=0):
        r = self.daemon.docker(*args)
        self.assertExit(r, code)
        return r

    def test_limits_reach_the_cgroup_and_update_changes_them(self):
        name = self.name()
        cid = self.run_docker("run", "-d", "--pull", "never", "--network", "none", "--name", name,
                              "-m", "32m", "--cpus", "0.5", "--pids-limit", "20", "busybox",
                              "sleep", "30").out.strip()
        try:
            hc = self.daemon.inspect(name)["HostConfig"]
            self.assertEqual(hc["Memory"], 32 * MiB)
            self.assertEqual(hc["MemorySwap"], 64 * MiB)  # docker's default: twice the memory
            self.assertEqual(hc["NanoCpus"], 500000000)
            self.assertEqual(hc["PidsLimit"], 20)
            if V2:
                self.assertEqual(cgroup_file(cid, "", "", "memory.max"), str(32 * MiB))
                self.assertEqual(cgroup_file(cid, "", "", "cpu.max"), "50000 100000")
            else:
                self.assertEqual(cgroup_file(cid, "memory", "memory.limit_in_bytes", ""),
                                 str(32 * MiB))
                self.assertEqual(cgroup_file(cid, "cpu", "cpu.cfs_quota_us", ""), "50000")
                self.assertEqual(cgroup_file(cid, "cpu", "cpu.cfs_period_us", ""), "100000")
            self.assertEqual(cgroup_file(cid, "pids", "pids.max", "pids.max"), "20")

            # docker update on the running container: the cgroup changes at once.
            r = self.run_docker("update", "--memory", "48m", "--pids-limit", "30", name)
            self.assertEqual(r.out.strip(), name)
            mem = cgroup_file(cid, "memory", "memory.limit_in_bytes", "memory.max")
            self.assertEqual(mem, str(48 * MiB))
            self.assertEqual(cgroup_file(cid, "pids", "pids.max", "pids.max"), "30")
            hc = self.daemon.inspect(name)["HostConfig"]
            self.assertEqual((hc["Memory"], hc["PidsLimit"]), (48 * MiB, 30))
            # Above the memory+swap limit only with a new one (docker's rule); nothing changes.
            r = self.run_docker("update", "--memory", "128m", name, code=1)
            self.assertIn("Memory limit should be smaller than already set memoryswap limit",
                          r.err)
            self.assertEqual(cgroup_file(cid, "memory", "memory.limit_in_bytes", "memory.max"),
                             str(48 * MiB))
            # wharf's own CLI, with a restart policy.
            r = self.daemon.wharf("update", "--memory", "128m", "--memory-swap", "256m",
                                  "--restart", "on-failure:2", name)
            self.assertExit(r, 0)
            self.assertEqual(cgroup_file(cid, "memory", "memory.limit_in_bytes", "memory.max"),
                             str(128 * MiB))
            rp = self.daemon.inspect(name)["HostConfig"]["RestartPolicy"]
            self.assertEqual(rp, {"Name": "on-failure", "MaximumRetryCount": 2})
        finally:
            self.daemon.docker("rm", "-f", name)

    def test_pids_limit_stops_a_fork_bomb(self):
        name = self.name()
        cid = self.run_docker("run", "-d", "--pull", "never", "--network", "none", "--name", name,
                              "--pids-limit", "8", "busybox", "sleep", "30").out.strip()
        try:
            # 30 sleepers asked for inside the container, at most 8 processes allowed: the
            # shell's forks are refused from the 8th on (and it gives up); the host is fine.
            # (The sleepers must not hold the exec's output open, or exec would wait for them.)
            self.daemon.docker("exec", name, "sh", "-c",
                               "i=0; while [ $i -lt 30 ]; do sleep 20 </dev/null >/dev/null 2>&1 & "
                               "i=$((i+1)); done")
            events = cgroup_file(cid, "pids", "pids.events", "pids.events")
            self.assertGreater(int(events.split()[1]), 0, f"no fork was refused: {events}")
            current = int(cgroup_file(cid, "pids", "pids.current", "pids.current"))
            self.assertLessEqual(current, 8)
        finally:
            self.daemon.docker("rm", "-f", name)

    def test_oom_kill_is_exit_137_oomkilled_and_an_oom_event(self):
        name = self.name()
        since = time.time()
        # dd's 64 MiB block is far above the 16 MiB (and no swap) the container may use.
        r = self.daemon.docker("run", "--pull", "never", "--network", "none", "--name", name,
                               "-m", "16m", "--memory-swap", "16m", "busybox",
                               "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
        try:
            self.assertExit(r, 137)
            state = self.daemon.inspect(name)["State"]
            self.assertTrue(state["OOMKilled"], state)
            self.assertEqual(state["ExitCode"], 137)
            ev = self.run_docker("events", "--since", f"{since:.3f}", "--until",
                                 f"{time.time():.3f}", "--filter", f"container={name}",
                                 "--format", "{{.Action}}")
            actions = ev.out.split()
            self.assertIn("oom", actions)
            self.assertLess(actions.index("oom"), actions.index("die"), actions)
        finally:
            self.daemon.docker("rm", "-f", name)

    def test_invalid_values_give_dockers_errors_and_create_nothing(self):
        before = self.run_docker("ps", "-aq").out.split()
        cases = [
            (["-m", "4m"], "Minimum memory limit allowed is 6MB"),
            (["--cpus", "1000"], "Range of CPUs is from 0.01 to"),
            (["-m", "32m", "--memory-swap", "16m"],
             "Minimum memoryswap limit should be larger than memory limit"),
            (["--cpuset-cpus", "0-x"], "Invalid value 0-x for cpuset cpus"),
            (["--cpus", "1", "--cpu-quota", "50000"],
             "Conflicting options: Nano CPUs and CPU Quota cannot both be set"),
            (["--cpu-period", "10"], "CPU cfs period can not be less than 1ms"),
        ]
        for flags, message in cases:
            r = self.daemon.docker("run", "--pull", "never", *flags, "busybox", "true")
            self.assertEqual(r.code, 125, f"{flags}: {r}")
            self.assertIn(message, r.err, flags)
        r = self.daemon.wharf("create", "-m", "lots", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn("invalid size: 'lots'", r.err)
        r = self.daemon.wharf("create", "-m", "4m", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn("Minimum memory limit allowed is 6MB", r.err)
        self.assertEqual(self.run_docker("ps", "-aq").out.split(), before)

    def test_info_reports_what_the_host_can_limit(self):
        info = json.loads(self.run_docker("info", "--format", "{{json .}}").out)
        for key in ("MemoryLimit", "CpuCfsQuota", "CpuCfsPeriod", "CPUShares", "CPUSet",
                    "PidsLimit"):
            self.assertTrue(info[key], key)


if __name__ == "__main__":
    unittest.main()
