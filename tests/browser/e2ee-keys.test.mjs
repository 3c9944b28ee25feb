// The call's key exchange (web/js/e2ee-keys.js) on Chromium's own WebCrypto,
// as parleyd serves the module: three participants in one page, each with
// an Ed25519 identity key made as the app makes it (identity.js,
// non-extractable), exchange X25519 ephemerals and wrapped keys through an
// in-page relay. tests/web/e2ee-keys.test.mjs covers the rules under Node;
// this checks that the browser users run agrees.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Person, Server } from './harness.mjs';

let server;
let person;

before(async () => {
  server = await new Server().start();
  person = await Person.open('e2ee-keys');
});

after(async () => {
  if (person) await person.close();
  if (server) assert.equal(await server.stop(), 0);
});

// Runs in the page. Self-contained: its source is sent as text.
async function exchange(K, I) {
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const ids = await Promise.all(['east-leader', 'west-leader', 'interpreter'].map(async (member) => {
    const { privateKey, publicKey } = await I.generateKeyPair();
    return { member, privateKey, publicKey };
  }));
  const trust = {
    meeting: 'mtg_browser_e2ee', termsHash: hex(crypto.getRandomValues(new Uint8Array(32))),
    roster: ids.map((x, position) => ({ position, member: x.member, key: x.publicKey, party: 'p', role: 'leader',
      name: x.member })),
  };
  const log = [];
  const pending = new Set();
  const clients = ids.map((id) => {
    const c = { member: id.member, keys: new Map(), sending: new Map(), warnings: [], codes: new Map() };
    c.km = new K.KeyManager({
      trust, me: id.member, sign: (doc) => I.signDocument(id.privateKey, doc),
      send: (payload, to) => {
        log.push({ from: id.member, to, payload: JSON.parse(JSON.stringify(payload)) });
        for (const r of clients) {
          if (r.member === id.member || (to !== undefined && to !== r.member)) continue;
          const p = r.km.receive(id.member, JSON.parse(JSON.stringify(payload)));
          pending.add(p);
          p.then(() => pending.delete(p));
        }
      },
      onKey: (kid, key, sender) => c.keys.set(kid, { key: hex(key), sender }),
      onSendingKey: (kid, key, epoch) => c.sending.set(epoch, { kid, key: hex(key) }),
      onWarning: (text, detail) => c.warnings.push(detail.code),
      onCode: (code, epoch) => c.codes.set(epoch, code),
    });
    return c;
  });
  const settle = async () => { while (pending.size) await Promise.all([...pending]); };
  for (let epoch = 1; epoch <= 3; epoch++) {
    const inCall = clients.slice(0, epoch).map((c) => c.member);
    await Promise.all(clients.slice(0, epoch).map((c) => c.km.setEpoch(epoch, inCall)));
    await settle();
  }
  const failures = [];
  for (const r of clients) {
    for (const [i, s] of clients.entries()) {
      if (s === r) continue;
      const got = r.keys.get(K.kidFor(i, 3));
      if (!got || got.key !== s.sending.get(3).key || got.sender !== s.member)
        failures.push(`${r.member} lacks ${s.member}'s key of epoch 3`);
    }
    if (r.warnings.length) failures.push(`${r.member} warned: ${r.warnings.join(', ')}`);
    if (r.codes.get(3) !== clients[0].codes.get(3)) failures.push(`${r.member}'s code differs`);
  }
  // A key the relay injects for the interpreter, signed by the west leader
  // as if it came from the east leader: refused.
  const genuine = log.find((e) => e.payload.body.type === K.ENVELOPE_TYPE && e.from === 'east-leader' &&
    e.to === 'interpreter' && e.payload.body.epoch === 3).payload;
  const body = { ...genuine.body, wrapped: genuine.body.wrapped.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) };
  const refused = await clients[2].km.receive('east-leader', { body, signature: await I.signDocument(ids[1].privateKey, body) });
  return { failures, code: clients[0].codes.get(3), refused, warned: clients[2].warnings };
}

test('three participants exchange keys on Chromium\'s WebCrypto (Ed25519, X25519, HKDF, AES-GCM)', async () => {
  const { page } = person;
  await page.goto(`${server.url}/`);
  const result = await page.evaluate(`(async () => {
    const K = await import('/js/e2ee-keys.js');
    const I = await import('/js/identity.js');
    return (${exchange.toString()})(K, I);
  })()`);
  assert.deepEqual(result.failures, []);
  assert.match(result.code, /^\d{3} \d{3} \d{3} \d{3}$/);
  assert.deepEqual([result.refused.accepted, result.refused.code], [false, 'bad_signature']);
  assert.deepEqual(result.warned, ['bad_signature']);
  assert.deepEqual(person.errors, []);
});
