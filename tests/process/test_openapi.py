"""docs/api/openapi.yaml and the server agree both ways: every route parleyd
serves is documented, and every documented path+method is served. Also every
error code the server knows is documented, with the status errors.cpp gives it.

Standard library only: the YAML is read with a minimal line-based parser that
understands just the layout of the `paths:` section (paths at two spaces,
methods at four)."""

import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PARLEYD  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OPENAPI = os.path.join(ROOT, "docs", "api", "openapi.yaml")
ERRORS_MD = os.path.join(ROOT, "docs", "api", "errors.md")
ERRORS_CPP = os.path.join(ROOT, "src", "server", "errors.cpp")

METHODS = ("get", "post", "put", "delete", "patch")


def unquote(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def openapi_routes(text):
    """{"METHOD /path"} from the `paths:` section of an OpenAPI YAML document."""
    routes = set()
    in_paths = False
    path = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            in_paths = line == "paths:"
            path = None
            continue
        if not in_paths:
            continue
        if indent == 2 and line.endswith(":"):
            path = unquote(line[2:-1])
        elif indent == 4 and path is not None and line.endswith(":") and line.strip()[:-1] in METHODS:
            routes.add(line.strip()[:-1].upper() + " " + path)
    return routes


def served_routes():
    p = subprocess.run([PARLEYD, "--print-routes"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise AssertionError("parleyd --print-routes failed (%d):\n%s%s" % (p.returncode, p.stdout, p.stderr))
    return {line.strip() for line in p.stdout.splitlines() if line.strip()}


def error_statuses(text):
    """{code: status} from the table in errors.cpp."""
    return {code: int(status) for code, status in re.findall(r'\{"([a-z_]+)",\s*(\d+)\}', text)}


class OpenApiTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.exists(PARLEYD), "build parleyd first (or set PARLEY_BUILD): " + PARLEYD)
        with open(OPENAPI) as f:
            self.openapi = f.read()

    def test_document_and_server_have_the_same_routes(self):
        served = served_routes()
        documented = openapi_routes(self.openapi)
        self.assertTrue(served, "parleyd --print-routes printed nothing")
        self.assertTrue(documented, "no paths found in " + OPENAPI)
        for r in served:
            self.assertRegex(r, r"^[A-Z]+ /\S*$", "unexpected --print-routes line")
        undocumented = sorted(served - documented)
        unserved = sorted(documented - served)
        self.assertFalse(undocumented or unserved,
                         "openapi.yaml and parleyd disagree:\n"
                         "  served but not documented: %s\n"
                         "  documented but not served: %s" % (undocumented, unserved))

    def test_document_basics(self):
        self.assertRegex(self.openapi, r"(?m)^openapi: 3\.0\.3$")
        self.assertRegex(self.openapi, r"(?m)^  version: 0\.1\.0$")
        for scheme in ("session", "admin"):
            self.assertRegex(self.openapi, r"(?m)^    %s:\n      type: http\n      scheme: bearer$" % scheme)
        # Every $ref points at a component that exists.
        components = {}
        section = kind = None
        for line in self.openapi.splitlines():
            m = re.match(r"^  (\w+):$", line)
            if m and section == "components":
                kind = m.group(1)
                continue
            if re.match(r"^\S", line):
                section = line.rstrip(":")
                kind = None
                continue
            m = re.match(r"^    ([A-Za-z0-9_]+):$", line)
            if section == "components" and kind and m:
                components.setdefault(kind, set()).add(m.group(1))
        missing = sorted({ref for ref in re.findall(r"\$ref: '#/components/([A-Za-z]+/[A-Za-z0-9_]+)'", self.openapi)
                          if ref.split("/")[1] not in components.get(ref.split("/")[0], set())})
        self.assertEqual(missing, [], "dangling $refs")

    def test_every_error_code_is_documented(self):
        with open(ERRORS_CPP) as f:
            codes = error_statuses(f.read())
        self.assertGreater(len(codes), 30, "could not read the code table in " + ERRORS_CPP)
        with open(ERRORS_MD) as f:
            errors_md = f.read()
        undocumented = sorted(c for c in codes
                              if not re.search(r"\b%s\b" % re.escape(c), self.openapi + errors_md))
        self.assertEqual(undocumented, [], "error codes in errors.cpp missing from openapi.yaml and errors.md")
        # Where errors.md tabulates a code, its status is the one errors.cpp gives it.
        table = {m.group(1): int(m.group(2))
                 for m in re.finditer(r"(?m)^\| `([a-z_<>]+)` \| (\d{3}) \|", errors_md)}
        wrong = sorted("%s: errors.md says %d, errors.cpp %d" % (c, table[c], s)
                       for c, s in codes.items() if c in table and table[c] != s)
        self.assertEqual(wrong, [], "statuses disagree")
        stale = sorted(c for c in table if c not in codes and not c.startswith("invalid_"))
        self.assertEqual(stale, [], "errors.md lists codes errors.cpp does not know")


if __name__ == "__main__":
    unittest.main()
