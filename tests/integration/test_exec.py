"""exec and attach through the shim's task API (issue 10, items 3 and 4; issue 9's "attach
streams from the shim"): exit codes, stdin, -t/-d/-u/-w/-e, missing binaries, bad input with
docker's codes, attach with stdin and execs surviving a kill -9 of wharfd, resize, and the
/proc/*/exe attack during exec."""

import hashlib
import json
import os
import signal
import socket
import subprocess
import time
import unittest

from harness import BIN_DIR, DaemonTestCase, UnixHTTPConnection, require_root

ATTACKER = os.path.join(BIN_DIR, "wharf-exe-attacker")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@require_root
class ExecTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.box = "it-exec-" + os.urandom(3).hex()
        r = cls.daemon.wharf("run", "-d", "--name", cls.box, "busybox", "sleep", "600")
        if r.code != 0:
            cls.daemon.stop()
            raise RuntimeError(f"run: {r}")

    def api(self, method, path, body=None):
        conn = UnixHTTPConnection(self.daemon.sock)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, json.loads(data) if data.strip() else None
        finally:
            conn.close()

    def hijack_start(self, exec_id, body):
        """POST /exec/{id}/start with Upgrade: tcp; returns the connected socket."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(self.daemon.sock)
        payload = json.dumps(body).encode()
        s.sendall(b"POST /v1.51/exec/%s/start HTTP/1.1\r\nHost: localhost\r\n"
                  b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (exec_id.encode(), len(payload), payload))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(1)
            if not chunk:
                break
            head += chunk
        self.assertIn(b"101", head.split(b"\r\n")[0], head)
        return s

    # ---- through wharf ----------------------------------------------------------------------
    def test_exit_code_and_separate_streams(self):
        r = self.daemon.wharf("exec", self.box, "sh", "-c", "echo out; echo err >&2; exit 3")
        self.assertExit(r, 3)
        self.assertEqual(r.out, "out\n")
        self.assertEqual(r.err, "err\n")

    def test_exec_events_with_command_exit_code_and_exec_id(self):
        t0 = time.time()
        r = self.daemon.wharf("exec", self.box, "sh", "-c", "exit 4")
        self.assertExit(r, 4)
        t1 = time.time() + 0.5
        r = self.daemon.wharf("events", "--since", f"{t0:.3f}", "--until", f"{t1:.3f}",
                              "--filter", f"container={self.box}", "--format",
                              "{{.Action}}|{{.Actor.Attributes.exitCode}}|"
                              "{{.Actor.Attributes.execID}}|{{.Actor.Attributes.name}}")
        self.assertExit(r, 0)
        rows = [l.split("|") for l in r.out.splitlines() if l.startswith("exec_")]
        self.assertEqual([row[0] for row in rows],
                         ["exec_create: sh -c exit 4", "exec_start: sh -c exit 4", "exec_die"],
                         r.out)
        self.assertEqual(rows[2][1], "4")
        self.assertRegex(rows[0][2], r"^[0-9a-f]{64}$")
        self.assertEqual({row[2] for row in rows}, {rows[0][2]})
        self.assertEqual({row[3] for row in rows}, {self.box})

    def test_piped_stdin_reaches_the_process_and_ends_it(self):
        r = self.daemon.wharf("exec", "-i", self.box, "sh", "-c", "cat; echo done",
                              input="line1\nline2\n")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "line1\nline2\ndone\n")

    def test_user_workdir_env_and_env_file(self):
        env_file = os.path.join(self.daemon.tmp, "exec.env")
        with open(env_file, "w") as f:
            f.write("# comment\nFROM_FILE=yes\n")
        r = self.daemon.wharf("exec", "-u", "1000:1001", "-w", "/tmp", "-e", "A=1",
                              "--env-file", env_file, self.box, "sh", "-c",
                              "id -u; id -g; pwd; echo $A $FROM_FILE")
        self.assertExit(r, 0)
        self.assertEqual(r.out.split(), ["1000", "1001", "/tmp", "1", "yes"])
        # The container's own environment is kept underneath.
        r = self.daemon.wharf("exec", self.box, "sh", "-c", "echo $PATH")
        self.assertIn("/bin", r.out)

    def test_missing_and_non_executable_commands_are_127_and_126(self):
        r = self.daemon.wharf("exec", self.box, "no-such-binary")
        self.assertExit(r, 127)
        self.assertIn('exec: "no-such-binary": executable file not found in $PATH', r.out + r.err)
        r = self.daemon.wharf("exec", self.box, "/etc")
        self.assertExit(r, 126)
        self.assertIn("permission denied", r.out + r.err)

    def test_tty(self):
        r = self.daemon.wharf("exec", "-t", self.box, "sh", "-c", "tty; exit 5")
        self.assertExit(r, 5)
        self.assertIn("/dev/pts/", r.out)
        raw = self.daemon.docker("exec", "-t", self.box, "echo", "x", text=False)
        self.assertEqual(raw.out, b"x\r\n", "a TTY's output is raw")

    def test_detached_exec_runs_on_and_keeps_its_exit_code(self):
        marker = "/tmp/detached-" + os.urandom(3).hex()
        r = self.daemon.wharf("exec", "-d", self.box, "sh", "-c", f"sleep 0.3; touch {marker}")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.daemon.wharf("exec", self.box, "test", "-e", marker).code == 0:
                break
            time.sleep(0.1)
        else:
            self.fail("the detached exec did not run")
        # Its exit is recorded for inspect (through the API).
        st, created = self.api("POST", f"/containers/{self.box}/exec",
                               {"Cmd": ["sh", "-c", "exit 7"]})
        self.assertEqual(st, 201)
        st, _ = self.api("POST", f"/exec/{created['Id']}/start", {"Detach": True})
        self.assertEqual(st, 200)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            st, info = self.api("GET", f"/exec/{created['Id']}/json")
            if not info["Running"] and info["ExitCode"] is not None:
                break
            time.sleep(0.05)
        self.assertEqual(info["ExitCode"], 7)
        self.assertEqual(info["ProcessConfig"]["entrypoint"], "sh")
        self.assertEqual(info["ProcessConfig"]["arguments"], ["-c", "exit 7"])
        self.assertEqual(len(info["ContainerID"]), 64)
        self.assertGreater(info["Pid"], 0)
        # Starting it again is a conflict.
        st, body = self.api("POST", f"/exec/{created['Id']}/start", {"Detach": True})
        self.assertEqual(st, 409, body)

    def test_exec_output_never_reaches_the_container_log(self):
        token = "exec-only-" + os.urandom(4).hex()
        self.assertExit(self.daemon.wharf("exec", self.box, "echo", token), 0)
        logs = self.daemon.wharf("logs", self.box)
        self.assertNotIn(token, logs.out + logs.err)

    def test_stopped_container_and_bad_input(self):
        name = self.name()
        self.assertExit(self.daemon.wharf("create", "--name", name, "busybox", "true"), 0)
        r = self.daemon.wharf("exec", name, "true")
        self.assertExit(r, 1)
        self.assertRegex(r.err, r"Error response from daemon: container [0-9a-f]{64} is not running")
        st, body = self.api("POST", f"/containers/{name}/exec", {"Cmd": ["true"]})
        self.assertEqual(st, 409)
        self.assertEqual(self.daemon.wharf("rm", name).code, 0)
        st, body = self.api("POST", f"/containers/{self.box}/exec", {"Cmd": []})
        self.assertEqual((st, body["message"]), (400, "No exec command specified"))
        st, body = self.api("POST", f"/containers/{self.box}/exec", {"Cmd": "true", "Tty": "yes"})
        self.assertEqual(st, 400)
        st, body = self.api("POST", "/containers/no-such-container/exec", {"Cmd": ["true"]})
        self.assertEqual(st, 404)
        for method, path in (("GET", "/exec/nope/json"), ("POST", "/exec/nope/start"),
                             ("POST", "/exec/nope/resize?h=10&w=10")):
            st, body = self.api(method, path, {} if method == "POST" else None)
            self.assertEqual((st, body["message"]), (404, "No such exec instance: nope"), path)
        # Resize of a finished exec.
        st, created = self.api("POST", f"/containers/{self.box}/exec", {"Cmd": ["true"], "Tty": True})
        self.api("POST", f"/exec/{created['Id']}/start", {"Detach": True})
        deadline = time.monotonic() + 10
        while self.api("GET", f"/exec/{created['Id']}/json")[1]["Running"] and time.monotonic() < deadline:
            time.sleep(0.05)
        st, body = self.api("POST", f"/exec/{created['Id']}/resize?h=10&w=20")
        self.assertEqual(st, 409, body)
        r = self.daemon.wharf("exec", self.box)
        self.assertExit(r, 1)
        self.assertIn('"wharf exec" requires at least 2 arguments.', r.err)

    def test_resize_reaches_the_exec_tty(self):
        st, created = self.api("POST", f"/containers/{self.box}/exec",
                               {"Cmd": ["sh", "-c", "stty size; sleep 1; stty size"], "Tty": True,
                                "AttachStdout": True, "ConsoleSize": [33, 101]})
        self.assertEqual(st, 201)
        s = self.hijack_start(created["Id"], {"Detach": False, "Tty": True})
        try:
            time.sleep(0.4)
            st, _ = self.api("POST", f"/exec/{created['Id']}/resize?h=40&w=120")
            self.assertEqual(st, 200)
            out = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                out += chunk
        finally:
            s.close()
        self.assertEqual(out.replace(b"\r", b"").split(b"\n")[:2], [b"33 101", b"40 120"], out)

    # ---- through the docker CLI ---------------------------------------------------------------
    def test_docker_cli_exec(self):
        r = self.daemon.docker("exec", "-i", "-e", "X=y", self.box, "sh", "-c", "cat; echo $X; exit 2",
                               input="hello\n")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.out, "hello\ny\n")
        r = self.daemon.docker("exec", self.box, "no-such-binary")
        self.assertEqual(r.code, 127, r)
        r = self.daemon.docker("exec", "-d", self.box, "true")
        self.assertEqual(r.code, 0, r)

    # ---- daemon restarts ----------------------------------------------------------------------
    def test_attach_stdin_and_execs_survive_kill_9_of_wharfd(self):
        name = self.name()
        r = self.daemon.wharf("run", "-d", "-i", "--name", name, "busybox", "sh", "-c",
                              "read l; echo got $l")
        self.assertExit(r, 0)
        st, created = self.api("POST", f"/containers/{self.box}/exec", {"Cmd": ["sleep", "30"]})
        self.api("POST", f"/exec/{created['Id']}/start", {"Detach": True})
        self.daemon.stop_daemon(sig=signal.SIGKILL)
        self.daemon.start()
        r = self.daemon.wharf("attach", name, input="after-restart\n", timeout=30)
        self.assertExit(r, 0)
        self.assertEqual(r.out, "got after-restart\n")
        # The exec still runs in the shim, which still knows it.
        ps = self.daemon.wharf("exec", self.box, "ps")
        self.assertIn("sleep 30", ps.out)
        st, info = self.api("GET", f"/exec/{created['Id']}/json")
        self.assertEqual(st, 200, info)
        self.assertTrue(info["Running"])
        self.daemon.wharf("rm", "-f", name)

    # ---- security -----------------------------------------------------------------------------
    @unittest.skipUnless(os.path.exists(ATTACKER), "wharf-exe-attacker not built")
    def test_exec_cannot_open_a_host_binary_for_writing(self):
        """CVE-2019-5736 through the daemon: a container with CAP_SYS_PTRACE watching
        /proc/*/exe while execs enter it must never get a host binary to write."""
        name = self.name()
        victims = [os.path.join(BIN_DIR, b) for b in ("wharf-shim", "wharfd")]
        before = [sha256(v) for v in victims]
        self.assertGreater(os.path.getsize(ATTACKER), 65536, "the copy below must cross a pipe's size")
        self.assertExit(self.daemon.wharf("run", "-d", "--cap-add", "SYS_PTRACE", "--name", name,
                                          "busybox", "sleep", "300"), 0)
        try:
            with open(ATTACKER, "rb") as f:
                p = subprocess.run([os.path.join(BIN_DIR, "wharf"), "-H", self.daemon.host, "exec",
                                    "-i", name, "sh", "-c",
                                    "cat > /bin/attacker && chmod 755 /bin/attacker"],
                                   stdin=f, capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p)
            size = self.daemon.wharf("exec", name, "stat", "-c", "%s", "/bin/attacker").out.strip()
            self.assertEqual(size, str(os.path.getsize(ATTACKER)), "exec -i lost stdin bytes")
            self.assertExit(self.daemon.wharf("exec", "-d", name, "/bin/attacker", "20", "/report"), 0)
            deadline = time.monotonic() + 20
            while self.daemon.wharf("exec", name, "test", "-e", "/report.ready").code != 0:
                self.assertLess(time.monotonic(), deadline, "the attacker did not start")
                time.sleep(0.1)
            for _ in range(8):
                r = self.daemon.wharf("exec", name, "true")
                self.assertExit(r, 0)
                self.assertNotIn("OWNED", r.out)
            self.daemon.wharf("exec", name, "touch", "/report.stop")
            deadline = time.monotonic() + 30
            while self.daemon.wharf("exec", name, "test", "-e", "/report").code != 0:
                self.assertLess(time.monotonic(), deadline, "the attacker wrote no report")
                time.sleep(0.1)
            report = self.daemon.wharf("exec", name, "cat", "/report").out.strip()
        finally:
            self.daemon.wharf("rm", "-f", name)
        print(f"\n  attacker: {report}")
        self.assertIn("written=0", report, report)
        # The attack reached exec'd processes' executables (and found them read-only, EROFS).
        opened = int(report.split("opened=")[1].split()[0])
        self.assertGreater(opened, 0, f"the attacker never saw an exec'd process: {report}")
        self.assertEqual([sha256(v) for v in victims], before, report)


if __name__ == "__main__":
    unittest.main()
