"""Helpers for the image tests: a busybox root filesystem tarball, archive readers, and a
private Debian docker-registry (distribution 2.8) on 127.0.0.1 with a temp root."""

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time

BUSYBOX = shutil.which("busybox") or "/bin/busybox"
APPLETS = ["sh", "true", "echo", "cat", "ls", "sleep"]


def ensure(pkg, binary):
    """The binary, installing its Debian package when missing (None if that fails)."""
    if not shutil.which(binary):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-q", pkg]
        if subprocess.run(install, capture_output=True, env=env).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
            subprocess.run(install, capture_output=True, env=env)
    return shutil.which(binary)


def rootfs_tar(path, marker="imported", mode="w", applets=APPLETS):
    """A busybox root filesystem (plus /etc/marker) as a tar; mode "w:gz" compresses."""
    with tarfile.open(path, mode) as tar:
        for d in ("bin", "proc", "sys", "dev", "etc", "tmp"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        tar.add(BUSYBOX, "bin/busybox")
        for a in applets:
            info = tarfile.TarInfo("bin/" + a)
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
        data = (marker + "\n").encode()
        info = tarfile.TarInfo("etc/marker")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def tar_members(path):
    """name -> bytes of every regular member."""
    out = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            if m.isfile():
                out[m.name] = tar.extractfile(m).read()
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """Debian's docker-registry on 127.0.0.1:<free port>, storage in a temp dir; with
    htpasswd=(user, password), it asks for basic auth (an htpasswd file made with Apache's
    htpasswd -B: distribution reads bcrypt only)."""

    def __init__(self, htpasswd=None):
        self.tmp = tempfile.mkdtemp(prefix="wharf-reg-")
        self.htpasswd = htpasswd
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        cfg = os.path.join(self.tmp, "config.yml")
        with open(cfg, "w") as f:
            f.write("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
                    f"    rootdirectory: {self.tmp}/data\n  delete:\n    enabled: true\n"
                    f"http:\n  addr: {self.addr}\n")
            if self.htpasswd:
                if not ensure("apache2-utils", "htpasswd"):
                    raise RuntimeError("htpasswd (apache2-utils) is not installable")
                user, password = self.htpasswd
                pw = subprocess.run(["htpasswd", "-Bbn", user, password], check=True,
                                    capture_output=True, text=True).stdout
                with open(os.path.join(self.tmp, "htpasswd"), "w") as h:
                    h.write(pw)
                f.write("auth:\n  htpasswd:\n    realm: wharf-test\n"
                        f"    path: {self.tmp}/htpasswd\n")
        self._log = open(os.path.join(self.tmp, "registry.log"), "wb")
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("docker-registry exited: " + self.log())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("docker-registry did not listen: " + self.log())

    def log(self):
        try:
            with open(os.path.join(self.tmp, "registry.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def blob_path(self, digest):
        hexd = digest.split(":", 1)[1]
        return os.path.join(self.tmp, "data", "docker", "registry", "v2", "blobs", "sha256",
                            hexd[:2], hexd, "data")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def skopeo_copy(src, dest):
    return subprocess.run(["skopeo", "copy", "--insecure-policy", "--dest-tls-verify=false",
                           src, dest], capture_output=True, text=True, timeout=300)


def registry_manifest(addr, repo, ref):
    import urllib.request
    req = urllib.request.Request(
        f"http://{addr}/v2/{repo}/manifests/{ref}",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json, "
                           "application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read()), r.headers.get("Docker-Content-Digest")
