// The call is end-to-end encrypted (docs/e2ee.md, docs/e2ee-keys.md): three
// Chromium participants, one of them on the older encoded-streams API,
// decode each other while parleyd forwards only SFrame ciphertext (checked
// from its payload samples, --media-sample-payloads); they show the same
// security code; keys change when someone leaves, and a newcomer decodes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agreedCall, enrollPeople, joinCall as openAndJoin, tileReceived as received, twoDelegations, waitUntil } from './harness.mjs';
import { parseHeader } from '../../web/js/sframe.js';
import { signDocument } from '../../web/js/identity.js';
import { fromBase64url, toBase64url } from '../../web/js/encoding.js';

let server;
const people = {};
let meeting;
let roster;  // member id → position on the signed roster
let daniel;  // a roster member enrolled with the CLI: the test can sign with his key
let danielSign;

before(async () => {
  let eastNeg, westNeg;
  ({ server, eastNeg, westNeg } = await twoDelegations(['--media-sample-payloads']));
  Object.assign(people, await enrollPeople(server, 'e2ee', [['mikhail', 'east', 'Mikhail Orlov', 'leader'],
    ['helen', 'west', 'Helen Brooks', 'leader'], ['olga', 'east', 'Olga Ivanova', 'interpreter']]));
  daniel = server.cli('west-aide');
  daniel.enroll('west', 'Daniel Moore', 'aide');
  danielSign = await cliSigner(path.join(server.configDir, 'west-aide', 'identity.key'));
  meeting = agreedCall(eastNeg, westNeg, 'Encrypted call',
    ['Mikhail Orlov:leader', 'Olga Ivanova:interpreter', 'Helen Brooks:leader', 'Daniel Moore:aide'],
    ['--interpreter', 'Olga Ivanova:ru-en']);
});

after(async () => {
  for (const p of Object.values(people)) await p.close();
  if (server) assert.equal(await server.stop(), 0);
});

// Signs like identity.js with a CLI identity key file ({seed, public_key}).
async function cliSigner(file) {
  const { seed } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const prefix = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(prefix);
  pkcs8.set(fromBase64url(seed), 16);
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  return (doc) => signDocument(key, doc);
}

async function joinCall(person, query = '', { again = false } = {}) {
  if (!again) return openAndJoin(server, meeting, person, query);
  await person.page.click('#join');  // "Join again" on the same page
  await person.page.locator('#in-call').waitFor();
}

const waitFor = (fn, what, ms) => waitUntil(fn, what, { ms });

const code = (p) => p.page.evaluate(() => {
  const el = document.getElementById('e2ee-code');
  return { code: el.textContent, epoch: el.dataset.epoch, complete: el.dataset.complete,
    state: document.getElementById('e2ee-state').dataset.state };
});
const workerStats = (p) => p.page.evaluate(() => window.parleyCall.e2ee.stats().then((m) => m.counts));
const warnings = (p) => p.page.evaluate(() => {
  const box = document.getElementById('e2ee-warnings');
  return box.hidden ? '' : `${box.textContent} [${box.dataset.codes}]`;
});

// The KID of the SFrame header behind a forwarded payload's clear part, or
// null when the payload does not open a frame (a middle VP8 packet).
function sampleKid(sample) {
  const bytes = Buffer.from(sample.head, 'hex');
  let clear;
  if (sample.format === 'opus') {
    clear = 1;  // the TOC byte
  } else if (sample.format === 'vp8') {
    // RFC 7741 §4.2 descriptor; only the packet that starts partition 0
    // carries the frame's start.
    const x = bytes[0] & 0x80, s = bytes[0] & 0x10, pid = bytes[0] & 0x07;
    if (!s || pid) return null;
    let n = 1;
    if (x) {
      const ext = bytes[1];
      n = 2;
      if (ext & 0x80) n += (bytes[n] & 0x80) ? 2 : 1;  // PictureID
      if (ext & 0x40) n += 1;                          // TL0PICIDX
      if (ext & 0x30) n += 1;                          // TID / KEYIDX
    }
    const key = (bytes[n] & 0x01) === 0;               // P bit of the VP8 frame tag
    clear = n + (key ? 10 : 3);
  } else {
    throw new Error(`unexpected format ${sample.format}`);
  }
  return Number(parseHeader(bytes.subarray(clear)).kid);
}

test('three participants, both transform APIs: everyone decodes everyone, and the server carries only SFrame', async () => {
  const trio = [people.mikhail, people.helen, people.olga];
  await joinCall(people.mikhail);
  await joinCall(people.helen, '?transform=streams');  // the createEncodedStreams path
  await joinCall(people.olga);
  for (const p of trio) {
    for (const q of trio) {
      if (p === q) continue;
      // Olga, a named interpreter, publishes no floor audio (her microphone
      // is her channel track, heard only by those who choose her channel).
      await waitFor(async () => {
        const r = await received(p, q);
        return (r.frames > 10 && (q === people.olga || r.audio > 20)) || r;
      }, `${p.name} decodes ${q.name}`);
    }
  }
  // Every page says it is encrypted and shows one and the same code.
  await waitFor(async () => {
    const codes = await Promise.all(trio.map(code));
    return (codes.every((c) => c.state === 'on' && c.complete === 'true' && c.code === codes[0].code && /^\d{3} \d{3} \d{3} \d{3}$/.test(c.code))) || codes;
  }, 'equal security codes');
  for (const p of trio) {
    const counts = await workerStats(p);
    assert.ok(counts.encrypted > 50 && counts.decrypted > 50, `${p.name} encrypts and decrypts: ${JSON.stringify(counts)}`);
    assert.equal(counts.failed, 0, `${p.name}: no frame failed to authenticate: ${await warnings(p)} ${JSON.stringify(counts)}`);
    assert.equal(await warnings(p), '', `${p.name}: no security warning`);
  }
  // The roster as the page verified it from the signed log.
  roster = new Map((await people.mikhail.page.evaluate(() => window.parleyCall.e2ee.trust.roster))
    .map((r) => [r.member, r.position]));
  // What parleyd forwarded: every frame start is an SFrame header whose
  // key id names a participant's roster position.
  const { enabled, samples } = await server.adminGet('/admin/v1/media/samples');
  assert.ok(enabled);
  const positions = new Set(trio.map((p) => roster.get(p.member)));
  let checked = 0;
  for (const s of samples) {
    const kid = sampleKid(s);
    if (kid === null) continue;
    assert.ok(positions.has(Math.floor(kid / 65536)), `KID ${kid} names a participant's roster position`);
    checked++;
  }
  assert.ok(checked > 50, `frame starts checked: ${checked} of ${samples.length} samples`);
  await people.mikhail.shot('call-e2ee.png');
});

test('a leave changes every key and the code; the leaver gets none of the new ones; a newcomer decodes', async () => {
  const { mikhail, helen, olga } = people;
  const before = await code(mikhail);
  const keysBefore = await mikhail.page.evaluate(() => window.parleyCall.e2ee.sendingKid);
  // Olga listens to what the server relays to her from now on.
  await olga.page.evaluate(() => {
    window.relayedAfterLeave = [];
    const ws = window.parleyCall.ws;
    ws.addEventListener('message', (ev) => { const m = JSON.parse(ev.data); if (m.type === 'call.e2ee') window.relayedAfterLeave.push(m); });
  });
  const olgaWs = await olga.page.evaluateHandle(() => window.parleyCall.ws);
  await olga.page.click('#leave');
  // Both who stayed at the new epoch with every key in (each page moves on
  // when its own call.participants and keys arrive, not at the same instant).
  await waitFor(async () => {
    const [m, h] = [await code(mikhail), await code(helen)];
    return (m.epoch !== before.epoch && m.complete === 'true' && m.code !== before.code &&
      h.epoch === m.epoch && h.complete === 'true') || { before, mikhail: m, helen: h };
  }, 'a new epoch and code after the leave, on both pages');
  const [cm, ch] = [await code(mikhail), await code(helen)];
  assert.equal(cm.code, ch.code, 'the two who stayed agree on the new code');
  assert.notEqual(await mikhail.page.evaluate(() => window.parleyCall.e2ee.sendingKid), keysBefore, 'a new sending key');
  const got = await olga.page.evaluate((n) => window.relayedAfterLeave.filter((m) => m.payload && m.payload.body && m.payload.body.epoch >= n).length,
    Number(cm.epoch));
  assert.equal(got, 0, 'the leaver received nothing of the new epoch');
  await olgaWs.dispose();
  // The two who stayed still decode each other under the new keys.
  const b = await received(mikhail, helen);
  await waitFor(async () => {
    const now = await received(mikhail, helen);
    return now.frames > b.frames + 20 || now;
  }, 'Mikhail decodes Helen under the new keys');
  // Olga comes back: she decodes within a few seconds.
  const t0 = Date.now();
  await joinCall(olga, '', { again: true });  // "Join again" on the same page
  await waitFor(async () => {
    const r = await received(olga, mikhail);
    return r.frames > 0 || r;
  }, 'the newcomer decodes');
  console.log(`newcomer's first decoded frame after ${Date.now() - t0} ms`);
});

// The test plays a compromised server for Helen: her WebSocket goes through
// Playwright, which passes everything on and injects messages of its own.
// Each forged key message is refused with a warning, no key changes, and
// the code shows the different view the server gave her.
test('a compromised server: forged and replayed key messages are refused and warned about; a different view changes the code', async () => {
  const { mikhail, helen } = people;
  // Helen reloads with her WebSocket routed through the test.
  let toPage = null;
  const relayed = [];  // call.e2ee messages the real server sent her
  let extraParticipant = null;  // when set, added to every call.participants she gets
  await helen.page.routeWebSocket(/\/api\/v1\/live$/, (ws) => {
    const real = ws.connectToServer();
    toPage = (msg) => ws.send(JSON.stringify(msg));
    real.onMessage((text) => {
      const msg = JSON.parse(text);
      if (msg.type === 'call.e2ee') relayed.push(msg);
      if (msg.type === 'call.participants' && extraParticipant) msg.participants.push(extraParticipant);
      ws.send(JSON.stringify(msg));
    });
    ws.onMessage((text) => real.send(text));
  });
  await helen.page.reload();  // a new WebSocket, through the route
  await helen.page.waitForFunction(() => document.getElementById('preview').srcObject);
  await helen.page.click('#join');
  await helen.page.locator('#in-call').waitFor();
  await waitFor(async () => {
    const [a, b] = [await code(mikhail), await code(helen)];
    return (a.complete === 'true' && b.complete === 'true' && a.code === b.code && a.epoch === b.epoch) || { a, b };
  }, 'Helen back in the call with the same code');
  const trust = await helen.page.evaluate(() => window.parleyCall.e2ee.trust);
  const pos = (member) => trust.roster.find((r) => r.member === member).position;
  const epoch = Number((await code(helen)).epoch);
  const keysBefore = await helen.page.evaluate(() => [...window.parleyCall.e2ee.kids.keys()]);
  const warningCount = () => helen.page.evaluate(() => Number(document.getElementById('e2ee-warnings').dataset.count || 0));
  const inject = async (from, payload) => {
    const before = await warningCount();
    toPage({ type: 'call.e2ee', meeting, from, payload });
    await waitFor(async () => (await warningCount()) > before || 'no warning yet', 'a warning for the forged message', 10000);
    return helen.page.evaluate(() => document.getElementById('e2ee-warnings').dataset.codes.split(' ').pop());
  };
  const x25519 = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
  // (a) An ephemeral for Mikhail's place, signed by a key on no roster.
  const outsider = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const ephA = { type: 'parley.e2ee.ephemeral/1', meeting, terms_hash: trust.termsHash, epoch, position: pos(mikhail.member),
    member: mikhail.member, x25519 };
  assert.equal(await inject(mikhail.member, { body: ephA, signature: await signDocument(outsider.privateKey, ephA) }), 'bad_signature',
    'an ephemeral signed by a key on no roster');
  // (b) An envelope from Mikhail to Helen, signed by another roster member.
  const real = relayed.find((m) => m.payload.body.type === 'parley.e2ee.key/1' && m.from === mikhail.member);
  assert.ok(real, 'the server relayed Mikhail\'s envelope to Helen');
  const forged = { ...real.payload.body, wrapped: toBase64url(crypto.getRandomValues(new Uint8Array(32))) };
  assert.equal(await inject(mikhail.member, { body: forged, signature: await danielSign(forged) }), 'bad_signature');
  // (c) A key signed by a roster member, for another meeting.
  const other = { ...real.payload.body, meeting: 'mtg_some_other_meeting', sender: daniel.member, sender_position: pos(daniel.member) };
  assert.equal(await inject(daniel.member, { body: other, signature: await danielSign(other) }), 'wrong_meeting');
  // (c) Mikhail's genuine envelope of an earlier epoch, replayed after the
  // epoch moved on (Olga leaves).
  await people.olga.page.click('#leave');
  await waitFor(async () => Number((await code(helen)).epoch) > epoch || 'same epoch', 'a new epoch');
  const ignoredBefore = await helen.page.evaluate(() => Number(document.getElementById('e2ee-ignored').dataset.count || 0));
  toPage(real);
  await waitFor(async () => (await helen.page.evaluate(() => Number(document.getElementById('e2ee-ignored').dataset.count || 0))) > ignoredBefore ||
    'not counted', 'the replayed envelope of an earlier epoch is refused', 10000);
  // None of it gave Helen a key.
  const keysAfter = await helen.page.evaluate(() => [...window.parleyCall.e2ee.kids.keys()]);
  for (const kid of keysAfter) assert.ok(Math.floor(kid / 65536) !== pos(daniel.member), 'no key of Daniel, who is not in the call');
  assert.ok(keysBefore.length > 0);
  // A different view: the server tells Helen alone that Daniel is in the
  // call too, and relays her an ephemeral he really signed. Her code now
  // covers him; Mikhail's does not: the codes differ.
  extraParticipant = { member: daniel.member, name: 'Daniel Moore', party: 'west', role: 'aide', key_fingerprint: '', state: 'connected', streams: [] };
  await people.olga.page.click('#join');  // a new epoch, announced with Daniel added for Helen
  await waitFor(async () => {
    const h = await code(helen);
    return (h.epoch !== undefined && Number(h.epoch) > epoch + 1) || h;
  }, 'the epoch after Olga came back');
  const e2 = Number((await code(helen)).epoch);
  const eph = { type: 'parley.e2ee.ephemeral/1', meeting, terms_hash: trust.termsHash, epoch: e2, position: pos(daniel.member),
    member: daniel.member, x25519 };
  toPage({ type: 'call.e2ee', meeting, from: daniel.member, payload: { body: eph, signature: await danielSign(eph) } });
  await waitFor(async () => {
    const [a, b] = [await code(mikhail), await code(helen)];
    return (a.epoch === b.epoch && a.complete === 'true' && b.complete === 'true' && a.code !== b.code) || { a, b };
  }, 'the codes differ when the server shows Helen a different call');
  await helen.shot('call-e2ee-warning.png');
});
