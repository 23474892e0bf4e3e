"""A fault-injecting HTTP proxy for the registry tests: it stands on 127.0.0.1 in front of
Debian's docker-registry and forwards every request (the Host header kept, so the upload
Locations the registry writes point back at the proxy), except where a test told it to
misbehave:

- `fail(pattern, status, headers)`: the next request whose path contains `pattern` gets that
  answer instead (queue several for several requests);
- `cut(pattern)`: the next GET whose path contains `pattern` answers 200/206 with the full
  Content-Length but sends only half of the body, then closes the connection;
- `ignore_range`: Range headers are dropped before forwarding (the registry answers 200);
- `hold(pattern, until)`: the next GET whose path contains `pattern` is not forwarded until
  `until()` is true (polled; given up after `limit` seconds, so a broken daemon fails the test
  instead of hanging it); `released` lists, per hold, "condition" or "gave up";
- `corrupt(pattern)`: the next GET whose path contains `pattern` gets the body with its last
  byte changed (same length: the client sees a digest mismatch, nothing a retry would fix);
- `refuse_mount`: a blob mount (`POST .../blobs/uploads/?mount=...`) is forwarded without its
  query, so the registry opens a plain upload (202) instead of mounting.

Every request is recorded (`requests`: method, path with query, Range and Content-Range
headers, the status answered)."""

import http.client
import http.server
import socket
import threading
import time
import urllib.parse


class FaultProxy:
    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.lock = threading.Lock()
        self.requests = []
        self.failures = []  # (pattern, status, headers)
        self.cuts = []      # patterns
        self.holds = []     # (pattern, until, limit)
        self.released = []  # per hold: "condition" or "gave up"
        self.corruptions = []  # patterns
        self.ignore_range = False
        self.refuse_mount = False
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _record(self, status):
                with proxy.lock:
                    proxy.requests.append({
                        "method": self.command, "path": self.path, "status": status,
                        "range": self.headers.get("Range"),
                        "content_range": self.headers.get("Content-Range")})

            def _take(self, queue, match):
                with proxy.lock:
                    for i, item in enumerate(queue):
                        if match(item):
                            return queue.pop(i)
                return None

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _handle(self):
                body = self._body()
                failure = self._take(proxy.failures, lambda f: f[0] in self.path)
                if failure:
                    _, status, headers = failure
                    payload = b'{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}'
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    self._record(status)
                    return
                hold = self.command == "GET" and self._take(proxy.holds, lambda h: h[0] in self.path)
                if hold:
                    _, until, limit = hold
                    deadline = time.monotonic() + limit
                    while not until() and time.monotonic() < deadline:
                        time.sleep(0.05)
                    with proxy.lock:
                        proxy.released.append("condition" if until() else "gave up")
                path = self.path
                if proxy.refuse_mount and self.command == "POST" and "mount=" in path:
                    path = urllib.parse.urlsplit(path).path
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "keep-alive", "content-length",
                                                "transfer-encoding")}
                if proxy.ignore_range:
                    headers = {k: v for k, v in headers.items() if k.lower() != "range"}
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                try:
                    if body or self.command in ("PUT", "PATCH", "POST"):
                        headers["Content-Length"] = str(len(body))
                    conn.request(self.command, path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read() if self.command != "HEAD" else b""
                    if (self.command == "GET" and resp.status in (200, 206) and data
                            and self._take(proxy.corruptions, lambda p: p in self.path)):
                        data = data[:-1] + bytes([data[-1] ^ 0xFF])
                    cut = (self.command == "GET" and resp.status in (200, 206) and len(data) > 1
                           and self._take(proxy.cuts, lambda p: p in self.path))
                    self.send_response(resp.status)
                    for k, v in resp.getheaders():
                        if k.lower() in ("connection", "keep-alive", "transfer-encoding",
                                         "content-length"):
                            continue
                        self.send_header(k, v)
                    if self.command == "HEAD":
                        self.send_header("Content-Length", resp.getheader("Content-Length", "0"))
                    else:
                        self.send_header("Content-Length", str(len(data)))
                    if cut:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self._record(resp.status)
                    if cut:
                        self.wfile.write(data[: len(data) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        try:
                            self.connection.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        return
                    self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.addr = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def fail(self, pattern, status, headers=None, times=1):
        with self.lock:
            for _ in range(times):
                self.failures.append((pattern, status, dict(headers or {})))

    def cut(self, pattern):
        with self.lock:
            self.cuts.append(pattern)

    def hold(self, pattern, until, limit=120):
        with self.lock:
            self.holds.append((pattern, until, limit))

    def corrupt(self, pattern):
        with self.lock:
            self.corruptions.append(pattern)

    def reset(self):
        with self.lock:
            self.holds.clear()
            self.released.clear()
            self.corruptions.clear()
            self.requests.clear()
            self.failures.clear()
            self.cuts.clear()
            self.ignore_range = False
            self.refuse_mount = False

    def seen(self, method=None, contains=""):
        with self.lock:
            return [r for r in self.requests
                    if (method is None or r["method"] == method) and contains in r["path"]]
