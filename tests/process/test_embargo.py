"""Embargo: until a meeting is announced, anyone outside its two parties gets
exactly the answer an id that never existed gets, from every route."""

import json
import subprocess

from harness import ParleyTest, Cli, PARLEY

NEVER = "mtg_never_existed_0000"


class EmbargoTest(ParleyTest):
    def setUp(self):
        super().setUp()
        self.ops.admin("create-party", "--id", "north", "--name", "Northern Delegation", "--time-zone", "Europe/Oslo")
        self.outsider = self.person("north", "north-neg", "Nils Berg", "negotiator")
        # The outsider's party has a meeting of its own with west: being a
        # member of some meeting must not open any other.
        self.third = self.outsider.run("create", "--with", "west", "--title", "Fisheries", json_out=True)["id"]
        self.mid = self.opening()["id"]
        self.outsider.run("whoami")  # signs in, saving a token
        self.envelope = self.east.run("--print-act", "propose", self.mid, "--duration", "45", json_out=True)

    def same_as_never(self, method, path_for, token=None, body=None, raw=None):
        a = self.server.request(method, path_for(self.mid), body=body, token=token, raw=raw)
        b = self.server.request(method, path_for(NEVER), body=body, token=token, raw=raw)
        self.assertEqual(a[0], 404, path_for(self.mid))
        self.assertEqual(a, b, "answers differ for %s" % path_for(self.mid))
        self.assertNotIn(self.mid.encode(), a[2])

    def test_every_route_answers_outsiders_as_if_it_did_not_exist(self):
        tokens = [None, self.outsider.token(), "0" * 64]
        for token in tokens:
            self.same_as_never("GET", lambda i: "/api/v1/meetings/" + i, token)
            self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/export" % i, token)
            self.same_as_never("POST", lambda i: "/api/v1/meetings/%s/acts" % i, token, body=self.envelope)
            self.same_as_never("GET", lambda i: "/public/meetings/%s.ics" % i, token)
            # The record's routes, bad input included: embargo comes first.
            self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/checkpoint" % i, token)
            self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/checkpoint?from=1" % i, token)
            self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/checkpoint?from=x" % i, token)
            self.same_as_never("POST", lambda i: "/api/v1/meetings/%s/cosignatures" % i, token,
                               body={"checkpoint": "x"})
            self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/record" % i, token)
            self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/entries/%s/excerpt" % (i, "a" * 64), token)
            self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/entries/NOTAHASH/excerpt" % i, token)
            self.same_as_never("GET", lambda i: "/public/meetings/%s/publications" % i, token)
        # Listings: the outsider sees only the third meeting.
        status, mine = self.server.json("GET", "/api/v1/meetings", token=self.outsider.token())
        self.assertEqual(status, 200)
        self.assertEqual([m["id"] for m in mine], [self.third])
        # Public side: nothing.
        for path in ["/public/announcements", "/public/announcements.atom", "/metrics"]:
            status, _, body = self.server.request("GET", path)
            self.assertEqual(status, 200)
            self.assertNotIn(self.mid.encode(), body, path)
            self.assertNotIn(b"regional security", body, path)
        # A create act reusing the id is refused exactly like any missing meeting
        # would be for an outsider: the id's existence does not leak.
        p = self.outsider.run("create", "--with", "east", "--id", self.mid, "--title", "Probe", check=False)
        q = self.outsider.run("create", "--with", "east", "--id", NEVER, "--title", "Probe", json_out=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("not_found", p.stderr)
        self.assertEqual(q["id"], NEVER)

    def test_cli_and_websocket_give_outsiders_not_found(self):
        for args in (["show"], ["export"], ["accept", "--all"], ["withdraw", "--reason", "x"]):
            p = self.outsider.run(args[0], self.mid, *args[1:], check=False)
            q = self.outsider.run(args[0], NEVER, *args[1:], check=False)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(p.stderr, q.stderr.replace(NEVER, self.mid))
            self.assertIn("not_found", p.stderr)
        p = self.outsider.run("watch", self.mid, "--count", "1", "--timeout", "10", check=False)
        q = self.outsider.run("watch", NEVER, "--count", "1", "--timeout", "10", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not_found", p.stderr)
        self.assertEqual(p.stderr, q.stderr)

    def test_members_of_both_parties_see_it_whatever_their_role(self):
        for who in (self.west_leader, self.interp, self.east_leader):
            m = who.run("show", self.mid, json_out=True)
            self.assertEqual(m["id"], self.mid)
            self.assertIn(self.mid, [x["id"] for x in who.run("meetings", json_out=True)])

    def test_announced_meeting_becomes_public_and_nothing_more(self):
        self.agree_all(self.mid)
        _, pub = self.server.json("GET", "/public/announcements")
        self.assertEqual([a["id"] for a in pub], [self.mid])
        # The negotiation itself stays private: no log, no roster keys.
        self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/export" % i, self.outsider.token())
        self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/record" % i, self.outsider.token())
        self.same_as_never("GET", lambda i: "/api/v1/meetings/%s/checkpoint" % i, self.outsider.token())
        # Its publications are public (none yet).
        status, pub = self.server.json("GET", "/public/meetings/%s/publications" % self.mid)
        self.assertEqual((status, pub), (200, {"meeting": self.mid, "publications": []}))
        self.assertNotIn("roster", json.dumps(pub))
        self.assertNotIn(self.third, json.dumps(pub))
