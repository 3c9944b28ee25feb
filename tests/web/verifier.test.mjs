// The browser's log verifier (web/js/verifier.js) on real exports: parleyd
// and the parley CLI run as processes, two delegations negotiate a meeting
// to agreement, and the export must verify in JavaScript exactly as
// `parley verify` verifies it; each tampering must be refused with its code.
//
// Run: node --test tests/web/verifier.test.mjs   (PARLEY_BUILD: the build
// folder holding src/app/parleyd and src/app/parley; default build/release)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { verifyExport } from '../../web/js/verifier.js';
import { canonicalize } from '../../web/js/canonical.js';
import { sha256Hex } from '../../web/js/encoding.js';
import { Server, Person, admin, run, inDays } from './harness.mjs';

const server = new Server();
let east, west, eastLeader;
let agreedPath, agreedText, withdrawnText, parleyVerdict;

function opening() {
  return east.json('create', '--with', 'west', '--title', 'Video talks on regional security',
    '--start', inDays(8), '--duration', '120',
    '--roster', 'Irina Sokolova:negotiator', '--roster', 'Mikhail Orlov:leader',
    '--roster', 'Olga Ivanova:interpreter', '--roster', 'James Carter:negotiator',
    '--roster', 'Helen Brooks:leader',
    '--language', 'ru,en', '--interpreter', 'Olga Ivanova:ru-en',
    '--agenda', 'Security guarantees', '--agenda', 'Arms control',
    '--announce-text', 'The leaders will hold talks by video.', '--announce-at', 'on_agreement',
    '--set', 'format="video"', '--predecessor', 'none').id;
}

before(async () => {
  await server.start();
  admin(server, 'create-party', '--id', 'east', '--name', 'Eastern Delegation', '--time-zone', 'Europe/Moscow');
  admin(server, 'create-party', '--id', 'west', '--name', 'Western Delegation', '--time-zone', 'America/New_York');
  const cfg = path.join(server.tmp, 'profiles');
  const person = (party, profile, name, ...roles) => new Person(server, cfg, profile).enroll(party, name, ...roles);
  east = person('east', 'east-neg', 'Irina Sokolova', 'negotiator');
  west = person('west', 'west-neg', 'James Carter', 'negotiator');
  eastLeader = person('east', 'east-lead', 'Mikhail Orlov', 'leader');
  person('west', 'west-lead', 'Helen Brooks', 'leader');
  person('east', 'east-int', 'Olga Ivanova', 'interpreter');

  // Opening, a counter-proposal, its acceptance, the rest accepted, both sign.
  const mid = opening();
  west.run('propose', mid, '--duration', '90');
  east.run('accept', mid, 'duration_minutes');
  west.run('accept', mid, '--all');
  east.run('sign', mid);
  west.run('sign', mid);
  agreedPath = path.join(server.tmp, 'agreed.json');
  east.run('export', mid, '-o', agreedPath);
  agreedText = readFileSync(agreedPath, 'utf8');
  parleyVerdict = east.json('verify', agreedPath);

  // A meeting withdrawn before anything was agreed.
  const mid2 = opening();
  east.run('withdraw', mid2, '--reason', 'Not the right moment');
  const withdrawnPath = path.join(server.tmp, 'withdrawn.json');
  west.run('export', mid2, '-o', withdrawnPath);
  withdrawnText = readFileSync(withdrawnPath, 'utf8');
});

after(async () => {
  await server.stop();
});

// A tampered copy must be refused here, and by `parley verify` too.
// `parley verify` may stop at an earlier act: it also checks parameter values
// (a swapped key, for one, no longer matches the roster in the create act).
async function refusedBoth(text, code, actNumber, parleyActNumber = actNumber) {
  const r = await verifyExport(text);
  assert.equal(r.ok, false, 'accepted a tampered log');
  assert.equal(r.code, code, r.error);
  assert.match(r.error, new RegExp(`\\[${code}\\]$`));
  if (actNumber) {
    assert.ok(r.error.startsWith(`act ${actNumber}: `), r.error);
    // Everything before the bad act is still listed as verified.
    assert.equal(r.acts.filter((a) => a.verified).length, actNumber - 1);
  }
  const file = path.join(server.tmp, `tampered-${code}.json`);
  writeFileSync(file, text);
  const p = run(['verify', file]);
  assert.equal(p.status, 4, `parley verify accepted what the browser refused: ${p.stdout}${p.stderr}`);
  if (parleyActNumber) assert.match(p.stderr, new RegExp(`act ${parleyActNumber}:`));
  return r;
}

const mutate = (fn) => {
  const doc = JSON.parse(agreedText);
  fn(doc);
  return JSON.stringify(doc, null, 2);
};

test('an agreed meeting verifies as parley verify verifies it', async () => {
  assert.equal(parleyVerdict.verified, true);
  assert.equal(parleyVerdict.agreed, true);
  const r = await verifyExport(agreedText);
  assert.equal(r.ok, true, r.error);
  assert.equal(r.error, null);
  assert.equal(r.meeting, parleyVerdict.meeting);
  assert.equal(r.acts.length, parleyVerdict.acts);
  assert.equal(r.head, parleyVerdict.head);
  assert.equal(r.agreed, true);
  assert.equal(r.termsHash, parleyVerdict.terms_hash);
  assert.equal(r.withdrawal, null);
  // The terms document itself, whose hash both signed: the roster in its signed order.
  assert.equal(await sha256Hex(canonicalize(r.terms)), r.termsHash);
  assert.equal(r.terms.meeting, r.meeting);
  assert.deepEqual(r.terms.roster.map((e) => [e.party, e.role]), [['east', 'negotiator'], ['east', 'leader'],
    ['east', 'interpreter'], ['west', 'negotiator'], ['west', 'leader']]);
  assert.equal(r.terms.roster[0].key, east.key);
  assert.equal(r.terms.duration_minutes, 90);
  assert.deepEqual(r.parties.map((p) => [p.id, p.name, p.timeZone]),
    [['east', 'Eastern Delegation', 'Europe/Moscow'], ['west', 'Western Delegation', 'America/New_York']]);

  // Both signatures, on the hash parley verify reports, with the signers' own keys.
  assert.deepEqual(r.signatures.map((s) => [s.party, s.member, s.name, s.key, s.termsHash]), [
    ['east', east.id, 'Irina Sokolova', east.key, parleyVerdict.terms_hash],
    ['west', west.id, 'James Carter', west.key, parleyVerdict.terms_hash],
  ]);
  for (const [party, s] of Object.entries(parleyVerdict.signatures)) {
    assert.equal(r.signatures.find((x) => x.party === party).member, s.member);
    assert.equal(s.terms_hash, parleyVerdict.terms_hash);
  }

  // Each act: verified, signed, chained, summarized in words.
  // East's duration accepted, then west accepts the other eight parameters.
  assert.deepEqual(r.acts.map((a) => a.kind),
    ['create', 'propose', 'accept', ...Array(8).fill('accept'), 'sign', 'sign']);
  for (const a of r.acts) {
    assert.equal(a.verified, true);
    assert.equal(a.signatureOk, true);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
  }
  assert.deepEqual(r.acts.map((a) => a.seq), r.acts.map((_, i) => i + 1));
  assert.equal(r.acts[0].authorName, 'Irina Sokolova');
  assert.equal(r.acts[0].party, 'east');
  assert.equal(r.acts[0].summary,
    'created the meeting "Video talks on regional security" with Western Delegation, proposing all nine parameters');
  assert.equal(r.acts[1].summary, 'proposed duration_minutes: 90 minutes');
  assert.equal(r.acts[1].authorName, 'James Carter');
  assert.equal(r.acts[2].summary, 'accepted duration_minutes rev 2');
  assert.equal(r.acts.at(-1).summary, `signed terms ${parleyVerdict.terms_hash.slice(0, 8)}…`);
  const doc = JSON.parse(agreedText);
  assert.equal(r.acts[1].at, doc.acts[1].act.at);
  assert.equal(r.acts[1].hash, doc.acts[2].act.prev);

  // The same bytes given as a buffer (what a dropped file reads as).
  const fromBytes = await verifyExport(new TextEncoder().encode(agreedText));
  assert.equal(fromBytes.ok, true, fromBytes.error);
});

test('a changed body value breaks its signature', async () => {
  const text = mutate((d) => { d.acts[1].act.body.value = 60; });
  const r = await refusedBoth(text, 'bad_signature', 2);
  assert.equal(r.acts.length, 2);
  assert.equal(r.acts[1].verified, false);
  assert.equal(r.acts[1].signatureOk, false);
  assert.equal(r.agreed, false);
});

test('a removed middle act breaks the chain', async () => {
  const text = mutate((d) => { d.acts.splice(2, 1); });
  const r = await refusedBoth(text, 'stale_sequence', 3);
  assert.equal(r.acts[2].signatureOk, true);  // the act is genuine, it no longer fits
});

test('a swapped member key is caught on that member\'s first act', async () => {
  const text = mutate((d) => {
    d.members.find((m) => m.id === west.id).key = east.key;
  });
  await refusedBoth(text, 'bad_signature', 2, 1);
});

test('an act whose author is changed to a non-negotiator is refused', async () => {
  const text = mutate((d) => { d.acts[2].act.author = eastLeader.id; });
  // parley verify checks the signature first and says bad_signature; the
  // protocol's first rule (and this verifier) is the author's role.
  await refusedBoth(text, 'role_not_allowed', 3);
});

test('a duplicate key in the text is refused before anything else', async () => {
  const once = '"counterparty": "west"';
  assert.ok(agreedText.includes(once));
  const r = await refusedBoth(agreedText.replace(once, `${once}, ${once}`), 'duplicate_key');
  assert.deepEqual(r.acts, []);
  assert.match(r.error, /duplicate key "counterparty"/);
});

test('a number spelled as a float is refused', async () => {
  const once = '"duration_minutes": 120';
  assert.ok(agreedText.includes(once));
  await refusedBoth(agreedText.replace(once, '"duration_minutes": 120.0'), 'unsafe_number');
});

test('files that are not exports are refused in words', async () => {
  let r = await verifyExport('not json at all');
  assert.equal(r.code, 'invalid_json');
  r = await verifyExport(JSON.stringify({ type: 'parley.terms/1' }));
  assert.equal(r.code, 'missing_field');
  r = await verifyExport(mutate((d) => { d.type = 'parley.export/2'; }));
  assert.equal(r.code, 'invalid_field');
  r = await verifyExport(mutate((d) => { d.acts[0].act.meeting = 'mtg_other_meeting_id'; }));
  assert.equal(r.code, 'wrong_meeting');
  r = await verifyExport(mutate((d) => { d.acts[3].act.at = '2020-01-01T00:00:00Z'; }));
  assert.equal(r.code, 'time_out_of_order');
  assert.ok(r.error.startsWith('act 4: '));
  r = await verifyExport(new Uint8Array([0x7b, 0xff, 0x7d]));
  assert.equal(r.code, 'invalid_json');
});

test('a withdrawn meeting shows the withdrawal', async () => {
  const r = await verifyExport(withdrawnText);
  assert.equal(r.ok, true, r.error);
  assert.equal(r.agreed, false);
  assert.deepEqual(r.signatures, []);
  assert.equal(r.acts.length, 2);
  assert.equal(r.acts[1].summary, 'withdrew: Not the right moment');
  assert.deepEqual([r.withdrawal.party, r.withdrawal.member, r.withdrawal.name, r.withdrawal.reason],
    ['east', east.id, 'Irina Sokolova', 'Not the right moment']);
  assert.equal(r.withdrawal.at, r.acts[1].at);
  // Nothing may follow a withdrawal: a copied accept after it is refused.
  const doc = JSON.parse(withdrawnText);
  const agreed = JSON.parse(agreedText);
  doc.acts.push(agreed.acts[2]);
  const after = await verifyExport(JSON.stringify(doc));
  assert.equal(after.ok, false);
  assert.ok(after.error.startsWith('act 3: '), after.error);
});
