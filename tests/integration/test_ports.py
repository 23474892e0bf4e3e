"""Published ports (issue 12): -p, -P, --expose and `wharf port` through the wharf CLI, the
docker CLI and docker-compose; DNAT in the daemon's own nftables table, reachable on
127.0.0.1, on the host's other addresses and from other containers (hairpin); a port in use
fails the start and leaves nothing; rules go with the container and come back after a
daemon restart (live restore).

Traffic goes to loopback, to the host's own addresses and to the containers' namespaces only;
each daemon has its own bridge and table (harness.Daemon).
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import Daemon, DaemonTestCase, docker_cli, require_root
from image_fixture import rootfs_tar

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url, timeout=3):
    with NO_PROXY.open(url, timeout=timeout) as r:
        return r.read().decode()


def free_port(kind=socket.SOCK_STREAM):
    """A port nothing holds right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


def host_address():
    """An IPv4 address of this host that is neither loopback nor a bridge of ours, or None."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        dev, addr = parts[1], parts[3].split("/")[0]
        if not dev.startswith(("wt", "br-", "wharf", "docker", "veth")):
            return addr
    return None


def table_of(daemon):
    return "wharf_" + "".join(c if c.isalnum() else "_" for c in daemon.bridge)


def nft_table(daemon):
    return subprocess.run(["nft", "list", "table", "inet", table_of(daemon)],
                          capture_output=True, text=True).stdout


def map_elements(daemon):
    """The elements of the pub_* maps, as nft prints them (one string per map)."""
    out = nft_table(daemon)
    maps, cur = {}, None
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("map pub_"):
            cur = s.split()[1]
            maps[cur] = ""
        elif cur and s.startswith("elements"):
            maps[cur] += s
        elif cur and s == "}":
            cur = None
        elif cur and maps[cur].startswith("elements") and not s.startswith(("type", "flags")):
            maps[cur] += s
    return maps


def wait_http(url, want, timeout=15):
    deadline = time.time() + timeout
    while True:
        try:
            body = http_get(url)
            if want in body:
                return body
        except OSError as e:
            body = repr(e)
        if time.time() > deadline:
            raise AssertionError(f"{url}: wanted {want!r}, got {body!r}")
        time.sleep(0.2)


HTTPD = ("mkdir -p /www && echo hello-from-{name} > /www/index.html && "
         "exec httpd -f -p {port} -h /www")

# busybox's nc speaks the HTTP (its static wget crashes in getaddrinfo).
NC_GET = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {} {}"

UDP_ECHO = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind(('0.0.0.0', 9999))\n"
            "while True:\n"
            "    d, a = s.recvfrom(2048)\n"
            "    s.sendto(b'echo:' + d, a)\n")


@require_root
class PortsTest(DaemonTestCase):
    def run_ok(self, *args, timeout=60):
        r = self.daemon.wharf(*args, timeout=timeout)
        self.assertExit(r, 0)
        return r.out

    def web(self, name, *publish, port=80, image="busybox"):
        self.run_ok("run", "-d", "--name", name, *publish, image, "sh", "-c",
                    HTTPD.format(name=name, port=port))
        self.addCleanup(self.daemon.wharf, "rm", "-f", name)

    def test_publish_serves_on_localhost_and_host_addresses(self):
        name, port = self.name(), free_port()
        self.web(name, "-p", f"{port}:80")
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        addr = host_address()
        if addr:
            wait_http(f"http://{addr}:{port}/", f"hello-from-{name}")
        info = self.daemon.inspect(name)
        self.assertEqual(info["HostConfig"]["PortBindings"],
                         {"80/tcp": [{"HostIp": "", "HostPort": str(port)}]})
        self.assertEqual(info["NetworkSettings"]["Ports"],
                         {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(port)}]})
        self.assertIn("80/tcp", info["Config"]["ExposedPorts"])
        ps = self.run_ok("ps", "--filter", f"name={name}", "--format", "{{.Ports}}")
        self.assertEqual(ps.strip(), f"0.0.0.0:{port}->80/tcp")
        self.assertEqual(self.run_ok("port", name).strip(), f"80/tcp -> 0.0.0.0:{port}")
        self.assertEqual(self.run_ok("port", name, "80").strip(), f"0.0.0.0:{port}")
        r = self.daemon.wharf("port", name, "81/tcp")
        self.assertEqual(r.code, 1)
        self.assertIn(f"No public port '81/tcp' published for {name}", r.err)
        # The host port is held: nothing else can take it while the container runs.
        with socket.socket() as s:
            with self.assertRaises(OSError):
                s.bind(("0.0.0.0", port))

    def test_random_ports_on_one_address_and_ranges(self):
        name = self.name()
        self.run_ok("run", "-d", "--name", name, "-p", "127.0.0.1::80", "-p", "81",
                    "busybox", "sh", "-c",
                    f"mkdir -p /www && echo hello-from-{name} > /www/index.html && "
                    "httpd -p 81 -h /www && exec httpd -f -p 80 -h /www")
        self.addCleanup(self.daemon.wharf, "rm", "-f", name)
        ports = self.daemon.inspect(name)["NetworkSettings"]["Ports"]
        p80, p81 = ports["80/tcp"][0], ports["81/tcp"][0]
        self.assertEqual(p80["HostIp"], "127.0.0.1")
        self.assertEqual(p81["HostIp"], "0.0.0.0")
        lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
        for p in (p80, p81):
            self.assertTrue(lo <= int(p["HostPort"]) <= hi, p)
        wait_http(f"http://127.0.0.1:{p80['HostPort']}/", f"hello-from-{name}")
        wait_http(f"http://127.0.0.1:{p81['HostPort']}/", f"hello-from-{name}")
        # Bound to 127.0.0.1 only: not published on the host's other addresses.
        addr = host_address()
        if addr:
            with self.assertRaises(OSError):
                http_get(f"http://{addr}:{p80['HostPort']}/", timeout=1)
        out = self.run_ok("port", name).splitlines()
        self.assertEqual(out, [f"80/tcp -> 127.0.0.1:{p80['HostPort']}",
                               f"81/tcp -> 0.0.0.0:{p81['HostPort']}"])
        # A range: consecutive ports, grouped in the PORTS column as docker does.
        base = free_port()
        while any(not self._free(base + i) for i in range(3)):
            base = free_port()
        rname = self.name()
        self.run_ok("create", "--name", rname, "-p", f"{base}-{base + 2}:{base}-{base + 2}",
                    "busybox", "sleep", "60")
        self.addCleanup(self.daemon.wharf, "rm", "-f", rname)
        self.run_ok("start", rname)
        ps = self.run_ok("ps", "--filter", f"name={rname}", "--format", "{{.Ports}}").strip()
        self.assertEqual(ps, f"0.0.0.0:{base}-{base + 2}->{base}-{base + 2}/tcp")

    @staticmethod
    def _free(port):
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
                return True
            except OSError:
                return False

    def test_publish_all_maps_expose_of_the_image_and_of_expose_flag(self):
        tmp = tempfile.mkdtemp(dir=self.daemon.tmp)
        tar = os.path.join(tmp, "rootfs.tar")
        rootfs_tar(tar, "exposed", applets=["sh", "mkdir", "echo", "httpd", "sleep"])
        ref = "exposed-" + self.name().split("-")[1]
        self.run_ok("import", "-c", "EXPOSE 80", tar, ref)
        name = self.name()
        self.web(name, "-P", "--expose", "90/udp", image=ref)
        info = self.daemon.inspect(name)
        self.assertTrue(info["HostConfig"]["PublishAllPorts"])
        ports = info["NetworkSettings"]["Ports"]
        self.assertEqual(set(ports), {"80/tcp", "90/udp"})
        host_port = ports["80/tcp"][0]["HostPort"]
        wait_http(f"http://127.0.0.1:{host_port}/", f"hello-from-{name}")
        self.assertEqual(self.run_ok("port", name, "80/tcp").strip(), f"0.0.0.0:{host_port}")
        # Without -P, EXPOSE publishes nothing: exposed only, shown as such by ps.
        other = self.name()
        self.web(other, image=ref)
        self.assertEqual(self.daemon.inspect(other)["NetworkSettings"]["Ports"], {"80/tcp": None})
        ps = self.run_ok("ps", "--filter", f"name={other}", "--format", "{{.Ports}}").strip()
        self.assertEqual(ps, "80/tcp")
        self.assertEqual(self.run_ok("port", other), "")

    def test_port_in_use_fails_the_start_and_leaves_nothing(self):
        holder = socket.socket()
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        self.addCleanup(holder.close)
        port = holder.getsockname()[1]
        name = self.name()
        self.addCleanup(self.daemon.wharf, "rm", "-f", name)
        r = self.daemon.wharf("run", "-d", "--name", name, "-p", f"{port}:80", "busybox",
                              "sleep", "60")
        self.assertEqual(r.code, 125, r)
        self.assertIn(f"failed to bind host port for 0.0.0.0:{port}:", r.err)
        self.assertIn("address already in use", r.err)
        info = self.daemon.inspect(name)
        self.assertFalse(info["State"]["Running"])
        self.assertEqual(info["NetworkSettings"]["Ports"], {})
        self.assertNotIn(str(port), json.dumps(map_elements(self.daemon)))
        netns = os.path.join(self.daemon.exec_root, "netns")
        self.assertNotIn(info["Id"], os.listdir(netns) if os.path.isdir(netns) else [])
        self.assertFalse(os.path.exists(os.path.join(self.daemon.exec_root, "ports",
                                                     info["Id"] + ".json")))
        # Another container of this daemon holds it: docker's "port is already allocated".
        port2 = free_port()
        first, second = self.name(), self.name()
        self.run_ok("run", "-d", "--name", first, "-p", f"{port2}:80", "busybox", "sleep", "60")
        self.addCleanup(self.daemon.wharf, "rm", "-f", first)
        self.addCleanup(self.daemon.wharf, "rm", "-f", second)
        r = self.daemon.wharf("run", "-d", "--name", second, "-p", f"{port2}:80", "busybox",
                              "sleep", "60")
        self.assertEqual(r.code, 125, r)
        self.assertIn(f"Bind for 0.0.0.0:{port2} failed: port is already allocated", r.err)
        self.assertEqual(self.daemon.inspect(second)["State"]["Status"], "created")
        # The first keeps its mapping.
        self.assertEqual(self.run_ok("port", first, "80").strip(), f"0.0.0.0:{port2}")

    def test_bad_specs_are_docker_errors(self):
        for spec, msg in [("8080:http", "invalid containerPort: http"),
                          ("x:80", "invalid hostPort: x"),
                          ("80/icmp", "invalid proto: icmp"),
                          ("8000-8001:80-90",
                           "invalid ranges specified for container and host Ports: 80-90 and "
                           "8000-8001"),
                          ("1.2.3:80:80", "invalid IP address: 1.2.3")]:
            r = self.daemon.wharf("create", "-p", spec, "busybox")
            self.assertEqual(r.code, 125, (spec, r))
            self.assertIn(msg, r.err, spec)
        r = self.daemon.wharf("create", "--network", "container:x", "-p", "80", "busybox")
        self.assertNotEqual(r.code, 0)

    def test_hairpin_from_another_container_and_udp(self):
        name, port = self.name(), free_port()
        self.web(name, "-p", f"{port}:80")
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        gw = self.daemon.inspect(name)["NetworkSettings"]["Gateway"]
        targets = [gw] + ([host_address()] if host_address() else [])
        for t in targets:
            out = self.run_ok("run", "--rm", "busybox", "sh", "-c", NC_GET.format(t, port))
            self.assertIn(f"hello-from-{name}", out, t)
        # A container reaching its own published port through the host (the gateway): hairpin
        # mode on its bridge port.
        self_port = free_port()
        out = self.run_ok(
            "run", "--rm", "-p", f"{self_port}:80", "busybox", "sh", "-c",
            "mkdir /www && echo hello-self > /www/index.html && httpd -p 80 -h /www && "
            "gw=$(ip route | awk '/default/ {print $3}') && for i in 1 2 3 4 5; do "
            + NC_GET.format("$gw", self_port) + " | grep hello && break; sleep 0.5; done")
        self.assertIn("hello-self", out)
        # On a user network too.
        net = "pn-" + self.name().split("-")[1]
        self.run_ok("network", "create", net)
        self.addCleanup(self.daemon.wharf, "network", "rm", net)
        uname, uport = self.name(), free_port()
        self.run_ok("run", "-d", "--name", uname, "--network", net, "-p", f"{uport}:80",
                    "busybox", "sh", "-c", HTTPD.format(name=uname, port=80))
        self.addCleanup(self.daemon.wharf, "rm", "-f", uname)
        wait_http(f"http://127.0.0.1:{uport}/", f"hello-from-{uname}")
        out = self.run_ok("run", "--rm", "--network", net, "busybox", "sh", "-c",
                          NC_GET.format(targets[-1], uport))
        self.assertIn(f"hello-from-{uname}", out)

        # udp: an echo server (the host's python3, mounted read-only) behind -p .../udp.
        uname2, udp_port = self.name(), free_port(socket.SOCK_DGRAM)
        self.run_ok("run", "-d", "--name", uname2, "-p", f"{udp_port}:9999/udp",
                    "-v", "/usr:/usr:ro", "-v", "/usr/lib:/lib:ro", "-v", "/usr/lib64:/lib64:ro",
                    "busybox", "/usr/bin/python3", "-c", UDP_ECHO)
        self.addCleanup(self.daemon.wharf, "rm", "-f", uname2)
        self.assertEqual(self.run_ok("port", uname2).strip(),
                         f"9999/udp -> 0.0.0.0:{udp_port}")
        got, deadline = None, time.time() + 15
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            while got is None and time.time() < deadline:
                s.sendto(b"ping", ("127.0.0.1", udp_port))
                try:
                    got = s.recv(100)
                except socket.timeout:
                    pass
        self.assertEqual(got, b"echo:ping", self.daemon.wharf("logs", uname2))

    def test_rules_follow_stop_restart_and_rm(self):
        name, port = self.name(), free_port()
        self.web(name, "-p", f"{port}:80")
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        self.assertIn(f"{port} :", json.dumps(map_elements(self.daemon)))
        self.run_ok("stop", "-t", "1", name)
        self.assertNotIn(f"{port} :", json.dumps(map_elements(self.daemon)))
        self.assertEqual(self.daemon.inspect(name)["NetworkSettings"]["Ports"], {})
        with socket.socket() as s:  # released: the host port is free again
            s.bind(("0.0.0.0", port))
        self.run_ok("start", name)
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        self.run_ok("restart", "-t", "1", name)
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        cid = self.daemon.inspect(name)["Id"]
        self.assertTrue(os.path.exists(os.path.join(self.daemon.exec_root, "ports",
                                                    cid + ".json")))
        self.run_ok("rm", "-f", name)
        self.assertNotIn(f"{port} :", json.dumps(map_elements(self.daemon)))
        self.assertFalse(os.path.exists(os.path.join(self.daemon.exec_root, "ports",
                                                     cid + ".json")))

    @unittest.skipUnless(docker_cli(), "the docker CLI is not installed")
    def test_docker_cli_run_port_ps(self):
        name, port = self.name(), free_port()
        r = self.daemon.docker("run", "-d", "--name", name, "-p", f"{port}:80", "busybox", "sh",
                               "-c", HTTPD.format(name=name, port=80))
        self.assertEqual(r.code, 0, r)
        self.addCleanup(self.daemon.wharf, "rm", "-f", name)
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        r = self.daemon.docker("port", name)
        self.assertEqual((r.code, r.out.strip()), (0, f"80/tcp -> 0.0.0.0:{port}"), r)
        r = self.daemon.docker("port", name, "80/tcp")
        self.assertEqual(r.out.strip(), f"0.0.0.0:{port}", r)
        r = self.daemon.docker("ps", "--filter", f"name={name}", "--format", "{{.Ports}}")
        self.assertEqual(r.out.strip(), f"0.0.0.0:{port}->80/tcp", r)
        # Random port through docker: docker port and wharf port agree.
        rname = self.name()
        r = self.daemon.docker("run", "-d", "--name", rname, "-p", "80", "busybox", "sh", "-c",
                               HTTPD.format(name=rname, port=80))
        self.assertEqual(r.code, 0, r)
        self.addCleanup(self.daemon.wharf, "rm", "-f", rname)
        d = self.daemon.docker("port", rname, "80").out.strip()
        self.assertEqual(d, self.run_ok("port", rname, "80").strip())
        wait_http(f"http://127.0.0.1:{d.split(':')[1]}/", f"hello-from-{rname}")
        r = self.daemon.docker("run", "-d", "-p", "8080:http", "busybox")
        self.assertEqual(r.code, 125)
        self.assertIn("invalid containerPort: http", r.err)

    @unittest.skipUnless(shutil.which("docker-compose"), "docker-compose is not installed")
    def test_compose_ports(self):
        proj = "wp" + self.name().split("-")[1]
        port = free_port()
        d = tempfile.mkdtemp(dir=self.daemon.tmp)
        with open(os.path.join(d, "docker-compose.yml"), "w") as f:
            f.write(COMPOSE.format(port=port))
        env = dict(os.environ, DOCKER_HOST=self.daemon.host)
        env.pop("DOCKER_CONTEXT", None)

        def compose(*args):
            return subprocess.run(["docker-compose", "-p", proj, *args], cwd=d, env=env,
                                  capture_output=True, text=True, timeout=180)
        self.addCleanup(compose, "down")
        r = compose("up", "-d")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        wait_http(f"http://127.0.0.1:{port}/", "hello-from-compose")
        r = compose("port", "web", "80")
        self.assertEqual(r.stdout.strip(), f"0.0.0.0:{port}", r.stdout + r.stderr)
        r = compose("down")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn(f"{port} :", json.dumps(map_elements(self.daemon)))


COMPOSE = """version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir /www && echo hello-from-compose > /www/index.html && exec httpd -f -p 80 -h /www"]
    ports:
      - "{port}:80"
"""


@require_root
class PortsLiveRestoreTest(unittest.TestCase):
    """A daemon restarted with the container running keeps (and holds again) its ports."""

    def test_ports_survive_a_daemon_restart(self):
        daemon = Daemon()
        self.addCleanup(daemon.stop)
        daemon.start()
        daemon.bootstrap_busybox()
        name, port = "lr-" + os.urandom(3).hex(), free_port()
        r = daemon.wharf("run", "-d", "--name", name, "-p", f"{port}:80", "busybox", "sh", "-c",
                         HTTPD.format(name=name, port=80))
        self.assertEqual(r.code, 0, r)
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        daemon.stop_daemon()
        # The rules stay while no daemon runs (as dockerd's live restore).
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        daemon.start()
        wait_http(f"http://127.0.0.1:{port}/", f"hello-from-{name}")
        r = daemon.wharf("port", name)
        self.assertEqual(r.out.strip(), f"80/tcp -> 0.0.0.0:{port}", r)
        with socket.socket() as s:  # held again by the new daemon
            with self.assertRaises(OSError):
                s.bind(("0.0.0.0", port))
        self.assertEqual(daemon.wharf("rm", "-f", name).code, 0)
        self.assertNotIn(f"{port} :", json.dumps(map_elements(daemon)))


if __name__ == "__main__":
    unittest.main()
