"""The web app's files as parleyd serves them: only what is under the web
root, from memory, with security headers; a bad web root stops start-up."""

import os
import subprocess
import tempfile
import unittest

from harness import Server, PARLEYD

WEB = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "web"))


class WebStaticTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()
        self.addCleanup(self.server.cleanup)

    def test_pages_scripts_and_headers(self):
        for path, ctype in [("/", "text/html"), ("/app", "text/html"), ("/app.html", "text/html"),
                            ("/announcements", "text/html"), ("/verify", "text/html"),
                            ("/js/app.js", "text/javascript"), ("/js/canonical.js", "text/javascript"),
                            ("/css/parley.css", "text/css")]:
            status, got_type, body = self.server.request("GET", path)
            self.assertEqual(status, 200, path)
            self.assertTrue(got_type.startswith(ctype), (path, got_type))
            self.assertGreater(len(body), 100, path)
        import urllib.request
        with urllib.request.urlopen(self.server.url + "/app") as r:
            csp = r.headers["Content-Security-Policy"]
            self.assertIn("script-src 'self'", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff")
            with open(os.path.join(WEB, "app.html"), "rb") as f:
                self.assertEqual(r.read(), f.read())

    def test_head_and_other_methods(self):
        status, _, body = self.server.request("HEAD", "/app")
        self.assertEqual((status, body), (200, b""))
        status, _, _ = self.server.request("POST", "/app", body={})
        self.assertEqual(status, 404)
        status, _, _ = self.server.request("GET", "/app", raw=b"x")
        self.assertEqual(status, 400)

    def test_nothing_outside_the_web_root(self):
        status, ctype, body = self.server.request("GET", "/no-such-page")
        self.assertEqual((status, ctype.split(";")[0]), (404, "text/html"))
        self.assertIn(b"does not exist", body)
        status, ctype, _ = self.server.request("GET", "/api/v1/nothing")
        self.assertEqual((status, ctype), (404, "application/json"))
        for path in ["/js/../../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/..%2fCMakeLists.txt",
                     "/web/app.html", "/../README.md", "/js/", "/js", "/nope", "/app.html/x",
                     "/js/app.js%00.html", "//etc/passwd"]:
            status, _, body = self.server.request("GET", path)
            self.assertIn(status, (400, 404), path)
            self.assertNotIn(b"project(", body, path)

    def test_custom_and_missing_web_root(self):
        with tempfile.TemporaryDirectory() as root:
            os.mkdir(os.path.join(root, "sub"))
            with open(os.path.join(root, "sub", "page.html"), "w") as f:
                f.write("<p>custom</p>")
            with open(os.path.join(root, "notes.txt"), "w") as f:
                f.write("not served")
            s = Server(extra=["--web-root", root]).start()
            try:
                self.assertEqual(s.request("GET", "/sub/page")[2], b"<p>custom</p>")
                self.assertEqual(s.request("GET", "/notes.txt")[0], 404)
                self.assertEqual(s.request("GET", "/app")[0], 404)
            finally:
                s.cleanup()
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([PARLEYD, "--data-dir", os.path.join(tmp, "d"), "--port", "0",
                                "--web-root", os.path.join(tmp, "missing")], capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("web root", p.stderr + p.stdout)


if __name__ == "__main__":
    unittest.main()
