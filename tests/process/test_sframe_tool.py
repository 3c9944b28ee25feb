"""parley_sframe_tool, the C++ side of the SFrame cross-test with the
browser's web/js/sframe.js, run as a process the way that test runs it: one
JSON request on stdin, one JSON answer on stdout, exit 0, or an error object
and exit 1. Checked against the RFC 9605 test vectors (tests/unit/sframe/,
public test data from the RFC) and against itself for refusals."""

import json
import os
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("PARLEY_BUILD", os.path.join(HERE, "..", "..", "build", "release"))
TOOL = os.path.abspath(os.path.join(BUILD, "tests", "web", "parley_sframe_tool"))
VECTORS = os.path.join(HERE, "..", "unit", "sframe", "rfc9605-test-vectors.json")


def run(command, request, raw=None):
    data = raw if raw is not None else json.dumps(request).encode()
    p = subprocess.run([TOOL] + ([command] if command else []), input=data,
                       capture_output=True, timeout=30)
    answer = json.loads(p.stdout)
    return p.returncode, answer


class SFrameToolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(VECTORS) as f:
            cls.vectors = json.load(f)["sframe"]

    def ok(self, command, request):
        rc, answer = run(command, request)
        self.assertEqual(rc, 0, answer)
        return answer

    def refused(self, command, request, code, raw=None):
        rc, answer = run(command, request, raw)
        self.assertEqual(rc, 1, answer)
        if code is not None:
            self.assertEqual(answer["error"], code, answer)
        self.assertTrue(answer["message"])
        self.assertEqual(set(answer), {"error", "message"})
        return answer

    def test_rfc9605_vectors_encrypt(self):
        for v in self.vectors:
            with self.subTest(cipher_suite=v["cipher_suite"]):
                answer = self.ok("encrypt", {k: v[k] for k in ("cipher_suite", "base_key", "kid", "ctr", "metadata", "pt")})
                self.assertEqual(answer, {"ct": v["ct"]})

    def test_rfc9605_vectors_decrypt(self):
        for v in self.vectors:
            with self.subTest(cipher_suite=v["cipher_suite"]):
                answer = self.ok("decrypt", {k: v[k] for k in ("cipher_suite", "base_key", "metadata", "ct")})
                self.assertEqual(answer, {"pt": v["pt"], "kid": v["kid"], "ctr": v["ctr"]})

    def test_round_trip_every_suite_and_64_bit_values(self):
        for suite in range(1, 9):
            for kid, ctr in ((0, 0), (7, 8), (2**64 - 1, 2**64 - 1), (2**53 + 1, 1)):
                with self.subTest(suite=suite, kid=kid, ctr=ctr):
                    req = {"cipher_suite": suite, "base_key": "00112233", "kid": kid, "ctr": ctr,
                           "metadata": "", "pt": "" if ctr == 0 else "68656c6c6f"}
                    ct = self.ok("encrypt", req)["ct"]
                    back = self.ok("decrypt", {"cipher_suite": suite, "base_key": "00112233",
                                               "metadata": "", "ct": ct})
                    self.assertEqual(back, {"pt": req["pt"], "kid": kid, "ctr": ctr})

    def test_tampering_is_refused(self):
        v = next(x for x in self.vectors if x["cipher_suite"] == 4)
        req = {k: v[k] for k in ("cipher_suite", "base_key", "metadata", "ct")}
        ct = bytes.fromhex(v["ct"])
        header_size = 5  # 0x99: a 2-byte KID and a 2-byte CTR
        for i in range(len(ct)):
            flipped = bytearray(ct)
            flipped[i] ^= 0x01
            if i < header_size:
                # Another header shape, a non-minimal encoding, or another
                # KID and CTR (so another key and nonce): refused either way.
                code = self.refused("decrypt", dict(req, ct=flipped.hex()), None)["error"]
                self.assertIn(code, ("sframe_auth_failed", "sframe_truncated", "sframe_bad_header"))
            else:
                self.refused("decrypt", dict(req, ct=flipped.hex()), "sframe_auth_failed")
        self.refused("decrypt", dict(req, metadata=v["metadata"] + "00"), "sframe_auth_failed")
        self.refused("decrypt", dict(req, base_key="ff" + v["base_key"][2:]), "sframe_auth_failed")
        self.refused("decrypt", dict(req, cipher_suite=5), "sframe_auth_failed")
        self.refused("decrypt", dict(req, ct=v["ct"][:-2]), "sframe_auth_failed")
        self.refused("decrypt", dict(req, ct=v["ct"][:10 + 30]), "sframe_truncated")
        self.refused("decrypt", dict(req, ct=""), "sframe_truncated")
        self.refused("decrypt", dict(req, ct="0800"), "sframe_bad_header")  # CTR 0 in the long form
        self.refused("decrypt", dict(req, ct="0900"), "sframe_truncated")  # a 2-byte CTR cut short

    def test_bad_requests(self):
        good = {"cipher_suite": 4, "base_key": "00", "kid": 1, "ctr": 2, "metadata": "", "pt": ""}
        self.refused(None, good, "bad_request")
        self.refused("sign", good, "bad_request")
        self.refused("encrypt", None, "invalid_json", raw=b'{"cipher_suite":')
        self.refused("encrypt", [1], "invalid_field")
        self.refused("encrypt", dict(good, extra=1), "unknown_field")
        for name in good:
            self.refused("encrypt", {k: v for k, v in good.items() if k != name}, "missing_field")
        self.refused("encrypt", dict(good, pt="ABCD"), "invalid_field")
        self.refused("encrypt", dict(good, pt="abc"), "invalid_field")
        self.refused("encrypt", dict(good, kid=-1), "invalid_field")
        self.refused("encrypt", dict(good, ctr=2**64), "invalid_field")
        self.refused("encrypt", dict(good, ctr="2"), "invalid_field")
        self.refused("encrypt", dict(good, base_key=""), "sframe_bad_key")
        for suite in (0, 9, 0xF000, 65536):
            self.refused("encrypt", dict(good, cipher_suite=suite), "sframe_unsupported_suite")


if __name__ == "__main__":
    unittest.main()
