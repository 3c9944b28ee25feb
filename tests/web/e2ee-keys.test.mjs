// The key exchange of a call (web/js/e2ee-keys.js, docs/e2ee-keys.md) under
// Node's WebCrypto. The trust comes from real exports: parleyd and the parley
// CLI run as processes, two delegations agree a meeting whose roster has five
// members, and each participant signs with the very identity key the CLI
// enrolled (its key file imported into WebCrypto). A small stand-in for the
// server relays call.e2ee payloads and announces epochs; it can also be made
// to misbehave: leak everything to everyone, or show one participant a
// different call. A last test runs a call with random delays on every link
// (seeded; a failure names its seed, replay with PARLEY_E2EE_SEED=<n>).
//
// Run: node --test tests/web/e2ee-keys.test.mjs   (PARLEY_BUILD: the build
// folder holding src/app/parleyd and src/app/parley; default build/release)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodeCrypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
  trustFromExport, KeyManager, kidFor, wrapInfo, wrapKey, generateEphemeral, securityCode,
  EPHEMERAL_TYPE, ENVELOPE_TYPE, SUITE, RETAIN_MS,
} from '../../web/js/e2ee-keys.js';
import { signDocument, verifyDocument } from '../../web/js/identity.js';
import { toBase64url, fromBase64url } from '../../web/js/encoding.js';
import { Server, Person, admin, inDays, FakeClock } from './harness.mjs';

const server = new Server();
let irina, mikhail, olga, james, helen;    // roster positions 0..4
let trust, trust2;                         // two agreed meetings with the same roster
let agreedText, verdict, halfSignedText, withdrawnText;

function opening() {
  return irina.json('create', '--with', 'west', '--title', 'Video talks on regional security',
    '--start', inDays(8), '--duration', '120',
    '--roster', 'Irina Sokolova:negotiator', '--roster', 'Mikhail Orlov:leader',
    '--roster', 'Olga Ivanova:interpreter', '--roster', 'James Carter:negotiator',
    '--roster', 'Helen Brooks:leader',
    '--language', 'ru,en', '--interpreter', 'Olga Ivanova:ru-en',
    '--agenda', 'Security guarantees', '--agenda', 'Arms control',
    '--announce-text', 'The leaders will hold talks by video.', '--announce-at', 'on_agreement',
    '--set', 'format="video"', '--predecessor', 'none').id;
}

function exportOf(mid, name, by = irina) {
  const file = path.join(server.tmp, `${name}.json`);
  by.run('export', mid, '-o', file);
  return file;
}

before(async () => {
  await server.start();
  admin(server, 'create-party', '--id', 'east', '--name', 'Eastern Delegation', '--time-zone', 'Europe/Moscow');
  admin(server, 'create-party', '--id', 'west', '--name', 'Western Delegation', '--time-zone', 'America/New_York');
  const cfg = path.join(server.tmp, 'profiles');
  const person = async (party, profile, name, ...roles) => {
    const p = new Person(server, cfg, profile).enroll(party, name, ...roles);
    p.sign = await p.signer();
    return p;
  };
  irina = await person('east', 'east-neg', 'Irina Sokolova', 'negotiator');
  mikhail = await person('east', 'east-lead', 'Mikhail Orlov', 'leader');
  olga = await person('east', 'east-int', 'Olga Ivanova', 'interpreter');
  james = await person('west', 'west-neg', 'James Carter', 'negotiator');
  helen = await person('west', 'west-lead', 'Helen Brooks', 'leader');

  // Agreed after a counter-proposal; both sign.
  const mid = opening();
  james.run('propose', mid, '--duration', '90');
  irina.run('accept', mid, 'duration_minutes');
  james.run('accept', mid, '--all');
  irina.run('sign', mid);
  james.run('sign', mid);
  // Fetched by a leader, as the call page of a participant fetches it.
  const agreedPath = exportOf(mid, 'agreed', mikhail);
  agreedText = readFileSync(agreedPath, 'utf8');
  verdict = irina.json('verify', agreedPath);
  trust = await trustFromExport(agreedText);

  // A second agreed meeting of the same people: its keys must not serve the first.
  const mid2 = opening();
  james.run('accept', mid2, '--all');
  irina.run('sign', mid2);
  james.run('sign', mid2);
  trust2 = await trustFromExport(readFileSync(exportOf(mid2, 'second'), 'utf8'));

  // Signed by one party only; withdrawn.
  const mid3 = opening();
  james.run('accept', mid3, '--all');
  irina.run('sign', mid3);
  halfSignedText = readFileSync(exportOf(mid3, 'half-signed'), 'utf8');
  const mid4 = opening();
  irina.run('withdraw', mid4, '--reason', 'Not the right moment');
  withdrawnText = readFileSync(exportOf(mid4, 'withdrawn'), 'utf8');
});

after(async () => {
  await server.stop();
});

const pos = (person) => trust.roster.find((e) => e.member === person.id).position;


// One participant's page: a KeyManager and what its callbacks reported.
class Client {
  constructor(call, person, clock) {
    this.person = person;
    this.keys = new Map();      // kid → { key, sender, position, epoch, name }
    this.sending = new Map();   // epoch → { kid, key }
    this.warnings = [];
    this.codes = [];
    this.retired = [];
    this.km = new KeyManager({
      trust: call.trust, me: person.id, sign: person.sign,
      send: (payload, to) => call.send(person.id, payload, to),
      onKey: (kid, key, sender, info) => this.keys.set(kid, { key, sender, ...info }),
      onSendingKey: (kid, key, epoch) => this.sending.set(epoch, { kid, key }),
      onKeyRetired: (kid, sender) => {
        this.retired.push({ kid, sender });
        this.keys.delete(kid);
      },
      onWarning: (text, detail) => this.warnings.push({ text, ...detail }),
      onCode: (code, epoch, detail) => this.codes.push({ code, epoch, ...detail }),
      setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout,
    });
  }

  code(epoch) {
    return this.codes.filter((c) => c.epoch === epoch).at(-1);
  }

  keysOfEpoch(epoch) {
    return [...this.keys.values()].filter((k) => k.epoch === epoch);
  }
}

// A stand-in for parleyd: call.participants with a rising epoch on every join
// and leave, and the call.e2ee relay (to one member if in the call, else to
// every other participant). `leaky` delivers everything to every client, in
// the call or not; `filter(from, to, payload)` can withhold a delivery.
class Call {
  constructor(trustOf) {
    this.trust = trustOf;
    this.clock = new FakeClock();
    this.clients = new Map();
    this.inCall = [];
    this.epoch = 0;
    this.log = [];
    this.pending = new Set();
    this.leaky = false;
    this.filter = null;
  }

  client(person) {
    const c = new Client(this, person, this.clock);
    this.clients.set(person.id, c);
    return c;
  }

  send(from, payload, to) {
    this.log.push({ from, to: to ?? null, payload: structuredClone(payload) });
    let targets;
    if (this.leaky) targets = [...this.clients.keys()].filter((m) => m !== from);
    else if (to !== undefined) targets = this.inCall.includes(to) ? [to] : [];
    else targets = this.inCall.filter((m) => m !== from);
    for (const m of targets) {
      if (!this.clients.has(m) || (this.filter && !this.filter(from, m, payload))) continue;
      this.track(this.clients.get(m).km.receive(from, structuredClone(payload)));
    }
  }

  track(p) {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }

  async settle() {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  participants() {
    return this.inCall.map((m) => ({ member: m, name: this.clients.get(m).person.name, state: 'connected' }));
  }

  async announce(views = {}) {
    this.epoch += 1;
    for (const m of this.inCall)
      this.track(this.clients.get(m).km.setEpoch(this.epoch, views[m] ?? this.participants()));
    await this.settle();
  }

  async join(client) {
    this.inCall.push(client.person.id);
    await this.announce();
  }

  async leave(client) {
    this.inCall = this.inCall.filter((m) => m !== client.person.id);
    await this.announce();
  }

  envelopes(filter = {}) {
    return this.log.filter((e) => e.payload.body.type === ENVELOPE_TYPE &&
      Object.entries(filter).every(([k, v]) => e.payload.body[k] === v));
  }

  ephemeral(person, epoch) {
    return this.log.find((e) => e.payload.body.type === EPHEMERAL_TYPE && e.from === person.id &&
      e.payload.body.epoch === epoch).payload;
  }
}

async function threeInCall(trustOf = trust) {
  const call = new Call(trustOf);
  const [m, o, h] = [mikhail, olga, helen].map((p) => call.client(p));
  for (const c of [m, o, h]) await call.join(c);   // epochs 1, 2, 3
  return { call, m, o, h };
}

// ---------------------------------------------------------------- trust

test('trustFromExport takes the roster both parties signed, in its signed order', async () => {
  assert.equal(verdict.verified, true);
  assert.equal(trust.meeting, verdict.meeting);
  assert.equal(trust.termsHash, verdict.terms_hash);
  assert.deepEqual(trust.roster.map((e) => [e.position, e.member, e.key, e.party, e.role, e.name]), [
    [0, irina.id, irina.key, 'east', 'negotiator', 'Irina Sokolova'],
    [1, mikhail.id, mikhail.key, 'east', 'leader', 'Mikhail Orlov'],
    [2, olga.id, olga.key, 'east', 'interpreter', 'Olga Ivanova'],
    [3, james.id, james.key, 'west', 'negotiator', 'James Carter'],
    [4, helen.id, helen.key, 'west', 'leader', 'Helen Brooks'],
  ]);
  assert.ok(Object.isFrozen(trust) && Object.isFrozen(trust.roster) && Object.isFrozen(trust.roster[0]));
  assert.notEqual(trust2.meeting, trust.meeting);
  assert.notEqual(trust2.termsHash, trust.termsHash);
  assert.deepEqual(trust2.roster.map((e) => e.key), trust.roster.map((e) => e.key));

  // The meeting the call page expects, or nothing.
  assert.equal((await trustFromExport(agreedText, { meeting: trust.meeting })).termsHash, trust.termsHash);
  await assert.rejects(trustFromExport(agreedText, { meeting: trust2.meeting }), /is of meeting .*, not of /);
});

test('trustFromExport refuses a log that does not verify, or terms not signed by both', async () => {
  await assert.rejects(trustFromExport(halfSignedText), /Western Delegation has not signed the current terms/);
  await assert.rejects(trustFromExport(withdrawnText), /withdrawn by Irina Sokolova/);
  const doc = JSON.parse(agreedText);
  const roster = doc.acts[0].act.body.proposals.roster;
  roster[1].key = irina.key;   // the server swaps a key on the roster
  await assert.rejects(trustFromExport(JSON.stringify(doc)), /does not verify: act 1: .*\[bad_signature\]/);
  await assert.rejects(trustFromExport('{"type":"parley.export/1"}'), /does not verify: not a valid export/);
  // The last signature removed: one party no longer signed.
  const unsigned = JSON.parse(agreedText);
  unsigned.acts.pop();
  await assert.rejects(trustFromExport(JSON.stringify(unsigned)), /Western Delegation has not signed/);
});

test('the security code is the hash of the epoch\'s ephemerals by position', async () => {
  const a = { position: 1, x25519: toBase64url(new Uint8Array(32).fill(1)) };
  const b = { position: 4, x25519: toBase64url(new Uint8Array(32).fill(2)) };
  const code = await securityCode(trust.termsHash, 3, [a, b]);
  assert.match(code, /^\d{3} \d{3} \d{3} \d{3}$/);
  assert.equal(await securityCode(trust.termsHash, 3, [b, a]), code);
  assert.notEqual(await securityCode(trust.termsHash, 4, [a, b]), code);
  assert.notEqual(await securityCode(trust2.termsHash, 3, [a, b]), code);
  assert.notEqual(await securityCode(trust.termsHash, 3, [a]), code);
  // Spelled out: SHA-256 of the canonical JSON, first 40 bits mod 10^12.
  const canonical = `{"ephemerals":[{"position":1,"x25519":"${a.x25519}"},{"position":4,"x25519":"${b.x25519}"}],` +
    `"epoch":3,"terms_hash":"${trust.termsHash}","type":"parley.e2ee.code/1"}`;
  const h = nodeCrypto.createHash('sha256').update(canonical).digest();
  const digits = String(h.readUIntBE(0, 5) % 1e12).padStart(12, '0');
  assert.equal(code, digits.replace(/(\d{3})(?=\d)/g, '$1 '));
});

// ---------------------------------------------------------------- honest calls

test('three participants each get the others\' sending keys, with the right KIDs and equal codes', async () => {
  const { call, m, o, h } = await threeInCall();
  const all = [m, o, h];
  for (const c of all) assert.deepEqual(c.warnings, [], `${c.person.name}: ${JSON.stringify(c.warnings)}`);
  for (const receiver of all) {
    for (const sender of all) {
      if (sender === receiver) continue;
      const kid = kidFor(pos(sender.person), 3);
      assert.equal(sender.sending.get(3).kid, kid);
      const got = receiver.keys.get(kid);
      assert.ok(got, `${receiver.person.name} has no key from ${sender.person.name}`);
      assert.deepEqual(got.key, sender.sending.get(3).key);
      assert.equal(got.key.length, 16);
      assert.deepEqual([got.sender, got.position, got.epoch, got.name],
        [sender.person.id, pos(sender.person), 3, sender.person.name]);
    }
    assert.equal(receiver.keysOfEpoch(3).length, 2);
  }
  assert.equal(kidFor(pos(helen), 3), 4 * 65536 + 3);
  // Every epoch makes new sending keys; no two senders share one.
  const sent = all.flatMap((c) => [...c.sending.values()].map((s) => toBase64url(s.key)));
  assert.equal(new Set(sent).size, sent.length);

  // One code at epoch 3, the same for all, over all three ephemerals.
  const codes = all.map((c) => c.code(3));
  assert.match(codes[0].code, /^\d{3} \d{3} \d{3} \d{3}$/);
  assert.ok(codes.every((c) => c.code === codes[0].code));
  assert.deepEqual(codes[0].ephemerals.map((e) => e.position), [1, 2, 4]);
  assert.deepEqual(codes[0].missing, []);
  assert.notEqual(m.code(2).code, codes[0].code);

  // On the wire: exactly the fields of the spec, signed by the roster keys.
  const env = call.envelopes({ sender: mikhail.id, recipient: helen.id, epoch: 3 });
  assert.equal(env.length, 1);
  assert.equal(env[0].to, helen.id);
  const body = env[0].payload.body;
  assert.deepEqual(Object.keys(body).sort(), ['epoch', 'iv', 'kid', 'meeting', 'recipient', 'recipient_position',
    'sender', 'sender_position', 'sender_x25519', 'suite', 'terms_hash', 'type', 'wrapped']);
  assert.deepEqual([body.meeting, body.terms_hash, body.sender_position, body.recipient_position, body.kid, body.suite],
    [trust.meeting, trust.termsHash, 1, 4, kidFor(1, 3), SUITE]);
  assert.equal(fromBase64url(body.iv).length, 12);
  assert.equal(fromBase64url(body.wrapped).length, 32);
  assert.equal(await verifyDocument(mikhail.key, body, env[0].payload.signature), true);
  const eph = call.ephemeral(mikhail, 3);
  assert.equal(body.sender_x25519, eph.body.x25519);
  assert.deepEqual(Object.keys(eph.body).sort(), ['epoch', 'meeting', 'member', 'position', 'terms_hash', 'type', 'x25519']);
  assert.equal(await verifyDocument(mikhail.key, eph.body, eph.signature), true);
  // Ephemerals go to everyone; each envelope to its recipient only, once.
  assert.ok(call.log.filter((e) => e.payload.body.type === EPHEMERAL_TYPE).every((e) => e.to === null));
  for (const s of all) for (const r of all) {
    if (s !== r) assert.equal(call.envelopes({ sender: s.person.id, recipient: r.person.id, epoch: 3 }).length, 1);
  }

  // Keys of epoch 2 (Mikhail and Olga) stay 5 seconds after epoch 3 began, then are erased.
  const old = kidFor(pos(olga), 2);
  assert.ok(m.keys.has(old));
  call.clock.advance(RETAIN_MS - 1);
  assert.ok(m.keys.has(old));
  call.clock.advance(1);
  assert.ok(!m.keys.has(old));
  assert.deepEqual(m.retired.filter((r) => r.kid === old), [{ kid: old, sender: olga.id }]);
  assert.equal(m.keysOfEpoch(3).length, 2);
  for (const c of all) assert.ok(c.keysOfEpoch(1).length === 0 && c.keysOfEpoch(2).length === 0);
  for (const c of all) await c.km.close();
});

test('the wrap is the spec\'s X25519, HKDF-SHA256 and AES-128-GCM (checked with node:crypto)', async () => {
  // Irina joins with an X25519 key made by node:crypto, so the test can unwrap
  // what Mikhail sends her without going through e2ee-keys.js.
  const call = new Call(trust);
  const m = call.client(mikhail);
  call.inCall.push(mikhail.id);
  await call.announce();
  const pair = nodeCrypto.generateKeyPairSync('x25519');
  const pub = pair.publicKey.export({ format: 'jwk' }).x;
  const body = { type: EPHEMERAL_TYPE, meeting: trust.meeting, terms_hash: trust.termsHash, epoch: 2,
    position: pos(irina), member: irina.id, x25519: pub };
  call.inCall.push(irina.id);
  m.km.setEpoch(2, [mikhail.id, irina.id]);
  assert.deepEqual(await m.km.receive(irina.id, { body, signature: await irina.sign(body) }), { accepted: true });
  await call.settle();
  const env = call.envelopes({ recipient: irina.id, epoch: 2 });
  assert.equal(env.length, 1);
  const e = env[0].payload.body;

  const senderPub = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: e.sender_x25519 }, format: 'jwk' });
  const shared = nodeCrypto.diffieHellman({ privateKey: pair.privateKey, publicKey: senderPub });
  const info = Buffer.concat([Buffer.from('parley e2ee key wrap/1\0' + trust.meeting + '\0'),
    Buffer.from([0, 1, 0, 0, 0, 0, 0, 2])]);   // u16 1, u16 0, u32 2
  assert.deepEqual(Buffer.from(wrapInfo(trust.meeting, 1, 0, 2)), info);
  const kek = Buffer.from(nodeCrypto.hkdfSync('sha256', shared, Buffer.from(trust.termsHash, 'hex'), info, 16));
  const wrapped = Buffer.from(fromBase64url(e.wrapped));
  const d = nodeCrypto.createDecipheriv('aes-128-gcm', kek, Buffer.from(fromBase64url(e.iv)));
  d.setAAD(info);
  d.setAuthTag(wrapped.subarray(16));
  const key = Buffer.concat([d.update(wrapped.subarray(0, 16)), d.final()]);
  assert.deepEqual(new Uint8Array(key), m.sending.get(2).key);
  await m.km.close();
});

test('an ephemeral of the next epoch is held until the server announces it', async () => {
  const call = new Call(trust);
  const [m, o, h] = [mikhail, olga, helen].map((p) => call.client(p));
  await call.join(m);
  await call.join(o);
  // Helen joins; Olga and Helen hear of epoch 3 before Mikhail does.
  call.inCall.push(helen.id);
  call.epoch = 3;
  await Promise.all([o, h].map((c) => call.track(c.km.setEpoch(3, call.participants()))));
  await call.settle();
  assert.equal(m.keysOfEpoch(3).length, 0);
  assert.deepEqual(m.warnings, []);
  const before = call.log.length;
  await m.km.setEpoch(3, call.participants());
  // Mikhail's own rotation already wraps for both: their ephemerals were held.
  const sentInRotation = call.log.slice(before).filter((e) => e.payload.body.type === ENVELOPE_TYPE &&
    e.from === mikhail.id);
  assert.deepEqual(sentInRotation.map((e) => e.to).sort(), [olga.id, helen.id].sort());
  await call.settle();
  for (const c of [m, o, h]) {
    assert.deepEqual(c.warnings, []);
    assert.equal(c.keysOfEpoch(3).length, 2);
  }
  assert.equal(m.code(3).code, h.code(3).code);
});

test('a leaver gets no key of the epochs after it left, and the others\' keys change', async () => {
  const { call, m, o, h } = await threeInCall();
  // A server that leaks every message to every client, the leaver included;
  // and a leaver that goes on as if it were still in the call.
  call.leaky = true;
  await call.leave(h);
  await call.track(h.km.setEpoch(4, [mikhail.id, olga.id, helen.id]));
  await call.settle();

  assert.equal(call.envelopes({ recipient: helen.id, epoch: 4 }).length, 0);
  assert.ok(call.log.filter((e) => e.to === helen.id).every((e) => e.payload.body.epoch < 4));
  assert.equal(h.keysOfEpoch(4).length, 0);
  assert.ok(h.warnings.length > 0);
  assert.ok(h.warnings.every((w) => w.code === 'not_for_me'), JSON.stringify(h.warnings));

  for (const [c, other] of [[m, o], [o, m]]) {
    const k4 = c.keys.get(kidFor(pos(other.person), 4));
    assert.deepEqual(k4.key, other.sending.get(4).key);
    assert.notDeepEqual(other.sending.get(4).key, other.sending.get(3).key);
    // What the leaky server showed them of others' envelopes is refused too.
    assert.ok(c.warnings.every((w) => w.code === 'not_for_me'), JSON.stringify(c.warnings));
  }
  // The code covers the participants the server announced, not the leaver's ephemeral.
  assert.equal(m.code(4).code, o.code(4).code);
  assert.deepEqual(m.code(4).ephemerals.map((e) => e.member), [mikhail.id, olga.id]);
  assert.notEqual(m.code(4).code, m.code(3).code);
  for (const c of [m, o, h]) await c.km.close();
});

// ---------------------------------------------------------------- refusals

async function envelopeBody({ from, to, epoch, meeting = trust.meeting, termsHash = trust.termsHash, recipientEph }) {
  const mine = await generateEphemeral();
  const info = wrapInfo(meeting, pos(from), pos(to), epoch);
  const { iv, wrapped } = await wrapKey({ privateKey: mine.privateKey, peerPublic: recipientEph, termsHash, info,
    key: crypto.getRandomValues(new Uint8Array(16)) });
  return { type: ENVELOPE_TYPE, meeting, terms_hash: termsHash, epoch, sender: from.id, sender_position: pos(from),
    recipient: to.id, recipient_position: pos(to), sender_x25519: mine.publicKey, kid: kidFor(pos(from), epoch),
    suite: SUITE, iv, wrapped };
}

test('injected, replayed and misaddressed keys are refused with a warning naming the claimed sender', async () => {
  const { call, m, o, h } = await threeInCall();
  const keysBefore = new Map([...o.keys].map(([kid, k]) => [kid, toBase64url(k.key)]));
  const olgaEph = call.ephemeral(olga, 3).body.x25519;
  const cases = [];
  const expectRefused = async (label, from, payload, code, claimedName) => {
    const warnings = o.warnings.length;
    const r = await o.km.receive(from, payload);
    assert.equal(r.accepted, false, label);
    assert.equal(r.code, code, `${label}: ${r.reason}`);
    assert.equal(o.warnings.length, warnings + 1, label);
    const w = o.warnings.at(-1);
    assert.equal(w.code, code, label);
    if (claimedName) assert.match(w.text, new RegExp(`claimed to come from ${claimedName}:`), label);
    cases.push(label);
  };

  // (a) An ephemeral signed by a key that is not on the roster.
  const stranger = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const fakeEph = (await generateEphemeral()).publicKey;
  for (const [who, epoch] of [[mikhail, 3], [irina, 3], [james, 4]]) {
    const body = { type: EPHEMERAL_TYPE, meeting: trust.meeting, terms_hash: trust.termsHash, epoch, position: pos(who),
      member: who.id, x25519: fakeEph };
    await expectRefused(`(a) ephemeral of ${who.name} by a stranger`, who.id,
      { body, signature: await signDocument(stranger.privateKey, body) }, 'bad_signature', who.name);
  }
  const offRoster = { type: EPHEMERAL_TYPE, meeting: trust.meeting, terms_hash: trust.termsHash, epoch: 3, position: 5,
    member: 'mem_not_on_the_roster', x25519: fakeEph };
  await expectRefused('(a) ephemeral of a member not on the roster', 'mem_not_on_the_roster',
    { body: offRoster, signature: await signDocument(stranger.privateKey, offRoster) }, 'not_on_roster',
    'mem_not_on_the_roster');

  // A roster member's own ephemeral that no key can be agreed with (a
  // low-order point): refused, so that it cannot break anyone's rotation.
  for (const u of [0, 1]) {
    const point = new Uint8Array(32);
    point[0] = u;
    const body = { type: EPHEMERAL_TYPE, meeting: trust.meeting, terms_hash: trust.termsHash, epoch: 4,
      position: pos(mikhail), member: mikhail.id, x25519: toBase64url(point) };
    await expectRefused(`low-order X25519 point ${u}`, mikhail.id, { body, signature: await mikhail.sign(body) },
      'bad_ephemeral', 'Mikhail Orlov');
  }

  // (b) An envelope claiming to be Mikhail's, signed by Helen (a roster member too).
  const forged = await envelopeBody({ from: mikhail, to: olga, epoch: 3, recipientEph: olgaEph });
  await expectRefused('(b) envelope signed by another member', mikhail.id,
    { body: forged, signature: await helen.sign(forged) }, 'bad_signature', 'Mikhail Orlov');
  await expectRefused('(b) ... relayed as Helen\'s', helen.id,
    { body: forged, signature: await helen.sign(forged) }, 'bad_signature', 'Mikhail Orlov');

  // (c) Mikhail's genuine envelope of epoch 2, replayed in epoch 3.
  const replay = call.envelopes({ sender: mikhail.id, recipient: olga.id, epoch: 2 })[0].payload;
  await expectRefused('(c) replay from an earlier epoch', mikhail.id, replay, 'stale_epoch', 'Mikhail Orlov');

  // (d) Genuine messages of the same people in another meeting, at the same epoch.
  const other = await threeInCall(trust2);
  const otherEnv = other.call.envelopes({ sender: mikhail.id, recipient: olga.id, epoch: 3 })[0].payload;
  await expectRefused('(d) envelope of another meeting', mikhail.id, otherEnv, 'wrong_meeting', 'Mikhail Orlov');
  await expectRefused('(d) ephemeral of another meeting', mikhail.id, other.call.ephemeral(mikhail, 3), 'wrong_meeting',
    'Mikhail Orlov');
  const otherTerms = await envelopeBody({ from: mikhail, to: olga, epoch: 3, termsHash: trust2.termsHash,
    recipientEph: olgaEph });
  await expectRefused('(d) envelope bound to other terms', mikhail.id,
    { body: otherTerms, signature: await mikhail.sign(otherTerms) }, 'wrong_terms', 'Mikhail Orlov');

  // (e) Mikhail himself signs an envelope under an ephemeral he did not publish.
  const swapped = await envelopeBody({ from: mikhail, to: olga, epoch: 3, recipientEph: olgaEph });
  await expectRefused('(e) sender_x25519 not the verified ephemeral', mikhail.id,
    { body: swapped, signature: await mikhail.sign(swapped) }, 'ephemeral_mismatch', 'Mikhail Orlov');

  // (f) Mikhail's genuine envelope for Helen, given to Olga.
  const forHelen = call.envelopes({ sender: mikhail.id, recipient: helen.id, epoch: 3 })[0].payload;
  await expectRefused('(f) envelope addressed to someone else', mikhail.id, forHelen, 'not_for_me', 'Mikhail Orlov');

  // A genuine envelope for Olga, but relayed as coming from another member.
  const genuine = call.envelopes({ sender: mikhail.id, recipient: olga.id, epoch: 3 })[0].payload;
  await expectRefused('relayed under another sender', helen.id, genuine, 'wrong_sender', 'Mikhail Orlov');
  // The same envelope again from Mikhail: a harmless duplicate, ignored without a warning.
  const warnings = o.warnings.length;
  assert.deepEqual(await o.km.receive(mikhail.id, genuine), { accepted: false, code: 'duplicate' });
  assert.equal(o.warnings.length, warnings);

  // A wrong KID, an unknown suite, a tampered wrap: each signed by the real sender.
  const bad = async (label, change, code) => {
    const body = { ...genuine.body, ...change };
    await expectRefused(label, mikhail.id, { body, signature: await mikhail.sign(body) }, code, 'Mikhail Orlov');
  };
  await bad('KID of another position', { kid: kidFor(2, 3) }, 'wrong_kid');
  await bad('unknown suite', { suite: 1 }, 'unsupported_suite');
  const other3 = fromBase64url(genuine.body.wrapped);
  other3[0] ^= 1;
  await bad('a second key from the same sender in one epoch', { wrapped: toBase64url(other3) }, 'second_key');

  // Whatever arrives, receive() resolves and never throws.
  let deep = {};
  for (let i = 0; i < 5000; i++) deep = { a: deep };
  const junk = [null, 42, 'text', [], {}, { body: null, signature: 'x' }, { body: { type: 'x' }, signature: 'x' },
    { body: { type: EPHEMERAL_TYPE }, signature: 'x' }, { body: deep, signature: 'x' },
    { body: { ...call.ephemeral(mikhail, 3).body, epoch: 3.5 }, signature: 'x' },
    { body: { ...call.ephemeral(mikhail, 3).body, extra: 1 }, signature: 'x' },
    { ...call.ephemeral(mikhail, 3), extra: 1 }];
  for (const j of junk) {
    const r = await o.km.receive(mikhail.id, j);
    assert.equal(r.accepted, false);
    assert.equal(r.code, 'invalid_message', JSON.stringify(r));
  }
  assert.equal((await o.km.receive(undefined, undefined)).accepted, false);

  // Nothing refused changed Olga's keys, and the others saw no warning.
  assert.deepEqual(new Map([...o.keys].map(([kid, k]) => [kid, toBase64url(k.key)])), keysBefore);
  assert.deepEqual(m.warnings, []);
  assert.deepEqual(h.warnings, []);
  assert.ok(cases.length >= 16);
  // After all that, the next epoch still gives Olga everyone's new keys.
  await call.announce();
  for (const s of [m, h]) assert.deepEqual(o.keys.get(kidFor(pos(s.person), 4)).key, s.sending.get(4).key);
  for (const c of [m, o, h, other.m, other.o, other.h]) await c.km.close();
});

test('a wrap altered on the way does not authenticate', async () => {
  // Epoch 4, with Helen's envelope to Olga held back by the server; Olga then
  // gets it altered. Helen signs the altered body herself: only the sender
  // could, and it must still fail.
  const { call, m, o, h } = await threeInCall();
  call.filter = (from, to, payload) => !(payload.body.type === ENVELOPE_TYPE && from === helen.id && to === olga.id);
  await call.announce();
  const held = call.envelopes({ sender: helen.id, recipient: olga.id, epoch: 4 })[0].payload;
  assert.equal(o.keys.has(kidFor(pos(helen), 4)), false);
  const w = fromBase64url(held.body.wrapped);
  w[3] ^= 0x40;
  const body = { ...held.body, wrapped: toBase64url(w) };
  const r = await o.km.receive(helen.id, { body, signature: await helen.sign(body) });
  assert.deepEqual([r.accepted, r.code], [false, 'unwrap_failed']);
  assert.equal(o.warnings.at(-1).code, 'unwrap_failed');
  assert.match(o.warnings.at(-1).text, /claimed to come from Helen Brooks:/);
  assert.equal(o.keys.has(kidFor(pos(helen), 4)), false);
  // The genuine one still works afterwards.
  assert.deepEqual(await o.km.receive(helen.id, held), { accepted: true });
  assert.deepEqual(o.keys.get(kidFor(pos(helen), 4)).key, h.sending.get(4).key);
  for (const c of [m, o, h]) await c.km.close();
});

test('epochs: the same epoch again changes nothing; one going backwards is refused', async () => {
  const { call, m, o, h } = await threeInCall();
  const logged = call.log.length;
  const key = m.sending.get(3).key;
  await m.km.setEpoch(3, call.participants());
  assert.equal(call.log.length, logged);
  assert.equal(m.sending.get(3).key, key);
  assert.deepEqual(m.warnings, []);
  await m.km.setEpoch(3, [mikhail.id, olga.id]);
  assert.equal(m.warnings.at(-1).code, 'participants_changed');
  await m.km.setEpoch(2, call.participants());
  assert.equal(m.warnings.at(-1).code, 'epoch_backwards');
  await m.km.setEpoch(4, [mikhail.id, olga.id, 'mem_not_on_the_roster']);
  assert.equal(m.warnings.at(-1).code, 'not_on_roster');
  assert.equal(m.sending.has(4), true);
  assert.equal(call.log.length, logged + 1);   // the ephemeral of epoch 4; no ephemeral of the others yet
  for (const c of [m, o, h]) await c.km.close();
  // Closed: nothing is accepted or sent any more.
  assert.deepEqual(await o.km.receive(mikhail.id, call.ephemeral(mikhail, 4)), { accepted: false, code: 'closed' });
  await m.km.setEpoch(5, call.participants());
  assert.equal(call.log.length, logged + 1);
});

test('a server that shows one participant a different call makes the codes differ', async () => {
  // Epoch 3: Mikhail and Olga are told all three are in; Helen is told only
  // Mikhail is with her, though she receives everyone's ephemerals.
  const call = new Call(trust);
  const [m, o, h] = [mikhail, olga, helen].map((p) => call.client(p));
  await call.join(m);
  await call.join(o);
  call.inCall.push(helen.id);
  await call.announce({ [helen.id]: [mikhail.id, helen.id] });
  for (const c of [m, o, h]) assert.deepEqual(c.warnings, []);
  assert.equal(m.code(3).code, o.code(3).code);
  assert.notEqual(h.code(3).code, m.code(3).code);
  assert.equal(call.envelopes({ sender: helen.id, recipient: olga.id, epoch: 3 }).length, 0);

  // Epoch 4: everyone is told all three are in, but the server keeps Olga's
  // ephemeral from Helen.
  call.filter = (from, to, payload) => !(from === olga.id && to === helen.id && payload.body.type === EPHEMERAL_TYPE);
  await call.announce();
  assert.equal(m.code(4).code, o.code(4).code);
  assert.notEqual(h.code(4).code, m.code(4).code);
  assert.deepEqual(h.code(4).missing, [olga.id]);
  assert.deepEqual(m.code(4).missing, []);
  for (const c of [m, o, h]) await c.km.close();
});

// ---------------------------------------------------------------- timing

// A server with delays: each client's messages reach the server in order
// after a random delay, and the server's messages (call.participants and
// relays) reach each client in order after another; nothing else is
// ordered. Joins and leaves follow each other before the keys of the
// previous epoch have settled.
test('under random delays and quick joins and leaves, everyone ends with everyone\'s key of the last epoch', async () => {
  const seed = Number(process.env.PARLEY_E2EE_SEED || Date.now() % 1e9);
  let state = seed || 1;
  const rand = (n) => {   // xorshift32, reproducible from the seed
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state % n;
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const pending = new Set();
  const channel = () => {
    let tail = Promise.resolve();
    return (fn) => {
      const step = tail.then(() => sleep(rand(4))).then(fn);
      tail = step;
      pending.add(step);
      const done = () => pending.delete(step);
      step.then(done, done);
    };
  };

  const clock = new FakeClock();
  const members = [mikhail, olga, helen, irina, james];
  const sim = { trust, inCall: [], epoch: 0, up: new Map(), down: new Map() };
  const clients = new Map();
  for (const p of members) {
    sim.up.set(p.id, channel());
    sim.down.set(p.id, channel());
    clients.set(p.id, new Client({
      trust,
      send: (from, payload, to) => sim.up.get(from)(() => {
        // At the server: relayed to whoever is in the call now.
        const targets = to !== undefined ? (sim.inCall.includes(to) ? [to] : []) : sim.inCall.filter((m) => m !== from);
        for (const t of targets) sim.down.get(t)(() => clients.get(t).km.receive(from, structuredClone(payload)));
      }),
    }, p, clock));
  }
  const announce = () => {
    sim.epoch += 1;
    const epoch = sim.epoch;
    const list = [...sim.inCall];
    for (const m of list) sim.down.get(m)(() => clients.get(m).km.setEpoch(epoch, list));
  };
  const join = (p) => { sim.inCall.push(p.id); announce(); };
  const leave = (p) => { sim.inCall = sim.inCall.filter((m) => m !== p.id); announce(); };

  join(mikhail);
  join(olga);
  await sleep(rand(6));
  join(helen);
  await sleep(rand(6));
  join(irina);
  await sleep(rand(6));
  leave(helen);
  await sleep(rand(6));
  join(james);
  while (pending.size) await Promise.all([...pending]);

  const last = sim.epoch;
  assert.equal(last, 6);
  const inCall = sim.inCall.map((m) => clients.get(m));
  for (const c of inCall) {
    assert.ok(c.warnings.every((w) => w.code === 'stale_epoch'), `seed ${seed}: ${JSON.stringify(c.warnings)}`);
    for (const s of inCall) {
      if (s === c) continue;
      const got = c.keys.get(kidFor(pos(s.person), last));
      assert.ok(got, `seed ${seed}: ${c.person.name} has no key of epoch ${last} from ${s.person.name}`);
      assert.deepEqual(got.key, s.sending.get(last).key);
    }
    assert.deepEqual(c.code(last).missing, []);
    assert.equal(c.code(last).code, inCall[0].code(last).code, `seed ${seed}`);
  }
  // Helen left at epoch 5: no key of hers from then on, whatever the timing.
  const h = clients.get(helen.id);
  assert.ok([...h.keys.values()].every((k) => k.epoch < 5), `seed ${seed}`);
  for (const c of clients.values()) await c.km.close();
});
