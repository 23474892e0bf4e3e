"""The way in and out for images (issue 11): tag, rmi, import, save, load through the wharf
CLI and through the real docker CLI against wharfd."""

import json
import os
import subprocess
import tempfile
import unittest

import harness
from harness import DaemonTestCase, require_root
from image_fixture import rootfs_tar, tar_members


@require_root
class ImageTransferTest(DaemonTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wharf-it-img-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.tmp]))

    def repo(self):
        return self.name().replace("_", "-")

    def image_ids(self):
        r = self.daemon.wharf("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
        self.assertExit(r, 0)
        return dict(line.split() for line in r.out.splitlines())

    def import_image(self, ref, marker="imported", *extra):
        tar = os.path.join(self.tmp, self.repo() + ".tar")
        rootfs_tar(tar, marker)
        r = self.daemon.wharf("import", *extra, tar, ref)
        self.assertExit(r, 0)
        self.assertRegex(r.out.strip(), r"^sha256:[0-9a-f]{64}$")
        return r.out.strip()

    def test_tag_then_rmi_untags_and_keeps_the_image(self):
        repo = self.repo()
        self.assertExit(self.daemon.wharf("tag", "busybox", f"localhost:5000/{repo}:1"), 0)
        ids = self.image_ids()
        self.assertEqual(ids[f"localhost:5000/{repo}:1"], ids["busybox:latest"])
        r = self.daemon.wharf("rmi", f"localhost:5000/{repo}:1")
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Untagged: localhost:5000/{repo}:1\n")
        self.assertIn("busybox:latest", self.image_ids())
        # By id, an image with two names needs -f (docker's words).
        self.assertExit(self.daemon.wharf("tag", "busybox", f"{repo}:x"), 0)
        r = self.daemon.wharf("rmi", ids["busybox:latest"][7:19])
        self.assertExit(r, 1)
        self.assertIn("image is referenced in multiple repositories", r.err)
        self.assertExit(self.daemon.wharf("rmi", f"{repo}:x"), 0)

    def test_tag_errors(self):
        r = self.daemon.wharf("tag", "busybox", "bad/Name")
        self.assertExit(r, 1)
        self.assertIn("invalid reference format: repository name (bad/Name) must be lowercase",
                      r.err)
        r = self.daemon.wharf("tag", "nosuch-image-x", "y")
        self.assertExit(r, 1)
        self.assertIn("No such image: nosuch-image-x:latest", r.err)

    def test_import_with_changes_runs(self):
        repo = self.repo()
        iid = self.import_image(f"{repo}:v1", "hello-import", "-c", 'CMD ["cat", "/etc/marker"]',
                                "-c", "ENV GREETING=hi", "-m", "a message")
        r = self.daemon.wharf("run", "--rm", f"{repo}:v1")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "hello-import\n")
        r = self.daemon.wharf("run", "--rm", f"{repo}:v1", "sh", "-c", "echo $GREETING")
        self.assertEqual(r.out, "hi\n")
        r = self.daemon.wharf("image", "inspect", "--format", "{{.Id}} {{json .Config.Cmd}}",
                              f"{repo}:v1")
        self.assertEqual(r.out.strip(), iid + ' ["cat","/etc/marker"]')

    def test_import_from_stdin_and_bad_input(self):
        repo = self.repo()
        tar = os.path.join(self.tmp, "in.tar.gz")
        rootfs_tar(tar, "from-stdin", mode="w:gz")
        with open(tar, "rb") as f:
            p = subprocess.run([harness.WHARF, "-H", self.daemon.host, "import", "-", repo],
                               stdin=f, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = self.daemon.wharf("run", "--rm", repo, "cat", "/etc/marker")
        self.assertEqual(r.out, "from-stdin\n")
        before = self.image_ids()
        junk = os.path.join(self.tmp, "junk")
        with open(junk, "wb") as f:
            f.write(os.urandom(10000))
        self.assertExit(self.daemon.wharf("import", junk, self.repo()), 1)
        r = self.daemon.wharf("import", "-c", "RUN true", tar, self.repo())
        self.assertExit(r, 1)
        self.assertIn("RUN is not a valid change command", r.err)
        self.assertEqual(self.image_ids(), before)

    def test_rmi_conflicts_with_a_container(self):
        repo = self.repo()
        iid = self.import_image(repo)
        name = self.name()
        self.assertExit(self.daemon.wharf("create", "--name", name, repo, "true"), 0)
        r = self.daemon.wharf("rmi", repo)
        self.assertExit(r, 1)
        self.assertRegex(r.err, r'conflict: unable to remove repository reference "%s" \(must '
                         r'force\) - container [0-9a-f]{12} is using its referenced image '
                         r'[0-9a-f]{12}' % repo)
        # -f only untags: the container still runs from the image's layers.
        r = self.daemon.wharf("rmi", "-f", repo)
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Untagged: {repo}:latest\n")
        self.assertExit(self.daemon.wharf("start", "-a", name), 0)
        self.assertExit(self.daemon.wharf("rm", name), 0)
        r = self.daemon.wharf("rmi", iid)
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Deleted: {iid}\n")

    def test_save_rmi_load_run(self):
        repo = self.repo()
        iid = self.import_image(f"{repo}:1", "saved-and-loaded")
        out = os.path.join(self.tmp, "save.tar")
        self.assertExit(self.daemon.wharf("save", "-o", out, f"{repo}:1"), 0)
        members = tar_members(out)
        manifest = json.loads(members["manifest.json"])
        self.assertEqual(manifest[0]["RepoTags"], [f"{repo}:1"])
        self.assertEqual(manifest[0]["Config"], "blobs/sha256/" + iid[7:])
        index = json.loads(members["index.json"])
        self.assertEqual(index["manifests"][0]["annotations"]["io.containerd.image.name"],
                         f"docker.io/library/{repo}:1")
        self.assertIn("oci-layout", members)
        r = self.daemon.wharf("rmi", f"{repo}:1")
        self.assertEqual(r.out, f"Untagged: {repo}:1\nDeleted: {iid}\n")
        r = self.daemon.wharf("load", "-i", out)
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Loaded image: {repo}:1\n")
        self.assertEqual(self.image_ids()[f"{repo}:1"], iid)
        r = self.daemon.wharf("run", "--rm", f"{repo}:1", "cat", "/etc/marker")
        self.assertEqual(r.out, "saved-and-loaded\n")
        # From stdin, quietly: the same lines (docker prints them with -q too).
        with open(out, "rb") as f:
            p = subprocess.run([harness.WHARF, "-H", self.daemon.host, "load", "-q"], stdin=f,
                               capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode(), f"Loaded image: {repo}:1\n")

    def test_save_errors_leave_no_file(self):
        out = os.path.join(self.tmp, "nothing.tar")
        r = self.daemon.wharf("save", "-o", out, "busybox", "nosuch-image-y")
        self.assertExit(r, 1)
        self.assertIn("No such image: nosuch-image-y", r.err)
        self.assertEqual([f for f in os.listdir(self.tmp) if f.startswith("nothing")], [])
        r = self.daemon.wharf("load", "-i", os.path.join(self.tmp, "missing.tar"))
        self.assertExit(r, 1)


@require_root
@unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
class DockerCliImageTest(DaemonTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wharf-it-img-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.tmp]))

    def test_docker_import_tag_save_rmi_load(self):
        repo = self.name().replace("_", "-")
        tar = os.path.join(self.tmp, "rootfs.tar")
        rootfs_tar(tar, "via-docker")
        r = self.daemon.docker("import", "-c", "CMD [\"cat\", \"/etc/marker\"]", tar, f"{repo}:a")
        self.assertExit(r, 0)
        self.assertRegex(r.out.strip(), r"^sha256:[0-9a-f]{64}$")
        iid = r.out.strip()
        self.assertExit(self.daemon.docker("tag", f"{repo}:a", f"{repo}:b"), 0)
        r = self.daemon.docker("run", "--rm", f"{repo}:b")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "via-docker\n")
        out = os.path.join(self.tmp, "docker-save.tar")
        self.assertExit(self.daemon.docker("save", "-o", out, repo), 0)
        manifest = json.loads(tar_members(out)["manifest.json"])
        self.assertEqual(sorted(manifest[0]["RepoTags"]), [f"{repo}:a", f"{repo}:b"])
        r = self.daemon.docker("rmi", f"{repo}:a")
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Untagged: {repo}:a\n")
        r = self.daemon.docker("rmi", f"{repo}:b")
        self.assertExit(r, 0)
        self.assertEqual(r.out, f"Untagged: {repo}:b\nDeleted: {iid}\n")
        r = self.daemon.docker("load", "-i", out)
        self.assertExit(r, 0)
        self.assertEqual(sorted(r.out.splitlines()),
                         [f"Loaded image: {repo}:a", f"Loaded image: {repo}:b"])
        r = self.daemon.docker("run", "--rm", f"{repo}:a")
        self.assertEqual(r.out, "via-docker\n")

    def test_docker_rmi_conflict_and_missing(self):
        r = self.daemon.docker("rmi", "nosuch-image-z")
        self.assertExit(r, 1)
        self.assertIn("Error response from daemon: No such image: nosuch-image-z:latest", r.err)


if __name__ == "__main__":
    unittest.main()
