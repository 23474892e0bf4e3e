"""`system df` and garbage collection (issue 11): `docker system df` and `-v` against wharfd
(and `wharf system df`, whose output must be docker's) account the busybox image, a container
that wrote 1 MB into its rw layer and a volume with data; leftovers planted in the data root
(an orphan blob, an orphan snapshot, ingest and snapshot temp files) are gone after a daemon
restart while every image still runs."""

import hashlib
import json
import os
import re
import unittest

from harness import Daemon, UnixHTTPConnection, random_name, require_root


def api_get(daemon, path):
    conn = UnixHTTPConnection(daemon.sock)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# "12 seconds ago" may become "13 seconds ago" between two commands, and the columns after
# it move: compare with the times replaced and runs of blanks made one.
def without_times(text):
    text = re.sub(r"(Less than a second|About an? \w+|\d+ \w+) ago", "<ago>", text)
    return re.sub(r" {2,}", "  ", text)


@require_root
class SystemDfTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.d = Daemon()
        self.addCleanup(self.d.stop)
        self.d.start()
        self.d.bootstrap_busybox()

    def check(self, r, code=0):
        self.assertEqual(r.code, code, f"{r}\n--- wharfd log ---\n{self.d.log()}")
        return r

    def test_df_accounts_every_kind_and_gc_cleans_crash_leftovers(self):
        d = self.d
        vol, name = random_name("dfvol"), random_name("df")
        self.check(d.docker("volume", "create", vol))
        # 1 MiB in the rw layer, 512 KiB in the volume; the container stays (exited).
        self.check(d.docker("run", "--name", name, "-v", f"{vol}:/data", "busybox", "sh", "-c",
                            "head -c 1048576 /dev/zero > /big && head -c 524288 /dev/zero > /data/v"))

        status, body = api_get(d, "/v1.51/system/df")
        self.assertEqual(status, 200, body)
        du = json.loads(body)
        self.assertGreater(du["LayersSize"], 2_000_000)  # busybox's blob + unpacked layer
        [img] = du["Images"]
        self.assertEqual((img["RepoTags"], img["Containers"], img["SharedSize"]),
                         (["busybox:latest"], 1, 0))
        self.assertGreater(img["Size"], 2_000_000)
        [ctr] = du["Containers"]
        self.assertEqual(ctr["Names"], ["/" + name])
        self.assertGreaterEqual(ctr["SizeRw"], 1048576)
        self.assertLess(ctr["SizeRw"], 1048576 + 65536)
        self.assertGreaterEqual(ctr["SizeRootFs"], ctr["SizeRw"] + 1_500_000)  # + busybox unpacked
        [v] = [v for v in du["Volumes"] if v["Name"] == vol]
        self.assertEqual(v["UsageData"], {"Size": 524288, "RefCount": 1})
        self.assertEqual(du["BuildCache"], [])
        status, body = api_get(d, "/v1.51/system/df?type=volume")
        self.assertEqual(status, 200, body)
        self.assertIsNone(json.loads(body)["Images"])

        # docker's CLI, unchanged, and wharf's, which must print the same.
        r = self.check(d.docker("system", "df"))
        rows = {line[:15].strip(): line.split() for line in r.out.splitlines()[1:]}
        self.assertEqual(r.out.splitlines()[0].split(),
                         ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"])
        self.assertEqual(rows["Images"][1:3], ["1", "1"])
        self.assertEqual(rows["Containers"][1:4], ["1", "0", "1.049MB"])
        self.assertEqual(rows["Containers"][4:], ["1.049MB", "(100%)"])
        self.assertEqual(rows["Local Volumes"][2:5], ["1", "1", "524.3kB"])
        self.assertEqual(rows["Local Volumes"][5:], ["0B", "(0%)"])
        self.assertEqual(rows["Build Cache"][2:], ["0", "0", "0B", "0B"])
        self.assertEqual(self.check(d.wharf("system", "df")).out, r.out)

        r = self.check(d.docker("system", "df", "-v"))
        self.assertIn("Images space usage:", r.out)
        self.assertRegex(r.out, r"\nbusybox +latest +[0-9a-f]{12} .* 0B +[0-9.]+MB +1\n")
        self.assertRegex(r.out, name + r"\n")
        self.assertRegex(r.out, r"\n" + vol + r" +1 +524.3kB\n")
        self.assertIn("Build cache usage: 0B", r.out)
        self.assertEqual(without_times(self.check(d.wharf("system", "df", "-v")).out),
                         without_times(r.out))
        r = self.check(d.wharf("system", "df", "--format", "{{.Type}}: {{.Active}}/{{.TotalCount}}"))
        self.assertEqual(r.out, "Images: 1/1\nContainers: 0/1\nLocal Volumes: 1/1\nBuild Cache: 0/0\n")

        # Crash leftovers, planted while the daemon is down.
        d.stop_daemon()
        content = os.path.join(d.data_root, "content")
        snaps = os.path.join(d.data_root, "snapshots")
        data = b"a blob whose pull never committed"
        orphan_blob = os.path.join(content, "blobs", "sha256", hashlib.sha256(data).hexdigest())
        with open(orphan_blob, "wb") as f:
            f.write(data)
        orphan_snap = os.path.join(snaps, "ab" * 32)
        os.makedirs(os.path.join(orphan_snap, "fs", "etc"))
        with open(os.path.join(orphan_snap, "fs", "etc", "x"), "w") as f:
            f.write("unpacked, never recorded")
        ingest = os.path.join(content, "ingest", "5eed" * 8)
        os.makedirs(os.path.dirname(ingest), exist_ok=True)
        with open(ingest, "wb") as f:
            f.write(b"half a download")
        temp_snap = os.path.join(snaps, "tmp-4194305-cut-short")  # no such pid can exist
        os.makedirs(os.path.join(temp_snap, "fs"))
        kept_blobs = set(os.listdir(os.path.join(content, "blobs", "sha256")))
        kept_blobs.discard(os.path.basename(orphan_blob))

        d.start()
        for path in (orphan_blob, orphan_snap, ingest, temp_snap):
            self.assertFalse(os.path.exists(path), f"{path} survived the restart\n{d.log()}")
        self.assertEqual(set(os.listdir(os.path.join(content, "blobs", "sha256"))), kept_blobs)
        # Every image still runs, and so does the existing container.
        self.assertEqual(self.check(d.docker("run", "--rm", "busybox", "echo", "ok")).out, "ok\n")
        self.check(d.docker("start", "-a", name))
        status, body = api_get(d, "/system/df")
        self.assertEqual(json.loads(body)["LayersSize"], du["LayersSize"])
        self.check(d.docker("rm", name))
        self.check(d.docker("volume", "rm", vol))


if __name__ == "__main__":
    unittest.main()
