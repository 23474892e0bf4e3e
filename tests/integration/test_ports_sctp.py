"""sctp published ports (`-p 5000:5000/sctp`): the DNAT rule in wharf's own table, inspect,
`port` and `ps` as docker shows them; traffic through the rule when the kernel has SCTP
sockets (it is skipped, with the reason, where it has none: a client needs one).

Traffic goes only to loopback and to the namespace of a container this test's daemon made.
"""

import os
import random
import socket
import subprocess
import threading
import unittest

import harness
from harness import DaemonTestCase, require_root


def kernel_has_sctp():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP).close()
        return True
    except OSError:
        return False


@require_root
class SctpPortTest(DaemonTestCase):
    def table(self):
        t = "wharf_" + "".join(c if c.isalnum() else "_" for c in self.daemon.bridge)
        return subprocess.run(["nft", "list", "table", "inet", t], capture_output=True,
                              text=True).stdout

    def test_publish_inspect_port_ps_and_rule(self):
        d = self.daemon
        name = self.name()
        host_port = random.randrange(20000, 30000)
        r = d.wharf("run", "-d", "--name", name, "-p", f"{host_port}:5000/sctp", "busybox",
                    "sleep", "300")
        self.assertExit(r, 0)
        self.addCleanup(d.wharf, "rm", "-f", name)
        info = d.inspect(name)
        ip = info["NetworkSettings"]["IPAddress"]
        self.assertEqual(info["NetworkSettings"]["Ports"]["5000/sctp"],
                         [{"HostIp": "0.0.0.0", "HostPort": str(host_port)}])
        self.assertEqual(info["HostConfig"]["PortBindings"]["5000/sctp"][0]["HostPort"],
                         str(host_port))
        r = d.wharf("port", name, "5000/sctp")
        self.assertExit(r, 0)
        self.assertEqual(r.out.strip(), f"0.0.0.0:{host_port}")
        r = d.wharf("ps", "--filter", f"name={name}", "--format", "{{.Ports}}")
        self.assertEqual(r.out.strip(), f"0.0.0.0:{host_port}->5000/sctp")
        self.assertIn(f"{host_port} : {ip} . 5000", self.table())
        d.wharf("rm", "-f", name)
        self.assertNotIn(f"{host_port} : {ip} . 5000", self.table())

    @unittest.skipUnless(kernel_has_sctp(),
                         "this kernel has no SCTP sockets (socket(IPPROTO_SCTP): EPROTONOSUPPORT), "
                         "so no SCTP client or server can run here")
    def test_traffic_through_the_rule(self):
        """An SCTP echo server in the container's namespace (entered by this test), a client
        on the host's loopback through the DNAT rule."""
        d = self.daemon
        name = self.name()
        host_port = random.randrange(20000, 30000)
        r = d.wharf("run", "-d", "--name", name, "-p", f"{host_port}:5000/sctp", "busybox",
                    "sleep", "300")
        self.assertExit(r, 0)
        self.addCleanup(d.wharf, "rm", "-f", name)
        pid = d.inspect(name)["State"]["Pid"]
        ready, got = threading.Event(), []

        def serve():
            fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
            os.setns(fd, os.CLONE_NEWNET)
            os.close(fd)
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
            srv.bind(("0.0.0.0", 5000))
            srv.listen(1)
            srv.settimeout(10)
            ready.set()
            conn, _ = srv.accept()
            got.append(conn.recv(100))
            conn.sendall(b"pong")
            conn.close()
            srv.close()

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        self.assertTrue(ready.wait(10))
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
        c.settimeout(10)
        c.connect(("127.0.0.1", host_port))
        c.sendall(b"ping")
        self.assertEqual(c.recv(100), b"pong")
        c.close()
        t.join(10)
        self.assertEqual(got, [b"ping"])

    @unittest.skipIf(kernel_has_sctp(), "the kernel has SCTP: a free port can be chosen")
    def test_random_port_needs_kernel_sctp(self):
        r = self.daemon.wharf("run", "--rm", "-p", "5000/sctp", "busybox", "true")
        self.assertEqual(r.code, 125, r)
        self.assertIn("choose a free sctp host port", r.err)

    @unittest.skipUnless(kernel_has_sctp(),
                         "this kernel has no SCTP sockets (socket(IPPROTO_SCTP): EPROTONOSUPPORT)")
    def test_random_port_with_kernel_sctp(self):
        name = self.name()
        r = self.daemon.wharf("run", "-d", "--name", name, "-p", "5000/sctp", "busybox",
                              "sleep", "300")
        self.assertExit(r, 0)
        self.addCleanup(self.daemon.wharf, "rm", "-f", name)
        ports = self.daemon.inspect(name)["NetworkSettings"]["Ports"]["5000/sctp"]
        self.assertNotEqual(ports[0]["HostPort"], "0")


if __name__ == "__main__":
    unittest.main()
