"""parleyd as operators meet it: --help, configuration file and flags,
refusals to start, TLS on non-loopback addresses, metrics."""

import json
import os
import re
import socket
import ssl
import subprocess
import tempfile
import unittest
import urllib.request

from harness import Server, PARLEYD, PARLEY


def run(*args):
    return subprocess.run([PARLEYD] + list(args), capture_output=True, text=True, timeout=30)


class ServerConfigTest(unittest.TestCase):
    def test_help_explains_every_option(self):
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        for opt in ["--config", "--listen", "--port", "--data-dir", "--tls-cert", "--tls-key", "--tls",
                    "--max-body-bytes", "--session-ttl-minutes", "--max-clock-skew-seconds",
                    "--admin-remote", "--log-level", "--public-url", "--media-workers", "--call-max-participants",
                    "--call-max-tracks", "--media-max-packet", "--media-cache-packets", "--media-max-load"]:
            self.assertIn(opt, p.stdout)

    def test_bad_flags_and_config(self):
        p = run("--port", "99999")
        self.assertEqual(p.returncode, 2)
        p = run("--media-max-load", "0.1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("media_max_load must be 0.2 to 1", p.stderr)
        with tempfile.TemporaryDirectory() as d:
            cfg = os.path.join(d, "parleyd.toml")
            with open(cfg, "w") as f:
                f.write("[server]\nlisten = \"127.0.0.1\"\nprot = 1\n")
            p = run("--config", cfg)
            self.assertEqual(p.returncode, 2)
            self.assertIn("unknown key server.prot", p.stderr)
            with open(cfg, "w") as f:
                f.write("[server]\nport = [\n")
            p = run("--config", cfg)
            self.assertEqual(p.returncode, 2)
            for text, message in [('[server]\nport = "9999"\n', "server.port must be an integer"),
                                  ('[log]\nlevel = "verbose"\n', "log level must be"),
                                  ('[auth]\nsession_ttl_minutes = 0\n', "session_ttl_minutes must be"),
                                  ('[media]\nmax_packet = 2000\n', "media_max_packet must be 200 to 1600"),
                                  ('[media]\ncache_packets = -1\n', "media_cache_packets must be 0 to 8192"),
                                  ('[call]\nmax_tracks = 0\n', "call_max_tracks must be 1 to 16"),
                                  ('[media]\nmax_load = 1.5\n', "media_max_load must be 0.2 to 1"),
                                  ('[media]\nmax_load = "high"\n', "media.max_load must be a number")]:
                with open(cfg, "w") as f:
                    f.write(text)
                p = run("--config", cfg)
                self.assertEqual(p.returncode, 2, text)
                self.assertIn(message, p.stderr)

    def test_config_file_and_flags_win(self):
        with tempfile.TemporaryDirectory() as d:
            data = os.path.join(d, "from-file")
            cfg = os.path.join(d, "parleyd.toml")
            with open(cfg, "w") as f:
                f.write('[server]\nport = 1\n[storage]\ndata_dir = "%s"\n[log]\nlevel = "debug"\n' % data)
            # The file chooses the data directory; the --port flag wins over the file's port 1.
            proc = subprocess.Popen([PARLEYD, "--config", cfg, "--port", "0"], stderr=subprocess.PIPE, text=True)
            line = ""
            while "event=listening" not in line:
                line = proc.stderr.readline()
                self.assertTrue(line, "parleyd exited")
            self.assertTrue(os.path.exists(os.path.join(data, "parley.db")))
            self.assertNotIn(":1 ", line)
            proc.terminate()
            proc.wait(timeout=10)

    def test_refuses_taken_port_and_unwritable_data_dir(self):
        s = Server().start()
        try:
            other = tempfile.mkdtemp()
            p = run("--data-dir", other, "--port", str(s.port))
            self.assertEqual(p.returncode, 1)
            self.assertIn("already in use", p.stderr)
            p = run("--data-dir", s.data_dir, "--port", "0")
            self.assertEqual(p.returncode, 1)
            self.assertIn("in use by another parleyd", p.stderr)
        finally:
            s.cleanup()
        p = run("--data-dir", "/proc/parley-cannot-exist", "--port", "0")
        self.assertEqual(p.returncode, 1)
        self.assertIn("data directory", p.stderr)
        with tempfile.TemporaryDirectory() as d:
            ro = os.path.join(d, "ro")
            os.mkdir(ro, 0o500)
            if os.geteuid() != 0:  # root writes anywhere; the /proc case covers it
                p = run("--data-dir", ro, "--port", "0")
                self.assertIn("not writable", p.stderr)

    def test_tls_with_generated_certificate_and_pinned_cli(self):
        s = Server(extra=["--tls"]).start()
        try:
            self.assertTrue(s.url.startswith("https://"))
            with open(s.log_path) as f:
                fp = re.search(r"sha256_fingerprint=(\S+)", f.read()).group(1)
            # The server answers over TLS, and the logged fingerprint is its certificate's.
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with urllib.request.urlopen(s.url + "/healthz", context=ctx, timeout=10) as r:
                self.assertEqual(r.status, 200)
            import hashlib
            pem_path = os.path.join(s.data_dir, "tls-cert.pem")
            with open(pem_path) as f:
                der = ssl.PEM_cert_to_DER_cert(f.read())
            self.assertEqual(fp, ":".join("%02X" % b for b in hashlib.sha256(der).digest()))
            cfg = os.path.join(s.tmp, "profiles")
            inv = subprocess.run([PARLEY, "--json", "admin", "--server", s.url, "--data-dir", s.data_dir, "parties"],
                                 capture_output=True, text=True)
            # Without a pin the self-signed certificate is refused; with it, it works.
            self.assertNotEqual(inv.returncode, 0)
            self.assertIn("TLS", inv.stderr)
            admin = [PARLEY, "--json", "admin", "--server", s.url, "--data-dir", s.data_dir, "--tls-fingerprint", fp]
            p = subprocess.run(admin + ["create-party", "--id", "east", "--name", "East", "--time-zone", "Europe/Moscow"],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            code = json.loads(subprocess.run(admin + ["invite", "--party", "east", "--name", "N", "--role", "negotiator"],
                                             capture_output=True, text=True).stdout)["code"]
            wrong = fp.replace(fp[0], "0" if fp[0] != "0" else "1", 1)
            p = subprocess.run([PARLEY, "--config-dir", cfg, "enroll", "--server", s.url, "--code", code,
                                "--tls-fingerprint", wrong], capture_output=True, text=True)
            self.assertNotEqual(p.returncode, 0)
            p = subprocess.run([PARLEY, "--config-dir", cfg, "enroll", "--server", s.url, "--code", code,
                                "--tls-fingerprint", fp], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            p = subprocess.run([PARLEY, "--config-dir", cfg, "--json", "whoami"], capture_output=True, text=True)
            self.assertEqual(json.loads(p.stdout)["party"], "east")
        finally:
            s.cleanup()

    def test_metrics_count_requests_and_acts(self):
        s = Server().start()
        try:
            urllib.request.urlopen(s.url + "/healthz").read()
            try:
                urllib.request.urlopen(s.url + "/api/v1/meetings")
            except urllib.error.HTTPError:
                pass
            text = urllib.request.urlopen(s.url + "/metrics").read().decode()
            self.assertIn('parley_http_requests_total{route="/healthz",status="200"} 1', text)
            self.assertIn('parley_http_requests_total{route="/api/v1/meetings",status="401"} 1', text)
            self.assertIn("# TYPE parley_store_commit_seconds histogram", text)
            self.assertIn("# TYPE parley_acts_refused_total counter", text)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
