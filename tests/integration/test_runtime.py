"""wharf-runtime as root: real containers from a busybox bundle, checked from inside by
wharf-checker (tests/integration/checker). Each test uses its own --root temp dir and random
container ids, and removes every container, cgroup and temp dir it made, even on failure."""

import json
import os
import secrets
import socket
import array
import shutil
import subprocess
import tempfile
import time
import unittest

from runtime_fixture import (APPLETS, BIN, BUSYBOX, CGROUP_PARENT, CHECKER, RUNTIME,  # noqa: F401
                             RuntimeFixture, cgroup_dirs, parse)


class RuntimeTest(RuntimeFixture):
    def test_isolation_of_the_default_config(self):
        facts, mounts = self.check()
        self.assertEqual(facts["pid"], "1")
        self.assertEqual(facts["uid"], "0")
        self.assertEqual(facts["CapBnd"], "00000000a80425fb")  # Docker's 14 capabilities
        self.assertEqual(facts["CapEff"], "00000000a80425fb")
        self.assertEqual(facts["CapInh"], "0000000000000000")
        self.assertEqual(facts["umask"], "0022")
        for ns in ("pid", "net", "mnt", "ipc", "uts"):
            self.assertNotEqual(facts[f"ns.{ns}"], os.readlink(f"/proc/self/ns/{ns}"), ns)
        self.assertEqual(int(facts["lo.flags"], 16) & 1, 1, "loopback is up")
        self.assertEqual(facts["keys"], "")  # masked by /dev/null
        by_point = {m[0]: m for m in mounts}
        self.assertIn("ro", by_point["/sys"][2].split(","))
        self.assertIn("ro", by_point["/proc/sys"][2].split(","))
        self.assertIn("ro", by_point["/sys/fs/cgroup"][2].split(","))
        for point in ("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"):
            self.assertIn(point, by_point)
        self.assertEqual(len([m for m in mounts if m[0] == "/"]), 1, "old root detached")
        self.assert_clean(self.ids[-1])

    def test_devices(self):
        p = self.run_container(["ls", "-l", "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/fd"])
        lines = {line.split()[-1] if "->" not in line else line.split()[-3]: line for line in p.stdout.splitlines()}
        self.assertEqual(len(lines), 8, p.stdout)
        for dev in ("null", "zero", "full", "random", "urandom", "tty"):
            self.assertTrue(lines["/dev/" + dev].startswith("crw-rw-rw-"), lines["/dev/" + dev])
        self.assertIn("-> pts/ptmx", p.stdout)

    def test_process_settings(self):
        proc = self.config["process"]
        proc["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]}
        proc["cwd"] = "/work"
        proc["env"].append("CHECKER_ENV=hello")
        proc["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}]
        proc["noNewPrivileges"] = True
        proc["oomScoreAdj"] = 500
        self.config["hostname"] = "boxy"
        facts, _ = self.check()
        self.assertEqual((facts["uid"], facts["gid"], facts["groups"]), ("1000", "1000", "10,20"))
        self.assertEqual(facts["cwd"], "/work")
        self.assertEqual(facts["env.CHECKER_ENV"], "hello")
        self.assertEqual(facts["nofile"], "256:512")
        self.assertEqual(facts["NoNewPrivs"], "1")
        self.assertEqual(facts["oom_score_adj"], "500")
        self.assertEqual(facts["hostname"], "boxy")
        self.assertEqual(facts["CapEff"], "0000000000000000")  # non-root: no effective caps

    def test_cgroup_resources(self):
        self.config["linux"]["resources"] = {"memory": {"limit": 64 * 1024 * 1024}, "pids": {"limit": 50}}
        facts, _ = self.check()
        if os.path.isdir("/sys/fs/cgroup/memory"):
            self.assertEqual(facts["memory.limit"], str(64 * 1024 * 1024))
            self.assertEqual(facts["pids.max"], "50")

    def test_readonly_root_and_seccomp(self):
        self.config["root"]["readonly"] = True
        self.config["linux"]["seccomp"] = {
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}],
        }
        facts, _ = self.check("mkdir", "/dev/shm/x", "write", "/etc/x")
        self.assertEqual(facts["Seccomp"], "2")
        self.assertEqual(facts["mkdir"], "38")  # ENOSYS from the filter
        self.assertIn(facts["write"], ("2", "30"))  # ENOENT or EROFS: nothing writable on /

    def test_lifecycle(self):
        cid = self.new_id()
        self.config["process"]["args"] = ["sleep", "100"]
        self.write_config()
        subprocess.run(self.rt("create", "--bundle", self.bundle, cid), check=True, timeout=30)
        state = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)
        self.assertEqual(state["status"], "created")
        self.assertGreater(state["pid"], 0)
        self.assertEqual(state["bundle"], self.bundle)
        subprocess.run(self.rt("start", cid), check=True)
        state = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)
        self.assertEqual(state["status"], "running")
        listed = json.loads(subprocess.run(self.rt("list", "--format", "json"), check=True, capture_output=True).stdout)
        self.assertEqual([s["id"] for s in listed], [cid])
        subprocess.run(self.rt("pause", cid), check=True)
        state = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)
        self.assertEqual(state["status"], "paused")
        subprocess.run(self.rt("resume", cid), check=True)
        p = subprocess.run(self.rt("delete", cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not stopped", p.stderr)
        subprocess.run(self.rt("kill", cid, "KILL"), check=True)
        for _ in range(100):
            state = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)
            if state["status"] == "stopped":
                break
            time.sleep(0.02)
        self.assertEqual(state["status"], "stopped")
        subprocess.run(self.rt("delete", cid), check=True)
        self.assert_clean(cid)
        p = subprocess.run(self.rt("state", cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("does not exist", p.stderr)

    def test_delete_force_running(self):
        cid = self.new_id()
        self.config["process"]["args"] = ["sleep", "100"]
        self.write_config()
        subprocess.run(self.rt("run", "--detach", "--bundle", self.bundle, cid), check=True, timeout=30)
        subprocess.run(self.rt("delete", "--force", cid), check=True, timeout=30)
        self.assert_clean(cid)

    def test_missing_executable_leaves_nothing(self):
        p = self.run_container(["no-such-binary"], expect_rc=1)
        self.assertIn('exec: "no-such-binary": executable file not found in $PATH', p.stderr)
        self.assert_clean(self.ids[-1])
        p = self.run_container(["/etc"], expect_rc=1)
        self.assertIn("permission denied", p.stderr)
        self.assert_clean(self.ids[-1])

    def test_bad_input(self):
        cid = self.new_id()
        self.config["process"]["capabilities"]["bounding"].append("CAP_FOO")
        self.write_config()
        p = subprocess.run(self.rt("create", "--bundle", self.bundle, cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn('process.capabilities.bounding[14]: unknown capability "CAP_FOO"', p.stderr)
        self.assert_clean(cid)
        self.config["process"]["capabilities"]["bounding"].pop()
        self.config["root"]["path"] = "missing"
        self.write_config()
        p = subprocess.run(self.rt("create", "--bundle", self.bundle, cid), capture_output=True, text=True)
        self.assertIn("root.path", p.stderr)
        self.assert_clean(cid)

    def test_rlimit_above_the_hard_limit_is_a_clear_error(self):
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": hard + 1, "soft": soft}]
        p = self.run_container(["true"], expect_rc=1)
        self.assertIn(f"RLIMIT_NOFILE hard limit {hard + 1} is above the current hard limit {hard}", p.stderr)
        self.assert_clean(self.ids[-1])

    def test_preserve_fds(self):
        cid = self.new_id()
        self.config["process"]["args"] = ["sh", "-c", "echo through-fd3 >&3; ls /proc/self/fd"]
        self.write_config()
        out = os.path.join(self.tmp, "fd3.txt")
        cmd = " ".join(self.rt("run", "--preserve-fds", "1", "--bundle", self.bundle, cid))
        p = subprocess.run(["sh", "-c", f"exec {cmd} 3>{out}"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), "through-fd3\n")
        self.assertEqual(sorted(p.stdout.split()), ["0", "1", "2", "3", "4"])  # 4: ls's own dir fd

    def test_cgroup_namespace(self):
        self.config["linux"]["namespaces"].append({"type": "cgroup"})
        p = self.run_container(["cat", "/proc/self/cgroup"])
        for line in p.stdout.splitlines():
            self.assertTrue(line.endswith(":/"), line)  # the container's cgroup is its root

    def test_idmapped_bind_mount(self):
        data = os.path.join(self.tmp, "owned")
        os.makedirs(data)
        with open(os.path.join(data, "f"), "w") as f:
            f.write("x")
        # kernel semantics: an on-disk id (containerID side) shows as the hostID side
        mapping = [{"containerID": 0, "hostID": 1000, "size": 1}]
        self.config["mounts"].append({"destination": "/owned", "type": "bind", "source": data,
                                      "options": ["rbind"], "uidMappings": mapping, "gidMappings": mapping})
        p = self.run_container(["ls", "-ln", "/owned"])
        fields = p.stdout.splitlines()[-1].split()
        self.assertEqual(fields[2:4], ["1000", "1000"], p.stdout)

    def test_without_mount_namespace(self):
        self.config["linux"]["namespaces"] = [n for n in self.config["linux"]["namespaces"] if n["type"] != "mount"]
        self.config["mounts"] = []
        self.config["linux"]["maskedPaths"] = []
        self.config["linux"]["readonlyPaths"] = []
        def host_mounts():
            # Other tests (run by hand in parallel) mount under their own temp dirs: only
            # the host's mounts and ours are compared.
            with open("/proc/self/mountinfo") as f:
                return [l for l in f.read().splitlines()
                        if not l.split()[4].startswith("/tmp/") or self.tmp in l.split()[4]]
        before = host_mounts()
        p = self.run_container(["ls", "/bin/checker"])
        self.assertEqual(p.stdout.strip(), "/bin/checker")
        self.assertEqual(host_mounts(), before)  # nothing moved, mounted or detached on the host

    def test_host_sysctl_is_refused(self):
        self.config["linux"]["sysctl"] = {"vm.swappiness": "10"}
        p = self.run_container(["true"], expect_rc=1)
        self.assertIn("linux.sysctl.vm.swappiness: not namespaced", p.stderr)
        self.assert_clean(self.ids[-1])

    def test_duplicate_id(self):
        cid = self.new_id()
        self.config["process"]["args"] = ["sleep", "100"]
        self.write_config()
        subprocess.run(self.rt("create", "--bundle", self.bundle, cid), check=True, timeout=30)
        p = subprocess.run(self.rt("create", "--bundle", self.bundle, cid), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("already exists", p.stderr)
        state = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)
        self.assertEqual(state["status"], "created")

    def test_hooks(self):
        out = os.path.join(self.tmp, "hooks")
        os.makedirs(out)

        def hook(name, where=out):
            return {"path": "/bin/sh", "args": ["sh", "-c", f"cat > {where}/{name}.json"], "timeout": 10}

        self.config["hooks"] = {
            "prestart": [hook("prestart")], "createRuntime": [hook("createRuntime")],
            "createContainer": [hook("createContainer")], "startContainer": [hook("startContainer", "/tmp")],
            "poststart": [hook("poststart")], "poststop": [hook("poststop")],
        }
        self.run_container(["true"])
        for name in ("prestart", "createRuntime", "createContainer", "poststart", "poststop"):
            with open(os.path.join(out, name + ".json")) as f:
                state = json.load(f)
            self.assertEqual(state["id"], self.ids[-1], name)
        with open(os.path.join(out, "createRuntime.json")) as f:
            self.assertEqual(json.load(f)["status"], "creating")
        with open(os.path.join(out, "poststop.json")) as f:
            self.assertEqual(json.load(f)["status"], "stopped")
        self.assertTrue(os.path.exists(os.path.join(self.bundle, "rootfs/tmp/startContainer.json")))

    def test_failing_hook_undoes_create(self):
        self.config["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}
        p = self.run_container(["true"], expect_rc=1)
        self.assertIn("hooks.createRuntime[0]", p.stderr)
        self.assert_clean(self.ids[-1])

    def test_exec(self):
        cid = self.new_id()
        self.config["process"]["args"] = ["sleep", "100"]
        self.write_config()
        subprocess.run(self.rt("run", "--detach", "--bundle", self.bundle, cid), check=True, timeout=30)
        p = subprocess.run(self.rt("exec", "-u", "1000:1000", "-e", "CHECKER_ENV=x", cid, "checker"),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        facts, _ = parse(p.stdout)
        self.assertEqual((facts["uid"], facts["env.CHECKER_ENV"]), ("1000", "x"))
        self.assertNotEqual(facts["pid"], "1")
        init = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)["pid"]
        self.assertEqual(facts["ns.pid"], os.readlink(f"/proc/{init}/ns/pid"))
        self.assertEqual(facts["ns.mnt"], os.readlink(f"/proc/{init}/ns/mnt"))
        p = subprocess.run(self.rt("exec", cid, "sh", "-c", "exit 5"), capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 5)
        p = subprocess.run(self.rt("exec", cid, "nope"), capture_output=True, text=True, timeout=30)
        self.assertIn('exec: "nope": executable file not found in $PATH', p.stderr)
        pids = json.loads(subprocess.run(self.rt("ps", "--format", "json", cid), check=True, capture_output=True).stdout)
        self.assertEqual(pids, [init])

    def test_user_namespace(self):
        self.config["linux"]["namespaces"].append({"type": "user"})
        self.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        self.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        facts, _ = self.check()
        self.assertEqual(facts["uid"], "0")
        self.assertNotEqual(facts["ns.user"], os.readlink("/proc/self/ns/user"))
        self.assertEqual(facts["CapEff"], "00000000a80425fb")
        # exec joins the user namespace too
        cid = self.new_id()
        self.config["process"]["args"] = ["sleep", "100"]
        self.write_config()
        subprocess.run(self.rt("run", "--detach", "--bundle", self.bundle, cid), check=True, timeout=30)
        p = subprocess.run(self.rt("exec", cid, "checker"), capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        facts, _ = parse(p.stdout)
        init = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)["pid"]
        self.assertEqual(facts["ns.user"], os.readlink(f"/proc/{init}/ns/user"))
        self.assertEqual(facts["uid"], "0")

    def test_terminal_over_console_socket(self):
        cid = self.new_id()
        self.config["process"]["terminal"] = True
        self.config["process"]["args"] = ["checker"]
        self.write_config()
        path = os.path.join(self.tmp, "console.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        srv.settimeout(30)
        p = subprocess.Popen(self.rt("create", "--bundle", self.bundle, "--console-socket", path, cid),
                             stderr=subprocess.PIPE, text=True)
        conn, _ = srv.accept()
        fds = array.array("i")
        _, anc, _, _ = conn.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
        fds.frombytes(anc[0][2][: fds.itemsize])
        master = fds[0]
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        conn.close()
        srv.close()
        subprocess.run(self.rt("start", cid), check=True)
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the pty's other side closed
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        facts, _ = parse(out.decode().replace("\r", ""))
        self.assertEqual(facts["isatty"], "1")
        self.assertEqual(facts["pid"], "1")

    def test_run_proxies_a_terminal(self):
        self.config["process"]["terminal"] = True
        cid = self.new_id()
        self.config["process"]["args"] = ["sh", "-c", "read x; echo got-$x; checker | grep isatty"]
        self.write_config()
        p = subprocess.run(self.rt("run", "--bundle", self.bundle, cid), input="abc\n", capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("got-abc", p.stdout)
        self.assertIn("isatty=1", p.stdout)
        self.assert_clean(cid)

    def test_refuses_missing_lsm(self):
        if os.path.exists("/sys/kernel/security/apparmor"):
            self.skipTest("AppArmor is enabled here")
        self.config["process"]["apparmorProfile"] = "docker-default"
        p = self.run_container(["true"], expect_rc=1)
        self.assertIn("process.apparmorProfile: AppArmor is not enabled", p.stderr)
        self.assert_clean(self.ids[-1])

    def test_runtime_killed_during_create(self):
        cid = self.new_id()
        # Killed while its createRuntime hook runs: the hook says when it started (a fixed sleep
        # before the kill raced a slow create on a loaded machine).
        marker = os.path.join(self.tmp, "hook-started")
        self.config["hooks"] = {"createRuntime": [
            {"path": "/bin/sh", "args": ["sh", "-c", f"touch {marker}; exec sleep 2"]}]}
        self.write_config()
        p = subprocess.Popen(self.rt("create", "--bundle", self.bundle, cid))
        deadline = time.monotonic() + 60
        while not os.path.exists(marker) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(os.path.exists(marker), "the createRuntime hook never ran")
        p.kill()
        p.wait()
        state = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)
        self.assertEqual(state["status"], "stopped")
        subprocess.run(self.rt("delete", cid), check=True, timeout=30)
        self.assert_clean(cid)

    def test_time_namespace_and_sysctl(self):
        self.config["linux"]["namespaces"].append({"type": "time"})
        self.config["linux"]["timeOffsets"] = {"boottime": {"secs": 86400 * 365}}
        self.config["linux"]["sysctl"] = {"net.ipv4.ip_unprivileged_port_start": "80"}
        p = self.run_container(["cat", "/proc/uptime", "/proc/sys/net/ipv4/ip_unprivileged_port_start"])
        uptime, port = p.stdout.split("\n")[:2]
        self.assertGreater(float(uptime.split()[0]), 86400 * 364)
        self.assertEqual(port, "80")

    def test_join_network_namespace_by_path(self):
        cid = self.new_id()
        self.config["process"]["args"] = ["sleep", "100"]
        self.write_config()
        subprocess.run(self.rt("run", "--detach", "--bundle", self.bundle, cid), check=True, timeout=30)
        first = json.loads(subprocess.run(self.rt("state", cid), check=True, capture_output=True).stdout)["pid"]
        ns = [n for n in self.config["linux"]["namespaces"] if n["type"] != "network"]
        self.config["linux"]["namespaces"] = ns + [{"type": "network", "path": f"/proc/{first}/ns/net"}]
        facts, _ = self.check()
        self.assertEqual(facts["ns.net"], os.readlink(f"/proc/{first}/ns/net"))

    def test_seccomp_notify_listener(self):
        path = os.path.join(self.tmp, "seccomp.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        srv.settimeout(30)
        self.config["process"]["noNewPrivileges"] = True
        self.config["linux"]["seccomp"] = {
            "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path, "listenerMetadata": "meta",
            "syscalls": [{"names": ["mkdirat", "mkdir"], "action": "SCMP_ACT_NOTIFY"}],
        }
        cid = self.new_id()
        self.config["process"]["args"] = ["true"]
        self.write_config()
        p = subprocess.Popen(self.rt("run", "--bundle", self.bundle, cid), stderr=subprocess.PIPE, text=True)
        conn, _ = srv.accept()
        fds = array.array("i")
        msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_LEN(fds.itemsize))
        fds.frombytes(anc[0][2][: fds.itemsize])
        state = json.loads(msg)
        self.assertEqual(state["fds"], ["seccompFd"])
        self.assertEqual(state["metadata"], "meta")
        self.assertEqual(state["state"]["id"], cid)
        self.assertTrue(os.readlink(f"/proc/self/fd/{fds[0]}").startswith("anon_inode:seccomp notify"))
        os.close(fds[0])
        conn.close()
        srv.close()
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)

    def test_mounts_and_flags(self):
        data = os.path.join(self.tmp, "data")
        os.makedirs(data)
        with open(os.path.join(data, "f"), "w") as f:
            f.write("x")
        self.config["mounts"] += [
            {"destination": "/data", "type": "bind", "source": data, "options": ["rbind", "ro", "nosuid", "rprivate"]},
            {"destination": "/scratch/deep", "type": "tmpfs", "source": "tmpfs", "options": ["nodev", "noexec", "size=1m"]},
            {"destination": "/etc/hostfile", "type": "bind", "source": os.path.join(data, "f"), "options": ["bind"]},
        ]
        facts, mounts = self.check("write", "/data/f")
        by_point = {m[0]: m for m in mounts}
        self.assertIn("ro", by_point["/data"][2].split(","))
        self.assertIn("nosuid", by_point["/data"][2].split(","))
        self.assertEqual(by_point["/scratch/deep"][1], "tmpfs")
        self.assertIn("noexec", by_point["/scratch/deep"][2].split(","))
        self.assertIn("/etc/hostfile", by_point)
        self.assertEqual(facts["write"], "30")  # EROFS

    def test_mount_destination_symlink_stays_inside(self):
        rootfs = os.path.join(self.bundle, "rootfs")
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        os.symlink(outside, os.path.join(rootfs, "escape"))  # absolute: must resolve inside rootfs
        self.config["mounts"].append({"destination": "/escape/x", "type": "tmpfs", "source": "tmpfs"})
        self.run_container(["true"])
        self.assertEqual(os.listdir(outside), [])
        self.assertTrue(os.path.isdir(os.path.join(rootfs, outside.lstrip("/"), "x")))

    def test_exit_code(self):
        self.run_container(["sh", "-c", "exit 7"], expect_rc=7)


if __name__ == "__main__":
    unittest.main()
