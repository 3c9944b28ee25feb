// web/js/sframe.js under Node's WebCrypto: every RFC 9605 test vector
// (headers, the AES-CTR-HMAC AEAD alone, whole SFrame encryptions for each
// suite; tests/web/sframe-vectors.mjs says where they come from), then what a receiver must refuse: tampered frames, an unknown KID,
// truncation, headers that are not minimally encoded, a key used the wrong
// way, a counter used twice. The same vectors run in Chromium in
// tests/browser/sframe.test.mjs; the C++ implementation is checked against
// this one in sframe-cross.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CIPHER_SUITES, SFrameError, SFrameContext, Aead, decrypt, encodeHeader, parseHeader,
  kdfLabels, deriveKeyAndSalt, formNonce, REPLAY_WINDOW, DEFAULT_CIPHER_SUITE,
} from '../../web/js/sframe.js';
import { loadVectors, hex, unhex } from './sframe-vectors.mjs';

const V = loadVectors();
const big = (v) => BigInt(v);
// The canonical form the module returns: a number when safe, else a bigint.
const canon = (v) => (BigInt(v) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : BigInt(v));

async function rejectsWith(promise, codes, what) {
  const list = Array.isArray(codes) ? codes : [codes];
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof SFrameError, `${what}: ${e}`);
    assert.ok(list.includes(e.code), `${what}: got ${e.code}, expected ${list.join(' or ')}`);
    return true;
  });
}

function throwsWith(fn, code, what) {
  assert.throws(fn, (e) => e instanceof SFrameError && e.code === code, what);
}

test('header vectors: encoded in the smallest form and parsed back (RFC 9605 §4.3, Appendix C.1)', () => {
  assert.ok(V.header.length >= 289);
  for (const h of V.header) {
    const what = `kid ${h.kid} ctr ${h.ctr}`;
    assert.equal(hex(encodeHeader(big(h.kid), big(h.ctr))), h.encoded, what);
    const p = parseHeader(unhex(h.encoded + 'abcdef'));  // followed by ciphertext
    assert.equal(p.kid, canon(h.kid), what);
    assert.equal(p.ctr, canon(h.ctr), what);
    assert.equal(p.length, h.encoded.length / 2, what);
  }
  // Numbers and bigints give the same header.
  assert.equal(hex(encodeHeader(291, 17767)), hex(encodeHeader(291n, 17767n)));
  assert.equal(hex(encodeHeader(Number.MAX_SAFE_INTEGER, 7)), '' + hex(encodeHeader(BigInt(Number.MAX_SAFE_INTEGER), 7n)));
});

test('header: random KID and CTR round trip, and the form is the shortest', () => {
  for (let i = 0; i < 2000; i++) {
    const bits = (i % 65);
    const rand64 = () => {
      let v = 0n;
      for (let j = 0; j < 8; j++) v = (v << 8n) | BigInt(Math.floor(Math.random() * 256));
      return bits === 64 ? v : v & ((1n << BigInt(bits)) - 1n);
    };
    const kid = rand64();
    const ctr = rand64();
    const h = encodeHeader(kid, ctr);
    const bytesOf = (v) => (v < 8n ? 0 : Math.ceil(v.toString(16).length / 2));
    assert.equal(h.length, 1 + bytesOf(kid) + bytesOf(ctr));
    const p = parseHeader(h);
    assert.equal(BigInt(p.kid), kid);
    assert.equal(BigInt(p.ctr), ctr);
    assert.equal(typeof p.kid, kid <= BigInt(Number.MAX_SAFE_INTEGER) ? 'number' : 'bigint');
  }
});

test('header: truncated, empty and non-minimal headers are refused', () => {
  throwsWith(() => parseHeader(new Uint8Array(0)), 'bad_header', 'empty');
  for (const h of V.header) {
    const b = unhex(h.encoded);
    for (let n = 0; n < b.length; n++) throwsWith(() => parseHeader(b.subarray(0, n)), 'bad_header', `${h.encoded} cut to ${n}`);
  }
  // §4.3: a value 0–7 goes in the config byte; a larger one in the fewest bytes.
  for (const enc of ['8005', '0807', '8000', '0800', '900001', '090000', '0900ff', '9000ff', 'f00000000000000001',
    '0f0000000000000001', 'ff00ffffffffffffff00ffffffffffffff']) {
    throwsWith(() => parseHeader(unhex(enc)), 'bad_header', enc);
  }
  throwsWith(() => encodeHeader(-1, 0), 'bad_argument', 'negative KID');
  throwsWith(() => encodeHeader(0, 2n ** 64n), 'bad_argument', 'CTR of 65 bits');
  throwsWith(() => encodeHeader(1.5, 0), 'bad_argument', 'fractional KID');
  throwsWith(() => encodeHeader(2 ** 53, 0), 'bad_argument', 'unsafe number');
  throwsWith(() => encodeHeader('1', 0), 'bad_argument', 'string');
});

test('AES-CTR-HMAC vectors: suites 1–3 (Appendix C.3) and 6–8 (AES-256, HMAC-SHA-512)', async () => {
  const groups = [...V.aes_ctr_hmac, ...V.aes_256_ctr_hmac];
  assert.deepEqual(groups.map((v) => v.cipher_suite).sort(), [1, 2, 3, 6, 7, 8]);
  for (const v of groups) {
    const s = CIPHER_SUITES.get(v.cipher_suite);
    const what = s.name;
    // §4.5.1: enc_key is the first Nka bytes of the key, auth_key the rest.
    assert.equal(v.key, v.enc_key + v.auth_key, what);
    assert.equal(v.enc_key.length / 2, s.nka, what);
    assert.equal(v.auth_key.length / 2, s.nh, what);
    const seal = await Aead.import(v.cipher_suite, unhex(v.key), 'encrypt');
    assert.equal(hex(await seal.seal(unhex(v.nonce), unhex(v.aad), unhex(v.pt))), v.ct, what);
    const open = await Aead.import(v.cipher_suite, unhex(v.key), 'decrypt');
    assert.equal(hex(await open.open(unhex(v.nonce), unhex(v.aad), unhex(v.ct))), v.pt, what);
    const ct = unhex(v.ct);
    ct[ct.length - 1] ^= 1;
    await rejectsWith(open.open(unhex(v.nonce), unhex(v.aad), ct), 'auth_failed', `${what} tag`);
    const aad = unhex(v.aad);
    aad[0] ^= 0x80;
    await rejectsWith(open.open(unhex(v.nonce), aad, unhex(v.ct)), 'auth_failed', `${what} aad`);
  }
});

test('SFrame vectors: labels, key and salt, nonce, AAD and ciphertext for every suite (Appendix C.4, and 6-8)', async () => {
  assert.deepEqual(V.sframe.map((v) => v.cipher_suite).sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual(V.sframe_aes256_ctr_hmac.map((v) => v.cipher_suite).sort(), [6, 7, 8]);
  for (const v of [...V.sframe, ...V.sframe_aes256_ctr_hmac]) {
    const s = CIPHER_SUITES.get(v.cipher_suite);
    const what = s.name;
    const labels = kdfLabels(v.cipher_suite, v.kid);
    assert.equal(hex(labels.key), v.sframe_key_label, what);
    assert.equal(hex(labels.salt), v.sframe_salt_label, what);
    const { key, salt } = await deriveKeyAndSalt(v.cipher_suite, unhex(v.base_key), v.kid);
    assert.equal(hex(key), v.sframe_key, what);
    assert.equal(hex(salt), v.sframe_salt, what);
    assert.equal(hex(formNonce(salt, v.ctr)), v.nonce, what);
    assert.equal(hex(encodeHeader(v.kid, v.ctr)) + v.metadata, v.aad, what);

    const tx = await SFrameContext.create(v.cipher_suite, unhex(v.base_key), { usage: 'encrypt' });
    const frame = await tx.encrypt(v.kid, v.ctr, unhex(v.metadata), unhex(v.pt));
    assert.ok(frame instanceof Uint8Array);
    assert.equal(hex(frame), v.ct, what);

    const rx = await SFrameContext.create(v.cipher_suite, unhex(v.base_key), { usage: 'decrypt' });
    const out = await decrypt(unhex(v.ct), unhex(v.metadata), (kid) => (kid === v.kid ? rx : undefined));
    assert.deepEqual({ kid: out.kid, ctr: out.ctr, pt: hex(out.plaintext) }, { kid: v.kid, ctr: v.ctr, pt: v.pt }, what);

    // The same with the base_key as a non-extractable HKDF CryptoKey.
    const baseKey = await crypto.subtle.importKey('raw', unhex(v.base_key), 'HKDF', false, ['deriveBits']);
    const tx2 = await SFrameContext.create(v.cipher_suite, baseKey, { usage: 'encrypt' });
    assert.equal(hex(await tx2.encrypt(BigInt(v.kid), BigInt(v.ctr), unhex(v.metadata), unhex(v.pt))), v.ct, `${what} CryptoKey`);
  }
});

test('the suite table is RFC 9605 Table 1 and the IANA registry', () => {
  const table = [...CIPHER_SUITES.values()].map((s) => [s.id, s.name, s.nh, s.nka || 'n/a', s.nk, s.nn, s.nt]);
  assert.deepEqual(table, [
    [1, 'AES_128_CTR_HMAC_SHA256_80', 32, 16, 48, 12, 10],
    [2, 'AES_128_CTR_HMAC_SHA256_64', 32, 16, 48, 12, 8],
    [3, 'AES_128_CTR_HMAC_SHA256_32', 32, 16, 48, 12, 4],
    [4, 'AES_128_GCM_SHA256_128', 32, 'n/a', 16, 12, 16],
    [5, 'AES_256_GCM_SHA512_128', 64, 'n/a', 32, 12, 16],
    [6, 'AES_256_CTR_HMAC_SHA512_80', 64, 32, 96, 12, 10],
    [7, 'AES_256_CTR_HMAC_SHA512_64', 64, 32, 96, 12, 8],
    [8, 'AES_256_CTR_HMAC_SHA512_32', 64, 32, 96, 12, 4],
  ]);
  assert.equal(DEFAULT_CIPHER_SUITE, 4);
});

test('whole-SFrame vectors cover every cipher suite the module offers', () => {
  const covered = new Set([...V.sframe, ...V.sframe_aes256_ctr_hmac].map((v) => v.cipher_suite));
  assert.deepEqual([...CIPHER_SUITES.keys()].filter((id) => !covered.has(id)), []);
});

// A frame per suite to break in the negative tests below.
async function sample(suite, {
  kid = 0x123, ctr = 0x4567, metadata = unhex('0102030405'), pt = unhex('00112233445566778899'), replayProtection = true,
} = {}) {
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  const tx = await SFrameContext.create(suite, baseKey, { usage: 'encrypt' });
  const rx = await SFrameContext.create(suite, baseKey, { usage: 'decrypt', replayProtection });
  const frame = await tx.encrypt(kid, ctr, metadata, pt);
  return { tx, rx, frame, kid, ctr, metadata, pt, lookup: (k) => (k === kid ? rx : undefined) };
}

test('every suite round-trips, including empty payloads and the largest KID and CTR', async () => {
  for (const suite of CIPHER_SUITES.keys()) {
    const max = 2n ** 64n - 1n;
    for (const [kid, ctr, size] of [[0, 0, 0], [7, 7, 1], [8, 8, 15], [max, max, 1200], [2 ** 53 - 1, 2n ** 53n, 70000]]) {
      const s = await sample(suite, { kid, ctr, metadata: new Uint8Array(0), pt: randomBytes(size) });
      assert.equal(s.frame.length, encodeHeader(kid, ctr).length + size + CIPHER_SUITES.get(suite).nt);
      const out = await decrypt(s.frame, undefined, () => s.rx);
      assert.equal(BigInt(out.kid), BigInt(kid));
      assert.equal(BigInt(out.ctr), BigInt(ctr));
      assert.equal(hex(out.plaintext), hex(s.pt));
    }
  }
});

test('tampering with any bit of a frame, or with the metadata, is refused', async () => {
  for (const suite of CIPHER_SUITES.keys()) {
    const s = await sample(suite);
    for (let i = 0; i < s.frame.length * 8; i++) {
      const bad = s.frame.slice();
      bad[i >> 3] ^= 1 << (i & 7);
      // A flipped header bit may change the header's length or its KID.
      await rejectsWith(decrypt(bad, s.metadata, s.lookup), ['auth_failed', 'bad_header', 'unknown_kid'], `suite ${suite} bit ${i}`);
    }
    for (let i = 0; i < s.metadata.length * 8; i++) {
      const md = s.metadata.slice();
      md[i >> 3] ^= 1 << (i & 7);
      await rejectsWith(decrypt(s.frame, md, s.lookup), 'auth_failed', `suite ${suite} metadata bit ${i}`);
    }
    await rejectsWith(decrypt(s.frame, new Uint8Array(0), s.lookup), 'auth_failed', 'metadata missing');
    await rejectsWith(decrypt(s.frame, concat(s.metadata, [0]), s.lookup), 'auth_failed', 'metadata longer');
    // The header is authenticated: the same body under another CTR fails.
    const other = concat(encodeHeader(s.kid, s.ctr + 1), s.frame.subarray(encodeHeader(s.kid, s.ctr).length));
    await rejectsWith(decrypt(other, s.metadata, s.lookup), 'auth_failed', 'CTR moved');
    assert.equal(hex((await decrypt(s.frame, s.metadata, s.lookup)).plaintext), hex(s.pt));
  }
});

test('a frame cut short, or extended, is refused', async () => {
  for (const suite of CIPHER_SUITES.keys()) {
    const s = await sample(suite);
    for (let n = 0; n < s.frame.length; n++) {
      await rejectsWith(decrypt(s.frame.subarray(0, n), s.metadata, s.lookup), ['bad_header', 'auth_failed'], `suite ${suite} cut to ${n}`);
    }
    await rejectsWith(decrypt(concat(s.frame, [0]), s.metadata, s.lookup), 'auth_failed', `suite ${suite} one byte more`);
  }
});

test('an unknown KID is reported as such, apart from a failed tag', async () => {
  const s = await sample(4);
  await rejectsWith(decrypt(s.frame, s.metadata, () => undefined), 'unknown_kid', 'no key');
  await rejectsWith(decrypt(s.frame, s.metadata, async () => null), 'unknown_kid', 'no key (async)');
  const seen = [];
  await rejectsWith(decrypt(s.frame, s.metadata, (kid) => { seen.push(kid); }), 'unknown_kid', 'lookup');
  assert.deepEqual(seen, [0x123]);
  // A key for that KID but the wrong base_key: the tag fails.
  const stranger = await SFrameContext.create(4, new Uint8Array(16), { usage: 'decrypt' });
  await rejectsWith(decrypt(s.frame, s.metadata, () => stranger), 'auth_failed', 'wrong base key');
  // The same base_key under another suite does not open it either.
  const s1 = await sample(1);
  const rx5 = await SFrameContext.create(2, crypto.getRandomValues(new Uint8Array(16)), { usage: 'decrypt' });
  await rejectsWith(decrypt(s1.frame, s1.metadata, () => rx5), 'auth_failed', 'other suite');
});

test('keys are marked for encryption or decryption, never both (§4.4.1)', async () => {
  const s = await sample(1);
  await rejectsWith(decrypt(s.frame, s.metadata, () => s.tx), 'wrong_usage', 'decrypt with an encrypting context');
  await rejectsWith(s.rx.encrypt(1, 1, null, new Uint8Array(1)), 'wrong_usage', 'encrypt with a decrypting context');
  await rejectsWith(decrypt(s.frame, s.metadata, () => ({})), 'bad_argument', 'not a context');
  await rejectsWith(SFrameContext.create(1, new Uint8Array(16), {}), 'bad_argument', 'no usage');
  await rejectsWith(SFrameContext.create(9, new Uint8Array(16), { usage: 'encrypt' }), 'unsupported_suite', 'suite 9');
  await rejectsWith(SFrameContext.create(0, new Uint8Array(16), { usage: 'encrypt' }), 'unsupported_suite', 'suite 0');
  await rejectsWith(SFrameContext.create(1, new Uint8Array(0), { usage: 'encrypt' }), 'bad_argument', 'empty base key');
  const aesKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt']);
  await rejectsWith(SFrameContext.create(4, aesKey, { usage: 'encrypt' }), 'bad_argument', 'not an HKDF key');
});

test('a counter is never used twice for a KID (§7.4); null takes the next one', async () => {
  const tx = await SFrameContext.create(4, new Uint8Array(16).fill(7), { usage: 'encrypt' });
  const rx = await SFrameContext.create(4, new Uint8Array(16).fill(7), { usage: 'decrypt' });
  const f0 = await tx.encrypt(3, null, null, new Uint8Array([1]));
  assert.equal((await decrypt(f0, null, () => rx)).ctr, 0);
  await tx.encrypt(3, 10, null, new Uint8Array([1]));
  assert.equal(tx.nextCounter(3), 11);
  await rejectsWith(tx.encrypt(3, 10, null, new Uint8Array([1])), 'counter_reused', 'same CTR again');
  await rejectsWith(tx.encrypt(3, 5, null, new Uint8Array([1])), 'counter_reused', 'lower CTR');
  // Another KID has its own counters.
  await tx.encrypt(4, 0, null, new Uint8Array([1]));
  // Concurrent encryptions each get their own counter.
  const frames = await Promise.all(Array.from({ length: 20 }, () => tx.encrypt(3, undefined, null, new Uint8Array([2]))));
  const ctrs = await Promise.all(frames.map(async (f) => (await decrypt(f, null, () => rx)).ctr));
  assert.deepEqual(ctrs, Array.from({ length: 20 }, (_, i) => 11 + i));
  // The last counter of 64 bits is usable once, then the KID is exhausted.
  await tx.encrypt(5, 2n ** 64n - 1n, null, new Uint8Array([1]));
  await rejectsWith(tx.encrypt(5, null, null, new Uint8Array([1])), 'counter_reused', 'exhausted');
  // Past the safe integers the counters carry on as bigints.
  await tx.encrypt(6, Number.MAX_SAFE_INTEGER, null, new Uint8Array([1]));
  assert.equal(tx.nextCounter(6), 2n ** 53n);
  const f = await tx.encrypt(6, null, null, new Uint8Array([1]));
  assert.equal((await decrypt(f, null, () => rx)).ctr, 2n ** 53n);
});

test('a receiver keeps a bounded number of derived keys and still opens every KID', async () => {
  const base = crypto.getRandomValues(new Uint8Array(32));
  const tx = await SFrameContext.create(5, base, { usage: 'encrypt' });
  const rx = await SFrameContext.create(5, base, { usage: 'decrypt', maxKids: 2 });
  const kids = [1, 9, 300, 2n ** 63n, 70000];
  for (let round = 0; round < 2; round++) {
    for (const kid of kids) {
      const f = await tx.encrypt(kid, null, null, new Uint8Array([round]));
      const out = await decrypt(f, null, () => rx);
      assert.equal(out.kid, kid);
      assert.deepEqual([...out.plaintext], [round]);
      assert.ok(rx.keys.size <= 2);
    }
  }
});

test('a frame is accepted once; out of order within 1024 CTRs is fine, older is refused (§9.3)', async () => {
  const base = crypto.getRandomValues(new Uint8Array(16));
  const tx = await SFrameContext.create(4, base, { usage: 'encrypt' });
  const rx = await SFrameContext.create(4, base, { usage: 'decrypt' });
  assert.equal(REPLAY_WINDOW, 1024);
  const open = (f) => decrypt(f, null, () => rx);
  const frames = new Map();
  for (const ctr of [0, 1, 2, 5, 1000, 1023, 1024, 1025, 3000, 3001]) frames.set(ctr, await tx.encrypt(9, ctr, null, new Uint8Array([1])));
  await open(frames.get(2));
  await rejectsWith(open(frames.get(2)), 'replay', 'the same frame twice');
  await open(frames.get(0));  // older than the highest, inside the window
  await open(frames.get(1024));
  await rejectsWith(open(frames.get(0)), 'replay', 'CTR 0 again');
  await open(frames.get(1));  // 1023 below the highest: still inside
  await open(frames.get(5));
  await open(frames.get(3001));
  await rejectsWith(open(frames.get(1025)), 'replay', '1976 below the highest: too old to tell');
  await open(frames.get(3000));
  await rejectsWith(open(frames.get(3000)), 'replay', 'CTR 3000 again');

  // A forged frame does not move the window: a high CTR that fails its tag
  // leaves lower, genuine CTRs acceptable.
  const forged = encodeHeader(9, 1000000);
  await rejectsWith(open(concat(forged, new Uint8Array(40))), 'auth_failed', 'forged');
  const f = await tx.encrypt(9, 3100, null, new Uint8Array([1]));
  await open(f);

  // Two decryptions of one frame at the same time: exactly one wins.
  const g = await tx.encrypt(9, 3200, null, new Uint8Array([1]));
  const results = await Promise.allSettled([open(g), open(g), open(g)]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.ok(results.filter((r) => r.status === 'rejected').every((r) => r.reason.code === 'replay'));

  // Each KID has its own window; past 2^53 the CTRs are bigints and all
  // works alike. (Frames made out of order need a sender of their own each:
  // a sender only goes up.)
  const frameAt = async (kid, ctr) => (await SFrameContext.create(4, base, { usage: 'encrypt' })).encrypt(kid, ctr, null, new Uint8Array([1]));
  await open(await frameAt(10, 2));
  const hi = 2n ** 53n - 2n;
  for (const d of [0n, 3n, 1n, 2n]) await open(await frameAt(11, hi + d));
  await rejectsWith(open(await frameAt(11, hi + 1n)), 'replay', 'bigint CTR again');
  await open(await frameAt(11, hi + 3n - 1023n));
  await rejectsWith(open(await frameAt(11, hi + 3n - 1024n)), 'replay', 'bigint CTR too old');

  // Without replay protection the same frame opens twice.
  const lax = await SFrameContext.create(4, base, { usage: 'decrypt', replayProtection: false });
  await decrypt(g, null, () => lax);
  await decrypt(g, null, () => lax);
});

test('only authenticated frames create replay windows', async () => {
  const base = crypto.getRandomValues(new Uint8Array(16));
  const rx = await SFrameContext.create(1, base, { usage: 'decrypt', maxKids: 4 });
  for (let kid = 100; kid < 140; kid++) {
    await rejectsWith(decrypt(concat(encodeHeader(kid, 1), new Uint8Array(30)), null, () => rx), 'auth_failed', `kid ${kid}`);
  }
  assert.equal(rx.windows.size, 0);
  assert.ok(rx.keys.size <= 4);
});

test('inputs may be ArrayBuffers or other views', async () => {
  const s = await sample(2, { replayProtection: false });  // the same frame is decrypted twice here
  const buf = s.frame.slice().buffer;
  assert.equal(hex((await decrypt(buf, s.metadata.buffer, s.lookup)).plaintext), hex(s.pt));
  const padded = new Uint8Array(s.frame.length + 8);
  padded.set(s.frame, 4);
  const view = new DataView(padded.buffer, 4, s.frame.length);
  assert.equal(hex((await decrypt(view, s.metadata, s.lookup)).plaintext), hex(s.pt));
  await rejectsWith(decrypt('frame', s.metadata, s.lookup), 'bad_argument', 'string frame');
});

// getRandomValues fills at most 64 KiB at a time.
function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
