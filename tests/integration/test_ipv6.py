"""IPv6 networks (`network create --ipv6`, `--ip6`): addresses of both families, the bridge's
gateway, default routes, names over AAAA and /etc/hosts, inspect's fields, docker's errors,
through the wharf CLI and the docker CLI; and that a daemon leaves nothing behind.

Traffic goes only between the test's own containers (namespaces its daemon made) and never
leaves the host; subnets are random ULA /64s; every daemon has a bridge and nftables table of
its own (harness.Daemon), removed even after a failure.
"""

import json
import secrets
import subprocess
import unittest

import harness
from harness import Daemon, DaemonTestCase, require_root


def ula_subnet():
    """A random fdXX:XXXX:XXXX::/64 (never fd00::/8's first /16, which hosts like to use)."""
    first = secrets.randbelow(254) + 1
    # Groups as docker prints them (RFC 5952: no leading zeros), so prefixes compare as text.
    g2, g3 = secrets.randbelow(0xffff) + 1, secrets.randbelow(0xffff) + 1
    return f"fd{first:02x}:{g2:x}:{g3:x}::/64"


def links():
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def nft_tables():
    return subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout


FORWARD6 = "/proc/sys/net/ipv6/conf/all/forwarding"


def read_sysctl(path):
    with open(path) as f:
        return f.read().strip()


def restore_sysctl(path, value):
    """Puts back what the test found, should a daemon have died before restoring it."""
    if read_sysctl(path) != value:
        with open(path, "w") as f:
            f.write(value)


@require_root
class Ipv6NetworkTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        cls.forward6 = read_sysctl(FORWARD6)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        restore_sysctl(FORWARD6, cls.forward6)

    def run_ok(self, *args, timeout=60):
        r = self.daemon.wharf(*args, timeout=timeout)
        self.assertExit(r, 0)
        return r.out

    def network(self, *args):
        name = self.name()
        self.run_ok("network", "create", *args, name)
        self.addCleanup(self.daemon.wharf, "network", "rm", name)
        return name

    def sleeper(self, net, *extra):
        name = self.name()
        self.run_ok("run", "-d", "--name", name, "--network", net, *extra, "busybox",
                    "sleep", "300")
        self.addCleanup(self.daemon.wharf, "rm", "-f", name)
        return name, self.daemon.inspect(name)

    def test_peers_ping_over_ipv6_by_address_and_name(self):
        subnet = ula_subnet()
        prefix = subnet.split("::/")[0]
        net = self.network("--ipv6", "--subnet", subnet)
        a, ia = self.sleeper(net)
        b, ib = self.sleeper(net)
        ea = ia["NetworkSettings"]["Networks"][net]
        eb = ib["NetworkSettings"]["Networks"][net]
        self.assertTrue(ea["GlobalIPv6Address"].startswith(prefix + "::"), ea)
        self.assertEqual(ea["GlobalIPv6PrefixLen"], 64)
        self.assertEqual(ea["IPv6Gateway"], prefix + "::1")
        self.assertNotEqual(ea["GlobalIPv6Address"], eb["GlobalIPv6Address"])
        self.assertTrue(ea["IPAddress"])  # both families
        a6 = ea["GlobalIPv6Address"]

        # Inside: the address (no DAD: usable at once) and the default route via the gateway.
        out = self.run_ok("exec", a, "sh", "-c", "ip -6 addr show eth0; ip -6 route")
        line = [l for l in out.splitlines() if f"inet6 {a6}/64" in l]
        self.assertEqual(len(line), 1, out)
        self.assertNotIn("tentative", line[0])  # nodad: usable at once
        self.assertIn(f"default via {prefix}::1", out)
        # The bridge holds the gateway.
        n = json.loads(self.run_ok("network", "inspect", net))[0]
        bridge = "br-" + n["Id"][:12]
        br = subprocess.run(["ip", "-6", "addr", "show", "dev", bridge], capture_output=True,
                            text=True).stdout
        self.assertIn(f"inet6 {prefix}::1/64", br)

        # By address, by name (AAAA from the embedded DNS server), and nslookup's AAAA.
        self.run_ok("exec", b, "ping", "-6", "-c", "1", "-W", "5", a6)
        self.run_ok("exec", b, "ping", "-6", "-c", "1", "-W", "5", a)
        ns = self.run_ok("exec", b, "nslookup", "-type=aaaa", a, "127.0.0.11")
        self.assertIn(a6, ns)
        ns4 = self.run_ok("exec", b, "nslookup", "-type=a", a, "127.0.0.11")
        self.assertIn(ea["IPAddress"], ns4)
        # PTR of the IPv6 address (ip6.arpa): <name>.<network>.
        ptr = self.run_ok("exec", b, "nslookup", a6, "127.0.0.11")
        self.assertIn(f"{a}.{net}", ptr)

        # /etc/hosts: its own v6 line with its hostname (docker's), and its peers'.
        hosts = self.run_ok("exec", a, "cat", "/etc/hosts")
        self.assertIn(f"{a6}\t{ia['Config']['Hostname']}", hosts)
        self.assertIn(f"{eb['GlobalIPv6Address']}\t{b}", hosts)

        # network inspect: EnableIPv6, both IPAM configs, the endpoints' IPv6Address.
        self.assertTrue(n["EnableIPv6"])
        configs = {c["Subnet"]: c for c in n["IPAM"]["Config"]}
        self.assertEqual(configs[subnet]["Gateway"], prefix + "::1")
        self.assertEqual(len(configs), 2)
        self.assertEqual(n["Containers"][ia["Id"]]["IPv6Address"], a6 + "/64")

        # Outbound NAT of the ULA subnet, in the daemon's own table.
        table = "wharf_" + "".join(c if c.isalnum() else "_" for c in self.daemon.bridge)
        rules = subprocess.run(["nft", "list", "table", "inet", table], capture_output=True,
                               text=True).stdout
        self.assertIn("ip6 saddr @masq6", rules)
        self.assertIn(subnet, rules)

    def test_default_ula_pool_and_fixed_ip6(self):
        net = self.network("--ipv6")
        n = json.loads(self.run_ok("network", "inspect", net))[0]
        v6 = [c for c in n["IPAM"]["Config"] if ":" in c["Subnet"]]
        self.assertEqual(len(v6), 1, n["IPAM"])
        self.assertRegex(v6[0]["Subnet"], r"^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f:]*/64$")
        # Another one gets another /64.
        net2 = self.network("--ipv6")
        n2 = json.loads(self.run_ok("network", "inspect", net2))[0]
        v6b = [c["Subnet"] for c in n2["IPAM"]["Config"] if ":" in c["Subnet"]]
        self.assertNotEqual(v6b[0], v6[0]["Subnet"])

        # --ip6 wants a user subnet, as --ip does.
        subnet = ula_subnet()
        prefix = subnet.split("::/")[0]
        mine = self.network("--ipv6", "--subnet", "10.231.0.0/24", "--subnet", subnet,
                            "--gateway", prefix + "::fe")
        name, info = self.sleeper(mine, "--ip6", prefix + "::99", "--ip", "10.231.0.99")
        ep = info["NetworkSettings"]["Networks"][mine]
        self.assertEqual(ep["GlobalIPv6Address"], prefix + "::99")
        self.assertEqual(ep["IPv6Gateway"], prefix + "::fe")
        self.assertEqual(ep["IPAddress"], "10.231.0.99")
        self.assertEqual(ep["IPAMConfig"]["IPv6Address"], prefix + "::99")
        # The same address twice: refused, the container stays created.
        r = self.daemon.wharf("run", "--rm", "--network", mine, "--ip6", prefix + "::99",
                              "busybox", "true")
        self.assertNotEqual(r.code, 0)
        self.assertIn("Address already in use", r.err)
        # --ip6 on a network without IPv6.
        v4 = self.network()
        r = self.daemon.wharf("run", "--rm", "--network", v4, "--ip6", prefix + "::98",
                              "busybox", "true")
        self.assertNotEqual(r.code, 0)
        r = self.daemon.wharf("run", "--rm", "--ip6", "zz::1", "--network", mine, "busybox", "true")
        self.assertEqual(r.code, 125, r)
        self.assertIn("invalid IPv6 address: zz::1", r.err)

    def test_bad_input_gets_dockers_messages_and_creates_nothing(self):
        subnet = ula_subnet()
        prefix = subnet.split("::/")[0]
        self.network("--ipv6", "--subnet", subnet)
        cases = [
            (["--ipv6", "--subnet", prefix + "::/80"],
             "invalid pool request: Pool overlaps with other one on this address space"),
            (["--ipv6", "--subnet", "fd00:zz::/64"],
             "invalid subnet fd00:zz::/64: invalid CIDR block notation"),
            (["--ipv6", "--subnet", "fd77:1::/64", "--gateway", "fd77:2::1"],
             "invalid gateway fd77:2::1: parent subnet fd77:1::/64 doesn't contain this address"),
            (["--ipv6", "--subnet", "fd77:1::5/64"],
             "invalid subnet fd77:1::5/64: it should be fd77:1::/64"),
        ]
        before = self.run_ok("network", "ls", "-q")
        for args, msg in cases:
            name = self.name()
            r = self.daemon.wharf("network", "create", *args, name)
            self.assertNotEqual(r.code, 0, (args, r))
            self.assertIn(msg, r.err, args)
            self.assertNotEqual(self.daemon.wharf("network", "inspect", name).code, 0)
        self.assertEqual(self.run_ok("network", "ls", "-q"), before)

    @unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
    def test_docker_cli(self):
        d = self.daemon
        subnet = ula_subnet()
        prefix = subnet.split("::/")[0]
        net = self.name()
        r = d.docker("network", "create", "--ipv6", "--subnet", subnet, net)
        self.assertEqual(r.code, 0, r)
        self.addCleanup(d.wharf, "network", "rm", net)
        r = d.docker("network", "inspect", "-f", "{{.EnableIPv6}}", net)
        self.assertEqual(r.out.strip(), "true", r)
        a, b = self.name(), self.name()
        for name, extra in ((a, ["--ip6", prefix + "::a"]), (b, [])):
            r = d.docker("run", "-d", "--name", name, "--network", net, *extra, "busybox",
                         "sleep", "300")
            self.assertEqual(r.code, 0, r)
            self.addCleanup(d.wharf, "rm", "-f", name)
        r = d.docker("inspect", "-f",
                     "{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}} "
                     "{{.GlobalIPv6PrefixLen}} {{.IPv6Gateway}}{{end}}", a)
        self.assertEqual(r.out.strip(), f"{prefix}::a 64 {prefix}::1", r)
        r = d.docker("exec", b, "ping", "-6", "-c", "1", "-W", "5", a)
        self.assertEqual(r.code, 0, r)
        r = d.docker("exec", b, "nslookup", "-type=aaaa", a, "127.0.0.11")
        self.assertEqual(r.code, 0, r)
        self.assertIn(prefix + "::a", r.out)
        r = d.docker("network", "create", "--ipv6", "--subnet", subnet, self.name())
        self.assertNotEqual(r.code, 0)
        self.assertIn("Pool overlaps with other one on this address space", r.err)


@require_root
class Ipv6LifecycleTest(unittest.TestCase):
    def test_restart_keeps_addresses_and_nothing_is_left_behind(self):
        fwd = FORWARD6
        before = read_sysctl(fwd)
        d = Daemon()
        try:
            d.start()
            d.bootstrap_busybox()
            subnet = ula_subnet()
            self.assertEqual(d.wharf("network", "create", "--ipv6", "--subnet", subnet,
                                     "v6").code, 0)
            r = d.wharf("run", "-d", "--name", "v6a", "--network", "v6", "busybox", "sleep", "300")
            self.assertEqual(r.code, 0, r)
            a6 = d.inspect("v6a")["NetworkSettings"]["Networks"]["v6"]["GlobalIPv6Address"]
            self.assertEqual(read_sysctl(fwd), "1")  # as dockerd, for the ULA's outbound NAT
            d.stop_daemon()
            d.start()
            # The restarted daemon knows the address is taken; the running one still answers.
            r = d.wharf("run", "--rm", "--network", "v6", "busybox", "sh", "-c",
                        f"ip -6 -o addr show eth0 scope global; ping -6 -c 1 -W 5 {a6}")
            self.assertEqual(r.code, 0, r)
            self.assertNotIn(f" {a6}/", r.out)
            self.assertEqual(d.wharf("rm", "-f", "v6a").code, 0)
            bridge = "br-" + json.loads(d.wharf("network", "inspect", "v6").out)[0]["Id"][:12]
            self.assertEqual(d.wharf("network", "rm", "v6").code, 0)
            self.assertNotIn(bridge + ":", links())
            d.stop_daemon()
            self.assertNotIn(d.bridge + ":", links())
            self.assertNotIn(d.bridge, nft_tables())
            self.assertEqual(read_sysctl(fwd), before)
        finally:
            d.stop()
            restore_sysctl(fwd, before)
        self.assertNotIn(d.bridge, nft_tables())

    def test_daemon_ipv6_flags_give_the_default_bridge_ipv6(self):
        before = read_sysctl(FORWARD6)
        subnet = ula_subnet()
        prefix = subnet.split("::/")[0]
        d = Daemon(["--ipv6", "--fixed-cidr-v6", subnet])
        try:
            d.start()
            d.bootstrap_busybox()
            r = d.wharf("run", "-d", "--name", "v6a", "busybox", "sleep", "300")
            self.assertEqual(r.code, 0, r)
            ns = d.inspect("v6a")["NetworkSettings"]
            a6 = ns["GlobalIPv6Address"]
            self.assertTrue(a6.startswith(prefix + "::"), ns)
            self.assertEqual(ns["IPv6Gateway"], prefix + "::1")
            self.assertEqual(ns["GlobalIPv6PrefixLen"], 64)
            self.assertEqual(ns["Networks"]["bridge"]["GlobalIPv6Address"], a6)
            r = d.wharf("run", "--rm", "busybox", "ping", "-6", "-c", "1", "-W", "5", a6)
            self.assertEqual(r.code, 0, r)
            n = json.loads(d.wharf("network", "inspect", "bridge").out)[0]
            self.assertTrue(n["EnableIPv6"])
            self.assertIn(subnet, [c["Subnet"] for c in n["IPAM"]["Config"]])
            # A legacy link to it writes its IPv6 line too.
            r = d.wharf("run", "--rm", "--link", "v6a:peer", "busybox", "cat", "/etc/hosts")
            self.assertEqual(r.code, 0, r)
            self.assertIn(f"{a6}\tpeer ", r.out)
            self.assertEqual(d.wharf("rm", "-f", "v6a").code, 0)
            d.stop_daemon()
            self.assertEqual(read_sysctl(FORWARD6), before)
        finally:
            d.stop()
            restore_sysctl(FORWARD6, before)
        self.assertNotIn(d.bridge, nft_tables())


if __name__ == "__main__":
    unittest.main()
