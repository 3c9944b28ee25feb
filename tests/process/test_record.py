"""The record of the talks on the server (docs/record.md): entries signed by
both delegations, checkpoints both parties cosign, the exported record,
excerpts and the public publications, refusals, and a kill -9 right after an
acknowledged cosignature.

Entries are signed with the members' CLI keys by parley_sign_tool (the CLI
has no command for them); cosignature lines are made here from the
signed-note rules, and proofs are checked here with RFC 9162's algorithms, so
that the server is judged by code it does not share."""

import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import time
from datetime import datetime, timezone

from harness import BUILD, ParleyTest, in_days

SIGN_TOOL = os.environ.get("PARLEY_SIGN_TOOL",
                           os.path.abspath(os.path.join(BUILD, "tests", "process", "parley_sign_tool")))
DASH = "\u2014"


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(value):
    # RFC 8785 for what these tests sign: ASCII keys, integers, strings.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def tree_hash(leaves):
    """MTH (RFC 9162 §2.1.1) of a list of leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(tree_hash(leaves[:k]), tree_hash(leaves[k:]))


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 §2.1.4.2, for 0 < first < second."""
    if not 0 < first < second or not path:
        return False
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def parse_note(note):
    """(text, [(key name, key id, signature)], (origin, size, root)) of a checkpoint note."""
    text, _, sigs = note.partition("\n\n")
    text += "\n"
    lines = []
    for line in sigs.splitlines():
        assert line.startswith(DASH + " "), line
        name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        lines.append((name, raw[:4], raw[4:]))
    origin, size, root = text.splitlines()[:3]
    return text, lines, (origin, int(size), base64.b64decode(root))


def key_id(name, key_b64url):
    pub = base64.urlsafe_b64decode(key_b64url + "=")
    return sha256(name.encode() + b"\n\x01" + pub)[:4]


class Live:
    """A minimal RFC 6455 client for /api/v1/live: text frames only."""

    def __init__(self, port, token):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET /api/v1/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                           "Authorization: Bearer %s\r\n\r\n" % (port, key, token)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(4096)
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def send(self, message):
        data, mask = json.dumps(message).encode(), os.urandom(4)
        assert len(data) < 126
        self.sock.sendall(bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            assert chunk, "the server closed the connection"
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def receive(self):
        """The next message, its fragments (continuation frames) joined."""
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            message += self._read(n)
            assert b0 & 0x0F in (0, 1), "not a text message"
            if b0 & 0x80:
                return json.loads(message)

    def close(self):
        self.sock.close()


class RecordTest(ParleyTest):
    def setUp(self):
        super().setUp()
        self.aide = self.person("east", "east-aide", "Pavel Lebedev", "aide")
        self.rapporteur = self.person("west", "west-rap", "Laura Diaz", "rapporteur")
        for c in (self.east, self.west, self.east_leader, self.west_leader, self.aide, self.rapporteur):
            c.run("whoami")  # a session token for raw HTTP

    # ------------------------------------------------------------ helpers

    def announced_meeting(self, predecessor="none", announce_at="on_agreement"):
        m = self.east.run("create", "--with", "west", "--title", "Video talks on regional security",
                          "--start", in_days(8), "--duration", "120",
                          "--roster", "Irina Sokolova:negotiator", "--roster", "Mikhail Orlov:leader",
                          "--roster", "Olga Ivanova:interpreter", "--roster", "Pavel Lebedev:aide",
                          "--roster", "James Carter:negotiator", "--roster", "Helen Brooks:leader",
                          "--roster", "Laura Diaz:rapporteur",
                          "--language", "ru,en", "--interpreter", "Olga Ivanova:ru-en",
                          "--agenda", "Security guarantees", "--agenda", "Arms control",
                          "--announce-text", "The leaders will hold talks by video.",
                          "--announce-at", announce_at, "--set", "format=\"video\"",
                          "--predecessor", predecessor, json_out=True)
        view = self.agree_all(m["id"])
        self.assertEqual(view["status"], "announced" if announce_at == "on_agreement" else "agreed")
        return m["id"]

    def profile_dir(self, who):
        return os.path.join(self.cfg, who.profile)

    def sign(self, who, data):
        p = subprocess.run([SIGN_TOOL, "bytes", self.profile_dir(who)], input=data, capture_output=True,
                           timeout=30, check=True)
        return base64.urlsafe_b64decode(p.stdout.strip() + b"==")

    def view(self, who, mid):
        status, v = self.server.json("GET", "/api/v1/meetings/" + mid, token=who.token())
        self.assertEqual(status, 200, v)
        return v

    def entry(self, who, mid, kind, body, expect=201):
        """Signs and submits a record entry; returns (hash, answer)."""
        v = self.view(who, mid)
        act = {"type": "parley.act/1", "meeting": mid, "base": v["length"], "prev": v["head"], "kind": kind,
               "body": body, "author": who.member, "at": max(now(), v["last_at"])}
        p = subprocess.run([SIGN_TOOL, "act", self.profile_dir(who)], input=json.dumps(act).encode(),
                           capture_output=True, timeout=30, check=True)
        envelope = p.stdout
        status, answer = self.server.json("POST", "/api/v1/meetings/%s/acts" % mid, raw=envelope,
                                          token=who.token())
        self.assertEqual(status, expect, answer)
        return hashlib.sha256(envelope).hexdigest(), answer

    def cosignature_line(self, who, origin, text):
        name = "%s/member/%s" % (origin, who.member)
        sig = self.sign(who, text.encode())
        return "%s %s %s" % (DASH, name, base64.b64encode(key_id(name, who.key) + sig).decode())

    def cosign(self, who, mid, note, text=None, expect=201):
        """Adds `who`'s line to `note` (over `text`, by default the note's own) and submits it."""
        own_text, _, (origin, _, _) = parse_note(note)
        line = self.cosignature_line(who, origin, text if text is not None else own_text)
        status, answer = self.server.json("POST", "/api/v1/meetings/%s/cosignatures" % mid,
                                          {"checkpoint": note + line + "\n"}, token=who.token())
        self.assertEqual(status, expect, answer)
        return answer

    def checkpoint(self, who, mid, query=""):
        status, cp = self.server.json("GET", "/api/v1/meetings/%s/checkpoint%s" % (mid, query), token=who.token())
        self.assertEqual(status, 200, cp)
        return cp

    def record(self, who, mid):
        status, rec = self.server.json("GET", "/api/v1/meetings/%s/record" % mid, token=who.token())
        self.assertEqual(status, 200, rec)
        return rec

    def check_excerpt(self, ex, mid, kinds):
        """The excerpt's entries are in its checkpoint's tree, checked here."""
        self.assertEqual(ex["type"], "parley.excerpt/1")
        self.assertEqual(ex["meeting"], mid)
        _, lines, (origin, size, root) = parse_note(ex["checkpoint"])
        self.assertEqual(origin, ex["origin"])
        self.assertEqual([e["envelope"]["act"]["kind"] for e in ex["entries"]], kinds)
        signers = {m["id"] for m in ex["members"]}
        for e in ex["entries"]:
            proof = [bytes.fromhex(h) for h in e["proof"]]
            self.assertTrue(verify_inclusion(e["index"], size, leaf_hash(canonical(e["envelope"])), proof, root))
            self.assertIn(e["envelope"]["act"]["author"], signers)
        return size, lines

    # ------------------------------------------------------------ tests

    def test_record_cosigned_by_both_parties_is_final(self):
        mid = self.announced_meeting()
        v = self.view(self.east, mid)
        present = [e["member"] for e in v["terms"]["roster"]]
        self.assertEqual(v["record"], {"entries": 0, "session_open": False, "sessions": [],
                                       "checkpoint_size": v["length"], "cosigned": {"east": 0, "west": 0},
                                       "final": False})
        self.assertNotIn("predecessor_assurances", v)

        self.entry(self.east, mid, "session_open", {"present": present})
        minute, _ = self.entry(self.rapporteur, mid, "minute", {"item": 0, "text": "The leaders opened the talks."})
        assurance, _ = self.entry(self.east_leader, mid, "assurance",
                                  {"to": "west", "item": 0, "text": "No exercises near the border this summer.",
                                   "scope": "Land forces", "until": None, "draft": None})
        self.entry(self.west_leader, mid, "acknowledge", {"assurance": assurance})
        _, v = self.entry(self.west, mid, "session_close", {"present": present})
        size = v["length"]
        self.assertEqual(v["record"]["entries"], 5)
        self.assertFalse(v["record"]["session_open"])
        self.assertEqual(v["record"]["sessions"], [{"open_seq": size - 4, "close_seq": size}])

        # The server's checkpoint of the durable log: its origin and size, the
        # tree hash of the acts, signed by the log's key.
        cp = self.checkpoint(self.east, mid)
        text, lines, (origin, cp_size, root) = parse_note(cp["checkpoint"])
        self.assertEqual(origin, "127.0.0.1:%d/meeting/%s" % (self.server.port, mid))
        self.assertEqual((cp_size, cp["size"]), (size, size))
        self.assertEqual(cp["root"], root.hex())
        self.assertEqual(cp["consistency"], [])
        rec = self.record(self.east, mid)
        self.assertEqual(tree_hash([leaf_hash(canonical(a)) for a in rec["acts"]]), root)
        self.assertEqual([(n, i) for n, i, _ in lines], [(origin, key_id(origin, rec["log_key"]))])

        # Refusals change nothing: an aide may not cosign, a doctored root is
        # not a checkpoint the server issued, a line over other text is no
        # signature, and the body must be a note.
        answer = self.cosign(self.aide, mid, cp["checkpoint"], expect=403)
        self.assertEqual(answer["error"]["code"], "role_not_allowed")
        forged_root = base64.b64encode(bytes(32)).decode()
        doctored = "%s\n%d\n%s\n" % (origin, size, forged_root)
        forged_note = doctored + "\n" + "\n".join(cp["checkpoint"].partition("\n\n")[2].splitlines()) + "\n"
        answer = self.cosign(self.east, mid, forged_note, expect=422)
        self.assertEqual(answer["error"]["code"], "checkpoint_mismatch")
        answer = self.cosign(self.east, mid, cp["checkpoint"], text=doctored, expect=403)
        self.assertEqual(answer["error"]["code"], "bad_signature")
        for body in ({"checkpoint": "not a note"}, {"checkpoint": 7}, {"note": cp["checkpoint"]}, []):
            status, answer = self.server.json("POST", "/api/v1/meetings/%s/cosignatures" % mid, body,
                                              token=self.east.token())
            self.assertEqual(status, 400, answer)
        self.assertEqual(self.checkpoint(self.east, mid)["checkpoint"], cp["checkpoint"])

        # East's negotiator cosigns; the answer carries both lines, and a
        # subscriber of the other party hears of it. Then west's leader
        # (over the note east returned: other lines are ignored).
        live = Live(self.server.port, self.west.token())
        self.addCleanup(live.close)
        live.send({"type": "subscribe", "meeting": mid})
        self.assertEqual(live.receive()["type"], "subscribed")
        answer = self.cosign(self.east, mid, cp["checkpoint"])
        self.assertEqual(live.receive(), {"type": "cosignature", "meeting": mid, "size": size,
                                          "member": self.east.member, "party": "east"})
        self.assertFalse(answer["final"])
        self.assertEqual(len(parse_note(answer["checkpoint"])[1]), 2)
        self.assertEqual(self.view(self.west, mid)["record"]["cosigned"], {"east": size, "west": 0})
        answer = self.cosign(self.west_leader, mid, answer["checkpoint"])
        self.assertTrue(answer["final"])
        names = [n for n, _, _ in parse_note(answer["checkpoint"])[1]]
        self.assertEqual(names, [origin] + sorted("%s/member/%s" % (origin, c.member)
                                                  for c in (self.east, self.west_leader)))
        # Cosigning again is harmless.
        self.assertEqual(self.cosign(self.east, mid, cp["checkpoint"])["checkpoint"], answer["checkpoint"])
        v = self.view(self.east, mid)
        self.assertEqual(v["record"]["cosigned"], {"east": size, "west": size})
        self.assertTrue(v["record"]["final"])

        # Public texts after the final checkpoint: a readout, corrected, and a
        # countersigned joint statement (an open one is not published).
        readout, _ = self.entry(self.east_leader, mid, "readout", {"text": "Constructive talks."})
        self.entry(self.east_leader, mid, "correction",
                   {"entry": readout, "text": "Constructive and frank talks.", "reason": "Wording agreed at home."})
        joint, _ = self.entry(self.west, mid, "joint_statement", {"text": "Both sides will meet again."})
        status, pub = self.server.json("GET", "/public/meetings/%s/publications" % mid)
        self.assertEqual(status, 200, pub)
        self.assertEqual([p["kind"] for p in pub["publications"]], ["readout", "correction"])
        self.entry(self.east, mid, "countersign", {"statement": joint})

        rec = self.record(self.west, mid)
        self.assertEqual(rec["type"], "parley.record/1")
        self.assertTrue(rec["final"])
        self.assertEqual(rec["origin"], origin)
        self.assertEqual(len(rec["acts"]), size + 4)
        self.assertEqual([parse_note(c["note"])[2][1] for c in rec["checkpoints"]], [size, size + 4])
        self.assertEqual(rec["checkpoints"][0]["note"], answer["checkpoint"])
        self.assertEqual(rec["checkpoints"][0]["consistency"], [])
        latest_root = parse_note(rec["checkpoints"][1]["note"])[2][2]
        self.assertEqual(tree_hash([leaf_hash(canonical(a)) for a in rec["acts"]]), latest_root)
        proof = [bytes.fromhex(h) for h in rec["checkpoints"][1]["consistency"]]
        self.assertTrue(verify_consistency(size, size + 4, root, latest_root, proof))
        cp = self.checkpoint(self.east, mid, "?from=%d" % size)
        self.assertEqual(cp["consistency"], rec["checkpoints"][1]["consistency"])
        for query in ("?from=0", "?from=%d" % (size + 5), "?from=abc", "?from=01", "?to=3", "?from=1&from=2"):
            status, answer = self.server.json("GET", "/api/v1/meetings/%s/checkpoint%s" % (mid, query),
                                              token=self.east.token())
            self.assertEqual((status, answer["error"]["code"]), (400, "invalid_field"), query)

        # The minute's excerpt is proved against the final checkpoint, which
        # both parties cosigned; the readout's against the latest.
        status, ex = self.server.json("GET", "/api/v1/meetings/%s/entries/%s/excerpt" % (mid, minute),
                                      token=self.west.token())
        self.assertEqual(status, 200, ex)
        ex_size, lines = self.check_excerpt(ex, mid, ["minute"])
        self.assertEqual((ex_size, len(lines)), (size, 3))
        self.assertEqual({m["id"] for m in ex["members"]},
                         {self.rapporteur.member, self.east.member, self.west_leader.member})
        status, pub = self.server.json("GET", "/public/meetings/%s/publications" % mid)
        self.assertEqual(status, 200, pub)
        items = pub["publications"]
        self.assertEqual([p["kind"] for p in items], ["readout", "correction", "joint_statement"])
        self.assertEqual(items[1]["corrects"], readout)
        self.assertEqual(items[1]["text"], "Constructive and frank talks.")
        for item, kinds in zip(items, (["readout"], ["correction"], ["joint_statement", "countersign"])):
            ex_size, ex_lines = self.check_excerpt(item["excerpt"], mid, kinds)
            self.assertEqual((ex_size, [n for n, _, _ in ex_lines]), (size + 4, [origin]))
        # Once one party cosigns the latest checkpoint, excerpts of what only
        # it covers are proved against it; the minute's stays with the final.
        self.cosign(self.east, mid, self.checkpoint(self.east, mid)["checkpoint"])
        _, pub = self.server.json("GET", "/public/meetings/%s/publications" % mid)
        ex_size, ex_lines = self.check_excerpt(pub["publications"][0]["excerpt"], mid, ["readout"])
        self.assertEqual((ex_size, [n for n, _, _ in ex_lines]),
                         (size + 4, [origin, "%s/member/%s" % (origin, self.east.member)]))
        # One publication's excerpt alone, as the announcements page links it.
        path = "/public/meetings/%s/publications/%s/excerpt" % (mid, pub["publications"][0]["hash"])
        status, one = self.server.json("GET", path)
        self.assertEqual((status, one), (200, pub["publications"][0]["excerpt"]))
        status, err = self.server.json("GET", "/public/meetings/%s/publications/%s/excerpt" % (mid, minute))
        self.assertEqual((status, err["error"]["code"]), (404, "not_found"))  # a minute is never published
        status, ex = self.server.json("GET", "/api/v1/meetings/%s/entries/%s/excerpt" % (mid, minute),
                                      token=self.west.token())
        self.assertEqual(self.check_excerpt(ex, mid, ["minute"])[0], size)

        # Bad names and other meetings.
        for path, code in (("/api/v1/meetings/%s/entries/%s/excerpt" % (mid, "0" * 64), 404),
                           ("/api/v1/meetings/%s/entries/%s/excerpt" % (mid, minute.upper()), 400),
                           ("/api/v1/meetings/mtg_nosuchmeeting0/record", 404),
                           ("/public/meetings/mtg_nosuchmeeting0/publications", 404)):
            self.assertEqual(self.server.request("GET", path, token=self.east.token())[0], code, path)
        # Without a session the meeting's routes do not exist.
        self.assertEqual(self.server.request("GET", "/api/v1/meetings/%s/record" % mid)[0], 404)

    def test_no_cosignature_before_the_announcement(self):
        # Until the announcement the terms, and the roster that says who may
        # cosign, can still change: the server refuses and stores nothing.
        mid = self.announced_meeting(announce_at=in_days(2))
        cp = self.checkpoint(self.east, mid)
        answer = self.cosign(self.east, mid, cp["checkpoint"], expect=409)
        self.assertEqual(answer["error"]["code"], "not_announced")
        self.assertEqual(self.checkpoint(self.west, mid)["checkpoint"], cp["checkpoint"])

    def test_cosignature_and_log_key_survive_kill_9(self):
        mid = self.announced_meeting()
        present = [self.east.member, self.west.member]
        self.entry(self.east, mid, "session_open", {"present": present})
        self.entry(self.east, mid, "session_close", {"present": present})
        cp = self.checkpoint(self.east, mid)
        answer = self.cosign(self.east, mid, cp["checkpoint"])
        self.server.proc.send_signal(signal.SIGKILL)  # right after the acknowledgement
        self.server.proc.wait()
        self.server.start(port=self.server.port)
        self.east.run("whoami")
        self.west_leader.run("whoami")
        # The same log key: the same checkpoint, byte for byte, with east's line.
        self.assertEqual(self.checkpoint(self.east, mid)["checkpoint"], answer["checkpoint"])
        self.assertEqual(self.view(self.east, mid)["record"]["cosigned"]["east"], cp["size"])
        self.assertTrue(self.cosign(self.west_leader, mid, answer["checkpoint"])["final"])

    def test_the_cli_cosigns_and_verifies_what_the_server_serves(self):
        mid = self.announced_meeting()
        present = ["--present", self.east.member, "--present", self.west.member]
        self.east.run("record", "open", mid, *present)
        self.rapporteur.run("record", "minute", mid, "--text", "Both sides stated their positions.")
        self.east.run("record", "close", mid, *present)
        self.east.run("record", "cosign", mid)
        self.assertTrue(self.west_leader.run("record", "cosign", mid, json_out=True)["final"])
        # A readout after the final checkpoint: each party cosigns again, from
        # the size it cosigned before (a consistency proof), and the public
        # excerpt is then proved against that checkpoint.
        self.east_leader.run("record", "readout", mid, "--text", "Useful talks.")
        self.east.run("record", "cosign", mid)
        self.west_leader.run("record", "cosign", mid)
        tmp = self.server.tmp
        record, trust = os.path.join(tmp, "record.json"), os.path.join(tmp, "trust.json")
        self.east.run("record", "export", mid, "-o", record)
        self.east.run("record", "pin", mid, "-o", trust)
        out = self.east.run("verify", record, "--trust", trust, "--require-final", json_out=True)
        self.assertEqual((out["verified"], out["final"], out["checkpoints"]), (True, True, 2))
        _, pub = self.server.json("GET", "/public/meetings/%s/publications" % mid)
        [readout] = pub["publications"]
        status, ex = self.server.json("GET", "/api/v1/meetings/%s/entries/%s/excerpt" % (mid, readout["hash"]),
                                      token=self.west.token())
        self.assertEqual(status, 200, ex)
        self.assertEqual(ex, readout["excerpt"])
        path = os.path.join(tmp, "excerpt.json")
        with open(path, "w") as f:
            json.dump(ex, f)
        out = self.west.run("verify", path, "--trust", trust, json_out=True)
        self.assertEqual((out["verified"], out["pinned"], out["entries"]), (True, True, 1))

    def test_statuses_of_the_predecessors_assurances(self):
        first = self.announced_meeting()
        v = self.view(self.east, first)
        present = [e["member"] for e in v["terms"]["roster"]]
        self.entry(self.east, first, "session_open", {"present": present})
        given, _ = self.entry(self.east_leader, first, "assurance",
                              {"to": "west", "item": None, "text": "Observers will be invited.",
                               "scope": "Exercises", "until": "2099-01-01T00:00:00Z", "draft": None})
        self.entry(self.rapporteur, first, "acknowledge", {"assurance": given})
        minute, _ = self.entry(self.rapporteur, first, "minute", {"item": None, "text": "Noted."})

        second = self.announced_meeting(predecessor=first)
        self.entry(self.west, second, "session_open", {"present": present})
        status = {"assurance": given, "meeting": first, "status": "in_dispute", "note": "No invitation came."}
        # West may dispute east's assurance but not withdraw it; the hash must
        # name an assurance of the predecessor.
        _, answer = self.entry(self.west, second, "assurance_status", dict(status, status="withdrawn"), expect=403)
        self.assertEqual(answer["error"]["code"], "role_not_allowed")
        _, answer = self.entry(self.west, second, "assurance_status", dict(status, assurance=minute), expect=422)
        self.assertEqual(answer["error"]["code"], "unknown_entry")
        disputed, v = self.entry(self.west, second, "assurance_status", status)
        time.sleep(1.1)  # statuses are listed by time
        self.entry(self.east_leader, first, "assurance_status",
                   {"assurance": given, "meeting": first, "status": "fulfilled", "note": ""})
        v = self.view(self.west, second)
        [a] = v["predecessor_assurances"]
        self.assertEqual((a["hash"], a["giver"], a["to"], a["acknowledged"], a["until"]),
                         (given, "east", "west", True, "2099-01-01T00:00:00Z"))
        self.assertEqual([(s["status"], s["meeting"]) for s in a["statuses"]],
                         [("in_dispute", second), ("fulfilled", first)])
        self.assertEqual(a["statuses"][0]["entry"], disputed)


if __name__ == "__main__":
    import unittest
    unittest.main()
