// SFrame in Chromium: web/js/sframe.js and sframe-media.js as parleyd
// serves them, run on the browser's own WebCrypto — the one users run —
// against every SFrame test vector (tests/web/sframe-vectors.mjs says which),
// once in a page and once in a dedicated module Worker, where the
// encoded-transform code will use them (no DOM there).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Person, Server } from './harness.mjs';
import { vectorsText } from '../web/sframe-vectors.mjs';

let server;
let person;

before(async () => {
  server = await new Server().start();
  person = await Person.open('sframe');
});

after(async () => {
  if (person) await person.close();
  if (server) assert.equal(await server.stop(), 0);
});

// Runs in the browser (page or worker), given the two modules and the
// vectors' text (long integers quoted). Self-contained: its source is sent
// as text. Returns { counts, failures }.
async function runVectors(S, M, text) {
  const V = JSON.parse(text);
  const failures = [];
  const counts = { header: 0, aead: 0, sframe: 0, negative: 0, media: 0 };
  const hex = (b) => Array.from(new Uint8Array(b.buffer ?? b, b.byteOffset ?? 0, b.byteLength), (x) => x.toString(16).padStart(2, '0')).join('');
  const unhex = (h) => new Uint8Array(h.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);
  const check = (cond, what) => { if (!cond) failures.push(what); };
  const refuses = async (p, codes, what) => {
    try {
      await p;
      failures.push(`${what}: accepted`);
    } catch (e) {
      check(e instanceof S.SFrameError && codes.includes(e.code), `${what}: ${e && e.code} ${e && e.message}`);
    }
    counts.negative++;
  };

  for (const h of V.header) {
    const what = `header kid ${h.kid} ctr ${h.ctr}`;
    check(hex(S.encodeHeader(BigInt(h.kid), BigInt(h.ctr))) === h.encoded, `${what}: encode`);
    const p = S.parseHeader(unhex(h.encoded));
    check(BigInt(p.kid) === BigInt(h.kid) && BigInt(p.ctr) === BigInt(h.ctr) && p.length * 2 === h.encoded.length, `${what}: parse`);
    counts.header++;
  }
  for (const v of [...V.aes_ctr_hmac, ...V.aes_256_ctr_hmac]) {
    const what = `aead suite ${v.cipher_suite}`;
    const seal = await S.Aead.import(v.cipher_suite, unhex(v.key), 'encrypt');
    check(hex(await seal.seal(unhex(v.nonce), unhex(v.aad), unhex(v.pt))) === v.ct, `${what}: seal`);
    const open = await S.Aead.import(v.cipher_suite, unhex(v.key), 'decrypt');
    check(hex(await open.open(unhex(v.nonce), unhex(v.aad), unhex(v.ct))) === v.pt, `${what}: open`);
    const bad = unhex(v.ct);
    bad[0] ^= 1;
    await refuses(open.open(unhex(v.nonce), unhex(v.aad), bad), ['auth_failed'], `${what}: tampered`);
    counts.aead++;
  }
  for (const v of [...V.sframe, ...V.sframe_aes256_ctr_hmac]) {
    const what = `sframe suite ${v.cipher_suite}`;
    const { key, salt } = await S.deriveKeyAndSalt(v.cipher_suite, unhex(v.base_key), v.kid);
    check(hex(key) === v.sframe_key && hex(salt) === v.sframe_salt, `${what}: key and salt`);
    check(hex(S.formNonce(salt, v.ctr)) === v.nonce, `${what}: nonce`);
    // The base_key as users will hold it: a non-extractable HKDF key.
    const base = await crypto.subtle.importKey('raw', unhex(v.base_key), 'HKDF', false, ['deriveBits']);
    const tx = await S.SFrameContext.create(v.cipher_suite, base, { usage: 'encrypt' });
    const frame = await tx.encrypt(v.kid, v.ctr, unhex(v.metadata), unhex(v.pt));
    check(hex(frame) === v.ct, `${what}: encrypt`);
    const rx = await S.SFrameContext.create(v.cipher_suite, base, { usage: 'decrypt' });
    const lookup = (kid) => (kid === v.kid ? rx : undefined);
    const out = await S.decrypt(unhex(v.ct), unhex(v.metadata), lookup);
    check(out.kid === v.kid && out.ctr === v.ctr && hex(out.plaintext) === v.pt, `${what}: decrypt`);
    await refuses(S.decrypt(unhex(v.ct), unhex(v.metadata), lookup), ['replay'], `${what}: the same frame again`);
    // A receiver that has not seen the frame yet, for the refusals of bad frames.
    const fresh = await S.SFrameContext.create(v.cipher_suite, base, { usage: 'decrypt' });
    const lookup2 = (kid) => (kid === v.kid ? fresh : undefined);
    const bad = unhex(v.ct);
    bad[bad.length - 1] ^= 0x40;
    await refuses(S.decrypt(bad, unhex(v.metadata), lookup2), ['auth_failed'], `${what}: tampered`);
    await refuses(S.decrypt(unhex(v.ct), unhex(v.metadata), () => undefined), ['unknown_kid'], `${what}: unknown KID`);
    await refuses(S.decrypt(unhex(v.ct).subarray(0, 3), unhex(v.metadata), lookup2), ['bad_header'], `${what}: cut in the header`);
    await refuses(S.decrypt(unhex(v.ct).subarray(0, 10), unhex(v.metadata), lookup2), ['auth_failed'], `${what}: cut short`);
    counts.sframe++;
  }
  // Every suite round-trips here too, with a large KID and CTR.
  for (const suite of S.CIPHER_SUITES.keys()) {
    const base = crypto.getRandomValues(new Uint8Array(16));
    const tx = await S.SFrameContext.create(suite, base, { usage: 'encrypt' });
    const rx = await S.SFrameContext.create(suite, base, { usage: 'decrypt' });
    const pt = crypto.getRandomValues(new Uint8Array(1000));
    const f = await tx.encrypt(2n ** 64n - 1n, 2n ** 60n, new Uint8Array([1, 2]), pt);
    const out = await S.decrypt(f, new Uint8Array([1, 2]), () => rx);
    check(out.kid === 2n ** 64n - 1n && out.ctr === 2n ** 60n && hex(out.plaintext) === hex(pt), `round trip suite ${suite}`);
  }
  // sframe-media.js: a VP8 keyframe, a delta frame and an Opus frame.
  {
    const base = crypto.getRandomValues(new Uint8Array(16));
    const tx = await S.SFrameContext.create(1, base, { usage: 'encrypt' });
    const rx = await S.SFrameContext.create(1, base, { usage: 'decrypt' });
    const frames = [
      { data: new Uint8Array([0x50, 0x2d, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 9, 9, 9]).buffer, type: 'key', codec: 'vp8' },
      { data: new Uint8Array([0x31, 0x04, 0x00, 7, 7, 7, 7]).buffer, type: 'delta', codec: 'vp8' },
      { data: new Uint8Array([0xf8, 5, 5, 5]).buffer, getMetadata: () => ({ mimeType: 'audio/opus' }) },
    ];
    for (const [i, frame] of frames.entries()) {
      const n = M.clearPrefixLength(frame);
      const enc = await M.encryptFrame(tx, 3, frame);
      check(hex(new Uint8Array(enc, 0, n)) === hex(new Uint8Array(frame.data, 0, n)), `media ${i}: prefix in clear`);
      const dec = await M.decryptFrame({ ...frame, data: enc }, () => rx);
      check(hex(dec.data) === hex(frame.data), `media ${i}: round trip`);
      counts.media++;
    }
  }
  return { counts, failures, worker: typeof document === 'undefined' };
}

function expected() {
  const V = JSON.parse(vectorsText());
  return {
    header: V.header.length,
    aead: V.aes_ctr_hmac.length + V.aes_256_ctr_hmac.length,
    sframe: V.sframe.length + V.sframe_aes256_ctr_hmac.length,
  };
}

test('every RFC 9605 vector passes on Chromium\'s WebCrypto, in a page', async () => {
  const { page } = person;
  await page.goto(`${server.url}/`);
  // An expression, not a function: the source of runVectors goes as text.
  const result = await page.evaluate(`(async () => {
    const S = await import('/js/sframe.js');
    const M = await import('/js/sframe-media.js');
    return (${runVectors.toString()})(S, M, ${JSON.stringify(vectorsText())});
  })()`);
  assert.deepEqual(result.failures, []);
  const want = expected();
  assert.equal(result.counts.header, want.header);
  assert.equal(result.counts.aead, want.aead);
  assert.equal(result.counts.sframe, want.sframe);
  assert.equal(result.counts.media, 3);
  assert.ok(result.counts.negative >= want.aead + 5 * want.sframe);
  assert.equal(result.worker, false);
  assert.deepEqual(person.errors, []);
});

test('the same in a dedicated module Worker', async () => {
  const { page } = person;
  // The worker's script exists only in this test: served by the browser's
  // request interception at an address of parleyd's origin (the page's CSP
  // allows same-origin workers only). The modules it imports come from parleyd.
  const workerPath = '/test-only/sframe-vectors-worker.js';
  await page.route(`${server.url}${workerPath}`, (route) => route.fulfill({
    status: 200,
    contentType: 'text/javascript',
    body: `import * as S from '/js/sframe.js';
import * as M from '/js/sframe-media.js';
const runVectors = ${runVectors.toString()};
self.onmessage = async (e) => {
  try {
    self.postMessage(await runVectors(S, M, e.data));
  } catch (err) {
    self.postMessage({ error: String(err && err.stack || err) });
  }
};
self.postMessage('ready');`,
  }));
  await page.goto(`${server.url}/`);
  const result = await page.evaluate(async ([path, text]) => new Promise((resolve, reject) => {
    const worker = new Worker(path, { type: 'module' });
    worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
    worker.onmessage = (e) => {
      if (e.data === 'ready') worker.postMessage(text);
      else resolve(e.data);
    };
  }), [workerPath, vectorsText()]);
  assert.equal(result.error, undefined);
  assert.deepEqual(result.failures, []);
  const want = expected();
  assert.equal(result.counts.header, want.header);
  assert.equal(result.counts.sframe, want.sframe);
  assert.equal(result.counts.aead, want.aead);
  assert.equal(result.counts.media, 3);
  assert.equal(result.worker, true);
  assert.deepEqual(person.errors, []);
});
