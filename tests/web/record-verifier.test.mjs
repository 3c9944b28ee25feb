// The browser's verifier of the record of the talks (web/js/record-verifier.js
// and the modules under it: merkle.js, signed-note.js, meeting-log.js) on
// records built here in JavaScript (record-builder.mjs): RFC 9162 known
// answers and every proof of every tree up to 64 entries against a naive
// reference, signed-note vectors, a whole record accepted, and every
// tampering and broken rule refused with the code and the act or checkpoint
// docs/record.md names.
//
// Run: node --test tests/web/record-verifier.test.mjs
// PARLEY_RECORD_ENTRIES sets the size of the large record (default 100000).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { canonicalize } from '../../web/js/canonical.js';
import { fromHex, toHex, fromBase64 } from '../../web/js/encoding.js';
import {
  MerkleTree, leafHash, emptyRoot, verifyInclusion, verifyConsistency, inclusionPathLength, consistencyPathLength,
} from '../../web/js/merkle.js';
import {
  parseNote, formatNote, verifyNoteKey, parseCheckpoint, formatCheckpoint, addNoteSignature, ed25519KeyId, NoteError,
} from '../../web/js/signed-note.js';
import {
  verifyRecord, verifyExcerpt, verifySeries, parseTrust, trustFromPairs, RecordState, replayRecord, documentType,
} from '../../web/js/record-verifier.js';
import { verifyExport } from '../../web/js/verifier.js';
import { TestMeeting, refRoot, refPath, refProof, refLeafHash } from './record-builder.mjs';
import { RULES, present, open } from './record-cases.mjs';

const enc = (s) => new TextEncoder().encode(s);
const hexes = (list) => list.map((h) => fromHex(h));

// ---------------------------------------------------------------- RFC 9162

// The Certificate Transparency reference tree of 8 entries, from
// transparency-dev/merkle, proof/verify_test.go (github.com/transparency-dev/merkle,
// commit 02194e9afb6c1d95b5381350007963aa70fff472): the leaves, the root of
// each size 1–8, and its inclusion and consistency proofs (leaf numbers
// there are 1-based; indices here are 0-based).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION = [
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];
const CT_CONSISTENCY = [
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];

test('RFC 9162: the empty tree, and the Certificate Transparency tree of 8 entries', async () => {
  assert.equal(toHex(await emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(toHex(await new MerkleTree().root(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const leaves = CT_LEAVES.map(fromHex);
  const tree = new MerkleTree();
  await tree.append(leaves);
  for (let n = 1; n <= 8; n++) assert.equal(toHex(await tree.root(n)), CT_ROOTS[n - 1], `root of size ${n}`);
  for (const [index, size, proof] of CT_INCLUSION) {
    const leaf = await leafHash(leaves[index]);
    assert.equal(await verifyInclusion(index, size, leaf, hexes(proof), fromHex(CT_ROOTS[size - 1])), null, `inclusion ${index}/${size}`);
    assert.deepEqual(refPath(index, leaves.slice(0, size)).map(toHex), proof, 'the reference agrees');
  }
  for (const [m, n, proof] of CT_CONSISTENCY) {
    assert.equal(await verifyConsistency(m, n, fromHex(CT_ROOTS[m - 1]), fromHex(CT_ROOTS[n - 1]), hexes(proof)), null, `consistency ${m}→${n}`);
    assert.deepEqual(refProof(m, leaves.slice(0, n)).map(toHex), proof, 'the reference agrees');
  }
});

test('RFC 9162: every tree up to 64 entries, every inclusion and consistency proof, and their damaged forms', async () => {
  const entries = Array.from({ length: 64 }, (_, i) => enc(`entry ${i}`));
  const oneByOne = new MerkleTree();
  const roots = [];
  for (let n = 0; n <= 64; n++) {
    roots.push(refRoot(entries.slice(0, n)));
    if (n > 0) await oneByOne.append([entries[n - 1]]);
    assert.equal(toHex(await oneByOne.root(n)), toHex(roots[n]), `root of ${n} appended one by one`);
  }
  const batched = new MerkleTree();
  await batched.append(entries.slice(0, 37));
  await batched.append(entries.slice(37));
  for (let n = 0; n <= 64; n++) assert.equal(toHex(await batched.root(n)), toHex(roots[n]), `root of ${n} appended in batches`);

  const flip = (proof, i) => proof.map((h, j) => (j === i ? h.map((b, k) => (k === 0 ? b ^ 8 : b)) : h));
  for (let n = 1; n <= 64; n++) {
    const D = entries.slice(0, n);
    for (let i = 0; i < n; i++) {
      const leaf = refLeafHash(D[i]);
      const path = refPath(i, D);
      assert.equal(path.length, inclusionPathLength(i, n));
      assert.equal(await verifyInclusion(i, n, leaf, path, roots[n]), null, `PATH(${i}, D[${n}])`);
      assert.equal(await verifyInclusion(i, n, leaf, path, roots[n - 1]), 'tlog_root_mismatch', 'another root');
      assert.equal(await verifyInclusion(n, n, leaf, path, roots[n]), 'tlog_bad_index', 'index = size');
      if (path.length > 0) {
        assert.equal(await verifyInclusion(i, n, leaf, path.slice(0, -1), roots[n]), 'tlog_bad_proof', 'truncated');
        assert.equal(await verifyInclusion(i, n, leaf, flip(path, path.length - 1), roots[n]), 'tlog_root_mismatch', 'flipped');
      }
      assert.equal(await verifyInclusion(i, n, leaf, [...path, roots[n]], roots[n]), 'tlog_bad_proof', 'extended');
      if (i + 1 < n) assert.notEqual(await verifyInclusion(i + 1, n, leaf, path, roots[n]), null, 'wrong index');
    }
    for (let m = 0; m <= n; m++) {
      const proof = refProof(m, D);
      if (m === 0 || m === n) assert.deepEqual(proof, []);
      else assert.equal(proof.length, consistencyPathLength(m, n));
      assert.equal(await verifyConsistency(m, n, roots[m], roots[n], proof), null, `PROOF(${m}, D[${n}])`);
      if (m > 0 && m < n) {
        assert.equal(await verifyConsistency(m, n, roots[m], roots[n], proof.slice(0, -1)), 'tlog_bad_proof', 'truncated');
        assert.equal(await verifyConsistency(m, n, roots[m], roots[n], [...proof, roots[m]]), 'tlog_bad_proof', 'extended');
        assert.equal(await verifyConsistency(m, n, roots[n], roots[m], proof), 'tlog_root_mismatch', 'roots swapped');
        assert.equal(await verifyConsistency(m, n, roots[m], roots[n], flip(proof, 0)), 'tlog_root_mismatch', 'flipped');
      } else {
        assert.equal(await verifyConsistency(m, n, roots[m], roots[n], [roots[n]]), 'tlog_bad_proof', 'a path for a trivial case');
      }
      if (m < n) assert.equal(await verifyConsistency(n, m, roots[n], roots[m], proof), 'tlog_bad_size', 'first after second');
    }
  }
});

// ---------------------------------------------------------------- signed notes

// golang.org/x/mod/sumdb/note, note_test.go: the PeterNeumann key and note.
const GO_KEY = 'ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';  // 0x01 || public key
const GO_TEXT = 'If you think cryptography is the answer to your problem,\nthen you don\'t know what your problem is.\n';
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

async function rejects(fn, code, what = '') {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof NoteError, e.stack);
    assert.equal(e.code, code, `${what}: ${e.message}`);
    return;
  }
  assert.fail(`${what}: expected ${code}`);
}

test('signed notes: the Go reference note, key IDs, and what is refused', async () => {
  const key = fromBase64(GO_KEY).slice(1);
  const note = parseNote(GO_NOTE);
  assert.equal(note.text, GO_TEXT);
  assert.equal(toHex(await ed25519KeyId('PeterNeumann', key)), 'c74f20a3');
  assert.equal(toHex(await verifyNoteKey(note, 'PeterNeumann', key)), 'c74f20a3');
  assert.equal(formatNote(note), GO_NOTE);
  await rejects(() => verifyNoteKey(parseNote(GO_NOTE.replace('cryptography', 'cryptographY')), 'PeterNeumann', key), 'tlog_bad_signature');
  await rejects(() => verifyNoteKey(note, 'PeterNeumann2', key), 'tlog_unsigned');

  const bad = {
    'no final newline': GO_NOTE.slice(0, -1),
    'no blank line': GO_NOTE.replace('\n\n', '\n'),
    'no signature': `${GO_TEXT}\n`,
    'a line that is not a signature': `${GO_NOTE}not a signature\n`,
    'an empty signature line': `${GO_NOTE}\n`,
    'base64 without padding': GO_NOTE.replace('AM=\n', 'AM\n'),
    'base64 with whitespace': GO_NOTE.replace('x08go', 'x08 go'),
    'a control character': GO_NOTE.replace('If you', 'If\tyou'),
    'a key name with +': GO_NOTE.replace('PeterNeumann', 'Peter+Neumann'),
    'a signature of 4 bytes': `${GO_TEXT}\n— PeterNeumann AAAAAA==\n`,
  };
  for (const [what, text] of Object.entries(bad)) await rejects(() => parseNote(text), 'tlog_bad_note', what);
  const many = GO_NOTE + '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'.repeat(64);
  await rejects(() => parseNote(many), 'tlog_too_large');
});

// Keys made from a 32-byte seed (RFC 8032 private keys), through PKCS #8.
async function keyFromSeed(byte) {
  const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
    0x04, 0x20, ...new Uint8Array(32).fill(byte)]);
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  return { privateKey, publicKey: new Uint8Array(Buffer.from(jwk.x, 'base64url')) };
}

test('checkpoints: the example of docs/record.md made again byte for byte', async () => {
  const origin = 'parley.example/meeting/mtg_leaders_video_call_01';
  const tree = new MerkleTree();
  await tree.append(Array.from({ length: 42 }, (_, i) => enc(`entry ${i}`)));
  const root = await tree.root();
  assert.equal(toHex(root), 'a8555586a9f852c6f3089fb743bdcc3d7334abdab2ca0d8762c55616240e6851');
  let note = { text: formatCheckpoint({ origin, size: 42, root }), signatures: [] };
  const [log, east, west] = await Promise.all([0x11, 0x22, 0x33].map(keyFromSeed));
  note = await addNoteSignature(note, origin, log.privateKey, log.publicKey);
  note = await addNoteSignature(note, 'parley.example/party/east', east.privateKey, east.publicKey);
  note = await addNoteSignature(note, 'parley.example/party/west', west.privateKey, west.publicKey);
  const expected = `parley.example/meeting/mtg_leaders_video_call_01
42
qFVVhqn4UsbzCJ+3Q73MPXM0q9qyyg2HYsVWFiQOaFE=

— parley.example/meeting/mtg_leaders_video_call_01 PGLTSmpMuuyGHjRjn7vDnLo7e+dMQyhV5lTizcmKJ8KESFMw0wL3tp6mKiDo5QJsNMcw4J6nODuLL+/MoGgHn6IJzQ8=
— parley.example/party/east ZrM0Mm2dQpOQfQno0yE2vDELYYMmI2/zwWc6aChpiA5T9EwHc0M8yqZ8eChzHV398IaMOkQ3VUKACRs++7GouoURLAo=
— parley.example/party/west AcIlTDqOOoJh7hw/FCR6g8lWPiMt2EQv41iIDYs9PZMM2IZ7JuMXGhu0GvTUX2+PsnYWnL8I+Dtgm0cjnuF9fVariAE=
`;
  assert.equal(formatNote(note), expected);
  const parsed = parseNote(expected);
  assert.deepEqual(parsed.signatures.map((s) => toHex(s.keyId)), ['3c62d34a', '66b33432', '01c2254c']);
  assert.equal(toHex(await verifyNoteKey(parsed, 'parley.example/party/west', west.publicKey)), '01c2254c');
  const cp = parseCheckpoint(parsed.text);
  assert.deepEqual([cp.origin, cp.size, toHex(cp.root), cp.extensions], [origin, 42, toHex(root), []]);
  // Signing again with the same key replaces its line.
  const again = await addNoteSignature(parsed, 'parley.example/party/east', east.privateKey, east.publicKey);
  assert.deepEqual(again.signatures.map((s) => s.keyName), [origin, 'parley.example/party/west', 'parley.example/party/east']);

  const text = (lines) => lines.map((l) => l + '\n').join('');
  const r = 'qFVVhqn4UsbzCJ+3Q73MPXM0q9qyyg2HYsVWFiQOaFE=';
  for (const [what, t, code] of [
    ['leading zero', text([origin, '042', r]), 'tlog_bad_checkpoint'],
    ['a sign', text([origin, '+42', r]), 'tlog_bad_checkpoint'],
    ['beyond 64 bits', text([origin, '18446744073709551616', r]), 'tlog_bad_checkpoint'],
    ['a root of 31 bytes', text([origin, '42', 'qFVVhqn4UsbzCJ+3Q73MPXM0q9qyyg2HYsVWFiQOaA==']), 'tlog_bad_checkpoint'],
    ['two lines', text([origin, '42']), 'tlog_bad_checkpoint'],
    ['an empty line', text([origin, '42', r, '']), 'tlog_bad_checkpoint'],
    ['17 extensions', text([origin, '42', r, ...Array(17).fill('x')]), 'tlog_too_large'],
  ]) await rejects(() => parseCheckpoint(t), code, what);
  assert.equal(parseCheckpoint(text([origin, '18446744073709551615', r])).size, 2 ** 64);
});

// ---------------------------------------------------------------- records

async function talks() {
  const m = await TestMeeting.create();
  const h = await m.talks();
  return { m, h };
}

// The talks with three checkpoints: after the first session opened (east
// only), after the second closed (both: final), and the latest (both).
async function talksRecord(m, { final = true } = {}) {
  return m.record([{ size: 13, cosigners: ['Anna'] }, { size: 23, cosigners: ['Anna', 'James'] },
    { size: m.length, cosigners: ['Irina', 'Rachel'] }], { final });
}

// Verifies a record with the trust `parley record pin` would write for m.
async function verify(doc, m, { trust = m.trust() } = {}) {
  return verifyRecord(JSON.stringify(doc), { trust: trust && parseTrust(trust) });
}

function refused(r, where, code) {
  assert.equal(r.ok, false, `accepted: expected ${where} [${code}]`);
  assert.equal(r.code, code, r.error);
  assert.ok(r.error.startsWith(`${where}: `), r.error);
  assert.ok(r.error.endsWith(`[${code}]`), r.error);
}

test('a record of the talks verifies, with the state the record panel draws', async () => {
  const { m, h } = await talks();
  const doc = await talksRecord(m);
  const r = await verifyRecord(JSON.stringify(doc), { trust: parseTrust(m.trust()) });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.type, 'record');
  assert.equal(r.final, true);
  assert.equal(r.trusted, true);
  assert.equal(r.acts.length, 28);
  assert.ok(r.acts.every((a) => a.verified && a.signatureOk));
  assert.equal(r.head, m.head);
  assert.equal(r.termsHash, m.termsHash());

  const s = r.record;
  assert.equal(s.length, 28);
  assert.equal(s.agreed, true);
  assert.equal(s.announceAt, m.acts[11].act.at);
  assert.equal(s.entries.length, 16);
  assert.equal(s.sessionOpen, false);
  assert.deepEqual(s.sessions.map((x) => [x.number, x.open.seq, x.close.seq]), [[1, 13, 19], [2, 20, 23]]);
  assert.deepEqual(s.sessions[0].open.present.map((p) => p.name), ['Irina Sokolova', 'Anna Petrova', 'James Carter', 'Rachel Green']);
  assert.deepEqual(s.roster.map((x) => [x.member, x.role]).slice(0, 3),
    [['mbr_east_negotiator', 'negotiator'], ['mbr_east_leader', 'leader'], ['mbr_east_rapporteur', 'rapporteur']]);

  // Every entry: who, party, role, time, short fingerprint.
  for (const e of s.entries) {
    assert.match(e.fingerprint, /^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$/);
    assert.ok(e.authorName && e.party && e.role && e.at && e.summary);
  }
  const fp = (await import('node:crypto')).createHash('sha256').update(m.who('Anna').key).digest('hex').slice(0, 16);
  assert.equal(s.entries[0].fingerprint, fp.match(/.{4}/g).join(' '));

  // The minute, corrected: current text, original kept.
  const minute = s.entries.find((e) => e.hash === h.minute);
  assert.equal(minute.text, 'The delegations exchanged views on security guarantees.');
  assert.equal(minute.originalText, 'The delegations exchanged views on guarantees.');
  assert.deepEqual(minute.corrections.map((c) => [c.authorName, c.reason]), [['Anna Petrova', 'Precision.']]);
  const statement = s.entries.find((e) => e.hash === h.statement);
  assert.deepEqual([statement.speakerName, statement.recordedByRapporteur, statement.authorName], ['James Carter', true, 'Rachel Green']);

  // The assurance: giver, recipient, binding, acknowledged by whom and when, statuses.
  assert.equal(s.assurances.length, 1);
  const a = s.assurances[0];
  assert.deepEqual([a.giver, a.to, a.authorName, a.role, a.scope, a.until, a.draft, a.binding],
    ['west', 'east', 'James Carter', 'negotiator', 'Land forces', '2027-06-01T00:00:00Z', h.draft, true]);
  assert.deepEqual([a.acknowledged.authorName, a.acknowledged.party, a.acknowledged.at], ['Irina Sokolova', 'east', m.acts[17].act.at]);
  assert.deepEqual(a.statuses.map((x) => [x.status, x.authorName]), [['fulfilled', 'Rachel Green']]);
  assert.equal(a.status, 'fulfilled');
  assert.equal(s.drafts[0].usedBy, a.seq);

  assert.deepEqual(s.readouts.map((x) => [x.party, x.text]), [['east', 'Constructive talks were held.'], ['west', 'Frank talks.']]);
  assert.equal(s.jointStatements[0].countersigned.authorName, 'Helen Brooks');
  assert.equal(s.jointStatements[0].countersigned.party, 'west');

  // The checkpoints and who cosigned them; the second makes the record final.
  assert.deepEqual(s.checkpoints.map((c) => [c.number, c.size, c.cosignedBy, c.both, c.final]),
    [[1, 13, ['east'], false, false], [2, 23, ['east', 'west'], true, true], [3, 28, ['east', 'west'], true, true]]);
  assert.deepEqual(s.checkpoints[1].cosigners.map((c) => [c.name, c.party, c.role]),
    [['Anna Petrova', 'east', 'rapporteur'], ['James Carter', 'west', 'negotiator']]);
  assert.equal(s.finalCheckpoint, 2);
  assert.equal(s.checkpoints[2].root, toHex(m.root()));

  // The same bytes as a buffer, as a dropped file reads.
  const fromBytes = await verifyRecord(enc(JSON.stringify(doc)), { trust: parseTrust(m.trust()) });
  assert.equal(fromBytes.ok, true, fromBytes.error);
  assert.equal(documentType(doc), 'record');

  // The log of an announced meeting, exported as parley.export/1, verifies too.
  const exp = { type: 'parley.export/1', meeting: doc.meeting, exported_at: doc.exported_at, parties: doc.parties,
    members: doc.members, acts: doc.acts };
  const e = await verifyExport(JSON.stringify(exp));
  assert.equal(e.ok, true, e.error);
  assert.equal(e.acts.at(-1).summary, 'recorded the assurance of act 17 as fulfilled');
});

test('RecordState fed one act and one checkpoint at a time gives the same state', async () => {
  const { m } = await talks();
  const doc = await talksRecord(m);
  const state = new RecordState({ meeting: m.meeting, parties: doc.parties, members: doc.members, origin: doc.origin, logKey: doc.log_key });
  const seen = [];
  for (const env of doc.acts) {
    const r = await state.append(env);
    assert.equal(r.ok, true, r.error);
    seen.push(state.view().entries.length);
    if (state.log.length === 13) assert.equal((await state.addCheckpoint(doc.checkpoints[0])).ok, true);
  }
  assert.equal(seen.at(-1), 16);
  for (const cp of doc.checkpoints.slice(1)) assert.equal((await state.addCheckpoint(cp)).ok, true);
  const batch = await replayRecord(doc.acts, { meeting: m.meeting, parties: doc.parties, members: doc.members,
    origin: doc.origin, logKey: doc.log_key, checkpoints: doc.checkpoints });
  assert.equal(batch.ok, true, batch.error);
  const pick = (v) => JSON.stringify([v.entries.map((e) => [e.seq, e.summary, e.text ?? null]), v.checkpoints.map((c) => [c.size, c.final]),
    v.final, v.head, v.assurances.map((a) => [a.status, a.acknowledged?.seq])]);
  assert.equal(pick(state.view()), pick(batch.state.view()));

  // A refused act leaves the state as it was; a newer version of the last
  // checkpoint (one more cosignature) replaces it when asked.
  const r = await state.append(structuredClone(doc.acts[17]));  // the acknowledgement, replayed
  assert.equal(r.ok, false);
  assert.equal(r.code, 'stale_sequence');
  assert.equal(r.error, 'act 29: it is act 18 again, replayed [stale_sequence]');
  assert.equal(state.view().length, 28);
  const more = await m.checkpoint(28, ['Irina', 'Rachel', 'Helen'], 23);
  const replaced = await state.addCheckpoint(more, { replaceSameSize: true });
  assert.equal(replaced.ok, true, replaced.error);
  assert.equal(state.view().checkpoints.length, 3);
  assert.equal(state.view().checkpoints[2].cosigners.length, 3);
});

test('a changed byte in any act is refused at that act', async () => {
  const { m } = await talks();
  const doc = await talksRecord(m);
  for (let i = 0; i < doc.acts.length; i++) {
    const copy = structuredClone(doc);
    const sig = copy.acts[i].signature;
    copy.acts[i].signature = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    refused(await verify(copy, m), `act ${i + 1}`, 'bad_signature');
  }
  for (let i = 12; i < doc.acts.length; i++) {
    const copy = structuredClone(doc);
    const body = copy.acts[i].act.body;
    const field = ['text', 'note', 'reason'].find((f) => typeof body[f] === 'string' && body[f].length > 0);
    if (field) body[field] = body[field].replace(/.$/, (c) => (c === 'x' ? 'y' : 'x'));
    else if (body.present) body.present = body.present.slice(1);
    else body[Object.keys(body)[0]] = body[Object.keys(body)[0]].replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    const r = await verify(copy, m);
    refused(r, `act ${i + 1}`, 'bad_signature');
  }
});

test('removed, inserted twice and swapped entries are refused', async () => {
  const { m } = await talks();
  const doc = await talksRecord(m);
  const with_ = (fn) => {
    const copy = structuredClone(doc);
    fn(copy);
    return copy;
  };
  // A removed entry: the next one built on more acts than come before it.
  refused(await verify(with_((d) => d.acts.splice(15, 1)), m), 'act 16', 'stale_sequence');
  // The last entry removed: every act fits, but the latest checkpoint covers more.
  refused(await verify(with_((d) => d.acts.pop()), m), 'checkpoint 3', 'tlog_bad_size');
  // An entry twice.
  refused(await verify(with_((d) => d.acts.splice(16, 0, d.acts[15])), m), 'act 17', 'stale_sequence');
  // Two entries swapped.
  refused(await verify(with_((d) => { [d.acts[14], d.acts[15]] = [d.acts[15], d.acts[14]]; }), m), 'act 15', 'stale_sequence');

  // Two entries typed at once (both built on the same acts) may land in either
  // order, but a record whose order differs from the one both parties cosigned
  // is refused at the checkpoint.
  const c = await TestMeeting.create();
  await c.talks();
  const base = c.length;
  await c.act('Anna', 'session_open', { present: ['mbr_east_rapporteur', 'mbr_west_rapporteur'] });
  await c.act('Anna', 'minute', { item: 0, text: 'East minute' }, { base: base + 1 });
  await c.act('Rachel', 'minute', { item: 1, text: 'West minute' }, { base: base + 1 });
  const cdoc = await c.record([{ size: c.length, cosigners: ['Anna', 'Rachel'] }]);
  assert.equal((await verify(structuredClone(cdoc), c)).ok, true);
  const swapped = structuredClone(cdoc);
  [swapped.acts[base + 1], swapped.acts[base + 2]] = [swapped.acts[base + 2], swapped.acts[base + 1]];
  refused(await verify(swapped, c), 'checkpoint 1', 'tlog_root_mismatch');
});

test('who signs: a key not on the roster, another member\'s key, an aide\'s assurance, the giver\'s acknowledgement', async () => {
  const assurance = { to: 'west', item: null, text: 'x', scope: 'y', until: null, draft: null };
  const cases = [
    ['an entry by a member not on the signed roster', (m) => m.envelope('Oleg', 'minute', { item: null, text: 'x' }), 'not_on_roster'],
    ['an entry signed by another key than the roster\'s', (m) => m.envelope('Anna', 'minute', { item: null, text: 'x' }, { signer: 'Oleg' }), 'bad_signature'],
    ['an assurance signed by an aide', (m) => m.envelope('Pavel', 'assurance', assurance), 'role_not_allowed'],
    ['an assurance by a rapporteur', (m) => m.envelope('Anna', 'assurance', assurance), 'role_not_allowed'],
    ['an entry by a member whose listed key is not the roster\'s', (m) => {
      m.members.find((x) => x.id === 'mbr_west_observer').key = m.who('Oleg').key;
      return m.envelope('Tom', 'statement', { speaker: 'mbr_west_observer', item: null, text: 'x' }, { signer: 'Oleg' });
    }, 'key_changed'],
    ['an acknowledgement by the giving party', async (m) => {
      const given = await m.act('James', 'assurance', { ...assurance, to: 'east', text: 'again' });
      return m.envelope('Helen', 'acknowledge', { assurance: given });
    }, 'role_not_allowed'],
  ];
  for (const [what, make, code] of cases) {
    const m = await TestMeeting.create();
    await m.talks();
    await m.act('Anna', 'session_open', { present: ['mbr_east_rapporteur'] });
    m.push(await make(m));
    const r = await verify(await m.record(), m);
    refused(r, `act ${m.length}`, code);
    assert.equal(r.acts.at(-1).verified, false, what);
  }
});

test('trust: none, or a key the trust does not give, is refused', async () => {
  const { m } = await talks();
  const doc = await talksRecord(m);
  const none = await verify(doc, m, { trust: null });
  assert.equal(none.code, 'no_trust');
  assert.equal(none.trusted, false);
  assert.equal(none.final, true, 'everything else is still checked and shown');
  assert.equal(none.record.entries.length, 16);

  const other = m.trust();
  other.parties.west = [m.who('Oleg').key];
  const r = await verifyRecord(JSON.stringify(doc), { trust: parseTrust(other) });
  refused(r, 'act 12', 'untrusted_key');  // west's sign act
  const pasted = trustFromPairs(`east=${m.who('Irina').key}\nwest=${m.who('James').key}`);
  assert.equal((await verifyRecord(JSON.stringify(doc), { trust: pasted })).ok, true);
  assert.throws(() => trustFromPairs('east:abc'), /PARTY=KEY/);
  assert.throws(() => parseTrust({ type: 'parley.trust/1', parties: { east: ['not a key'] } }), /base64url/);
});

test('checkpoints: origin, the log\'s signature, cosigners and their rights, roots, consistency, the final claim', async () => {
  const { m } = await talks();
  const doc = await talksRecord(m);
  const check = async (fn, where, code) => {
    const copy = structuredClone(doc);
    await fn(copy);
    refused(await verify(copy, m), where, code);
  };
  const replaceNote = (d, i, from, to) => { d.checkpoints[i].note = d.checkpoints[i].note.replace(from, to); };

  // A checkpoint cosigned by one side only presented as final.
  const oneSide = await m.record([{ size: 23, cosigners: ['Anna'] }, { size: 28, cosigners: ['Irina'] }], { final: true });
  refused(await verify(oneSide, m), 'final', 'not_final');
  // Cosigned by both, but while a session is open (size 14): not final.
  const open = await m.record([{ size: 14, cosigners: ['Anna', 'James'] }], { final: true });
  refused(await verify(open, m), 'final', 'not_final');
  open.final = false;
  const notFinal = await verify(open, m);
  assert.equal(notFinal.ok, true, notFinal.error);
  assert.equal(notFinal.final, false);
  refused(await verifyRecord(JSON.stringify(open), { trust: parseTrust(m.trust()), requireFinal: true }), 'final', 'not_final');
  // A final record that says it is not understates, and verifies (as parley verify).
  const understated = structuredClone(doc);
  understated.final = false;
  const u = await verify(understated, m);
  assert.deepEqual([u.ok, u.final], [true, true]);

  // The log's key and origin.
  await check((d) => { d.log_key = m.who('Irina').key; }, 'checkpoint 1', 'tlog_unsigned');
  await check((d) => replaceNote(d, 1, /\n\n— [^\n]*\n/, '\n\n'), 'checkpoint 2', 'tlog_unsigned');
  await check(async (d) => {
    const other = await TestMeeting.create({ meeting: 'mtg_record_test_other' });
    d.checkpoints[0] = await other.checkpoint(13, ['Anna']);
  }, 'checkpoint 1', 'tlog_wrong_origin');
  // A cosignature line damaged, in its signature or its key ID; by an aide;
  // by someone not on the roster or not allowed to cosign.
  const damage = (at) => (_, p, sig) => p + sig.slice(0, at) + (sig[at] === 'A' ? 'B' : 'A') + sig.slice(at + 1);
  await check((d) => replaceNote(d, 1, /(\/member\/mbr_west_negotiator )(\S+)/, damage(20)), 'checkpoint 2', 'tlog_bad_signature');
  await check((d) => replaceNote(d, 1, /(\/member\/mbr_west_negotiator )(\S+)/, damage(0)), 'checkpoint 2', 'tlog_bad_signature');
  await check(async (d) => { d.checkpoints[0] = await m.checkpoint(13, ['Pavel']); }, 'checkpoint 1', 'checkpoint_cosigner');
  await check(async (d) => { d.checkpoints[0] = await m.checkpoint(13, ['Oleg']); }, 'checkpoint 1', 'checkpoint_cosigner');
  await check(async (d) => { d.checkpoints[0] = await m.checkpoint(13, ['Tom']); }, 'checkpoint 1', 'checkpoint_cosigner');

  // Inconsistent checkpoints: one of another history of the same size; a
  // consistency proof truncated, or from another size; sizes not increasing.
  await check(async (d) => {
    const fork = await TestMeeting.create();
    await fork.act('Anna', 'session_open', { present: ['mbr_east_rapporteur'] });
    d.checkpoints[0] = await m.checkpoint(13, ['Anna'], null, { root: fork.root(13) });
  }, 'checkpoint 1', 'tlog_root_mismatch');
  await check((d) => { d.checkpoints[1].consistency.pop(); }, 'checkpoint 2', 'tlog_bad_proof');
  await check(async (d) => { d.checkpoints[1].consistency = (await m.checkpoint(23, [], 12)).consistency; }, 'checkpoint 2', 'tlog_bad_proof');
  await check(async (d) => { d.checkpoints[1].consistency = (await m.checkpoint(23, [], 11)).consistency; }, 'checkpoint 2', 'tlog_root_mismatch');
  await check((d) => { d.checkpoints[1].consistency[0] = d.checkpoints[1].consistency[0].replace(/^./, (c) => (c === '0' ? '1' : '0')); }, 'checkpoint 2', 'tlog_root_mismatch');
  await check((d) => { d.checkpoints[0].consistency = [d.checkpoints[1].consistency[0]]; }, 'checkpoint 1', 'tlog_bad_proof');
  await check((d) => { [d.checkpoints[0], d.checkpoints[1]] = [d.checkpoints[1], d.checkpoints[0]]; }, 'checkpoint 1', 'tlog_bad_proof');
  await check(async (d) => { d.checkpoints[1] = await m.checkpoint(13, ['Anna', 'James'], 13); }, 'checkpoint 2', 'tlog_bad_size');
  await check(async (d) => { d.checkpoints.push(await m.checkpoint(29, [], 28)); }, 'checkpoint 4', 'tlog_bad_size');
  await check((d) => { d.checkpoints[0].consistency = ['not hex']; }, 'checkpoint 1', 'invalid_field');
  await check((d) => replaceNote(d, 0, '\n13\n', '\n013\n'), 'checkpoint 1', 'tlog_bad_checkpoint');
});

// ---------------------------------------------------------------- every rule of §Entries

test('every rule of the table of entries', async () => {
  for (const [what, before, make, code] of RULES) {
    const m = await TestMeeting.create();
    const h = await m.talks();
    // The talks countersigned their joint statement: leave it so, except
    // where a case opens a new one.
    if (before) await before(m, h);
    m.push(await make(m, h));
    const r = await verify(await m.record(), m);
    assert.equal(r.code, code, `${what}: ${r.error}`);
    assert.ok(r.error.startsWith(`act ${m.length}: `), `${what}: ${r.error}`);
  }
});

test('what the rules allow: concurrent entries, a speaker of any role, corrections by the speaker, withdrawal by the giver', async () => {
  const m = await TestMeeting.create();
  const h = await m.talks();
  const base = m.length;
  await open(m);
  // Two rapporteurs typing at once: both built on the same acts, the second
  // dated before the first but not before what its author saw.
  const t = m.nextAt(120);
  await m.act('Anna', 'minute', { item: 0, text: 'East minute' }, { base: base + 1, at: t });
  await m.act('Rachel', 'minute', { item: 1, text: 'West minute' }, { base: base + 1, at: m.acts[base].act.at });
  // An observer speaking for himself; a statement corrected by its speaker.
  const st = await m.act('Tom', 'statement', { speaker: 'mbr_west_observer', item: null, text: 'A question.' });
  await m.act('Tom', 'correction', { entry: st, text: 'A short question.', reason: 'Typo.' });
  // An assurance withdrawn by a principal of the party that gave it; a readout corrected to 8000 bytes.
  await m.act('Helen', 'assurance_status', { assurance: h.assurance, meeting: m.meeting, status: 'withdrawn', note: 'Superseded.' });
  await m.act('Mikhail', 'correction', { entry: h.readoutEast, text: 'y'.repeat(8000), reason: 'Expanded.' });
  // A withdrawal of the meeting after entries, dated after the last act.
  await m.act('James', 'withdraw', { reason: 'Circumstances changed.' });
  const r = await verify(await m.record(), m);
  assert.equal(r.ok, true, r.error);
  const s = r.record;
  assert.equal(s.assurances[0].binding, false);
  assert.equal(s.assurances[0].status, 'withdrawn');
  assert.equal(s.entries.find((e) => e.hash === st).text, 'A short question.');
  assert.equal(s.readouts[0].text.length, 8000);
  assert.equal(s.withdrawal.afterAnnouncement, true);
  assert.equal(s.sessionOpen, true);
});

test('entries before the announcement: not signed by both, or before the publish instant', async () => {
  const early = await TestMeeting.create({ negotiate: false });
  await early.act('Irina', 'create', { counterparty: 'west', proposals: { ...early.terms } });
  for (const param of ['title', 'format', 'start', 'duration_minutes', 'roster', 'languages', 'agenda', 'announcement', 'predecessor'])
    await early.act('James', 'accept', { param, rev: 1 });
  await early.act('Irina', 'sign', { terms_hash: early.termsHash() });
  await early.act('Anna', 'session_open', present('east_rapporteur'));
  refused(await verify(await early.record(), early), 'act 12', 'not_announced');

  const later = await TestMeeting.create({ publish: '2026-11-05T00:00:00Z' });
  later.push(await later.envelope('Anna', 'session_open', present('east_rapporteur')));
  refused(await verify(await later.record(), later), 'act 13', 'not_announced');
  later.acts.pop();
  later.hashes.pop();
  later.time = '2026-11-05T00:00:00Z';
  // A proposal between agreement and the publish instant is still allowed and voids the signatures.
  await later.act('Anna', 'session_open', present('east_rapporteur'), { at: '2026-11-05T00:00:00Z' });
  await later.act('Anna', 'minute', { item: null, text: 'On time.' });
  assert.equal((await verify(await later.record(), later)).ok, true);
  const proposing = await TestMeeting.create({ publish: '2026-11-05T00:00:00Z' });
  await proposing.act('James', 'propose', { param: 'duration_minutes', value: 60 });
  proposing.push(await proposing.envelope('Anna', 'session_open', present('east_rapporteur'), { at: '2026-11-06T00:00:00Z' }));
  refused(await verify(await proposing.record(), proposing), 'act 14', 'not_announced');
  // After the announcement, a proposal is refused even before any entry.
  const announced = await TestMeeting.create();
  announced.push(await announced.envelope('James', 'propose', { param: 'duration_minutes', value: 60 }));
  refused(await verify(await announced.record(), announced), 'act 13', 'meeting_announced');
});

test('files that are not records are refused in words', async () => {
  const { m } = await talks();
  const doc = await talksRecord(m);
  const check = async (fn, code) => {
    const copy = structuredClone(doc);
    fn(copy);
    const r = await verifyRecord(JSON.stringify(copy), { trust: parseTrust(m.trust()) });
    assert.equal(r.code, code, r.error);
    assert.match(r.error, /^not a valid record: /);
  };
  await check((d) => { d.type = 'parley.export/1'; }, 'invalid_field');
  await check((d) => { delete d.log_key; }, 'missing_field');
  await check((d) => { d.extra = 1; }, 'unknown_field');
  await check((d) => { d.origin = `elsewhere/meeting/${d.meeting}x`; }, 'invalid_field');
  await check((d) => { d.final = 'yes'; }, 'invalid_field');
  await check((d) => { d.acts = []; }, 'invalid_field');
  const r = await verifyRecord('{"type": "parley.record/1", "type": "x"}');
  assert.equal(r.code, 'duplicate_key');
});

// ---------------------------------------------------------------- excerpts

test('excerpts: entries proven against a cosigned checkpoint; tampering, wrong indices and truncated paths refused', async () => {
  const { m } = await talks();
  const joint = 25;  // 0-based: the joint statement, then its countersignature
  const ex = await m.excerpt([joint, joint + 1], m.length, ['Irina', 'James']);
  let r = await verifyExcerpt(JSON.stringify(ex));
  assert.equal(r.ok, true, r.error);
  assert.equal(r.trusted, null);
  assert.deepEqual(r.entries.map((e) => [e.seq, e.kind, e.authorName, e.party]),
    [[26, 'joint_statement', 'Irina Sokolova', 'east'], [27, 'countersign', 'Helen Brooks', 'west']]);
  assert.deepEqual(r.countersigned, [{ statement: 26, by: 27 }]);
  assert.deepEqual([r.checkpoint.size, r.checkpoint.cosignedBy, r.checkpoint.both], [28, ['east', 'west'], true]);
  assert.equal(r.entries[1].summary, 'countersigned the joint statement of act 26');
  r = await verifyExcerpt(JSON.stringify(ex), { trust: parseTrust(m.trust()) });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.trusted, true);
  assert.ok(r.entries.every((e) => e.trusted));

  const check = async (fn, where, code, options) => {
    const copy = structuredClone(ex);
    await fn(copy);
    const x = await verifyExcerpt(JSON.stringify(copy), options);
    assert.equal(x.ok, false);
    assert.equal(x.code, code, x.error);
    assert.ok(x.error.startsWith(`${where}: `), x.error);
  };
  await check((d) => { d.entries[0].envelope.act.body.text += '!'; }, 'entry 1', 'bad_signature');
  await check((d) => { d.entries[0].index = 24; }, 'entry 1', 'tlog_root_mismatch');
  await check((d) => { d.entries[0].index = 28; }, 'entry 1', 'tlog_bad_index');
  await check((d) => { d.entries[1].proof.pop(); }, 'entry 2', 'tlog_bad_proof');
  await check((d) => { d.entries[1].proof.push(d.entries[1].proof[0]); }, 'entry 2', 'tlog_bad_proof');
  await check((d) => { d.entries[1].proof[0] = d.entries[0].proof[0]; }, 'entry 2', 'tlog_root_mismatch');
  await check((d) => { d.checkpoint = d.checkpoint.replace(/(mbr_west_negotiator )(\S{20})(.)/, (_, p, s, c) => p + s + (c === 'A' ? 'B' : 'A')); }, 'checkpoint 1', 'tlog_bad_signature');
  await check((d) => { d.members = d.members.filter((x) => x.id !== 'mbr_west_negotiator'); }, 'checkpoint 1', 'checkpoint_cosigner');
  await check((d) => { d.members.find((x) => x.id === 'mbr_west_leader').key = m.who('Oleg').key; }, 'entry 2', 'bad_signature');
  await check((d) => { d.members = d.members.filter((x) => x.id !== 'mbr_west_leader'); }, 'entry 2', 'unknown_author');
  await check((d) => { d.entries[0].index = -1; }, 'entry 1', 'invalid_field');
  await check((d) => { d.entries = Array(17).fill(d.entries[0]); }, 'not a valid excerpt', 'invalid_field');
  const other = m.trust();
  other.parties.west = [m.who('James').key];
  await check(() => {}, 'entry 2', 'untrusted_key', { trust: parseTrust(other) });
  other.parties.west = [m.who('Helen').key];
  await check(() => {}, 'checkpoint 1', 'untrusted_key', { trust: parseTrust(other) });

  // Cosigned by one side only: it verifies, and says so.
  const one = await verifyExcerpt(JSON.stringify(await m.excerpt([joint], m.length, ['Anna'])));
  assert.equal(one.ok, true, one.error);
  assert.deepEqual([one.checkpoint.both, one.checkpoint.cosignedBy], [false, ['east']]);
});

// ---------------------------------------------------------------- series

test('series: predecessor links, statuses on the predecessor\'s assurances', async () => {
  const first = await TestMeeting.create({ meeting: 'mtg_series_first_001' });
  const h1 = await first.talks();
  const second = await TestMeeting.create({ meeting: 'mtg_series_second_01', predecessor: first.meeting, t0: '2026-12-20T09:00:00Z', start: '2027-01-15T15:00:00Z' });
  await second.act('Anna', 'session_open', present('east_rapporteur'));
  await second.act('Irina', 'assurance_status', { assurance: h1.assurance, meeting: first.meeting, status: 'in_dispute', note: 'Exercises were seen.' });
  const texts = [JSON.stringify(await first.record()), JSON.stringify(await second.record())];
  const trust = parseTrust(first.trust());
  let r = await verifySeries(texts, { trust });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.records.length, 2);
  assert.deepEqual(r.carried.map((c) => [c.meeting, c.assurance.seq, c.latest, c.statuses.length]), [[first.meeting, 17, 'in_dispute', 2]]);
  assert.equal(r.records[1].record.foreignStatuses[0].assuranceSeq, 17);

  // Out of order: refused, unless asked to follow the links.
  r = await verifySeries([...texts].reverse(), { trust });
  assert.equal(r.code, 'wrong_predecessor', r.error);
  assert.match(r.error, /^record 2: /);
  r = await verifySeries([...texts].reverse(), { trust, reorder: true });
  assert.equal(r.ok, true, r.error);
  assert.deepEqual(r.records.map((x) => x.meeting), [first.meeting, second.meeting]);

  // A status naming what is not an assurance of the predecessor, or withdrawing one the author's party did not give.
  for (const [body, code] of [
    [{ assurance: 'cd'.repeat(32), meeting: first.meeting, status: 'fulfilled', note: '' }, 'unknown_entry'],
    [{ assurance: h1.minute, meeting: first.meeting, status: 'fulfilled', note: '' }, 'unknown_entry'],
    [{ assurance: h1.assurance, meeting: first.meeting, status: 'withdrawn', note: '' }, 'role_not_allowed'],
  ]) {
    const s = await TestMeeting.create({ meeting: 'mtg_series_second_01', predecessor: first.meeting, t0: '2026-12-20T09:00:00Z', start: '2027-01-15T15:00:00Z' });
    await s.act('Irina', 'assurance_status', body);
    const x = await verifySeries([texts[0], JSON.stringify(await s.record())], { trust });
    assert.equal(x.code, code, x.error);
    assert.match(x.error, /^record 2: act 13: /);
    // Alone, the second record verifies: its predecessor is not at hand.
    assert.equal((await verifyRecord(JSON.stringify(await s.record()), { trust })).ok, true);
  }
});

// ---------------------------------------------------------------- a long record

test('a record of 100 000 entries verifies in reasonable time', { timeout: 560e3 }, async () => {
  const count = Number(process.env.PARLEY_RECORD_ENTRIES || 100000);
  const m = await TestMeeting.create();
  await m.act('Anna', 'session_open', present('east_rapporteur', 'west_rapporteur'));
  // Minutes typed by two rapporteurs at once, 1000 at a time on the same base
  // (the looser position rule), signed in parallel.
  const authors = ['Anna', 'Rachel'];
  let t0 = Date.now();
  while (m.length < count + 12) {
    const base = m.length;
    const at = m.nextAt(1);
    const n = Math.min(1000, count + 12 - base);
    const envs = await Promise.all(Array.from({ length: n }, (_, i) =>
      m.envelope(authors[i % 2], 'minute', { item: i % 2, text: `Point ${base + i}: the delegations agreed to continue.` }, { base, at })));
    for (const e of envs) m.push(e);
  }
  const built = Date.now() - t0;
  const doc = {
    type: 'parley.record/1', meeting: m.meeting, exported_at: m.nextAt(), origin: m.origin, log_key: m.logKeys.publicKey,
    parties: m.parties(), members: m.listedMembers(), acts: m.acts, checkpoints: [], final: false,
  };
  // One checkpoint at the end, cosigned by both: its root is recomputed from every act.
  const tree = new MerkleTree();
  await tree.append(m.acts.map((e) => enc(canonicalize(e))));
  doc.checkpoints.push(await m.checkpoint(m.length, ['Anna', 'Rachel'], null, { root: await tree.root() }));
  const text = JSON.stringify(doc);
  t0 = Date.now();
  const r = await verifyRecord(text, { trust: parseTrust(m.trust()) });
  const took = Date.now() - t0;
  assert.equal(r.ok, true, r.error);
  assert.equal(r.record.entries.length, count);
  assert.equal(r.record.checkpoints[0].both, true);
  console.log(`# ${count} entries: built in ${(built / 1000).toFixed(1)} s, ${(text.length / 1e6).toFixed(1)} MB, verified in ${(took / 1000).toFixed(1)} s`);
  assert.ok(took < 240e3, `verification took ${took} ms`);
});
