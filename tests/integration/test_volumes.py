"""Volumes and mounts (issue 12): named and anonymous volumes, binds, tmpfs, --mount,
--volumes-from, copy-up from the image, :ro/--read-only, wharf's :U, through `wharf` and the
docker CLI, with docker's messages for bad input and nothing left behind."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import DaemonTestCase, require_root


def _mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


@require_root
class VolumeTest(DaemonTestCase):
    def setUp(self):
        self.host_dir = tempfile.mkdtemp(prefix="wharf-vol-host-")
        self.addCleanup(shutil.rmtree, self.host_dir, True)

    def run_ok(self, *args):
        r = self.daemon.wharf(*args)
        self.assertExit(r, 0)
        return r.out

    def volume_names(self):
        return set(self.run_ok("volume", "ls", "-q").split())

    def container_count(self):
        return len(self.run_ok("ps", "-aq").split())

    def test_named_volume_keeps_data_and_conflicts_while_used(self):
        vol = self.name()
        self.assertEqual(self.run_ok("volume", "create", "--label", "team=x", vol), vol + "\n")
        self.run_ok("run", "--rm", "-v", vol + ":/data", "busybox", "sh", "-c",
                    "echo kept > /data/f")
        self.assertEqual(self.run_ok("run", "--rm", "-v", vol + ":/data", "busybox", "cat",
                                     "/data/f"), "kept\n")
        info = json.loads(self.run_ok("volume", "inspect", vol))[0]
        self.assertEqual(info["Name"], vol)
        self.assertEqual(info["Driver"], "local")
        self.assertEqual(info["Labels"], {"team": "x"})
        self.assertTrue(info["Mountpoint"].startswith(self.daemon.tmp))
        self.assertIn(vol, self.run_ok("volume", "ls", "--filter", "label=team=x", "-q").split())
        self.assertEqual(self.run_ok("volume", "ls", "--filter", "label=team=y", "-q"), "")
        # Used by a container (even a stopped one): removal is refused, as dockerd does.
        c = self.name()
        self.run_ok("create", "--name", c, "-v", vol + ":/data", "busybox", "true")
        cid = self.daemon.inspect(c)["Id"]
        r = self.daemon.wharf("volume", "rm", vol)
        self.assertExit(r, 1)
        self.assertEqual(r.err, f"Error response from daemon: remove {vol}: volume is in use - "
                                f"[{cid}]\n")
        self.assertIn(vol, self.run_ok("volume", "ls", "--filter", "dangling=false", "-q"))
        self.run_ok("rm", c)
        self.assertEqual(self.run_ok("volume", "rm", vol), vol + "\n")
        r = self.daemon.wharf("volume", "inspect", vol)
        self.assertExit(r, 1)
        self.assertIn(f"get {vol}: no such volume", r.err)

    def test_read_only_volume_and_rootfs(self):
        vol = self.name()
        r = self.daemon.wharf("run", "--rm", "-v", vol + ":/data:ro", "busybox", "sh", "-c",
                              "echo x > /data/f")
        self.assertEqual(r.code, 1)
        self.assertIn("Read-only file system", r.err)
        r = self.daemon.wharf("run", "--rm", "--mount", f"type=volume,src={vol},dst=/data,ro",
                              "busybox", "touch", "/data/f")
        self.assertEqual(r.code, 1)
        self.assertIn("Read-only file system", r.err)
        # --read-only: the rootfs refuses writes, the volume takes them.
        r = self.daemon.wharf("run", "--rm", "--read-only", "-v", vol + ":/data", "busybox", "sh",
                              "-c", "echo ok > /data/f && cat /data/f && touch /rootfile")
        self.assertEqual(r.out, "ok\n")
        self.assertEqual(r.code, 1)
        self.assertIn("Read-only file system", r.err)
        self.run_ok("volume", "rm", vol)

    def test_tmpfs_size_is_enforced(self):
        for flags in (["--tmpfs", "/t:size=1m"],
                      ["--mount", "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770"]):
            r = self.daemon.wharf("run", "--rm", *flags, "busybox", "sh", "-c",
                                  "dd if=/dev/zero of=/t/x bs=1k count=2048; "
                                  "stat -c %a /t; df -k /t | tail -1")
            self.assertExit(r, 0)
            self.assertIn("No space left on device", r.err)
            self.assertEqual(r.out.split()[2], "1024", r.out)  # 1K-blocks
            if "--mount" in flags:
                self.assertTrue(r.out.startswith("1770\n"), r.out)

    def test_copy_up_from_image_and_nocopy(self):
        vol = self.name()
        want = self.run_ok("run", "--rm", "busybox", "stat", "-c", "%n %a %u %g %s",
                           "/etc/passwd", "/etc/group", "/etc")
        got = self.run_ok("run", "--rm", "-v", vol + ":/etc", "busybox", "stat", "-c",
                          "%n %a %u %g %s", "/etc/passwd", "/etc/group", "/etc")
        self.assertEqual(got, want)
        mountpoint = json.loads(self.run_ok("volume", "inspect", vol))[0]["Mountpoint"]
        self.assertTrue(os.path.isfile(os.path.join(mountpoint, "passwd")))
        # The volume now has content: the next container sees it, not the image's.
        self.run_ok("run", "--rm", "-v", vol + ":/etc", "busybox", "sh", "-c",
                    "echo mine > /etc/motd")
        self.assertIn("motd", self.run_ok("run", "--rm", "-v", vol + ":/etc", "busybox", "ls",
                                          "/etc"))
        nocopy = self.name()
        out = self.run_ok("run", "--rm", "--mount",
                          f"type=volume,src={nocopy},dst=/etc,volume-nocopy", "busybox", "ls",
                          "-A", "/etc")
        self.assertEqual(out, "")
        self.run_ok("volume", "rm", vol, nocopy)

    def test_anonymous_volumes_go_with_rm_v_and_rm(self):
        before = self.volume_names()
        c = self.name()
        self.run_ok("run", "--name", c, "-v", "/scratch", "busybox", "touch", "/scratch/f")
        mounts = self.daemon.inspect(c)["Mounts"]
        self.assertEqual(len(mounts), 1)
        anon = mounts[0]["Name"]
        self.assertEqual(mounts[0]["Type"], "volume")
        self.assertEqual(mounts[0]["Destination"], "/scratch")
        self.assertEqual(len(anon), 64)
        self.assertIn(anon, self.volume_names())
        self.run_ok("rm", "-v", c)
        self.assertEqual(self.volume_names(), before)
        # --rm: the anonymous volume goes with the container; a named one stays.
        named = self.name()
        self.run_ok("run", "--rm", "-v", "/scratch", "-v", named + ":/named", "busybox", "true")
        self.assertEqual(self.volume_names(), before | {named})
        # Plain rm keeps it; prune (anonymous only by default) takes it, -a the named ones.
        c = self.name()
        self.run_ok("run", "--name", c, "-v", "/keep", "busybox", "true")
        anon = self.daemon.inspect(c)["Mounts"][0]["Name"]
        self.run_ok("rm", c)
        self.assertIn(anon, self.volume_names())
        out = self.run_ok("volume", "prune", "-f")
        self.assertIn(anon, out)
        self.assertNotIn(named, out)
        self.assertIn("Total reclaimed space:", out)
        self.run_ok("volume", "rm", named)

    def test_bind_mounts(self):
        missing = os.path.join(self.host_dir, "made", "by", "run")
        self.run_ok("run", "--rm", "-v", missing + ":/h", "busybox", "sh", "-c",
                    "echo from-container > /h/out")
        with open(os.path.join(missing, "out")) as f:
            self.assertEqual(f.read(), "from-container\n")
        c = self.name()
        self.run_ok("create", "--name", c, "-v", self.host_dir + ":/h:ro,rslave", "busybox", "true")
        m = self.daemon.inspect(c)["Mounts"][0]
        self.assertEqual(m, {"Type": "bind", "Source": self.host_dir, "Destination": "/h",
                             "Mode": "ro,rslave", "RW": False, "Propagation": "rslave"})
        self.run_ok("rm", c)
        r = self.daemon.wharf("run", "--rm", "--mount",
                              f"type=bind,src={self.host_dir},dst=/h,readonly", "busybox",
                              "touch", "/h/x")
        self.assertEqual(r.code, 1)
        self.assertIn("Read-only file system", r.err)

    def test_volumes_from(self):
        vol = self.name()
        src = self.name()
        self.run_ok("run", "--name", src, "-v", vol + ":/shared", "busybox", "sh", "-c",
                    "echo shared > /shared/f")
        self.assertEqual(self.run_ok("run", "--rm", "--volumes-from", src, "busybox", "cat",
                                     "/shared/f"), "shared\n")
        r = self.daemon.wharf("run", "--rm", "--volumes-from", src + ":ro", "busybox", "touch",
                              "/shared/g")
        self.assertEqual(r.code, 1)
        self.assertIn("Read-only file system", r.err)
        self.run_ok("rm", src)
        self.run_ok("volume", "rm", vol)

    def test_chown_option_u(self):
        vol = self.name()
        out = self.run_ok("run", "--rm", "--user", "1234:5678", "-v", vol + ":/data:U", "busybox",
                          "sh", "-c", "touch /data/mine && stat -c '%u:%g' /data /data/mine")
        self.assertEqual(out, "1234:5678\n1234:5678\n")
        self.run_ok("volume", "rm", vol)

    def test_device_volume_is_unmounted_when_unused(self):
        vol = self.name()
        self.run_ok("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o",
                    "o=size=1m", vol)
        info = json.loads(self.run_ok("volume", "inspect", vol))[0]
        self.assertEqual(info["Options"], {"device": "tmpfs", "o": "size=1m", "type": "tmpfs"})
        c = self.name()
        self.run_ok("run", "-d", "--name", c, "-v", vol + ":/data", "busybox", "sleep", "300")
        self.assertTrue(_mounted(info["Mountpoint"]))
        self.run_ok("rm", "-f", c)
        self.assertFalse(_mounted(info["Mountpoint"]))
        self.run_ok("volume", "rm", vol)

    def test_users_and_mounts_survive_a_daemon_restart(self):
        vol = self.name()
        self.run_ok("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", vol)
        mountpoint = json.loads(self.run_ok("volume", "inspect", vol))[0]["Mountpoint"]
        c = self.name()
        self.run_ok("run", "-d", "--name", c, "-v", vol + ":/data", "busybox", "sh", "-c",
                    "echo alive > /data/f; exec sleep 300")
        self.daemon.stop_daemon()
        self.daemon.start()
        # The restored container still uses the volume: it cannot go, and stays mounted.
        r = self.daemon.wharf("volume", "rm", vol)
        self.assertExit(r, 1)
        self.assertIn("volume is in use", r.err)
        self.assertTrue(_mounted(mountpoint))
        with open(os.path.join(mountpoint, "f")) as f:
            self.assertEqual(f.read(), "alive\n")
        self.run_ok("rm", "-f", c)
        self.assertFalse(_mounted(mountpoint))
        self.run_ok("volume", "rm", vol)

    def test_bad_input_changes_nothing(self):
        volumes, containers = self.volume_names(), self.container_count()
        r = self.daemon.wharf("run", "--rm", "--mount", "type=bind,foo=bar,dst=/x", "busybox",
                              "true")
        self.assertExit(r, 125)
        self.assertIn("invalid argument \"type=bind,foo=bar,dst=/x\" for \"--mount\" flag: "
                      "unexpected key 'foo' in 'foo=bar'", r.err)
        r = self.daemon.wharf("volume", "create", "a/b")
        self.assertExit(r, 1)
        self.assertEqual(r.err, 'Error response from daemon: create a/b: "a/b" includes invalid '
                                'characters for a local volume name, only '
                                '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to '
                                'pass a host directory, use absolute path\n')
        r = self.daemon.wharf("run", "--rm", "-v", "a/b:/x", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn('"a/b" includes invalid characters for a local volume name', r.err)
        gone = os.path.join(self.host_dir, "nope")
        r = self.daemon.wharf("run", "--rm", "--mount", f"type=bind,src={gone},dst=/x", "busybox",
                              "true")
        self.assertExit(r, 125)
        self.assertIn('invalid mount config for type "bind": bind source path does not exist: '
                      + gone, r.err)
        self.assertFalse(os.path.exists(gone))
        r = self.daemon.wharf("run", "--rm", "-v", "/data:/x", "-v", "v2:/x", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn("Duplicate mount point: /x", r.err)
        # A file on a directory: docker's (runc's) words; --rm leaves nothing.
        f = os.path.join(self.host_dir, "file")
        open(f, "w").close()
        r = self.daemon.wharf("run", "--rm", "-v", f + ":/etc", "busybox", "true")
        self.assertExit(r, 125)
        self.assertIn("Are you trying to mount a directory onto a file (or vice-versa)?", r.err)
        r = self.daemon.wharf("volume", "create", "-o", "foo=bar", self.name())
        self.assertExit(r, 1)
        self.assertIn('invalid option: "foo"', r.err)
        self.assertEqual(self.volume_names(), volumes)
        self.assertEqual(self.container_count(), containers)
        self.assertEqual([p for p in _mounts_below(self.daemon.tmp) if "/volumes/" in p], [])


def _mounts_below(path):
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(path + "/")]


@require_root
@unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
class DockerCliVolumeTest(DaemonTestCase):
    def docker_ok(self, *args):
        r = self.daemon.docker(*args)
        self.assertExit(r, 0)
        return r.out

    def test_volume_commands_and_run(self):
        vol = self.name()
        self.assertEqual(self.docker_ok("volume", "create", "--label", "a=b", vol), vol + "\n")
        ls = self.docker_ok("volume", "ls")
        self.assertEqual(ls.splitlines()[0].split(), ["DRIVER", "VOLUME", "NAME"])
        self.assertIn(["local", vol], [l.split() for l in ls.splitlines()[1:]])
        self.assertEqual(self.docker_ok("volume", "inspect", "--format", "{{.Name}} {{.Driver}} "
                                        "{{.Labels}} {{.Scope}}", vol),
                         f"{vol} local map[a:b] local\n")
        self.docker_ok("run", "--rm", "-v", vol + ":/data", "busybox", "sh", "-c",
                       "echo via-docker > /data/f")
        self.assertEqual(self.docker_ok("run", "--rm", "--mount", f"source={vol},target=/d",
                                        "busybox", "cat", "/d/f"), "via-docker\n")
        r = self.daemon.docker("run", "--rm", "-v", vol + ":/data:ro", "busybox", "touch",
                               "/data/x")
        self.assertEqual(r.code, 1)
        self.assertIn("Read-only file system", r.err)
        c = self.name()
        self.docker_ok("create", "--name", c, "-v", vol + ":/data", "busybox", "true")
        r = self.daemon.docker("volume", "rm", vol)
        self.assertExit(r, 1)
        self.assertIn(f"remove {vol}: volume is in use", r.err)
        m = json.loads(self.docker_ok("inspect", c))[0]["Mounts"][0]
        self.assertEqual((m["Type"], m["Name"], m["Destination"], m["Driver"], m["RW"]),
                         ("volume", vol, "/data", "local", True))
        self.docker_ok("rm", c)
        before = set(self.docker_ok("volume", "ls", "-q").split())
        self.docker_ok("run", "--rm", "-v", "/anon", "busybox", "true")
        self.assertEqual(set(self.docker_ok("volume", "ls", "-q").split()), before)
        r = self.daemon.docker("run", "--rm", "--tmpfs", "/t:size=1m", "busybox", "sh", "-c",
                               "dd if=/dev/zero of=/t/x bs=1k count=2048")
        self.assertEqual(r.code, 1)
        self.assertIn("No space left on device", r.err)
        r = self.daemon.docker("volume", "create", "a/b")
        self.assertExit(r, 1)
        self.assertIn('"a/b" includes invalid characters for a local volume name', r.err)
        r = self.daemon.docker("run", "--rm", "--mount", "type=bind,foo=bar,dst=/x", "busybox",
                               "true")
        self.assertExit(r, 125)
        self.assertIn("unexpected key 'foo' in 'foo=bar'", r.err)
        self.assertIn("Deleted Volumes:\n" + vol, self.docker_ok("volume", "prune", "-af"))
        self.assertNotIn(vol, self.docker_ok("volume", "ls", "-q"))

    def test_docker_py_volumes(self):
        try:
            import docker  # python3-docker
        except ImportError:
            self.skipTest("python3-docker is not installed")
        client = docker.DockerClient(base_url=self.daemon.host, version="1.41")
        try:
            vol = client.volumes.create(name=self.name(), labels={"k": "v"})
            self.assertEqual(vol.attrs["Labels"], {"k": "v"})
            out = client.containers.run("busybox", "sh -c 'echo py > /v/f; cat /v/f'",
                                        volumes={vol.name: {"bind": "/v", "mode": "rw"}},
                                        remove=True)
            self.assertEqual(out, b"py\n")
            self.assertIn(vol.name, [v.name for v in client.volumes.list()])
            vol.remove()
        finally:
            client.close()


COMPOSE_FILE = """\
version: "3.7"
services:
  writer:
    image: busybox
    network_mode: none
    command: sh -c 'echo from-compose > /data/f'
    volumes:
      - shared:/data
  reader:
    image: busybox
    network_mode: none
    command: sh -c 'sleep 1; cat /data/f'
    volumes:
      - shared:/data:ro
volumes:
  shared:
    labels:
      purpose: test
"""


@require_root
@unittest.skipUnless(shutil.which("docker-compose"), "docker-compose is not installed")
class ComposeVolumeTest(DaemonTestCase):
    def compose(self, project_dir, *args):
        env = dict(os.environ)
        env["DOCKER_HOST"] = self.daemon.host
        env["DOCKER_CONFIG"] = os.path.join(self.daemon.tmp, "docker-config")
        env["COMPOSE_INTERACTIVE_NO_CLI"] = "1"
        p = subprocess.run(["docker-compose", "-p", self.project, *args], cwd=project_dir,
                           capture_output=True, text=True, timeout=120, env=env)
        return harness.Result(p)

    def test_named_volume_shared_between_services(self):
        self.project = "wv" + self.name().replace("-", "")
        d = tempfile.mkdtemp(prefix="wharf-compose-")
        self.addCleanup(shutil.rmtree, d, True)
        with open(os.path.join(d, "docker-compose.yml"), "w") as f:
            f.write(COMPOSE_FILE)
        r = self.compose(d, "run", "--rm", "writer")
        self.assertExit(r, 0)
        r = self.compose(d, "run", "--rm", "reader")
        self.assertExit(r, 0)
        self.assertIn("from-compose", r.out)
        vol = self.project + "_shared"
        info = json.loads(self.daemon.wharf("volume", "inspect", vol).out)[0]
        self.assertEqual(info["Labels"]["purpose"], "test")
        self.assertEqual(info["Labels"]["com.docker.compose.project"], self.project)
        r = self.compose(d, "down", "-v")
        self.assertExit(r, 0)
        self.assertNotIn(vol, self.daemon.wharf("volume", "ls", "-q").out)


if __name__ == "__main__":
    unittest.main()
