// web/js/sframe.js against the C++ SFrame module (src/sframe) through its
// test tool parley_sframe_tool: for every cipher suite, random base keys,
// KIDs and CTRs up to 2^64 − 1, metadata and payload sizes; JS encrypts and
// C++ decrypts, C++ encrypts and JS decrypts, and both make the same bytes
// from the same inputs. Then frames both must refuse: tampered, cut short,
// and headers not in their minimal form but with a valid tag.
//
// The tool reads one JSON object on stdin and writes one on stdout:
//   encrypt {cipher_suite, base_key, kid, ctr, metadata, pt} → {ct}
//   decrypt {cipher_suite, base_key, metadata, ct} → {pt, kid, ctr}
// (byte strings in hex), exit 0; on error {error, message} and exit 1.
// Registered in CTest with PARLEY_SFRAME_TOOL set to the tool's path. The
// seed is printed so a failure can be replayed: PARLEY_FUZZ_SEED=<n>.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CIPHER_SUITES, SFrameContext, SFrameError, Aead, decrypt, deriveKeyAndSalt, formNonce,
} from '../../web/js/sframe.js';
import { hex, unhex } from './sframe-vectors.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILD = path.resolve(process.env.PARLEY_BUILD || path.join(here, '..', '..', 'build', 'release'));

function findTool() {
  if (process.env.PARLEY_SFRAME_TOOL) return process.env.PARLEY_SFRAME_TOOL;
  const stack = [BUILD];
  while (stack.length) {
    const dir = stack.pop();
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isFile() && e.name === 'parley_sframe_tool') return path.join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('CMakeFiles')) stack.push(path.join(dir, e.name));
    }
  }
  return null;
}
const TOOL = findTool();

const seed = Number(process.env.PARLEY_FUZZ_SEED || Date.now() % 1e9);
let state = seed || 1;
function rand(n) {  // xorshift32: reproducible from the seed
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state % n;
}
function randBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rand(256);
  return out;
}
// KIDs and CTRs: the edges of each header length, and random values of
// every bit length up to 64.
const EDGES = [0n, 1n, 7n, 8n, 255n, 256n, 65535n, 65536n, 2n ** 32n - 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 53n,
  2n ** 56n, 2n ** 63n, 2n ** 64n - 1n];
function randU64() {
  if (rand(3) === 0) return EDGES[rand(EDGES.length)];
  const bits = BigInt(rand(65));
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(rand(256));
  return bits === 64n ? v : v & ((1n << bits) - 1n);
}
const SIZES = [0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 1199, 1200];
const randSize = (max) => (rand(2) ? SIZES[rand(SIZES.length)] : rand(max));

// JSON with integers as they are, however large (JSON.stringify refuses bigints).
function toJson(obj) {
  return `{${Object.entries(obj).map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`).join(',')}}`;
}
function fromJson(text) {
  return JSON.parse(text.replace(/("(?:kid|ctr)"\s*:\s*)(\d+)/g, '$1"$2"'));
}

function tool(command, input) {
  const r = spawnSync(TOOL, [command], { input: toJson(input), maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  const out = r.stdout.toString('utf8');
  let json;
  try {
    json = fromJson(out);
  } catch {
    throw new Error(`parley_sframe_tool ${command} wrote no JSON object (exit ${r.status}): ${out} ${r.stderr}`);
  }
  if (r.status === 0) {
    assert.ok(!('error' in json), `exit 0 with an error: ${out}`);
  } else {
    assert.equal(r.status, 1, `exit status ${r.status}: ${out} ${r.stderr}`);
    assert.equal(typeof json.error, 'string', `an error without its code: ${out}`);
    assert.equal(typeof json.message, 'string', `an error without its message: ${out}`);
  }
  return { ok: r.status === 0, json };
}

async function jsEncrypt(c) {
  const tx = await SFrameContext.create(c.suite, c.baseKey, { usage: 'encrypt' });
  return tx.encrypt(c.kid, c.ctr, c.metadata, c.pt);
}

async function jsDecrypt(c, ct) {
  const rx = await SFrameContext.create(c.suite, c.baseKey, { usage: 'decrypt' });
  return decrypt(ct, c.metadata, () => rx);
}

async function jsRefuses(c, ct) {
  try {
    await jsDecrypt(c, ct);
    return false;
  } catch (e) {
    if (!(e instanceof SFrameError)) throw e;
    return true;
  }
}

function cppDecrypt(c, ct) {
  return tool('decrypt', { cipher_suite: c.suite, base_key: hex(c.baseKey), metadata: hex(c.metadata), ct: hex(ct) });
}

function randomCase(suite) {
  return {
    suite,
    baseKey: randBytes(rand(4) === 0 ? 1 + rand(64) : [16, 32, 64][rand(3)]),
    kid: randU64(),
    ctr: randU64(),
    metadata: randBytes(randSize(64)),
    pt: randBytes(rand(10) === 0 ? 20000 + rand(50000) : randSize(1500)),
  };
}

const describeCase = (c) => `suite ${c.suite} kid ${c.kid} ctr ${c.ctr} base_key ${c.baseKey.length} B ` +
  `metadata ${c.metadata.length} B pt ${c.pt.length} B (seed ${seed})`;

test('parley_sframe_tool is built', () => {
  assert.ok(TOOL && fs.existsSync(TOOL), `parley_sframe_tool not found (PARLEY_SFRAME_TOOL, or under ${BUILD})`);
});

test(`JS and C++ SFrame agree byte for byte, both ways, for every suite (seed ${seed})`, { skip: !TOOL }, async () => {
  for (const suite of CIPHER_SUITES.keys()) {
    for (let i = 0; i < 14; i++) {
      const c = randomCase(suite);
      const what = describeCase(c);
      const mine = await jsEncrypt(c);
      const theirs = tool('encrypt', {
        cipher_suite: suite, base_key: hex(c.baseKey), kid: c.kid, ctr: c.ctr, metadata: hex(c.metadata), pt: hex(c.pt),
      });
      assert.ok(theirs.ok, `C++ encrypt refused: ${JSON.stringify(theirs.json)} — ${what}`);
      assert.equal(theirs.json.ct, hex(mine), `same inputs, same ciphertext — ${what}`);

      // JS → C++
      const back = cppDecrypt(c, mine);
      assert.ok(back.ok, `C++ could not decrypt JS's frame: ${JSON.stringify(back.json)} — ${what}`);
      assert.equal(back.json.pt, hex(c.pt), what);
      assert.equal(BigInt(back.json.kid), c.kid, what);
      assert.equal(BigInt(back.json.ctr), c.ctr, what);

      // C++ → JS
      const out = await jsDecrypt(c, unhex(theirs.json.ct));
      assert.equal(hex(out.plaintext), hex(c.pt), what);
      assert.equal(BigInt(out.kid), c.kid, what);
      assert.equal(BigInt(out.ctr), c.ctr, what);

      // Both refuse the frame with one bit flipped, or cut short.
      const bad = mine.slice();
      const bit = rand(bad.length * 8);
      bad[bit >> 3] ^= 1 << (bit & 7);
      assert.ok(!cppDecrypt(c, bad).ok, `C++ accepted the frame with bit ${bit} flipped — ${what}`);
      assert.ok(await jsRefuses(c, bad), `JS accepted the frame with bit ${bit} flipped — ${what}`);
      const cut = mine.subarray(0, rand(mine.length));
      assert.ok(!cppDecrypt(c, cut).ok, `C++ accepted the frame cut to ${cut.length} bytes — ${what}`);
      assert.ok(await jsRefuses(c, cut), `JS accepted the frame cut to ${cut.length} bytes — ${what}`);
      // And a frame checked against other metadata.
      const other = { ...c, metadata: randBytes(c.metadata.length + 1) };
      assert.ok(!cppDecrypt(other, mine).ok, `C++ accepted other metadata — ${what}`);
    }
  }
});

// A header that spells KID or CTR with more bytes than needed, sealed with a
// correct tag over that very header: RFC 9605 §4.3 says the value MUST be
// in the fewest bytes, and both parsers refuse it before any key is used.
test('both refuse a non-minimal header even when its tag is right', { skip: !TOOL }, async () => {
  const baseKey = randBytes(16);
  const metadata = randBytes(5);
  const pt = randBytes(30);
  for (const suite of CIPHER_SUITES.keys()) {
    for (const [headerHex, kid, ctr] of [['8005', 5n, 0n], ['0807', 0n, 7n], ['900012', 0x12n, 0n], ['a0000123', 0x123n, 0n], ['0a000102', 0n, 0x102n]]) {
      const header = unhex(headerHex);
      const { key, salt } = await deriveKeyAndSalt(suite, baseKey, kid);
      const aead = await Aead.import(suite, key, 'encrypt');
      const aad = new Uint8Array([...header, ...metadata]);
      const body = await aead.seal(formNonce(salt, ctr), aad, pt);
      const frame = new Uint8Array([...header, ...body]);
      const c = { suite, baseKey, metadata };
      const theirs = cppDecrypt(c, frame);
      assert.ok(!theirs.ok, `C++ accepted the non-minimal header ${headerHex} (suite ${suite})`);
      assert.ok(await jsRefuses(c, frame), `JS accepted the non-minimal header ${headerHex} (suite ${suite})`);
    }
  }
});

test('the tool refuses what it should, with a JSON error', { skip: !TOOL }, () => {
  const ok = { cipher_suite: 4, base_key: '00112233445566778899aabbccddeeff', kid: 1, ctr: 2, metadata: '', pt: '0102' };
  assert.ok(tool('encrypt', ok).ok);
  for (const bad of [{ ...ok, cipher_suite: 9 }, { ...ok, cipher_suite: 0 }, { ...ok, base_key: 'zz' }, { ...ok, pt: '0' },
    { ...ok, kid: 2n ** 64n }, { ...ok, ctr: -1 }]) {
    assert.ok(!tool('encrypt', bad).ok, `accepted ${toJson(bad)}`);
  }
  assert.ok(!tool('decrypt', { cipher_suite: 4, base_key: ok.base_key, metadata: '', ct: '' }).ok, 'empty frame');
});
