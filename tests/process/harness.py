"""Process-level test harness: starts parleyd on an ephemeral port in a
temporary data directory and drives it with the real `parley` CLI, exactly as
an operator and two delegations would. Only the Python standard library."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

BUILD = os.environ.get("PARLEY_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build", "release"))
PARLEYD = os.path.abspath(os.path.join(BUILD, "src", "app", "parleyd"))
PARLEY = os.path.abspath(os.path.join(BUILD, "src", "app", "parley"))


def utc(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_days(days, hour=15):
    d = datetime.now(timezone.utc) + timedelta(days=days)
    return utc(d.replace(hour=hour, minute=0, second=0, microsecond=0))


class Server:
    def __init__(self, data_dir=None, extra=()):
        self.tmp = tempfile.mkdtemp(prefix="parley-test-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.extra = list(extra)
        self.proc = None
        self.url = None
        self.log_path = os.path.join(self.tmp, "parleyd.log")

    def start(self, port=0):
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([PARLEYD, "--data-dir", self.data_dir, "--port", str(port)] + self.extra,
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.log_path) as f:
                f.seek(offset)
                m = re.findall(r"event=listening url=(\S+)", f.read())
            if m:
                self.url = m[-1]
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("parleyd exited: " + open(self.log_path).read())
            time.sleep(0.02)
        raise RuntimeError("parleyd did not start: " + open(self.log_path).read())

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])

    def admin_token(self):
        with open(os.path.join(self.data_dir, "admin.token")) as f:
            return f.read().strip()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # Raw HTTP for the tests that must see exact statuses and bodies.
    def request(self, method, path, body=None, token=None, content_type="application/json", raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    def json(self, method, path, body=None, token=None, **kw):
        status, _, data = self.request(method, path, body, token, **kw)
        return status, (json.loads(data) if data else None)


class Cli:
    """One person's `parley` with its own profile directory."""

    def __init__(self, server, config_dir, profile="default"):
        self.server = server
        self.config_dir = config_dir
        self.profile = profile
        self.member = None

    def run(self, *args, check=True, json_out=False):
        cmd = [PARLEY, "--config-dir", self.config_dir, "--profile", self.profile]
        if json_out:
            cmd.append("--json")
        cmd += list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
        if json_out and p.returncode == 0 and p.stdout.strip():
            return json.loads(p.stdout)
        return p

    def admin(self, *args, check=True):
        p = subprocess.run([PARLEY, "--json", "admin", "--server", self.server.url, "--data-dir",
                            self.server.data_dir] + list(args), capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("admin %s failed:\n%s%s" % (args, p.stdout, p.stderr))
        return json.loads(p.stdout) if p.returncode == 0 else p

    def enroll(self, party, name, *roles):
        inv = self.admin("invite", "--party", party, "--name", name, *sum((["--role", r] for r in roles), []))
        out = self.run("enroll", "--server", self.server.url, "--code", inv["code"], json_out=True)
        self.member = out["id"]
        self.key = out["key"]
        return out

    def token(self):
        with open(os.path.join(self.config_dir, self.profile, "session.json")) as f:
            return json.load(f)["token"]


class ParleyTest(unittest.TestCase):
    """Two delegations, east and west, with negotiators, leaders and an interpreter."""

    def setUp(self):
        self.server = Server().start()
        self.addCleanup(self.server.cleanup)
        self.cfg = os.path.join(self.server.tmp, "profiles")
        self.ops = Cli(self.server, self.cfg, "ops")
        self.ops.admin("create-party", "--id", "east", "--name", "Eastern Delegation", "--time-zone", "Europe/Moscow")
        self.ops.admin("create-party", "--id", "west", "--name", "Western Delegation", "--time-zone", "America/New_York")
        self.east = self.person("east", "east-neg", "Irina Sokolova", "negotiator")
        self.west = self.person("west", "west-neg", "James Carter", "negotiator")
        self.east_leader = self.person("east", "east-lead", "Mikhail Orlov", "leader")
        self.west_leader = self.person("west", "west-lead", "Helen Brooks", "leader")
        self.interp = self.person("east", "east-int", "Olga Ivanova", "interpreter")

    def person(self, party, profile, name, *roles):
        c = Cli(self.server, self.cfg, profile)
        c.enroll(party, name, *roles)
        return c

    def opening(self, start=None, announce="on_agreement", meeting_id=None):
        args = ["create", "--with", "west", "--title", "Video talks on regional security",
                "--start", start or in_days(8), "--duration", "120",
                "--roster", "Irina Sokolova:negotiator", "--roster", "Mikhail Orlov:leader",
                "--roster", "Olga Ivanova:interpreter", "--roster", "James Carter:negotiator",
                "--roster", "Helen Brooks:leader",
                "--language", "ru,en", "--interpreter", "Olga Ivanova:ru-en",
                "--agenda", "Security guarantees", "--agenda", "Arms control",
                "--announce-text", "The leaders will hold talks by video.", "--announce-at", announce,
                "--set", "format=\"video\"", "--predecessor", "none"]
        if meeting_id:
            args += ["--id", meeting_id]
        return self.east.run(*args, json_out=True)

    def agree_all(self, meeting):
        """West accepts everything east proposed; both sign."""
        self.west.run("accept", meeting, "--all", json_out=True)
        self.east.run("sign", meeting, json_out=True)
        return self.west.run("sign", meeting, json_out=True)
