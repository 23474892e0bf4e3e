"""`image prune` (issue 11) through the wharf CLI and the docker CLI against wharfd: dangling
images go, tagged ones only with -a, an image a container uses never; filters until= and
label=; docker's output and SpaceReclaimed."""

import os
import re
import subprocess
import tempfile
import unittest

import harness
from harness import DaemonTestCase, require_root
from image_fixture import rootfs_tar


@require_root
class ImagePruneTest(DaemonTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wharf-it-prune-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", self.tmp]))

    def import_image(self, marker, *args):
        tar = os.path.join(self.tmp, marker + ".tar")
        rootfs_tar(tar, marker)
        r = self.daemon.wharf("import", *args, tar)
        self.assertExit(r, 0)
        return r.out.strip()

    def ids(self):
        r = self.daemon.wharf("images", "-q", "--no-trunc")
        self.assertExit(r, 0)
        return set(r.out.split())

    def test_prune_dangling_then_all(self):
        repo = self.name()
        dangling = self.import_image(repo + "-dangling")
        used = self.import_image(repo + "-used")
        tagged = self.import_image(repo + "-tagged", "-c", "LABEL keep=yes")
        self.assertExit(self.daemon.wharf("tag", tagged, f"{repo}:t"), 0)
        r = self.daemon.wharf("create", used, "true")
        self.assertExit(r, 0)
        cid = r.out.strip()
        self.addCleanup(self.daemon.wharf, "rm", "-f", cid)

        # Without -f it asks; anything but y keeps everything.
        r = self.daemon.wharf("image", "prune", input="n\n")
        self.assertExit(r, 0)
        self.assertEqual(r.out, "WARNING! This will remove all dangling images.\n"
                                "Are you sure you want to continue? [y/N] ")
        self.assertIn(dangling, self.ids())

        r = self.daemon.wharf("image", "prune", "-f")
        self.assertExit(r, 0)
        self.assertRegex(r.out, "^Deleted Images:\n(deleted: sha256:[0-9a-f]{64}\n)+\n"
                                r"Total reclaimed space: [0-9.]+[kM]?B\n$")
        self.assertIn("deleted: " + dangling, r.out)
        ids = self.ids()
        self.assertNotIn(dangling, ids)
        self.assertIn(used, ids)  # a container uses it
        self.assertIn(tagged, ids)
        size = int(re.search(r"space: ([0-9.]+)([kM]?)B", r.out).group(1).split(".")[0])
        self.assertGreater(size, 0)

        # -a with a label filter that does not match keeps the tagged image.
        r = self.daemon.wharf("image", "prune", "-a", "-f", "--filter", "label=keep=no")
        self.assertExit(r, 0)
        self.assertIn(tagged, self.ids())
        # until=1h: busybox (created when its binary was built) goes, the new image stays.
        busybox = self.daemon.inspect("busybox")["Id"]
        self.addCleanup(self.daemon.bootstrap_busybox)
        r = self.daemon.wharf("image", "prune", "-a", "-f", "--filter", "until=1h")
        self.assertExit(r, 0)
        self.assertIn(f"untagged: busybox:latest\ndeleted: {busybox}\n", r.out)
        self.assertIn(tagged, self.ids())
        r = self.daemon.wharf("image", "prune", "-a", "-f", "--filter", "label=keep=yes")
        self.assertExit(r, 0)
        self.assertIn(f"untagged: {repo}:t\ndeleted: {tagged}\n", r.out)
        self.assertNotIn(tagged, self.ids())
        self.assertIn(used, self.ids())
        r = self.daemon.wharf("image", "prune", "-f", "--filter", "nosuch=1")
        self.assertExit(r, 1)
        self.assertIn("invalid filter 'nosuch'", r.err)

    @unittest.skipUnless(harness.docker_cli(), "the docker CLI is not installed")
    def test_docker_image_prune(self):
        dangling = self.import_image(self.name() + "-docker")
        r = self.daemon.docker("image", "prune", "-f")
        self.assertExit(r, 0)
        self.assertIn("deleted: " + dangling, r.out)
        self.assertIn("Total reclaimed space:", r.out)
        self.assertNotIn(dangling, self.ids())
        # busybox is tagged and not in use: -a takes it, then it comes back for the others.
        r = self.daemon.docker("image", "prune", "-a", "-f")
        self.assertExit(r, 0)
        self.assertIn("untagged: busybox:latest", r.out)
        self.daemon.bootstrap_busybox()


if __name__ == "__main__":
    unittest.main()
