"""Networks (issue 12): the default bridge, user networks with names and isolation, the
network commands and their errors, through the wharf CLI and the docker CLI.

Traffic goes only to the containers' own namespaces (made by the test's daemon) and the
host's side of their bridges; every daemon has a bridge and nftables table of its own
(harness.Daemon), and the last test checks nothing is left behind.
"""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import harness
from harness import Daemon, DaemonTestCase, require_root


def links():
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def nft_tables():
    return subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def api_post(sock, path, body):
    """POST a JSON body to the daemon's socket; (status, decoded reply)."""
    c = http.client.HTTPConnection("localhost", timeout=30)
    c.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.sock.connect(sock)
    try:
        c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


@require_root
class NetworkTest(DaemonTestCase):
    def run_ok(self, *args, timeout=60):
        r = self.daemon.wharf(*args, timeout=timeout)
        self.assertExit(r, 0)
        return r.out

    def web(self, name, net, *extra):
        """A busybox httpd serving the container's name on port 80."""
        self.run_ok("run", "-d", "--name", name, "--network", net, *extra, "busybox", "sh", "-c",
                    f"mkdir /www && echo hello-from-{name} > /www/index.html && "
                    "exec httpd -f -p 80 -h /www")
        self.addCleanup(self.daemon.wharf, "rm", "-f", name)
        return self.daemon.inspect(name)

    def test_default_bridge_gives_an_address_route_and_files(self):
        out = self.run_ok("run", "--rm", "busybox", "sh", "-c",
                          "ip -4 -o addr show eth0; ip route; cat /etc/resolv.conf /etc/hosts; "
                          "hostname")
        self.assertRegex(out, r"eth0\s+inet \d+\.\d+\.\d+\.\d+/\d+")
        self.assertIn("default via ", out)
        self.assertNotRegex(out, r"nameserver 127\.")
        self.assertIn("127.0.0.1\tlocalhost", out)
        hostname = out.strip().splitlines()[-1]
        ip = out.split("inet ")[1].split("/")[0]
        self.assertIn(f"{ip}\t{hostname}", out)
        # none: loopback only; host: the host's interfaces.
        none = self.run_ok("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
        self.assertEqual([l.split(":")[1].strip() for l in none.splitlines()], ["lo"])
        host = self.run_ok("run", "--rm", "--network", "host", "busybox", "ip", "-o", "link")
        self.assertIn(self.daemon.bridge or "wharf0", host)

    def test_inspect_shows_network_settings_and_host_reaches_container(self):
        name = self.name()
        info = self.web(name, "bridge")
        ns = info["NetworkSettings"]
        ip = ns["IPAddress"]
        self.assertTrue(ip)
        self.assertEqual(ns["Networks"]["bridge"]["IPAddress"], ip)
        self.assertTrue(ns["Gateway"])
        self.assertTrue(ns["MacAddress"].startswith("02:42:"))
        deadline = time.time() + 10
        while True:
            try:
                self.assertEqual(http_get(f"http://{ip}/").strip(), f"hello-from-{name}")
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        bridge = self.daemon.docker("network", "inspect", "bridge") if harness.docker_cli() \
            else self.daemon.wharf("network", "inspect", "bridge")
        self.assertExit(bridge, 0)
        eps = json.loads(bridge.out)[0]["Containers"]
        self.assertEqual(eps[info["Id"]]["IPv4Address"].split("/")[0], ip)

    def test_user_networks_names_aliases_and_isolation(self):
        net1, net2 = self.name(), self.name()
        self.run_ok("network", "create", "--subnet", "10.231.7.0/24", net1)
        self.addCleanup(self.daemon.wharf, "network", "rm", net1)
        self.run_ok("network", "create", net2)
        self.addCleanup(self.daemon.wharf, "network", "rm", net2)
        srv = self.name()
        info = self.web(srv, net1, "--network-alias", "db", "--ip", "10.231.7.50")
        self.assertEqual(info["NetworkSettings"]["Networks"][net1]["IPAddress"], "10.231.7.50")
        # busybox's nc speaks the HTTP (its static wget crashes in getaddrinfo).
        fetch = ("for i in 1 2 3 4 5 6 7 8 9 10; do "
                 "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {} 80 | grep hello && break; "
                 "sleep 0.2; done")
        out = self.run_ok("run", "--rm", "--network", net1, "busybox", "sh", "-c",
                          fetch.format(srv) + " ; " + fetch.format("db") + " ; " +
                          fetch.format(info["Id"][:12]))
        self.assertEqual(out.split(), [f"hello-from-{srv}"] * 3)
        # The peer's hosts file names it (name, alias, short id) under the marker.
        hosts = self.run_ok("run", "--rm", "--network", net1, "busybox", "cat", "/etc/hosts")
        self.assertIn(f"10.231.7.50\t{srv} db {info['Id'][:12]}", hosts)
        # Another network reaches neither the name nor the address.
        r = self.daemon.wharf("run", "--rm", "--network", net2, "busybox", "sh", "-c",
                              "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 10.231.7.50 80")
        self.assertNotIn("hello", r.out)
        r = self.daemon.wharf("run", "--rm", "--network", net2, "busybox", "sh", "-c",
                              f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {srv} 80")
        self.assertNotIn("hello", r.out)
        # The same request on the same network works: the isolation is not a broken client.
        r = self.daemon.wharf("run", "--rm", "--network", net1, "busybox", "sh", "-c",
                              "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 10.231.7.50 80")
        self.assertIn(f"hello-from-{srv}", r.out)
        # A network with a container attached stays.
        r = self.daemon.wharf("network", "rm", net1)
        self.assertEqual(r.code, 1)
        self.assertIn("has active endpoints", r.err)

    def test_several_networks_at_create_events_and_name_dot_network(self):
        cli = self.daemon.docker if harness.docker_cli() else self.daemon.wharf
        net1, net2 = self.name(), self.name()
        for n in (net1, net2):
            self.run_ok("network", "create", n)
            self.addCleanup(self.daemon.wharf, "network", "rm", n)
        p1, p2, both = self.name(), self.name(), self.name()
        for p, n in ((p1, net1), (p2, net2)):
            self.run_ok("run", "-d", "--name", p, "--network", n, "busybox", "sleep", "600")
            self.addCleanup(self.daemon.wharf, "rm", "-f", p)
        since = f"{time.time():.3f}"
        r = cli("run", "-d", "--name", both, "--network", net1, "--network",
                f"name={net2},alias=dual", "busybox", "sleep", "600")
        self.assertExit(r, 0)
        self.addCleanup(self.daemon.wharf, "rm", "-f", both)
        cid = self.daemon.inspect(both)["Id"]

        def check_both():
            nets = self.daemon.inspect(both)["NetworkSettings"]["Networks"]
            self.assertEqual(sorted(nets), sorted([net1, net2]))
            self.assertTrue(nets[net1]["IPAddress"] and nets[net2]["IPAddress"], nets)
            self.assertEqual(nets[net2]["Aliases"], ["dual"])
            # Peers on both networks by name, and <name>.<network> from the embedded server.
            reach = ("for i in 1 2 3; do ping -c 1 -W 2 {} >/dev/null && echo reached-{} && "
                     "break; done; ")
            out = cli("exec", both, "sh", "-c", reach.format(p1, 1) + reach.format(p2, 2) +
                      f"nslookup {p1}.{net1} 127.0.0.11")
            self.assertIn("reached-1\nreached-2\n", out.out, out)
            p1ip = self.daemon.inspect(p1)["NetworkSettings"]["Networks"][net1]["IPAddress"]
            # <name>.<network> from the embedded server (busybox nslookup asks it directly).
            self.assertEqual(re.findall(r"^Address: (\S+)$", out.out, re.M), [p1ip], out)
            return nets
        nets = check_both()
        # The peer on net2 knows the container by its per-network alias.
        out = cli("exec", p2, "nslookup", "dual")
        self.assertIn(f"Address: {nets[net2]['IPAddress']}", out.out)
        # Kept across a stop and start, with docker's events for each network both ways.
        self.assertExit(cli("stop", "-t", "0", both), 0)
        self.assertExit(cli("start", both), 0)
        check_both()
        until = f"{time.time():.3f}"
        r = cli("events", "--since", since, "--until", until, "--filter", "type=network",
                "--format", "{{json .}}")
        self.assertExit(r, 0)
        seen = [(e["Action"], e["Actor"]["Attributes"]["name"]) for e in map(json.loads,
                r.out.splitlines()) if e["Actor"]["Attributes"].get("container") == cid]
        for action in ("connect", "disconnect"):
            for n in (net1, net2):
                self.assertIn((action, n), seen, r.out)
        self.assertEqual(len(seen), 6, seen)  # connect x2, disconnect x2, connect x2
        # Before API 1.44, docker's daemon refuses several networks at create.
        status, body = api_post(self.daemon.sock, "/v1.43/containers/create", {
            "Image": "busybox", "HostConfig": {"NetworkMode": net1},
            "NetworkingConfig": {"EndpointsConfig": {net1: {}, net2: {}}}})
        self.assertEqual(status, 400)
        self.assertIn("Container cannot be created with multiple network endpoints", 
                      body["message"])

    def test_network_commands_and_docker_errors(self):
        n = self.name()
        cli = self.daemon.docker if harness.docker_cli() else self.daemon.wharf
        r = cli("network", "create", "--subnet", "10.232.0.0/16", "--label", "t=1", n)
        self.assertExit(r, 0)
        nid = r.out.strip()
        ls = cli("network", "ls")
        self.assertExit(ls, 0)
        self.assertEqual(ls.out.splitlines()[0].split(), ["NETWORK", "ID", "NAME", "DRIVER",
                                                          "SCOPE"])
        self.assertIn(f"{nid[:12]}   {n}", ls.out)
        for builtin in ("bridge", "host", "none"):
            self.assertIn(f" {builtin} ", ls.out)
        r = cli("network", "create", "--subnet", "10.232.5.0/24", self.name())
        self.assertEqual(r.code, 1)
        self.assertIn("Pool overlaps with other one on this address space", r.err)
        r = self.daemon.wharf("network", "create", "--subnet", "10.233.0.0/33", self.name())
        self.assertIn("invalid subnet 10.233.0.0/33: invalid CIDR block notation", r.err)
        r = self.daemon.wharf("network", "create", "--subnet", "10.233.0.0/24", "--gateway",
                              "10.234.0.1", self.name())
        self.assertIn("doesn't contain this address", r.err)
        r = cli("network", "create", n)
        self.assertIn(f"network with name {n} already exists", r.err)
        r = cli("network", "rm", "bridge")
        self.assertIn("bridge is a pre-defined network and cannot be removed", r.err)
        r = cli("network", "inspect", "--format", "{{.Name}} {{(index .IPAM.Config 0).Subnet}}",
                n)
        self.assertEqual(r.out.strip(), f"{n} 10.232.0.0/16")
        r = cli("network", "prune", "-f", "--filter", "label=t=1")
        self.assertExit(r, 0)
        self.assertIn(n, r.out)
        self.assertNotEqual(cli("network", "inspect", n).code, 0)

    def test_dns_flags_and_extra_hosts(self):
        out = self.run_ok("run", "--rm", "--dns", "192.0.2.53", "--dns-search", "example.test",
                          "--dns-option", "ndots:3", "--add-host", "db.test:192.0.2.7",
                          "--add-host", "gw:host-gateway", "--hostname", "myhost",
                          "busybox", "sh", "-c", "cat /etc/resolv.conf /etc/hosts; hostname")
        self.assertIn("nameserver 192.0.2.53\nsearch example.test\noptions ndots:3\n", out)
        self.assertIn("192.0.2.7\tdb.test", out)
        bridge = json.loads(self.run_ok("network", "inspect", "bridge"))[0]
        self.assertIn(bridge["IPAM"]["Config"][0]["Gateway"] + "\tgw", out)
        self.assertEqual(out.strip().splitlines()[-1], "myhost")
        # Refused by the CLI (docker CLI 28's words), and by the daemon for an API client.
        r = self.daemon.wharf("run", "--rm", "--network-alias", "x", "busybox", "true")
        self.assertNotEqual(r.code, 0)
        self.assertIn("network-scoped aliases are only supported for user-defined networks",
                      r.err)
        status, body = api_post(self.daemon.sock, "/containers/create", {
            "Image": "busybox", "NetworkingConfig": {"EndpointsConfig": {"default": {
                "Aliases": ["x"]}}}})
        self.assertEqual(status, 400)
        self.assertIn("network-scoped alias is supported only for containers in user defined "
                      "networks", body["message"])

    @unittest.skipUnless(shutil.which("docker-compose"), "docker-compose is not installed")
    def test_compose_named_network_and_service_names(self):
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
        r = compose("up", "--abort-on-container-exit", "--exit-code-from", "client")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("hello-web", r.stdout)
        net = json.loads(self.run_ok("network", "inspect", proj + "_backend"))[0]
        self.assertEqual(net["Labels"].get("com.docker.compose.network"), "backend")
        r = compose("down")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotEqual(self.daemon.wharf("network", "inspect", proj + "_backend").code, 0)


COMPOSE = """version: "3.8"
services:
  web:
    image: busybox
    command: sh -c "mkdir /www && echo hello-web > /www/index.html && exec httpd -f -p 80 -h /www"
    networks: [backend]
  client:
    image: busybox
    depends_on: [web]
    command: sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 web 80 | grep hello && exit 0; sleep 0.3; done; exit 1"
    networks: [backend]
networks:
  backend: {}
"""


@require_root
class NetworkLifecycleTest(unittest.TestCase):
    def test_restart_keeps_connectivity_and_nothing_is_left_behind(self):
        d = Daemon()
        try:
            d.start()
            d.bootstrap_busybox()
            r = d.wharf("run", "-d", "--name", "web", "busybox", "sh", "-c",
                        "mkdir /www && echo up > /www/index.html && exec httpd -f -p 80 -h /www")
            self.assertEqual(r.code, 0, r)
            ip = d.inspect("web")["NetworkSettings"]["IPAddress"]
            deadline = time.time() + 10
            while True:
                try:
                    self.assertEqual(http_get(f"http://{ip}/").strip(), "up")
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.1)
            d.stop_daemon()
            self.assertEqual(http_get(f"http://{ip}/").strip(), "up")
            d.start()
            self.assertEqual(http_get(f"http://{ip}/").strip(), "up")
            self.assertEqual(d.inspect("web")["NetworkSettings"]["IPAddress"], ip)
            # The restarted daemon knows the address is taken.
            r = d.wharf("run", "--rm", "busybox", "ip", "-4", "-o", "addr", "show", "eth0")
            self.assertEqual(r.code, 0, r)
            self.assertNotIn(f" {ip}/", r.out)
            self.assertEqual(d.wharf("rm", "-f", "web").code, 0)
            self.assertIn(d.bridge, links())
            d.stop_daemon()
            # Nothing ran any more: the daemon took its bridge and table down.
            self.assertNotIn(d.bridge + ":", links())
            self.assertNotIn(d.bridge, nft_tables())
        finally:
            d.stop()
        self.assertNotIn(d.bridge + ":", links())
        self.assertNotIn(d.bridge, nft_tables())


if __name__ == "__main__":
    unittest.main()
