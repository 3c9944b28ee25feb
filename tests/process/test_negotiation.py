"""Whole negotiations driven with the parley CLI as two delegations."""

import json
import os
import subprocess
import time
import unittest

from harness import ParleyTest, in_days, utc, PARLEY
from datetime import datetime, timedelta, timezone


class NegotiationTest(ParleyTest):
    def test_counter_proposals_agreement_signatures_and_announcement(self):
        m = self.opening()
        mid = m["id"]
        self.assertEqual(m["status"], "negotiating")
        self.assertEqual(m["waiting_on"], ["west"])
        # The start is shown in both parties' zones.
        zones = {l["party"]: l["zone"] for l in m["start_local"]}
        self.assertEqual(zones, {"east": "Europe/Moscow", "west": "America/New_York"})
        # People read names, the roster in full, and the start in both zones.
        text = self.west.run("show", mid).stdout
        for expected in ("Olga Ivanova", "Roster (revision 1)", "Helen Brooks", "MSK", "America/New_York",
                         "Waiting on: west"):
            self.assertIn(expected, text)

        # West counters the start; east must now accept it.
        later = in_days(9, hour=16)
        m = self.west.run("propose", mid, "--start", later, json_out=True)
        self.assertEqual(m["parameters"]["start"]["rev"], 2)
        self.assertEqual(m["parameters"]["start"]["accepted_by"], ["west"])
        self.assertNotIn("history", m["parameters"]["start"])  # an act's answer is the current state
        history = self.east.run("show", mid, json_out=True)["parameters"]["start"]["history"]
        self.assertEqual([(h["rev"], h["party"]) for h in history], [(1, "east"), (2, "west")])
        # Accepting an old revision is refused as stale.
        p = self.east.run("accept", mid, "start", "--rev", "1", check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("stale_revision", p.stderr)
        self.east.run("accept", mid, "start", json_out=True)
        # West accepts the rest; signing before that is refused.
        p = self.east.run("sign", mid, check=False)
        self.assertNotEqual(p.returncode, 0)
        m = self.west.run("accept", mid, "--all", json_out=True)
        self.assertTrue(m["all_agreed"])
        self.assertEqual(sorted(m["waiting_on"]), ["east", "west"])
        m = self.east.run("sign", mid, json_out=True)
        self.assertEqual(m["status"], "negotiating")
        self.assertEqual(list(m["signatures"]), ["east"])
        m = self.west.run("sign", mid, json_out=True)
        # on_agreement: announced as soon as both signed.
        self.assertEqual(m["status"], "announced")
        self.assertEqual(m["parameters"]["start"]["value"], later)

        status, pub = self.server.json("GET", "/public/announcements")
        self.assertEqual(status, 200)
        self.assertEqual([a["id"] for a in pub], [mid])
        self.assertEqual(pub[0]["start"], later)
        self.assertEqual(pub[0]["agenda"], ["Security guarantees", "Arms control"])
        status, ctype, ics = self.server.request("GET", "/public/meetings/%s.ics" % mid)
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/calendar"))
        ics = ics.decode()
        self.assertIn("DTSTART:" + later.replace("-", "").replace(":", ""), ics)
        self.assertIn("STATUS:CONFIRMED", ics)
        self.assertNotIn("VTIMEZONE", ics)
        self.assertTrue(all(len(line.encode()) <= 75 for line in ics.split("\r\n")))
        status, ctype, atom = self.server.request("GET", "/public/announcements.atom")
        self.assertEqual(status, 200)
        self.assertIn("urn:parley:meeting:" + mid, atom.decode())
        import xml.dom.minidom
        xml.dom.minidom.parseString(atom)  # well-formed

        # Announced terms cannot change; withdrawal is still possible and published.
        p = self.west.run("propose", mid, "--duration", "90", check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("meeting_announced", p.stderr)
        m = self.west.run("withdraw", mid, "--reason", "Scheduling conflict", json_out=True)
        self.assertEqual(m["status"], "withdrawn")
        _, pub = self.server.json("GET", "/public/announcements")
        self.assertEqual(pub[0]["status"], "withdrawn")
        self.assertEqual(pub[0]["withdrawal"]["reason"], "Scheduling conflict")
        _, _, ics = self.server.request("GET", "/public/meetings/%s.ics" % mid)
        self.assertIn("STATUS:CANCELLED", ics.decode())

    def test_proposal_after_signature_voids_it(self):
        mid = self.opening()["id"]
        self.west.run("accept", mid, "--all")
        m = self.east.run("sign", mid, json_out=True)
        self.assertIn("east", m["signatures"])
        m = self.west.run("propose", mid, "--agenda", "Security guarantees", "--agenda", "Trade", json_out=True)
        self.assertEqual(m["signatures"], {})
        self.assertFalse(m["all_agreed"])
        self.east.run("accept", mid, "agenda")
        self.east.run("sign", mid)
        m = self.west.run("sign", mid, json_out=True)
        self.assertEqual(m["status"], "announced")

    def test_announcement_waits_for_its_moment(self):
        publish_at = utc(datetime.now(timezone.utc) + timedelta(seconds=4))
        mid = self.opening(announce=publish_at)["id"]
        m = self.agree_all(mid)
        self.assertEqual(m["status"], "agreed")
        _, pub = self.server.json("GET", "/public/announcements")
        self.assertEqual(pub, [])
        self.assertEqual(self.server.request("GET", "/public/meetings/%s.ics" % mid)[0], 404)
        deadline = time.time() + 15
        while time.time() < deadline:
            _, pub = self.server.json("GET", "/public/announcements")
            if pub:
                break
            time.sleep(0.25)
        self.assertEqual([a["id"] for a in pub], [mid])
        self.assertEqual(pub[0]["published_at"], publish_at)
        self.assertEqual(self.east.run("show", mid, json_out=True)["status"], "announced")

    def test_withdrawal_before_announcement_stays_private(self):
        mid = self.opening()["id"]
        m = self.east.run("withdraw", mid, "--reason", "Not the right moment", json_out=True)
        self.assertEqual(m["status"], "withdrawn")
        p = self.west.run("accept", mid, "--all", check=False)
        self.assertIn("meeting_withdrawn", p.stderr)
        _, pub = self.server.json("GET", "/public/announcements")
        self.assertEqual(pub, [])

    def test_export_verifies_offline_and_tampering_is_caught(self):
        mid = self.opening()["id"]
        self.west.run("propose", mid, "--duration", "90")
        self.east.run("accept", mid, "duration_minutes")
        self.agree_all(mid)
        path = os.path.join(self.server.tmp, "log.json")
        self.east.run("export", mid, "-o", path)
        self.server.stop()  # offline: no server at all
        out = self.east.run("verify", path, json_out=True)
        self.assertTrue(out["verified"])
        self.assertTrue(out["agreed"])
        self.assertEqual(sorted(out["signatures"]), ["east", "west"])
        text = self.east.run("verify", path).stdout
        self.assertIn("every signature and link verified", text)
        self.assertIn("James Carter", text)

        with open(path) as f:
            doc = json.load(f)
        doc["acts"][1]["act"]["body"]["value"] = 60  # change west's counter-proposal
        bad = os.path.join(self.server.tmp, "tampered.json")
        with open(bad, "w") as f:
            json.dump(doc, f)
        p = self.east.run("verify", bad, check=False)
        self.assertEqual(p.returncode, 4)
        self.assertIn("act 2", p.stderr)
        self.assertIn("bad_signature", p.stderr)

        with open(path) as f:
            doc = json.load(f)
        del doc["acts"][2]  # remove an act: the chain breaks
        with open(bad, "w") as f:
            json.dump(doc, f)
        p = self.east.run("verify", bad, check=False)
        self.assertEqual(p.returncode, 4)
        self.assertIn("stale_sequence", p.stderr)

    def test_watch_receives_acts_pushed_live(self):
        mid = self.opening()["id"]
        watcher = subprocess.Popen([PARLEY, "--config-dir", self.cfg, "--profile", "west-lead", "--json",
                                    "watch", mid, "--count", "2", "--timeout", "30"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        self.west.run("propose", mid, "--duration", "60")
        self.east.run("accept", mid, "duration_minutes")
        out, err = watcher.communicate(timeout=40)
        self.assertEqual(watcher.returncode, 0, err)
        events = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([e["envelope"]["act"]["kind"] for e in events], ["propose", "accept"])
        self.assertEqual([e["seq"] for e in events], [2, 3])

    def test_predecessor_links_an_earlier_meeting_of_the_same_parties(self):
        first = self.opening()["id"]
        second = self.opening()["id"]
        m = self.west.run("propose", second, "--predecessor", first, json_out=True)
        self.assertEqual(m["parameters"]["predecessor"]["value"], first)
        p = self.west.run("propose", second, "--predecessor", "mtg_doesnotexist00", check=False)
        self.assertIn("invalid_predecessor", p.stderr)


if __name__ == "__main__":
    unittest.main()
