"""Attacks on wharf-runtime from runc's CVE history, each done as a container or an image
author would, with harmless targets only (files this test made, the hostname of a UTS namespace
the container owns). Each asserts that the runtime refuses or that the target is unchanged, and
where runc 1.1.5 (Debian's) is known to resist, the same attack runs against runc too, so that
the attack itself is shown to be sound; the exe-overwrite test also proves its attacker works on
an unprotected process (the control) before it trusts a "nothing happened".

  1. CVE-2019-5736   host binary overwrite through /proc/<pid>/exe during exec (+ via dockerd)
  2. CVE-2025-31133  masked paths covered with a /dev/null the container controls
  3. CVE-2019-19921, CVE-2023-27561, CVE-2023-28642  mounts inside /proc; /proc as a symlink
  4. CVE-2025-52881  sysctls written through the container's /proc
  5. CVE-2021-30465, CVE-2024-45310  symlink swap racing the mount destination
  6. CVE-2016-9962   what a process exec'd into a created container sees of the init
"""

import ctypes
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
import unittest

from runtime_fixture import BIN, RUNTIME, RuntimeFixture

ATTACKER = os.path.join(BIN, "wharf-exe-attacker")
RUNC = shutil.which("runc")
BUSYBOX_HOST = shutil.which("busybox") or "/bin/busybox"
NSENTER = shutil.which("nsenter") or "/usr/bin/nsenter"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


class AttackFixture(RuntimeFixture):
    def setUp(self):
        super().setUp()
        self.rootfs = os.path.join(self.bundle, "rootfs")
        self.out = os.path.join(self.tmp, "out")
        os.makedirs(self.out)
        self.config.setdefault("linux", {}).setdefault("namespaces", [])

    def runtimes(self, runc_resists=True):
        """(name, binary) pairs to attack: wharf-runtime, and runc where it is known to resist."""
        yield "wharf-runtime", RUNTIME
        if runc_resists and RUNC:
            yield "runc", RUNC

    def run_with(self, binary, args, cid=None, **kw):
        cid = cid or self.new_id()
        self.config["process"]["args"] = args
        self.write_config()
        return cid, subprocess.run([binary, "--root", self.root, "run", "--bundle", self.bundle, cid],
                                   capture_output=True, text=True, timeout=120, **kw)

    def delete(self, binary, cid):
        subprocess.run([binary, "--root", self.root, "delete", "--force", cid], capture_output=True)

    def add_mount(self, dest, source, options=("rbind", "rw"), type_="bind"):
        self.config["mounts"].append({"destination": dest, "type": type_, "source": source,
                                      "options": list(options)})

    def add_caps(self, *caps):
        for s in ("bounding", "effective", "permitted"):
            self.config["process"]["capabilities"][s] += list(caps)


class ExeOverwriteTest(AttackFixture):
    """1. A container watching /proc/*/exe during exec must never write the runtime's binary."""

    def attack(self, runtime_name, runtime_bin):
        victim_dir = os.path.join(self.tmp, f"victim-{runtime_name}")
        os.makedirs(victim_dir)
        victim = os.path.join(victim_dir, runtime_name)
        shutil.copy(runtime_bin, victim)
        before = sha256(victim)
        # The control runs only copies: nsenter's child is visible in the container before it
        # execs, so the host's own nsenter would be the attacker's prey.
        control_dir = os.path.join(self.tmp, f"control-{runtime_name}")
        os.makedirs(control_dir)
        control = os.path.join(control_dir, "busybox")  # busybox picks its applet by name
        shutil.copy(BUSYBOX_HOST, control)
        nsenter = os.path.join(control_dir, "nsenter")
        shutil.copy(NSENTER, nsenter)
        shutil.copy(ATTACKER, os.path.join(self.rootfs, "bin", "attacker"))
        report = os.path.join(self.out, f"report-{runtime_name}")
        for f in (report, report + ".ready", report + ".stop"):
            if os.path.exists(f):
                os.unlink(f)
        self.add_mount("/out", self.out)
        # With CAP_SYS_PTRACE a non-dumpable process is no obstacle: only a read-only copy of
        # the runtime stands between the attacker and the host binary.
        self.add_caps("CAP_SYS_PTRACE")
        cid = self.new_id()
        self.config["process"]["args"] = ["/bin/attacker", "60", f"/out/report-{runtime_name}"]
        self.write_config()
        rt = [victim, "--root", self.root]
        subprocess.run(rt + ["create", "--bundle", self.bundle, cid], check=True, timeout=60,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hijacked = []
        try:
            subprocess.run(rt + ["start", cid], check=True, timeout=60, capture_output=True)
            self.assertTrue(wait_for(report + ".ready"), "the attacker did not start")
            init = json.loads(subprocess.run(rt + ["state", cid], capture_output=True, text=True,
                                             check=True).stdout)["pid"]
            # The control: a host binary entering the container's pid namespace the naive way.
            subprocess.run([nsenter, "-t", str(init), "-p", "--", control, "sleep", "0.5"], check=True,
                           timeout=30)
            for _ in range(8):
                try:
                    p = subprocess.run(rt + ["exec", cid, "true"], capture_output=True, text=True, timeout=60)
                except OSError as e:  # ETXTBSY: the container holds the binary open for writing
                    hijacked.append(str(e))
                    break
                if "OWNED" in p.stdout:
                    hijacked.append(p.stdout)
                    break
                self.assertEqual(p.returncode, 0, p.stderr)
            time.sleep(0.5)
        finally:
            open(report + ".stop", "w").close()
            wait_for(report)
            self.delete(runtime_bin, cid)
        self.assertTrue(os.path.exists(report), "the attacker wrote no report")
        with open(report) as f:
            result = f.read().strip()
        owned = []
        for copy in (control, nsenter):
            with open(copy, "rb") as f:
                owned.append(f.read().startswith(b"#!/bin/sh\necho OWNED"))
        self.assertTrue(any(owned), f"the control was not overwritten, so the attack proves nothing: {result}")
        self.assertEqual(hijacked, [], f"{runtime_name}'s binary was opened for writing: {result}")
        self.assertEqual(sha256(victim), before, f"{runtime_name}'s binary was overwritten: {result}")
        return result

    def test_exec_cannot_overwrite_the_runtime_binary(self):
        for name, binary in self.runtimes():
            with self.subTest(runtime=name):
                self.attack(name, binary)
                self.config = json.loads(json.dumps(self.config))  # next run: fresh mounts/caps
                self.config["mounts"] = [m for m in self.config["mounts"] if m["destination"] != "/out"]
                for s in ("bounding", "effective", "permitted"):
                    caps = self.config["process"]["capabilities"][s]
                    self.config["process"]["capabilities"][s] = [c for c in caps if c != "CAP_SYS_PTRACE"]

    def test_created_init_is_not_the_host_binary(self):
        # After create, /proc/1/exe of the container is the init, still our executable.
        self.add_caps("CAP_SYS_PTRACE")
        cid = self.new_id()
        self.config["process"]["args"] = ["true"]
        self.write_config()
        subprocess.run(self.rt("create", "--bundle", self.bundle, cid), check=True, timeout=60,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p = subprocess.run(self.rt("exec", "--cap", "CAP_SYS_PTRACE", cid, "sh", "-c",
                                   "echo x >> /proc/1/exe; echo rc=$?"), capture_output=True, text=True,
                           timeout=60)
        self.assertIn("rc=1", p.stdout, p.stderr)
        self.assertIn("Read-only file system", p.stderr)


class MaskedPathTest(AttackFixture):
    """2. /dev from a volume holding null -> /proc/sys/kernel/hostname must not turn a masked
    /proc file into a writable /proc/sys one."""

    def test_masked_paths_use_the_hosts_dev_null(self):
        for name, binary in self.runtimes():
            with self.subTest(runtime=name):
                devvol = os.path.join(self.tmp, f"devvol-{name}")
                os.makedirs(devvol)
                os.symlink("/proc/sys/kernel/hostname", os.path.join(devvol, "null"))
                self.config["mounts"] = [m for m in self.config["mounts"] if m["destination"] != "/dev"]
                self.add_mount("/dev", devvol)
                self.config["mounts"].sort(key=lambda m: m["destination"].count("/"))
                self.config["hostname"] = "masktest"
                cid, p = self.run_with(binary, ["sh", "-c", "echo pwned > /proc/keys; busybox hostname"])
                self.delete(binary, cid)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout.split(), ["masktest"], p.stderr)
                self.assertEqual(os.readlink(os.path.join(devvol, "null")), "/proc/sys/kernel/hostname")


class ProcMountTest(AttackFixture):
    """3. Mounts must not land inside /proc, and /proc must be a real directory."""

    def test_bind_through_a_symlink_into_proc_is_refused(self):
        host_file = os.path.join(self.tmp, "hostfile")
        with open(host_file, "w") as f:
            f.write("label\n")
        os.symlink("/proc/self/attr/exec", os.path.join(self.rootfs, "etc", "x"))
        self.add_mount("/etc/x", host_file, ("bind", "ro"))
        for name, binary in self.runtimes():
            with self.subTest(runtime=name):
                cid, p = self.run_with(binary, ["true"])
                self.delete(binary, cid)
                self.assertNotEqual(p.returncode, 0, f"{name} mounted over /proc/<pid>/attr/exec")
                if name == "wharf-runtime":
                    self.assertIn("inside /proc", p.stderr)
                    self.assert_clean(cid)

    def test_proc_as_a_symlink_is_refused(self):
        vol = os.path.join(self.tmp, "vol")
        os.makedirs(os.path.join(vol, "sys", "kernel"))
        target = os.path.join(vol, "sys", "kernel", "hostname")
        with open(target, "w") as f:
            f.write("orig\n")
        os.rmdir(os.path.join(self.rootfs, "proc"))
        os.symlink("/vol", os.path.join(self.rootfs, "proc"))
        self.add_mount("/vol", vol)
        self.config["mounts"].sort(key=lambda m: m["destination"] != "/vol")
        self.config["linux"]["sysctl"] = {"kernel.hostname": "attacked"}
        for name, binary in self.runtimes():
            with self.subTest(runtime=name):
                cid, p = self.run_with(binary, ["busybox", "hostname"])
                self.delete(binary, cid)
                self.assertNotEqual(p.returncode, 0, f"{name} ran with /proc -> /vol: {p.stdout}")
                with open(target) as f:
                    self.assertEqual(f.read(), "orig\n")
                if name == "wharf-runtime":
                    self.assertIn("ordinary directory", p.stderr)
                    self.assert_clean(cid)


class ProcfsByFdTest(AttackFixture):
    """4. Sysctls go to the kernel through the runtime's own procfs, whatever the container's
    /proc is (here: no procfs at all, and an image file where the sysctl would be). runc 1.1.5
    writes through the container's /proc, so it is not run here."""

    def test_sysctl_is_written_to_the_real_procfs(self):
        self.config["mounts"] = [m for m in self.config["mounts"] if m["type"] != "proc"]
        self.config["linux"]["maskedPaths"] = []
        self.config["linux"]["readonlyPaths"] = []
        fake = os.path.join(self.rootfs, "proc", "sys", "kernel")
        os.makedirs(fake)
        with open(os.path.join(fake, "hostname"), "w") as f:
            f.write("orig\n")
        self.config["linux"]["sysctl"] = {"kernel.hostname": "fromsysctl"}
        cid, p = self.run_with(RUNTIME, ["busybox", "hostname"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "fromsysctl")
        with open(os.path.join(fake, "hostname")) as f:
            self.assertEqual(f.read(), "orig\n")
        self.assert_clean(cid)


class SymlinkSwapTest(AttackFixture):
    """5. A volume shared with another container that swaps a directory on the path of a mount
    destination with a symlink out of the rootfs, while containers start."""

    def race(self, name, binary, runs):
        vol = os.path.join(self.tmp, f"vol-{name}")
        escape = os.path.join(self.tmp, "escape")
        os.makedirs(os.path.join(vol, "a", "b"))
        link = os.path.join(vol, "a", "s")
        os.symlink(escape, link)
        self.config["mounts"] = [m for m in self.config["mounts"] if m["destination"] not in ("/vol", "/vol/a/b/c")]
        self.add_mount("/vol", vol)
        self.add_mount("/vol/a/b/c", "tmpfs", ("nosuid",), type_="tmpfs")
        libc = ctypes.CDLL(None, use_errno=True)
        stop = threading.Event()

        def swapper():
            a, b = os.path.join(vol, "a", "b").encode(), link.encode()
            while not stop.is_set():
                libc.renameat2(-100, a, -100, b, 2)  # AT_FDCWD, RENAME_EXCHANGE

        t = threading.Thread(target=swapper, daemon=True)
        t.start()
        failures = 0
        try:
            for _ in range(runs):
                cid, p = self.run_with(binary, ["true"])
                self.delete(binary, cid)
                failures += p.returncode != 0
                self.assertFalse(os.path.exists(os.path.join(escape, "c")),
                                 "a mount point was created outside the rootfs")
        finally:
            stop.set()
            t.join()
        self.assertFalse(os.path.exists(escape))
        return failures

    def test_swapped_destination_never_escapes(self):
        for name, binary in self.runtimes():
            with self.subTest(runtime=name):
                self.race(name, binary, 60 if name == "wharf-runtime" else 20)


class CreatedInitTest(AttackFixture):
    """6. A process exec'd into a created container must not reach the runtime's fds (the
    caller's, the host pid namespace) or its binary through the init."""

    def test_created_init_exposes_nothing(self):
        secret = os.path.join(self.tmp, "caller-secret")
        with open(secret, "w") as f:
            f.write("s\n")
        cid = self.new_id()
        self.config["process"]["args"] = ["true"]
        self.write_config()
        fd = os.open(secret, os.O_RDONLY)
        try:
            subprocess.run(self.rt("create", "--bundle", self.bundle, cid), check=True, timeout=60, pass_fds=(fd,),
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            os.close(fd)
        # Without CAP_SYS_PTRACE: the init is not dumpable, its fds and exe are closed to us (the
        # fd numbers may be listed, as for any process of the same uid; not followed).
        for link in ("/proc/1/exe", "/proc/1/fd/0", "/proc/1/cwd"):
            p = subprocess.run(self.rt("exec", cid, "sh", "-c", f"busybox readlink {link}; echo rc=$?"),
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.stdout.strip(), "rc=1", f"{link}: {p.stdout} {p.stderr}")
        # With it, what is there is only what the init needs: stdio and the exec fifo.
        p = subprocess.run(self.rt("exec", "--cap", "CAP_SYS_PTRACE", cid, "sh", "-c",
                                   "for f in /proc/1/fd/*; do echo \"$f $(busybox readlink $f)\"; done"),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        links = [line.split(" ", 1)[1] for line in p.stdout.splitlines() if " " in line]
        self.assertTrue(links, p.stdout)
        for target in links:
            self.assertNotIn("pid:[", target)
            self.assertNotIn("caller-secret", target)
            self.assertFalse(target.startswith("/proc"), target)
        self.assertLessEqual(len(links), 4, links)


class LesserTest(AttackFixture):
    def test_state_dir_is_private(self):
        cid, p = self.run_with(RUNTIME, ["true"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.stat(self.root).st_mode & 0o777, 0o700)
        cache = os.path.join(self.root, ".seccomp-cache")
        if os.path.exists(cache):
            self.assertEqual(os.stat(cache).st_mode & 0o777, 0o700)

    def test_terminal_gets_dev_console(self):
        self.config["process"]["terminal"] = True
        cid, p = self.run_with(RUNTIME, ["sh", "-c", "busybox stat -c '%t:%T' /dev/console; busybox tty"],
                               stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        major, _, _ = p.stdout.split()[0].partition(":")
        self.assertEqual(int(major, 16), 136, p.stdout)  # a pty slave (Unix98 pts)

    def test_sysfs_fallback_is_read_only_below_too(self):
        # Without a network namespace sysfs is bound from the host: its submounts
        # (/sys/fs/cgroup/..., /sys/kernel/...) must be read-only as well.
        self.config["linux"]["namespaces"] = [n for n in self.config["linux"]["namespaces"]
                                              if n["type"] != "network"]
        self.config["mounts"] = [m for m in self.config["mounts"] if not m["destination"].startswith("/sys/fs/cgroup")]
        cid, p = self.run_with(RUNTIME, ["sh", "-c", "cat /proc/self/mountinfo"])
        self.assertEqual(p.returncode, 0, p.stderr)
        sys_mounts = [line.split() for line in p.stdout.splitlines() if line.split()[4].startswith("/sys")]
        self.assertGreater(len(sys_mounts), 1, "the host's /sys has submounts")
        for fields in sys_mounts:
            self.assertIn("ro", fields[5].split(","), fields)


class DockerdExecAttackTest(AttackFixture):
    """1 again, the way it was found: Debian's dockerd with a copy of wharf-runtime as its default
    runtime and `docker exec` into a container that watches /proc/*/exe."""

    def test_docker_exec_cannot_overwrite_the_runtime(self):
        from test_runtime_interop import ensure, wait_socket
        import tarfile
        if not ensure("docker.io", "dockerd"):
            self.skipTest("docker.io could not be installed")
        t = self.tmp
        victim = os.path.join(t, "victim", "wharf-runtime")
        os.makedirs(os.path.dirname(victim))
        shutil.copy(RUNTIME, victim)
        before = sha256(victim)
        tar = os.path.join(t, "image.tar")
        with tarfile.open(tar, "w") as tf:
            tf.add(self.rootfs, "")
            tf.add(ATTACKER, "bin/attacker")
        sock = f"{t}/docker.sock"
        d = subprocess.Popen(["dockerd", "--data-root", f"{t}/data", "--exec-root", f"{t}/exec", "-H",
                              f"unix://{sock}", "--pidfile", f"{t}/docker.pid", "--iptables=false",
                              "--ip6tables=false", "--bridge=none", "--ip-forward=false", "--ip-masq=false",
                              "--storage-driver", "vfs", "--add-runtime", f"wharf={victim}",
                              "--default-runtime", "wharf"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def stop_dockerd():
            d.terminate()
            try:
                d.wait(timeout=30)
            except subprocess.TimeoutExpired:
                d.kill()
                d.wait()
            with open("/proc/self/mountinfo") as f:
                points = [line.split()[4] for line in f if line.split()[4].startswith(t)]
            for point in sorted(points, key=len, reverse=True):
                subprocess.run(["umount", "-l", point], capture_output=True)
            for h in os.listdir("/sys/fs/cgroup"):
                cg = os.path.join("/sys/fs/cgroup", h, "docker")
                if os.path.isdir(cg) and not os.path.islink(os.path.join("/sys/fs/cgroup", h)):
                    for sub in os.listdir(cg):
                        if os.path.isdir(os.path.join(cg, sub)):
                            try:
                                os.rmdir(os.path.join(cg, sub))
                            except OSError:
                                pass

        self.undo.append(stop_dockerd)
        self.assertTrue(wait_socket(sock, d), "dockerd did not start")
        env = dict(os.environ, DOCKER_HOST=f"unix://{sock}")
        docker = ["docker"]
        subprocess.run(docker + ["import", tar, "attack:latest"], check=True, capture_output=True, env=env)
        report = os.path.join(self.out, "report")
        subprocess.run(docker + ["run", "-d", "--name", "atk", "--network", "none", "--cap-add", "SYS_PTRACE",
                                 "-v", f"{self.out}:/out", "attack", "/bin/attacker", "90", "/out/report"],
                       check=True, capture_output=True, env=env, timeout=120)
        try:
            self.assertTrue(wait_for(report + ".ready"), "the attacker did not start")
            for _ in range(5):
                p = subprocess.run(docker + ["exec", "atk", "true"], capture_output=True, text=True, env=env,
                                   timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
            time.sleep(0.5)
            open(report + ".stop", "w").close()
            self.assertTrue(wait_for(report), "the attacker wrote no report")
        finally:
            subprocess.run(docker + ["rm", "-f", "atk"], capture_output=True, env=env, timeout=60)
        with open(report) as f:
            result = f.read().strip()
        self.assertEqual(sha256(victim), before, f"wharf-runtime was overwritten through docker exec: {result}")
        self.assertRegex(result, r"opened=[1-9]", "the attacker never saw the runtime: the test proved nothing")


if __name__ == "__main__":
    unittest.main()
