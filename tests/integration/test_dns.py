"""The embedded DNS server (127.0.0.11) and network connect/disconnect of running containers
(issue 12): names, aliases and short ids of the containers on the same user networks,
forwarding to upstream servers, and a second network plugged into a running container.

No real DNS: the upstreams are stub servers this test runs on loopback addresses of its own
(127.x.y.z:53, UDP and TCP, fixed answers), given to wharfd with --dns (and to one container
with its own --dns). Queries into a running container's namespace come from sockets this
test makes inside it (setns on a thread of their own). Everything is removed at the end.
"""

import ctypes
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import Daemon, require_root

CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)


# ---- a DNS message or two, by hand ---------------------------------------------------------
def build_query(name, qtype=1, qid=None):
    qid = random.randrange(65536) if qid is None else qid
    out = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0" + struct.pack(">HH", qtype, 1)


def read_name(msg, off):
    labels, jumped, end = [], False, off
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off, jumped = ((n & 0x3F) << 8) | msg[off + 1], True
            continue
        if n == 0:
            return ".".join(labels), (end if jumped else off + 1)
        labels.append(msg[off + 1:off + 1 + n].decode())
        off += 1 + n


def parse_response(msg):
    """(id, rcode, flags, [A addresses or PTR names])"""
    qid, flags, qd, an, _, _ = struct.unpack(">HHHHHH", msg[:12])
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    answers = []
    for _ in range(an):
        _, off = read_name(msg, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        if rtype == 1:
            answers.append(socket.inet_ntoa(msg[off:off + 4]))
        elif rtype == 12:
            answers.append(read_name(msg, off)[0])
        off += rdlen
    return qid, flags & 0xF, flags, answers


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


class StubDns:
    """An upstream DNS server on 127.x.y.z:53 (UDP and TCP): A records for its names,
    NXDOMAIN for the rest. Records every name it was asked, with the protocol."""

    def __init__(self, records):
        self.records = records
        self.seen = []
        for _ in range(20):
            self.ip = "127.%d.%d.%d" % (random.randrange(1, 255), random.randrange(1, 255),
                                        random.randrange(2, 255))
            try:
                self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.udp.bind((self.ip, 53))
                self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.tcp.bind((self.ip, 53))
                self.tcp.listen(8)
                break
            except OSError:
                self.udp.close()
                continue
        self.stopped = False
        self.threads = [threading.Thread(target=self._serve_udp, daemon=True),
                        threading.Thread(target=self._serve_tcp, daemon=True)]
        for t in self.threads:
            t.start()

    def answer(self, q, proto):
        qid, flags = struct.unpack(">HH", q[:4])
        name, off = read_name(q, 12)
        qtype = struct.unpack(">H", q[off:off + 2])[0]
        self.seen.append((proto, name.lower()))
        question = q[12:off + 4]
        ip = self.records.get(name.lower())
        if ip is None:
            return struct.pack(">HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
        if qtype != 1:
            return struct.pack(">HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question
        rr = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(ip)
        return struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr

    def _serve_udp(self):
        while not self.stopped:
            try:
                q, peer = self.udp.recvfrom(4096)
                self.udp.sendto(self.answer(q, "udp"), peer)
            except (OSError, IndexError, struct.error):
                if self.stopped:
                    return

    def _serve_tcp(self):
        while not self.stopped:
            try:
                c, _ = self.tcp.accept()
            except OSError:
                return
            with c:
                try:
                    n = struct.unpack(">H", recv_exact(c, 2))[0]
                    a = self.answer(recv_exact(c, n), "tcp")
                    c.sendall(struct.pack(">H", len(a)) + a)
                except (OSError, IndexError, struct.error):
                    pass

    def close(self):
        self.stopped = True
        for s in (self.udp, self.tcp):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for t in self.threads:
            t.join(2)


def links():
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def socket_in_netns(path, kind):
    """A socket made inside the network namespace bound at `path` (a thread enters it and
    ends; the socket stays in that namespace)."""
    out = {}

    def run():
        fd = os.open(path, os.O_RDONLY)
        try:
            if LIBC.setns(fd, CLONE_NEWNET) != 0:
                out["err"] = OSError(ctypes.get_errno(), "setns " + path)
            else:
                out["sock"] = socket.socket(socket.AF_INET, kind)
        finally:
            os.close(fd)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "err" in out:
        raise out["err"]
    return out["sock"]


def query_in(netns, name, qtype=1, tcp=False, raw=None, timeout=5):
    """Asks 127.0.0.11 inside `netns`; returns parse_response() of the answer, or None when
    nothing came back (raw: send these bytes instead of a query)."""
    msg = raw if raw is not None else build_query(name, qtype)
    s = socket_in_netns(netns, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    with s:
        s.settimeout(timeout)
        try:
            if tcp:
                s.connect(("127.0.0.11", 53))
                s.sendall(struct.pack(">H", len(msg)) + msg)
                n = struct.unpack(">H", recv_exact(s, 2))[0]
                reply = recv_exact(s, n)
            else:
                s.sendto(msg, ("127.0.0.11", 53))
                reply = s.recv(65535)
        except socket.timeout:
            return None
    return parse_response(reply)


def nslookup_ips(out):
    """The addresses busybox nslookup printed in its answers ("Address: 1.2.3.4"; the
    server's own line is "Address:<tab>127.0.0.11:53")."""
    return re.findall(r"(?:^|\| )Address: (\d+\.\d+\.\d+\.\d+)$", out, re.M)


@require_root
class DnsTest(unittest.TestCase):
    daemon = None

    @classmethod
    def setUpClass(cls):
        cls.upstream = StubDns({"external.test": "192.0.2.55", "both.test": "192.0.2.56"})
        cls.own_upstream = StubDns({"external.test": "198.51.100.7"})
        cls.daemon = Daemon(["--dns", cls.upstream.ip])
        try:
            cls.daemon.start()
            cls.daemon.bootstrap_busybox()
        except Exception:
            cls.daemon.stop()
            cls.upstream.close()
            cls.own_upstream.close()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.daemon is not None:
            cls.daemon.stop()
        cls.upstream.close()
        cls.own_upstream.close()

    # -- helpers ------------------------------------------------------------------------------
    def name(self):
        return harness.random_name()

    def run_ok(self, *args, timeout=60):
        r = self.daemon.wharf(*args, timeout=timeout)
        self.assertEqual(r.code, 0, f"{r}\n--- wharfd log ---\n{self.daemon.log()}")
        return r.out

    def network(self, *args):
        n = self.name()
        self.run_ok("network", "create", *args, n)
        self.addCleanup(self.daemon.wharf, "network", "rm", n)
        return n

    def sleeper(self, net, *extra):
        n = self.name()
        self.run_ok("run", "-d", "--name", n, "--network", net, *extra, "busybox", "sleep", "600")
        self.addCleanup(self.daemon.wharf, "rm", "-f", n)
        return self.daemon.inspect(n)

    def netns(self, info):
        return os.path.join(self.daemon.exec_root, "netns", info["Id"])

    def ip_on(self, info, net):
        return info["NetworkSettings"]["Networks"][net]["IPAddress"]

    # -- tests --------------------------------------------------------------------------------
    def test_peers_resolve_by_name_alias_and_short_id_only_on_the_same_network(self):
        net1, net2 = self.network(), self.network()
        srv = self.sleeper(net1, "--network-alias", "db")
        ip = self.ip_on(srv, net1)
        sid = srv["Id"][:12]
        name = srv["Name"].lstrip("/")
        out = self.run_ok("run", "--rm", "--network", net1, "busybox", "sh", "-c",
                          f"cat /etc/resolv.conf; nslookup {name}; nslookup db; "
                          f"nslookup {sid}")
        self.assertIn("nameserver 127.0.0.11", out)
        self.assertNotIn(f"nameserver {self.upstream.ip}", out)
        # busybox nslookup asks the server itself (no /etc/hosts): the answers are the DNS's.
        self.assertIn("Server:\t\t127.0.0.11", out)
        self.assertEqual(nslookup_ips(out), [ip, ip, ip], out)
        # PTR of the address: <name>.<network>.
        r = query_in(self.netns(srv), ".".join(reversed(ip.split("."))) + ".in-addr.arpa", 12)
        self.assertEqual(r[3], [f"{name}.{net1}"])
        # AAAA of a container: no data, no error (and not asked upstream).
        r = query_in(self.netns(srv), "db", 28)
        self.assertEqual((r[1], r[3]), (0, []))
        # Another network: none of these names, and the upstream says NXDOMAIN.
        r = self.daemon.wharf("run", "--rm", "--network", net2, "busybox", "sh", "-c",
                              f"nslookup {name}; nslookup db")
        self.assertNotIn(ip, r.out)
        self.assertIn("NXDOMAIN", r.out + r.err)
        self.assertIn(("udp", "db"), self.upstream.seen)

    def test_external_names_go_to_the_upstreams_udp_and_tcp(self):
        net = self.network()
        out = self.run_ok("run", "--rm", "--network", net, "busybox", "nslookup",
                          "external.test")
        self.assertEqual(nslookup_ips(out), ["192.0.2.55"], out)
        r = self.daemon.wharf("run", "--rm", "--network", net, "busybox", "nslookup",
                              "missing.test")
        self.assertIn("NXDOMAIN", r.out + r.err)
        # The container's own --dns is its upstream (reached from the host's namespace).
        out = self.run_ok("run", "--rm", "--network", net, "--dns", self.own_upstream.ip,
                          "busybox", "sh", "-c", "cat /etc/resolv.conf; nslookup external.test")
        self.assertIn("nameserver 127.0.0.11", out)
        self.assertEqual(nslookup_ips(out), ["198.51.100.7"], out)
        # TCP in, TCP out; the default bridge keeps the daemon's --dns as its nameserver.
        c = self.sleeper(net)
        before = len([s for s in self.upstream.seen if s == ("tcp", "both.test")])
        r = query_in(self.netns(c), "both.test", tcp=True)
        self.assertEqual((r[1], r[3]), (0, ["192.0.2.56"]))
        self.assertEqual(len([s for s in self.upstream.seen if s == ("tcp", "both.test")]),
                         before + 1)
        r = query_in(self.netns(c), c["Name"].lstrip("/"), tcp=True)
        self.assertEqual(r[3], [self.ip_on(c, net)])
        out = self.run_ok("run", "--rm", "busybox", "cat", "/etc/resolv.conf")
        self.assertIn(f"nameserver {self.upstream.ip}", out)
        self.assertNotIn("127.0.0.11", out)

    def test_malformed_queries_get_formerr_or_nothing_and_the_server_lives_on(self):
        net = self.network()
        c = self.sleeper(net)
        ns, name = self.netns(c), c["Name"].lstrip("/")
        good = build_query(name, qid=0x4242)
        # Cut short: FORMERR with the id.
        r = query_in(ns, "", raw=good[:-3])
        self.assertEqual((r[0], r[1]), (0x4242, 1))
        # A compression loop (the name points at itself).
        loop = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01"
        self.assertEqual(query_in(ns, "", raw=loop)[1], 1)
        # Too short for a header, and a response: no answer at all.
        self.assertIsNone(query_in(ns, "", raw=b"\x01\x02\x03", timeout=1))
        self.assertIsNone(query_in(ns, "", raw=struct.pack(">HHHHHH", 1, 0x8180, 0, 0, 0, 0),
                                   timeout=1))
        # A TCP message announcing more than it sends, then closing: the server carries on.
        s = socket_in_netns(ns, socket.SOCK_STREAM)
        with s:
            s.connect(("127.0.0.11", 53))
            s.sendall(b"\xff\xff\x00\x01")
        r = query_in(ns, name)
        self.assertEqual(r[3], [self.ip_on(c, net)])

    def test_connect_and_disconnect_a_running_container(self):
        started = int(time.time()) - 1
        net1, net2 = self.network(), self.network("--internal")
        srv = self.sleeper(net1, "--network-alias", "db")
        other = self.sleeper(net2)
        oname, sname = other["Name"].lstrip("/"), srv["Name"].lstrip("/")
        # Before: other (on an internal network: nothing is forwarded) does not know srv.
        r = query_in(self.netns(other), sname)
        self.assertEqual((r[1], r[3]), (2, []))  # SERVFAIL, as docker
        cli = self.daemon.docker if harness.docker_cli() else self.daemon.wharf
        r = cli("network", "connect", "--alias", "late", net1, oname)
        self.assertEqual(r.code, 0, f"{r}\n{self.daemon.log()}")
        info = self.daemon.inspect(oname)
        self.assertEqual(set(info["NetworkSettings"]["Networks"]), {net1, net2})
        ip = self.ip_on(info, net1)
        addrs = subprocess.run(["nsenter", "--net=" + self.netns(other), "ip", "-o", "-4",
                                "addr"], capture_output=True, text=True).stdout
        self.assertRegex(addrs, r"eth1\s+inet " + ip.replace(".", r"\.") + "/")
        # It resolves its new peers, they resolve it (name and alias) and reach it.
        self.assertEqual(query_in(self.netns(other), "db")[3], [self.ip_on(srv, net1)])
        self.assertEqual(query_in(self.netns(srv), oname)[3], [ip])
        out = self.run_ok("run", "--rm", "--network", net1, "busybox", "sh", "-c",
                          f"nslookup late && ping -c 1 -W 3 {oname}")
        self.assertIn(ip, out)
        self.assertIn("1 packets received", out)
        # docker's errors.
        r = cli("network", "connect", net1, oname)
        self.assertEqual(r.code, 1)
        self.assertIn(f"endpoint with name {oname} already exists in network {net1}", r.err)
        r = cli("network", "connect", net1, "no-such-container-" + self.name())
        self.assertEqual(r.code, 1)
        self.assertIn("No such container", r.err)
        # Disconnect: the address, the name and the route go at once.
        events = self.daemon.wharf("events", "--since", str(started), "--until",
                                   str(int(time.time()) + 1),
                                   "--filter", "type=network", "--format", "{{.Action}}")
        self.assertIn("connect", events.out.split(), f"{events}")
        r = cli("network", "disconnect", net1, oname)
        self.assertEqual(r.code, 0, f"{r}\n{self.daemon.log()}")
        self.assertEqual(set(self.daemon.inspect(oname)["NetworkSettings"]["Networks"]), {net2})
        r = query_in(self.netns(srv), oname)
        self.assertEqual(r[3], [])
        self.assertNotIn("eth1", subprocess.run(
            ["nsenter", "--net=" + self.netns(other), "ip", "-o", "link"],
            capture_output=True, text=True).stdout)
        r = cli("network", "disconnect", net1, oname)
        self.assertEqual(r.code, 1)
        self.assertIn(f"is not connected to network {net1}", r.err)
        # A container started on the default bridge gets the DNS server when it joins a
        # user network: its resolv.conf (rewritten in place) asks 127.0.0.11.
        b = self.sleeper("bridge")
        bname = b["Name"].lstrip("/")
        resolv = os.path.join(self.daemon.data_root, "containers", b["Id"], "resolv.conf")
        with open(resolv) as f:
            self.assertNotIn("127.0.0.11", f.read())
        self.run_ok("network", "connect", net1, bname)
        with open(resolv) as f:
            self.assertIn("nameserver 127.0.0.11", f.read())
        self.assertEqual(query_in(self.netns(b), "db")[3], [self.ip_on(srv, net1)])
        # A network connected while it ran comes back at its next start.
        self.run_ok("network", "connect", net1, oname)
        self.run_ok("restart", "-t", "0", oname)
        info = self.daemon.inspect(oname)
        self.assertEqual(set(info["NetworkSettings"]["Networks"]), {net1, net2})
        self.assertEqual(query_in(self.netns(info), sname)[3], [self.ip_on(srv, net1)])
        self.run_ok("network", "disconnect", net1, oname)

    @unittest.skipUnless(shutil.which("docker-compose"), "docker-compose is not installed")
    def test_compose_service_names_resolve_with_nslookup(self):
        proj = "wt" + self.name().split("-")[1]
        d = tempfile.mkdtemp(dir=self.daemon.tmp)
        with open(os.path.join(d, "docker-compose.yml"), "w") as f:
            f.write(COMPOSE)
        env = dict(os.environ, DOCKER_HOST=self.daemon.host)
        env.pop("DOCKER_CONTEXT", None)

        def compose(*args):
            return subprocess.run(["docker-compose", "-p", proj, *args], cwd=d, env=env,
                                  capture_output=True, text=True, timeout=180)
        self.addCleanup(compose, "down")
        r = compose("up", "--no-color", "--abort-on-container-exit", "--exit-code-from",
                    "client")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Server:\t\t127.0.0.11", r.stdout)
        net = json.loads(self.run_ok("network", "inspect", proj + "_backend"))[0]
        ips = nslookup_ips(r.stdout)
        self.assertEqual(len(ips), 1, r.stdout)
        self.assertTrue(ips[0].startswith(net["IPAM"]["Config"][0]["Subnet"].rsplit(".", 2)[0]))
        r = compose("down")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


COMPOSE = """version: "3.8"
services:
  web:
    image: busybox
    command: sleep 600
    networks: [backend]
  client:
    image: busybox
    depends_on: [web]
    command: nslookup web
    networks: [backend]
networks:
  backend: {}
"""


@require_root
class DnsLiveRestoreTest(unittest.TestCase):
    def test_daemon_restart_serves_dns_again_and_stop_closes_it(self):
        stub = StubDns({"external.test": "192.0.2.99"})
        d = Daemon(["--dns", stub.ip])
        try:
            d.start()
            d.bootstrap_busybox()
            net = "n" + harness.random_name()
            self.assertEqual(d.wharf("network", "create", net).code, 0)
            r = d.wharf("run", "-d", "--name", "web", "--network", net, "busybox", "sleep",
                        "600")
            self.assertEqual(r.code, 0, r)
            info = d.inspect("web")
            ns = os.path.join(d.exec_root, "netns", info["Id"])
            ip = info["NetworkSettings"]["Networks"][net]["IPAddress"]
            self.assertEqual(query_in(ns, "web")[3], [ip])
            with open(os.path.join(d.data_root, "network",
                                   info["NetworkSettings"]["Networks"][net]["NetworkID"] +
                                   ".json")) as f:
                veth = json.load(f)["endpoints"][info["Id"]]["hostVeth"]
            self.assertIn(veth + "@", links())
            d.stop_daemon()
            # The daemon is gone, and its sockets with it.
            self.assertIsNone(query_in(ns, "web", timeout=1))
            d.start()
            self.assertEqual(query_in(ns, "web")[3], [ip])
            self.assertEqual(query_in(ns, "external.test")[3], ["192.0.2.99"])
            # Stopped: the namespace goes (no socket of the DNS server holds it), and the
            # kernel deletes the veth with it.
            self.assertEqual(d.wharf("stop", "-t", "0", "web").code, 0)
            self.assertFalse(os.path.exists(ns))
            deadline = time.time() + 5
            while veth + "@" in links() and time.time() < deadline:
                time.sleep(0.05)
            self.assertNotIn(veth + "@", links())
            self.assertEqual(d.wharf("rm", "web").code, 0)
            self.assertEqual(d.wharf("network", "rm", net).code, 0)
        finally:
            d.stop()
            stub.close()
        self.assertNotIn(d.bridge + ":", links())


if __name__ == "__main__":
    unittest.main()
