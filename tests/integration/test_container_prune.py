"""Container prune, system prune, sizes and diff against wharfd, through `wharf` and the real
docker CLI: POST /containers/prune (filters, events, SpaceReclaimed), `system prune`
(containers, networks, volumes, images, build cache), `ps -s` / `inspect --size`
(SizeRw, SizeRootFs), GET /containers/{id}/changes (`diff`), /top and /export."""

import json
import os
import re
import shutil
import tarfile
import tempfile
import time
import unittest

from harness import Daemon, random_name, require_root


@require_root
class ContainerPruneTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.d = Daemon()
        self.addCleanup(self.d.stop)
        self.d.start()
        self.d.bootstrap_busybox()

    def check(self, r, code=0):
        self.assertEqual(r.code, code, f"{r}\n--- wharfd log ---\n{self.d.log()}")
        return r

    def ids(self):
        r = self.check(self.d.wharf("ps", "-a", "-q", "--no-trunc"))
        return set(r.out.split())

    def test_prune_removes_stopped_containers_only_and_reports_their_space(self):
        d = self.d
        t0 = int(time.time()) - 1
        # 100 kB written into the rw layer of one stopped container.
        big = self.check(d.wharf("run", "-d", "busybox", "sh", "-c",
                                 "head -c 100000 /dev/zero > /big")).out.strip()
        self.check(d.wharf("wait", big))
        created = self.check(d.wharf("create", "busybox", "true")).out.strip()
        running = self.check(d.wharf("run", "-d", "busybox", "sleep", "300")).out.strip()
        self.addCleanup(d.wharf, "rm", "-f", running)

        # Without -f it asks; "n" keeps everything and prints nothing more (docker 28).
        r = self.check(d.wharf("container", "prune", input="n\n"))
        self.assertEqual(r.out, "WARNING! This will remove all stopped containers.\n"
                                "Are you sure you want to continue? [y/N] ")
        self.assertEqual(self.ids(), {big, created, running})

        r = self.check(d.wharf("container", "prune", input="y\n"))
        m = re.fullmatch(r"WARNING! This will remove all stopped containers\.\n"
                         r"Are you sure you want to continue\? \[y/N\] Deleted Containers:\n"
                         r"((?:[0-9a-f]{64}\n)+)\nTotal reclaimed space: (\S+)\n", r.out)
        self.assertIsNotNone(m, r.out)
        self.assertEqual(set(m.group(1).split()), {big, created})
        # 100 kB of zeros, and a few directory entries: go-units' 4 significant digits.
        self.assertRegex(m.group(2), r"^1\d\d(\.\d+)?kB$")
        self.assertEqual(self.ids(), {running})

        # Nothing left to prune: no list, 0B.
        r = self.check(d.wharf("container", "prune", "-f"))
        self.assertEqual(r.out, "Total reclaimed space: 0B\n")

        # Events: a destroy for each, then one prune with the bytes reclaimed (as dockerd).
        t1 = int(time.time()) + 1
        r = self.check(d.wharf("events", "--since", str(t0), "--until", str(t1), "--filter",
                               "type=container", "--format",
                               "{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.reclaimed}}"))
        lines = r.out.splitlines()
        destroyed = {l.split()[1] for l in lines if l.startswith("destroy ")}
        self.assertEqual(destroyed, {big, created})
        prunes = [l for l in lines if l.startswith("prune ")]
        self.assertEqual(len(prunes), 2, r.out)
        self.assertGreaterEqual(int(prunes[0].split()[-1]), 100000)
        self.assertEqual(prunes[1].split()[-1], "0")
        self.assertGreater(lines.index(prunes[0]),
                           max(i for i, l in enumerate(lines) if l.startswith("destroy ")))

    def test_filters_label_and_until(self):
        d = self.d
        keep = self.check(d.wharf("create", "--label", "keep=1", "busybox", "true")).out.strip()
        other = self.check(d.wharf("create", "--label", "tier=web", "busybox",
                                   "true")).out.strip()
        plain = self.check(d.wharf("create", "busybox", "true")).out.strip()

        # until=1h ago: everything here is newer, nothing goes.
        r = self.check(d.wharf("container", "prune", "-f", "--filter", "until=1h"))
        self.assertEqual(r.out, "Total reclaimed space: 0B\n")
        r = self.check(d.wharf("container", "prune", "-f", "--filter", "label=tier=web"))
        self.assertEqual(r.out, f"Deleted Containers:\n{other}\n\nTotal reclaimed space: 0B\n")
        r = self.check(d.wharf("container", "prune", "-f", "--filter", "label!=keep"))
        self.assertEqual(r.out, f"Deleted Containers:\n{plain}\n\nTotal reclaimed space: 0B\n")
        self.assertEqual(self.ids(), {keep})

        # A filter dockerd refuses: its message, exit 1; a malformed flag: exit 125.
        r = self.check(d.wharf("container", "prune", "-f", "--filter", "status=exited"), 1)
        self.assertEqual(r.err, "Error response from daemon: invalid filter 'status'\n")
        r = self.check(d.wharf("container", "prune", "-f", "--filter", "nonsense"), 125)
        self.assertIn("bad format of filter (expected name=value)", r.err)

    def test_docker_cli_container_and_system_prune(self):
        d = self.d
        stopped = self.check(d.docker("create", "busybox", "true")).out.strip()
        net = random_name("prnet")
        self.check(d.docker("network", "create", net))
        vol = self.check(d.docker("volume", "create")).out.strip()  # anonymous
        r = self.check(d.docker("container", "prune", "-f"))
        self.assertEqual(r.out, f"Deleted Containers:\n{stopped}\n\nTotal reclaimed space: 0B\n")

        again = self.check(d.docker("create", "busybox", "true")).out.strip()
        # docker 28's system prune calls containers, networks, volumes, images and build
        # cache prune: every one must answer (build prune: nothing, 0 bytes).
        r = self.check(d.docker("system", "prune", "-f", "--volumes"))
        self.assertEqual(r.out, f"Deleted Containers:\n{again}\n\n"
                                f"Deleted Networks:\n{net}\n\n"
                                f"Deleted Volumes:\n{vol}\n\n"
                                "Total reclaimed space: 0B\n")
        r = self.check(d.docker("system", "prune", "-f"))
        self.assertEqual(r.out, "Total reclaimed space: 0B\n")
        # busybox is used by no container now: -a removes it.
        r = self.check(d.docker("system", "prune", "-a", "-f"))
        self.assertIn("Deleted Images:\nuntagged: busybox:latest\ndeleted: sha256:", r.out)
        self.assertRegex(r.out, r"\n\nTotal reclaimed space: \d+(\.\d+)?[kM]B\n$")

    def test_wharf_system_prune_prompt_and_output(self):
        d = self.d
        stopped = self.check(d.wharf("create", "busybox", "true")).out.strip()
        net = random_name("prnet")
        self.check(d.wharf("network", "create", net))
        r = self.check(d.wharf("system", "prune", "--filter", "until=1s", "--filter",
                               "label=a=b", input="n\n"))
        self.assertEqual(r.out, "WARNING! This will remove:\n"
                                "  - all stopped containers\n"
                                "  - all networks not used by at least one container\n"
                                "  - all dangling images\n"
                                "  - unused build cache\n\n"
                                "  Items to be pruned will be filtered with:\n"
                                "  - label=a=b\n"
                                "  - until=1s\n\n"
                                "Are you sure you want to continue? [y/N] ")
        # The same text as the docker CLI's.
        r2 = self.check(d.docker("system", "prune", "--filter", "until=1s", "--filter",
                                 "label=a=b", input="n\n"))
        self.assertEqual(r2.out, r.out)
        r = self.check(d.wharf("system", "prune", "-a", "--volumes", input="n\n"))
        r2 = self.check(d.docker("system", "prune", "-a", "--volumes", input="n\n"))
        self.assertEqual(r.out.replace("wharf", "docker"), r2.out)

        r = self.check(d.wharf("system", "prune", "-f"))
        self.assertEqual(r.out, f"Deleted Containers:\n{stopped}\n\n"
                                f"Deleted Networks:\n{net}\n\n"
                                "Total reclaimed space: 0B\n")

    def test_build_prune_answers_nothing_deleted(self):
        r = self.check(self.d.docker("builder", "prune", "-f"))
        self.assertEqual(r.out, "Total reclaimed space: 0B\n")


@require_root
class ContainerSizeAndDiffTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        try:
            cls.d.start()
            cls.d.bootstrap_busybox()
        except Exception:
            cls.d.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def check(self, r, code=0):
        self.assertEqual(r.code, code, f"{r}\n--- wharfd log ---\n{self.d.log()}")
        return r

    def test_sizes_in_ps_and_inspect(self):
        d = self.d
        name = random_name("sz")
        self.check(d.wharf("run", "--name", name, "busybox", "sh", "-c",
                           "head -c 200000 /dev/zero > /big"))
        self.addCleanup(d.wharf, "rm", "-f", name)
        c = json.loads(self.check(d.wharf("inspect", "--size", name)).out)[0]
        self.assertGreaterEqual(c["SizeRw"], 200000)
        self.assertLess(c["SizeRw"], 200000 + 65536)
        self.assertGreater(c["SizeRootFs"], c["SizeRw"] + 1_000_000)  # + busybox
        self.assertNotIn("SizeRw", json.loads(self.check(d.wharf("inspect", name)).out)[0])

        for cli in (d.wharf, d.docker):
            r = self.check(cli("ps", "-a", "-s", "--filter", f"name={name}", "--format",
                               "{{.Names}}|{{.Size}}"))
            self.assertRegex(r.out.strip(),
                             rf"^{name}\|2\d\d(\.\d+)?kB \(virtual \d+(\.\d+)?MB\)$")
        r = self.check(d.docker("ps", "-a", "-s", "--filter", f"name={name}"))
        self.assertIn("SIZE", r.out.splitlines()[0])
        r2 = self.check(d.wharf("ps", "-a", "-s", "--filter", f"name={name}"))
        self.assertEqual(r.out.splitlines()[0], r2.out.splitlines()[0])
        r = self.check(d.docker("inspect", "--size", "-f", "{{.SizeRw}}", name))
        self.assertEqual(int(r.out), c["SizeRw"])

    def test_diff_lists_changes_as_docker(self):
        d = self.d
        name = random_name("diff")
        self.check(d.wharf("run", "--name", name, "busybox", "sh", "-c",
                           "echo hi > /etc/motd2 && rm /bin/ls && mkdir -p /new/dir && "
                           "echo x >> /etc/group && touch /new/dir/f"))
        self.addCleanup(d.wharf, "rm", "-f", name)
        r = self.check(d.wharf("diff", name))
        lines = r.out.splitlines()
        for want in ("C /bin", "D /bin/ls", "C /etc", "C /etc/group", "A /etc/motd2", "A /new",
                     "A /new/dir", "A /new/dir/f"):
            self.assertIn(want, lines)
        # The daemon's order: a pre-order walk with names sorted, as filepath.Walk.
        mine = [l for l in lines if l.split()[1].split("/")[1] in ("bin", "etc", "new")]
        self.assertEqual(mine, sorted(mine, key=lambda l: l.split()[1].split("/")))
        r2 = self.check(d.docker("diff", name))
        self.assertEqual(r2.out, r.out)
        r2 = self.check(d.docker("container", "diff", name))
        self.assertEqual(r2.out, r.out)

        # A created container has no changes; a missing one is docker's 404.
        created = self.check(d.wharf("create", "busybox", "true")).out.strip()
        self.addCleanup(d.wharf, "rm", "-f", created)
        self.assertEqual(self.check(d.wharf("diff", created)).out, "")
        r = self.check(d.wharf("diff", "nosuchcontainer"), 1)
        self.assertIn("No such container: nosuchcontainer", r.err)


@require_root
class ContainerTopExportTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        try:
            cls.d.start()
            cls.d.bootstrap_busybox()
        except Exception:
            cls.d.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def check(self, r, code=0):
        self.assertEqual(r.code, code, f"{r}\n--- wharfd log ---\n{self.d.log()}")
        return r

    def test_top_lists_the_containers_processes(self):
        d = self.d
        cid = self.check(d.wharf("run", "-d", "busybox", "sleep", "300")).out.strip()
        self.addCleanup(d.wharf, "rm", "-f", cid)
        self.check(d.wharf("exec", "-d", cid, "sleep", "301"))
        for cli in (d.wharf, d.docker):
            r = self.check(cli("top", cid))
            lines = r.out.splitlines()
            self.assertEqual(lines[0].split(), ["UID", "PID", "PPID", "C", "STIME", "TTY",
                                                "TIME", "CMD"])
            cmds = sorted(l.split(None, 7)[7] for l in lines[1:])
            self.assertEqual(cmds, ["sleep 300", "sleep 301"], r.out)
        # docker's table: columns at least 20 wide, 3 blanks of padding.
        r = self.check(d.wharf("top", cid, "-o", "pid,comm"))
        r2 = self.check(d.docker("top", cid, "-o", "pid,comm"))
        self.assertEqual(r.out.splitlines()[0], "PID                 COMMAND")
        self.assertEqual(r.out, r2.out)
        self.assertEqual(sorted(l.split()[1] for l in r.out.splitlines()[1:]),
                         ["sleep", "sleep"])
        # A pid key is refused as dockerd does; a stopped container too.
        r = self.check(d.wharf("top", cid, "-o", "ppid=PID"), 1)
        self.assertEqual(r.err, 'Error response from daemon: specifying "ppid=PID" is not '
                                'allowed\n')
        self.check(d.wharf("stop", "-t", "0", cid))
        r = self.check(d.wharf("top", cid), 1)
        self.assertEqual(r.err, f"Error response from daemon: container {cid} is not running\n")

    def tar_names(self, path):
        with tarfile.open(path) as t:
            return {m.name.rstrip("/") for m in t.getmembers()}

    def test_export_running_stopped_and_never_started(self):
        d = self.d
        out = tempfile.mkdtemp(prefix="wharf-export-")
        self.addCleanup(shutil.rmtree, out, True)
        cid = self.check(d.wharf("run", "-d", "busybox", "sh", "-c",
                                 "echo exported > /etc/new && rm /bin/ls && sleep 300")).out.strip()
        self.addCleanup(d.wharf, "rm", "-f", cid)
        self.check(d.wharf("exec", cid, "test", "-f", "/etc/new"))
        # Running, through the docker CLI to stdout.
        r = self.check(d.docker("export", cid, text=False))
        running_tar = os.path.join(out, "running.tar")
        with open(running_tar, "wb") as f:
            f.write(r.out)
        names = self.tar_names(running_tar)
        self.assertIn("etc/new", names)
        self.assertIn("bin/sh", names)
        self.assertNotIn("bin/ls", names)
        with tarfile.open(running_tar) as t:
            self.assertEqual(t.extractfile("etc/new").read(), b"exported\n")

        # Stopped: mounted for the export and unmounted after.
        self.check(d.wharf("stop", "-t", "0", cid))
        stopped_tar = os.path.join(out, "stopped.tar")
        self.check(d.wharf("export", "-o", stopped_tar, cid))
        self.assertEqual(self.tar_names(stopped_tar), names)
        with open("/proc/self/mountinfo") as f:
            self.assertNotIn(os.path.join(d.data_root, "tmp", "export-"), f.read())

        # Never started: the image's files.
        created = self.check(d.wharf("create", "busybox", "true")).out.strip()
        self.addCleanup(d.wharf, "rm", "-f", created)
        new_tar = os.path.join(out, "created.tar")
        self.check(d.docker("export", "-o", new_tar, created))
        names = self.tar_names(new_tar)
        self.assertIn("bin/ls", names)
        self.assertNotIn("etc/new", names)

        r = self.check(d.wharf("export", "nosuchcontainer"), 1)
        self.assertIn("No such container: nosuchcontainer", r.err)


if __name__ == "__main__":
    unittest.main()
