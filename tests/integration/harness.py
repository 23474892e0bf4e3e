"""Integration test harness: a private wharfd per test class.

Each daemon gets its own temp --data-root, --exec-root and socket under a directory whose
name carries a random prefix. Cleanup (also when a test fails or the daemon crashed) ends
only the processes this harness started -- the daemon by its pid, and shims/containers found
by that unique directory in their command line or by their container cgroup -- then unmounts
everything under the temp dir, removes the containers' cgroups and deletes the temp dir.
"""

import contextlib
import json
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

BIN_DIR = os.environ.get("WHARF_BIN_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "dev", "bin")
BIN_DIR = os.path.abspath(BIN_DIR)
WHARF = os.path.join(BIN_DIR, "wharf")
WHARFD = os.path.join(BIN_DIR, "wharfd")
CGROUP_ROOT = "/sys/fs/cgroup"


def require_root(testcase_cls):
    """Class decorator: integration tests run real containers and need root."""
    if os.geteuid() != 0:
        return unittest.skip("integration tests need root")(testcase_cls)
    return testcase_cls


def docker_cli():
    """The real docker CLI (28.x on these machines), or None."""
    return shutil.which("docker")


def random_name(prefix="it"):
    return f"{prefix}-{secrets.token_hex(4)}"


def _mounts_under(path):
    """Mount points at or below path, deepest first."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path or mp.startswith(path + "/"):
                points.append(mp)
    return sorted(points, key=len, reverse=True)


def _pids_with_in_cmdline(needle):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if needle.encode() in cmd:
            pids.append(int(entry))
    return pids


def _cgroup_dirs_for(container_id):
    """Every cgroup dir (v1 controllers and v2) named after this container id."""
    found = []
    for root, dirs, _ in os.walk(CGROUP_ROOT):
        for d in dirs:
            if d == container_id or d.endswith(container_id + ".scope"):
                found.append(os.path.join(root, d))
        # Do not descend into the container's own dir or very deep trees.
        if root.count("/") > 7:
            dirs[:] = []
    return found


def _kill_cgroup_procs(cg_dir):
    for procs_file in ("cgroup.procs", "tasks"):
        p = os.path.join(cg_dir, procs_file)
        if os.path.exists(p):
            try:
                with open(p) as f:
                    for pid in f.read().split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            except OSError:
                pass


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a daemon's unix socket (Daemon.sock), for raw Engine API calls."""

    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self):
        return f"<exit {self.code} out={self.out!r} err={self.err!r}>"


class Daemon:
    """A running wharfd with private roots. Use as a context manager or call stop()."""

    def __init__(self, extra_args=()):
        self.tmp = tempfile.mkdtemp(prefix=f"wharf-it-{secrets.token_hex(3)}-")
        self.data_root = os.path.join(self.tmp, "data")
        self.exec_root = os.path.join(self.tmp, "exec")
        self.sock = os.path.join(self.tmp, "wharf.sock")
        self.host = "unix://" + self.sock
        self.log_path = os.path.join(self.tmp, "wharfd.log")
        self.extra_args = list(extra_args)
        # A default bridge (and so an nftables table, inet wharf_<bridge>) of its own: two
        # daemons on one host never share or tear down each other's (network/firewall.h).
        if "--bridge" not in self.extra_args and "-b" not in self.extra_args:
            self.extra_args += ["--bridge", "wt" + secrets.token_hex(4)]
        self.bridge = self.extra_args[self.extra_args.index("--bridge") + 1] \
            if "--bridge" in self.extra_args else None
        self.proc = None
        self._log = None
        self.container_ids = set()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, wait=True):
        os.makedirs(self.data_root, exist_ok=True)
        os.makedirs(self.exec_root, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [WHARFD, "-H", self.host, "--data-root", self.data_root,
             "--exec-root", self.exec_root, "--log-level", "debug", *self.extra_args],
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"wharfd exited with {self.proc.returncode}:\n{self.log()}")
            if self.ping():
                return
            time.sleep(0.02)
        raise RuntimeError(f"wharfd did not answer /_ping within {timeout}s:\n{self.log()}")

    def ping(self):
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(1)
                s.connect(self.sock)
                s.sendall(b"GET /_ping HTTP/1.1\r\nHost: wharf\r\nConnection: close\r\n\r\n")
                return s.recv(4096).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    def stop_daemon(self, sig=signal.SIGTERM, timeout=10):
        """Stops wharfd only (containers and shims keep running: live restore)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-6000:]
        except OSError:
            return ""

    def _known_container_ids(self):
        ids = set(self.container_ids)
        cdir = os.path.join(self.data_root, "containers")
        if os.path.isdir(cdir):
            ids.update(d for d in os.listdir(cdir) if len(d) == 64)
        return ids

    def stop(self):
        """Removes everything this daemon made. Safe to call twice, and after a crash."""
        ids = self._known_container_ids()
        self.stop_daemon()
        # Containers and shims: every process whose cgroup is one of our containers', and
        # every process whose command line names our private temp dir (shims).
        for cid in ids:
            for cg in _cgroup_dirs_for(cid):
                _kill_cgroup_procs(cg)
        for pid in _pids_with_in_cmdline(self.tmp):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        for mp in _mounts_under(self.tmp):
            subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL)
        self._remove_network_state()
        for cid in ids:
            for _ in range(50):
                left = _cgroup_dirs_for(cid)
                if not left:
                    break
                for cg in sorted(left, key=len, reverse=True):
                    _kill_cgroup_procs(cg)
                    try:
                        os.rmdir(cg)
                    except OSError:
                        pass
                time.sleep(0.02)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _remove_network_state(self):
        """The bridges of this daemon's networks and its nftables table (a daemon stopped
        with containers still running keeps them, as dockerd keeps docker0)."""
        bridges = set()
        ndir = os.path.join(self.data_root, "network")
        if os.path.isdir(ndir):
            for f in os.listdir(ndir):
                try:
                    with open(os.path.join(ndir, f)) as fh:
                        b = json.load(fh).get("bridge")
                except (OSError, ValueError):
                    continue
                if b:
                    bridges.add(b)
        for b in bridges:
            subprocess.run(["ip", "link", "del", b], stderr=subprocess.DEVNULL)
        if self.bridge:
            table = "wharf_" + "".join(c if c.isalnum() else "_" for c in self.bridge)
            subprocess.run(["nft", "delete", "table", "inet", table], stderr=subprocess.DEVNULL)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- clients --------------------------------------------------------------------------
    def wharf(self, *args, input=None, timeout=60, env=None):
        e = dict(os.environ)
        e.pop("WHARF_HOST", None)
        e.update(env or {})
        p = subprocess.run([WHARF, "-H", self.host, *args], input=input, capture_output=True,
                           text=True, timeout=timeout, env=e)
        r = Result(p)
        self._remember_ids(r.out)
        return r

    def docker(self, *args, input=None, timeout=60, text=True):
        e = dict(os.environ)
        e["DOCKER_HOST"] = self.host
        e["DOCKER_CONFIG"] = os.path.join(self.tmp, "docker-config")
        e.pop("DOCKER_CONTEXT", None)
        # text=False keeps the bytes exactly (a TTY's \r\n would become \n in text mode).
        p = subprocess.run([docker_cli(), *args], input=input, capture_output=True, text=text,
                           timeout=timeout, env=e)
        r = Result(p)
        if text:
            self._remember_ids(r.out)
        return r

    def _remember_ids(self, out):
        for tok in (out or "").split():
            if len(tok) == 64 and all(c in "0123456789abcdef" for c in tok):
                self.container_ids.add(tok)

    def bootstrap_busybox(self):
        r = self.wharf("image", "bootstrap", "busybox", timeout=120)
        if r.code != 0:
            raise RuntimeError(f"bootstrap failed: {r}\n{self.log()}")

    def inspect(self, name):
        r = self.wharf("inspect", name)
        if r.code != 0:
            return None
        return json.loads(r.out)[0]


class DaemonTestCase(unittest.TestCase):
    """One daemon (with busybox) shared by the tests of a class."""

    daemon = None

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon()
        try:
            cls.daemon.start()
            cls.daemon.bootstrap_busybox()
        except Exception:
            cls.daemon.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.daemon is not None:
            cls.daemon.stop()

    def name(self):
        return random_name()

    def assertExit(self, result, code):
        self.assertEqual(result.code, code, f"{result}\n--- wharfd log ---\n{self.daemon.log()}")


# -- memory --------------------------------------------------------------------------------
def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """The largest VmRSS of a process while the block runs, sampled every 20 ms."""

    def __init__(self, pid):
        self.pid, self.peak_kib, self._stop = pid, 0, threading.Event()

    def __enter__(self):
        def run():
            while not self._stop.is_set():
                self.peak_kib = max(self.peak_kib, status_kib(self.pid, "VmRSS"))
                time.sleep(0.02)
        self._t = threading.Thread(target=run)
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


@contextlib.contextmanager
def asan_without_quarantine():
    """Daemons started inside run without ASan's quarantine. The dev build runs under ASan,
    which keeps up to 256 MiB of freed memory resident on purpose; without it VmRSS shows
    what wharfd itself holds (tests that bound wharfd's memory need that)."""
    saved = os.environ.get("ASAN_OPTIONS")
    os.environ["ASAN_OPTIONS"] = (saved + ":" if saved else "") + "quarantine_size_mb=0"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["ASAN_OPTIONS"]
        else:
            os.environ["ASAN_OPTIONS"] = saved
