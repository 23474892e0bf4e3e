"""The Engine API on the wire: headers, versioned paths, error bodies (issue 2, point 7)."""

import json
import unittest

from harness import DaemonTestCase, UnixHTTPConnection, require_root


@require_root
class ApiTest(DaemonTestCase):
    def request(self, method, path, body=None):
        conn = UnixHTTPConnection(self.daemon.sock)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            if body is not None and not isinstance(body, bytes):
                body = json.dumps(body)
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict(resp.getheaders()), data
        finally:
            conn.close()

    def test_ping_headers(self):
        for method in ("GET", "HEAD"):
            status, headers, body = self.request(method, "/_ping")
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("Api-Version"), "1.51")
            self.assertEqual(headers.get("Ostype"), "linux")
            self.assertIn("Server", headers)
            if method == "GET":
                self.assertEqual(body, b"OK")
            else:
                self.assertEqual(body, b"")

    def test_version_versioned_and_not(self):
        for path in ("/version", "/v1.24/version", "/v1.51/version"):
            status, _, body = self.request("GET", path)
            self.assertEqual(status, 200, path)
            v = json.loads(body)
            self.assertEqual((v["ApiVersion"], v["MinAPIVersion"]), ("1.51", "1.24"))
            self.assertEqual(v["Os"], "linux")

    def test_errors_are_json_messages_with_dockers_status_codes(self):
        status, headers, body = self.request("GET", "/v1.51/containers/nosuch-x/json")
        self.assertEqual(status, 404)
        self.assertTrue(headers.get("Content-Type", "").startswith("application/json"))
        self.assertEqual(json.loads(body), {"message": "No such container: nosuch-x"})

        status, _, body = self.request("GET", "/images/nosuch-image:1/json")
        self.assertEqual(status, 404)
        self.assertIn("No such image", json.loads(body)["message"])

        status, _, body = self.request("GET", "/v1.12/version")
        self.assertEqual(status, 400)
        self.assertIn("too old", json.loads(body)["message"])

        before = self.request("GET", "/containers/json?all=1")[2]
        status, _, body = self.request("POST", "/containers/create", {"Image": "busybox",
                                                                      "Cmd": {"a": 1}})
        self.assertEqual(status, 400, body)
        self.assertIn("message", json.loads(body))
        status, _, body = self.request("POST", "/containers/create", b"{not json")
        self.assertEqual(status, 400, body)
        self.assertIn("message", json.loads(body))
        self.assertEqual(self.request("GET", "/containers/json?all=1")[2], before)

    def test_create_start_wait_inspect_list_delete(self):
        name = self.name()
        status, _, body = self.request("POST", f"/v1.51/containers/create?name={name}",
                                       {"Image": "busybox", "Cmd": ["sh", "-c", "exit 5"]})
        self.assertEqual(status, 201, body)
        cid = json.loads(body)["Id"]
        status, _, _ = self.request("POST", f"/v1.51/containers/{cid}/start")
        self.assertEqual(status, 204)
        status, _, body = self.request("POST", f"/v1.51/containers/{cid}/wait")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["StatusCode"], 5)
        status, _, body = self.request("GET", f"/containers/{name}/json")
        self.assertEqual(json.loads(body)["State"]["ExitCode"], 5)
        status, _, body = self.request("GET", "/containers/json?all=1")
        self.assertIn(cid, [c["Id"] for c in json.loads(body)])
        status, _, _ = self.request("DELETE", f"/containers/{cid}")
        self.assertEqual(status, 204)
        status, _, _ = self.request("DELETE", f"/containers/{cid}")
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
