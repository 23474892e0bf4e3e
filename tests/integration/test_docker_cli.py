"""The real docker CLI (28.x) and docker-py against wharfd (issue 2, point 9).

Skipped with a visible reason when the docker CLI is not on the PATH.
"""

import time
import unittest

import harness
from harness import DaemonTestCase, require_root


@require_root
@unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
class DockerCliTest(DaemonTestCase):
    def test_run_rm_echo(self):
        r = self.daemon.docker("run", "--rm", "busybox", "echo", "hi")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "hi\n")

    def test_exit_code(self):
        name = self.name()
        r = self.daemon.docker("run", "--name", name, "busybox", "sh", "-c", "exit 3")
        self.assertExit(r, 3)
        ps = self.daemon.docker("ps", "-a")
        self.assertExit(ps, 0)
        header = ps.out.splitlines()[0]
        self.assertEqual(header.split(), ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED",
                                          "STATUS", "PORTS", "NAMES"])
        line = next(l for l in ps.out.splitlines() if l.endswith(name))
        self.assertIn('"sh -c ', line)
        self.assertIn("Exited (3)", line)
        self.assertExit(self.daemon.docker("rm", name), 0)
        self.assertNotIn(name, self.daemon.docker("ps", "-a").out)

    def test_images(self):
        r = self.daemon.docker("images")
        self.assertExit(r, 0)
        rows = [l.split() for l in r.out.splitlines()[1:]]
        self.assertIn(["busybox", "latest"], [row[:2] for row in rows])
        r = self.daemon.docker("image", "inspect", "--format", "{{.Id}} {{json .Config.Cmd}}",
                               "busybox")
        self.assertExit(r, 0)
        self.assertRegex(r.out.strip(), r'^sha256:[0-9a-f]{64} \["sh"\]$')

    def test_version_shows_both_sides(self):
        r = self.daemon.docker("version")
        self.assertExit(r, 0)
        self.assertIn("Client:", r.out)
        self.assertIn("Server: wharf", r.out)
        self.assertIn("1.51 (minimum version 1.24)", r.out)

    def test_detached_logs_inspect_rm_force(self):
        name = self.name()
        r = self.daemon.docker("run", "-d", "--name", name, "-e", "GREETING=hello", "busybox",
                               "sh", "-c", 'echo "$GREETING"; exec sleep 300')
        self.assertExit(r, 0)
        cid = r.out.strip()
        deadline = time.time() + 10
        while time.time() < deadline:
            logs = self.daemon.docker("logs", name)
            if logs.out:
                break
            time.sleep(0.05)
        self.assertEqual(logs.out, "hello\n")
        r = self.daemon.docker("inspect", "--format", "{{.State.Status}} {{.Id}}", name)
        self.assertEqual(r.out.strip(), f"running {cid}")
        self.assertExit(self.daemon.docker("rm", "-f", name), 0)
        self.assertFalse(harness._cgroup_dirs_for(cid))

    def test_stdin_and_tty(self):
        # -i: stdin reaches the container through the hijacked attach; its end closes it
        r = self.daemon.docker("run", "-i", "--rm", "busybox", "sh", "-c", "cat; echo done",
                               input="line 1\nline 2\n")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "line 1\nline 2\ndone\n")
        # -t: one raw stream from a pty (\r\n line ends), stderr merged into it
        r = self.daemon.docker("run", "-t", "--rm", "busybox", "sh", "-c",
                               "echo out; echo err >&2; test -t 1 && echo tty", text=False)
        self.assertExit(r, 0)
        self.assertEqual(r.out, b"out\r\nerr\r\ntty\r\n")

    def test_unknown_image_and_missing_command(self):
        r = self.daemon.docker("run", "--rm", "--pull", "never", "nosuch-" + self.name())
        self.assertExit(r, 125)
        r = self.daemon.docker("run", "--rm", "busybox", "nosuchcmd")
        self.assertExit(r, 127)
        self.assertIn("executable file not found", r.err)


@require_root
class DockerPyTest(DaemonTestCase):
    def setUp(self):
        try:
            import docker  # Debian's python3-docker
        except ImportError:
            self.skipTest("python3-docker is not installed")
        self.client = docker.DockerClient(base_url=self.daemon.host, version="auto")
        self.addCleanup(self.client.close)

    def test_run_and_list(self):
        out = self.client.containers.run("busybox", ["echo", "from docker-py"], remove=True)
        self.assertEqual(out, b"from docker-py\n")
        tags = [t for img in self.client.images.list() for t in img.tags]
        self.assertIn("busybox:latest", tags)
        self.assertEqual(self.client.version()["Components"][0]["Name"], "Engine")

    def test_detached_wait(self):
        c = self.client.containers.run("busybox", ["sh", "-c", "echo x; exit 4"], detach=True,
                                       name=self.name())
        self.assertEqual(c.wait()["StatusCode"], 4)
        self.assertEqual(c.logs(), b"x\n")
        c.remove()


if __name__ == "__main__":
    unittest.main()
