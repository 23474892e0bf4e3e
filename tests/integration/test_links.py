"""Legacy links (`--link name[:alias]`): on the default bridge the linking container gets the
linked one's variables (ALIAS_PORT_..., ALIAS_NAME, ALIAS_ENV_...) and /etc/hosts lines, and
inspect shows HostConfig.Links as docker does; on a user network a link is a name only the
linking container resolves. docker's errors; through the wharf CLI and the docker CLI.

Traffic stays between the test's containers; names go to the embedded DNS server, whose only
upstream is a stub on a loopback address of the test's own (test_dns.StubDns): nothing is
resolved outside.
"""

import json
import unittest

import harness
from harness import Daemon, require_root
from test_dns import StubDns


@require_root
class LinkTest(unittest.TestCase):
    daemon = None

    @classmethod
    def setUpClass(cls):
        cls.upstream = StubDns({})
        cls.daemon = Daemon(["--dns", cls.upstream.ip])
        try:
            cls.daemon.start()
            cls.daemon.bootstrap_busybox()
        except Exception:
            cls.daemon.stop()
            cls.upstream.close()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.daemon is not None:
            cls.daemon.stop()
        cls.upstream.close()

    def name(self):
        return harness.random_name()

    def run_ok(self, *args, timeout=60):
        r = self.daemon.wharf(*args, timeout=timeout)
        self.assertEqual(r.code, 0, f"{r}\n--- wharfd log ---\n{self.daemon.log()}")
        return r.out

    def sleeper(self, *extra, name=None):
        name = name or self.name()
        self.run_ok("run", "-d", "--name", name, *extra, "busybox", "sleep", "300")
        self.addCleanup(self.daemon.wharf, "rm", "-f", name)
        return name, self.daemon.inspect(name)

    def test_default_bridge_link_gives_env_hosts_and_inspect(self):
        db, info = self.sleeper("-e", "PASSWORD=gordon", "--expose", "6379",
                                "--expose", "7000-7002/udp")
        ip = info["NetworkSettings"]["IPAddress"]
        hostname = info["Config"]["Hostname"]
        web = self.name()
        out = self.run_ok("run", "--rm", "--name", web, "--link", f"{db}:my-db", "busybox",
                          "sh", "-c", "env | sort; echo ---; cat /etc/hosts; echo ---; "
                          "ping -c 1 -W 5 my-db >/dev/null && echo pinged")
        env, hosts, tail = out.split("---\n")
        for line in [f"MY_DB_PORT=tcp://{ip}:6379",
                     f"MY_DB_PORT_6379_TCP=tcp://{ip}:6379",
                     f"MY_DB_PORT_6379_TCP_ADDR={ip}",
                     "MY_DB_PORT_6379_TCP_PORT=6379",
                     "MY_DB_PORT_6379_TCP_PROTO=tcp",
                     f"MY_DB_PORT_7000_UDP_START=udp://{ip}:7000",
                     f"MY_DB_PORT_7000_UDP_END=udp://{ip}:7002",
                     f"MY_DB_PORT_7001_UDP=udp://{ip}:7001",
                     f"MY_DB_NAME=/{web}/my-db",
                     "MY_DB_ENV_PASSWORD=gordon"]:
            self.assertIn(line + "\n", env)
        self.assertNotIn("MY_DB_ENV_PATH", env)
        self.assertIn(f"{ip}\tmy-db {hostname} {db}\n", hosts)
        self.assertIn("pinged", tail)

        # Inspect: HostConfig.Links as docker shows them; the alias defaults to the name.
        web2, info2 = self.sleeper("--link", db)
        self.assertEqual(info2["HostConfig"]["Links"], [f"/{db}:/{web2}/{db}"])
        env2 = self.run_ok("exec", web2, "env")
        self.assertIn(f"{db.upper().replace('-', '_')}_NAME=/{web2}/{db}", env2)
        # The container's own variable wins over a link's.
        out = self.run_ok("run", "--rm", "--link", f"{db}:x", "-e", "X_NAME=mine", "busybox",
                          "sh", "-c", "echo $X_NAME")
        self.assertEqual(out.strip(), "mine")

    def test_dockers_errors(self):
        r = self.daemon.wharf("run", "--rm", "--link", "nosuchcontainer:x", "busybox", "true")
        self.assertEqual(r.code, 125, r)
        self.assertIn("could not get container for nosuchcontainer", r.err)
        stopped = self.name()
        self.run_ok("create", "--name", stopped, "busybox", "true")
        self.addCleanup(self.daemon.wharf, "rm", "-f", stopped)
        web = self.name()
        r = self.daemon.wharf("run", "--name", web, "--link", f"{stopped}:x", "busybox", "true")
        self.addCleanup(self.daemon.wharf, "rm", "-f", web)
        self.assertEqual(r.code, 125, r)
        self.assertIn(f"Cannot link to a non running container: /{stopped} AS /{web}/x", r.err)
        self.assertEqual(self.daemon.inspect(web)["State"]["Status"], "created")
        db, _ = self.sleeper()
        r = self.daemon.wharf("run", "--rm", "--network", "host", "--link", db, "busybox", "true")
        self.assertEqual(r.code, 125, r)
        self.assertIn("conflicting options: host type networking can't be used with links", r.err)
        r = self.daemon.wharf("run", "--rm", "--link", "a:b:c", "busybox", "true")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("bad format for links: a:b:c", r.err)

    def test_user_network_link_is_a_name_for_the_linking_container_only(self):
        net = self.name()
        self.run_ok("network", "create", net)
        self.addCleanup(self.daemon.wharf, "network", "rm", net)
        a, ia = self.sleeper("--network", net)
        ip = ia["NetworkSettings"]["Networks"][net]["IPAddress"]
        b, _ = self.sleeper("--network", net, "--link", f"{a}:friend")
        c, _ = self.sleeper("--network", net)
        out = self.run_ok("exec", b, "nslookup", "friend", "127.0.0.11")
        self.assertIn(ip, out)
        self.run_ok("exec", b, "ping", "-c", "1", "-W", "5", "friend")
        # Not a name for the others: the embedded server does not know it (the stub upstream
        # says NXDOMAIN).
        r = self.daemon.wharf("exec", c, "nslookup", "friend", "127.0.0.11")
        self.assertNotIn(ip, r.out)

    @unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
    def test_docker_cli(self):
        d = self.daemon
        db, info = self.sleeper("-e", "ROLE=primary", "--expose", "80")
        ip = info["NetworkSettings"]["IPAddress"]
        web = self.name()
        r = d.docker("run", "-d", "--name", web, "--link", f"{db}:alias", "busybox", "sleep",
                     "300")
        self.assertEqual(r.code, 0, r)
        self.addCleanup(d.wharf, "rm", "-f", web)
        r = d.docker("inspect", "-f", "{{json .HostConfig.Links}}", web)
        self.assertEqual(json.loads(r.out), [f"/{db}:/{web}/alias"], r)
        r = d.docker("exec", web, "env")
        self.assertIn(f"ALIAS_PORT_80_TCP=tcp://{ip}:80", r.out)
        self.assertIn("ALIAS_ENV_ROLE=primary", r.out)
        r = d.docker("run", "--rm", "--link", "nosuchcontainer:x", "busybox", "true")
        self.assertNotEqual(r.code, 0)
        self.assertIn("could not get container for nosuchcontainer", r.err)


if __name__ == "__main__":
    unittest.main()
