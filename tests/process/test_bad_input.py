"""Bad input at the HTTP boundary: each refused with its own error code, and
the meeting's log unchanged."""

import json

from harness import ParleyTest


class BadInputTest(ParleyTest):
    def setUp(self):
        super().setUp()
        self.mid = self.opening()["id"]
        self.east.run("whoami")
        self.token = self.east.token()
        self.path = "/api/v1/meetings/%s/acts" % self.mid

    def log(self):
        status, x = self.server.json("GET", "/api/v1/meetings/%s/export" % self.mid, token=self.token)
        self.assertEqual(status, 200)
        return x["acts"]

    def refused(self, status, code, body=None, raw=None, token=None, content_type="application/json", path=None):
        before = self.log()
        s, ctype, data = self.server.request("POST", path or self.path, body=body, raw=raw,
                                             token=token or self.token, content_type=content_type)
        self.assertEqual(s, status, data)
        self.assertTrue(ctype.startswith("application/json"))
        err = json.loads(data)
        self.assertEqual(err["error"]["code"], code, data)
        self.assertTrue(err["error"]["message"])
        self.assertEqual(self.log(), before)
        return err

    def signed(self, who, *args):
        return who.run("--print-act", *args, json_out=True)

    def test_malformed_and_oversized_json(self):
        self.refused(400, "invalid_json", raw=b'{"act": ')
        self.refused(400, "invalid_json", raw=b'{"act": {}} trailing')
        self.refused(400, "invalid_json", raw=b'\xff\xfe')
        self.refused(400, "unsafe_number", raw=b'{"act": 1.5}')
        self.refused(400, "unsafe_number", raw=b'{"act": 9007199254740993}')
        self.refused(400, "too_deep", raw=b'[' * 100 + b']' * 100)
        self.refused(413, "payload_too_large", raw=b'{"x":"' + b'a' * (2 << 20) + b'"}')
        self.refused(415, "unsupported_media_type", raw=b'{}', content_type="text/plain")

    def test_duplicate_and_unknown_keys(self):
        env = self.signed(self.east, "propose", self.mid, "--duration", "45")
        text = json.dumps(env)
        self.refused(400, "duplicate_key", raw=text.replace('"signature"', '"signature": "x", "signature"', 1).encode())
        env2 = json.loads(text)
        env2["act"]["extra"] = 1
        self.refused(400, "unknown_field", body=env2)
        env3 = json.loads(text)
        env3["note"] = "hi"
        self.refused(400, "unknown_field", body=env3)

    def test_bad_signatures(self):
        env = self.signed(self.east, "propose", self.mid, "--duration", "45")
        broken = json.loads(json.dumps(env))
        sig = broken["signature"]
        broken["signature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
        self.refused(403, "bad_signature", body=broken)
        # Signed by the other party's key, claimed as east's act.
        theirs = self.signed(self.west, "propose", self.mid, "--duration", "45")
        theirs["act"]["author"] = self.east.member
        self.refused(403, "bad_signature", body=theirs)
        # Body changed after signing.
        changed = json.loads(json.dumps(env))
        changed["act"]["body"]["value"] = 50
        self.refused(403, "bad_signature", body=changed)
        # West's own valid act, sent with east's session.
        self.refused(403, "author_mismatch", body=self.signed(self.west, "propose", self.mid, "--duration", "45"))

    def test_replays(self):
        # An act already in the log, sent again: it builds on an old state.
        first_accept = self.signed(self.west, "accept", self.mid, "title")
        self.west.run("accept", self.mid, "title")
        self.west.run("whoami")
        self.refused(409, "stale_sequence", body=first_accept, token=self.west.token())
        # A valid act moved onto another sequence number.
        env = self.signed(self.east, "propose", self.mid, "--duration", "45")
        env["act"]["base"] += 1
        self.refused(403, "bad_signature", body=env)
        # A valid act of this meeting replayed onto another meeting.
        other = self.opening()["id"]
        env = self.signed(self.east, "propose", self.mid, "--duration", "45")
        self.refused(400, "wrong_meeting", body=env, path="/api/v1/meetings/%s/acts" % other)
        env["act"]["meeting"] = other
        self.refused(403, "bad_signature", body=env, path="/api/v1/meetings/%s/acts" % other)

    def test_stale_write_gets_409_with_current_state(self):
        mine = self.signed(self.east, "propose", self.mid, "--duration", "45")
        self.west.run("propose", self.mid, "--duration", "60")  # west moves first
        err = self.refused(409, "stale_sequence", body=mine)
        self.assertEqual(err["current"]["parameters"]["duration_minutes"]["value"], 60)
        self.assertEqual(err["current"]["length"], 2)

    def test_roles_without_the_right(self):
        for who in (self.east_leader, self.interp, self.west_leader):
            p = who.run("propose", self.mid, "--duration", "45", check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn("role_not_allowed", p.stderr)
        env = self.signed(self.east_leader, "accept", self.mid, "title")
        self.east_leader.run("whoami")
        self.refused(403, "role_not_allowed", body=env, token=self.east_leader.token())

    def test_rule_violations(self):
        cases = [
            (["--start", "2020-01-01T10:00:00Z"], "invalid_start"),
            (["--start", "tomorrow"], "invalid_start"),
            (["--duration", "2"], "invalid_duration_minutes"),
            (["--set", "format=\"audio\""], "invalid_format"),
            (["--set", "title=\"\""], "invalid_title"),
            (["--language", "english"], "invalid_languages"),
            (["--announce-at", "soon"], "invalid_announcement"),
            (["--set", "agenda=[]"], "invalid_agenda"),
            (["--set", "nonsense=1"], "unknown_parameter"),
        ]
        before = self.log()
        for args, code in cases:
            p = self.east.run("propose", self.mid, *args, check=False)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn(code, p.stderr, args)
        self.assertEqual(self.log(), before)

    def test_roster_key_must_match_the_registered_key(self):
        roster = [{"member": self.east.member, "party": "east", "role": "negotiator", "key": self.west.key},
                  {"member": self.west.member, "party": "west", "role": "negotiator", "key": self.west.key}]
        p = self.east.run("propose", self.mid, "--set", "roster=" + json.dumps(roster), check=False)
        self.assertIn("key_mismatch", p.stderr)

    def test_unknown_time_zone_and_bad_admin_input(self):
        p = self.ops.admin("create-party", "--id", "south", "--name", "S", "--time-zone", "Mars/Olympus", check=False)
        self.assertIn("unknown_time_zone", p.stderr)
        s, body = self.server.json("POST", "/admin/v1/parties", body={"id": "south"}, token="f" * 64)
        self.assertEqual(s, 401)
        s, body = self.server.json("POST", "/admin/v1/parties", body={"id": "south"}, token=self.server.admin_token())
        self.assertEqual((s, body["error"]["code"]), (400, "missing_field"))

    def test_enrollment_codes_are_single_use(self):
        inv = self.ops.admin("invite", "--party", "east", "--name", "Pavel", "--role", "aide")
        from harness import Cli
        a = Cli(self.server, self.cfg, "pavel")
        a.run("enroll", "--server", self.server.url, "--code", inv["code"])
        b = Cli(self.server, self.cfg, "pavel-again")
        p = b.run("enroll", "--server", self.server.url, "--code", inv["code"], check=False)
        self.assertIn("invalid_invitation", p.stderr)

    def test_unauthenticated_and_unknown_routes(self):
        s, body = self.server.json("GET", "/api/v1/meetings")
        self.assertEqual((s, body["error"]["code"]), (401, "unauthenticated"))
        s, body = self.server.json("GET", "/api/v1/nothing-here")
        self.assertEqual((s, body["error"]["code"]), (404, "not_found"))
        s, body = self.server.json("DELETE", "/api/v1/meetings")
        self.assertEqual((s, body["error"]["code"]), (405, "method_not_allowed"))
        s, body = self.server.json("POST", "/api/v1/auth/session",
                                   body={"member": self.east.member, "challenge": "00", "signature": "AA"})
        self.assertEqual((s, body["error"]["code"]), (401, "sign_in_failed"))
