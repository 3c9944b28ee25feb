// Records of the talks made in JavaScript for the tests of
// web/js/record-verifier.js: members with WebCrypto Ed25519 keys, acts
// signed as the browser signs them (identity.js), and a straightforward
// reference of RFC 9162 §2.1 (the definitions, recursively, with node:crypto)
// for tree hashes, inclusion paths and consistency proofs. Nothing here
// comes from the code under test but canonical JSON and the signed-note text
// format, which the tests check separately.

import { createHash } from 'node:crypto';

import { canonicalize } from '../../web/js/canonical.js';
import { toHex } from '../../web/js/encoding.js';
import { generateKeyPair, signDocument } from '../../web/js/identity.js';
import { addNoteSignature, formatCheckpoint, formatNote } from '../../web/js/signed-note.js';

// ---------------------------------------------------------------- RFC 9162 reference

const sha = (...parts) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());
const largestPowerBelow = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

// §2.1.1 MTH(D[n]).
export function refRoot(entries) {
  const n = entries.length;
  if (n === 0) return sha();
  if (n === 1) return sha([0], entries[0]);
  const k = largestPowerBelow(n);
  return sha([1], refRoot(entries.slice(0, k)), refRoot(entries.slice(k)));
}

export const refLeafHash = (entry) => sha([0], entry);

// §2.1.3.1 PATH(m, D[n]).
export function refPath(m, entries) {
  const n = entries.length;
  if (n <= 1) return [];
  const k = largestPowerBelow(n);
  return m < k ? [...refPath(m, entries.slice(0, k)), refRoot(entries.slice(k))]
    : [...refPath(m - k, entries.slice(k)), refRoot(entries.slice(0, k))];
}

// §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
export function refProof(m, entries, b = true) {
  const n = entries.length;
  if (m === 0) return [];  // the RFC defines 0 < m; the empty tree is a prefix of every tree
  if (m === n) return b ? [] : [refRoot(entries)];
  const k = largestPowerBelow(n);
  return m <= k ? [...refProof(m, entries.slice(0, k), b), refRoot(entries.slice(k))]
    : [...refProof(m - k, entries.slice(k), false), refRoot(entries.slice(0, k))];
}

// ---------------------------------------------------------------- a meeting

export const PARAMETER_ORDER = ['title', 'format', 'start', 'duration_minutes', 'roster', 'languages', 'agenda',
  'announcement', 'predecessor'];

// Who is who: id, party, name, directory roles, roster role (null: not on the roster).
const PEOPLE = [
  ['mbr_east_negotiator', 'east', 'Irina Sokolova', ['negotiator'], 'negotiator'],
  ['mbr_east_leader', 'east', 'Mikhail Orlov', ['leader'], 'leader'],
  ['mbr_east_rapporteur', 'east', 'Anna Petrova', ['rapporteur'], 'rapporteur'],
  ['mbr_east_aide', 'east', 'Pavel Smirnov', ['aide'], 'aide'],
  ['mbr_west_negotiator', 'west', 'James Carter', ['negotiator'], 'negotiator'],
  ['mbr_west_leader', 'west', 'Helen Brooks', ['leader'], 'leader'],
  ['mbr_west_rapporteur', 'west', 'Rachel Green', ['rapporteur'], 'rapporteur'],
  ['mbr_west_observer', 'west', 'Tom Hall', ['observer'], 'observer'],
  ['mbr_east_outsider', 'east', 'Oleg Volkov', ['negotiator', 'rapporteur'], null],
];

export const ORIGIN_HOST = '127.0.0.1:8080';

const keyCache = new Map();  // the same people, the same keys, across meetings of a test run
async function keysOf(id) {
  if (!keyCache.has(id)) {
    const pair = await generateKeyPair();
    keyCache.set(id, pair);
  }
  return keyCache.get(id);
}

function addSeconds(instant, s) {
  return new Date(Date.parse(instant) + s * 1000).toISOString().replace('.000Z', 'Z');
}

export class TestMeeting {
  // options: meeting id, publish ("on_agreement" or an instant), predecessor,
  // t0 (the create act's time), start (the meeting's, after t0: parley
  // verify checks it).
  static async create({ meeting = 'mtg_record_test_0001', publish = 'on_agreement', predecessor = null,
    t0 = '2026-11-01T09:00:00Z', start = '2026-12-07T15:00:00Z', negotiate = true } = {}) {
    const m = new TestMeeting();
    m.meeting = meeting;
    m.origin = `${ORIGIN_HOST}/meeting/${meeting}`;
    m.time = t0;
    m.members = [];
    for (const [id, party, name, roles, rosterRole] of PEOPLE) {
      const k = await keysOf(id);
      m.members.push({ id, party, name, roles, key: k.publicKey, rosterRole, privateKey: k.privateKey });
    }
    m.logKeys = await keysOf('log');
    m.acts = [];
    m.hashes = [];
    m.terms = {
      title: 'Video talks on regional security', format: 'video', start,
      duration_minutes: 90,
      roster: m.members.filter((x) => x.rosterRole).map((x) => ({ member: x.id, party: x.party, role: x.rosterRole, key: x.key })),
      languages: { languages: ['en', 'ru'], interpretation: [] },
      agenda: [{ title: 'Security guarantees' }, { title: 'Arms control' }],
      announcement: { text: 'The leaders will hold talks by video.', publish },
      predecessor,
    };
    if (negotiate) await m.negotiate();
    return m;
  }

  who(id) {
    const x = this.members.find((p) => p.id === id || p.name.startsWith(id));
    if (!x) throw new Error(`no member ${id}`);
    return x;
  }

  get length() {
    return this.acts.length;
  }

  get head() {
    return this.hashes.at(-1) ?? '';
  }

  nextAt(seconds = 60) {
    this.time = addSeconds(this.time, seconds);
    return this.time;
  }

  // A signed envelope, not appended. options: base (default: everything so
  // far), prev (default: hash of act base), at, signer (another member's
  // key), meeting.
  async envelope(authorId, kind, body, options = {}) {
    const author = this.who(authorId);
    const base = options.base ?? this.length;
    const act = {
      type: 'parley.act/1', meeting: options.meeting ?? this.meeting, base,
      prev: options.prev ?? (base === 0 ? '' : this.hashes[base - 1]), kind, body, author: author.id,
      at: options.at ?? this.nextAt(),
    };
    const signer = options.signer ? this.who(options.signer) : author;
    return { act, signature: await signDocument(signer.privateKey, act) };
  }

  push(env) {
    this.acts.push(env);
    this.hashes.push(toHex(createHash('sha256').update(canonicalize(env)).digest()));
    return this.hashes.at(-1);
  }

  // Appends a signed act; returns its hash.
  async act(authorId, kind, body, options) {
    return this.push(await this.envelope(authorId, kind, body, options));
  }

  termsDocument() {
    return { type: 'parley.terms/1', meeting: this.meeting, parties: ['east', 'west'], ...this.terms };
  }

  termsHash() {
    return toHex(createHash('sha256').update(canonicalize(this.termsDocument())).digest());
  }

  async negotiate() {
    await this.act('Irina', 'create', { counterparty: 'west', proposals: { ...this.terms } });
    for (const param of PARAMETER_ORDER) await this.act('James', 'accept', { param, rev: 1 });
    await this.act('Irina', 'sign', { terms_hash: this.termsHash() });
    await this.act('James', 'sign', { terms_hash: this.termsHash() });
  }

  leaves(size = this.length) {
    return this.acts.slice(0, size).map((e) => new TextEncoder().encode(canonicalize(e)));
  }

  root(size = this.length) {
    return refRoot(this.leaves(size));
  }

  // A checkpoint note of the first `size` acts signed by the log's key and
  // cosigned by the given members, with the consistency proof from fromSize.
  async checkpoint(size, cosigners = [], fromSize = null, { root = null } = {}) {
    const text = formatCheckpoint({ origin: this.origin, size, root: root ?? this.root(size) });
    let note = { text, signatures: [] };
    note = await addNoteSignature(note, this.origin, this.logKeys.privateKey, this.rawKey(this.logKeys.publicKey));
    for (const id of cosigners) {
      const m = this.who(id);
      note = await addNoteSignature(note, `${this.origin}/member/${m.id}`, m.privateKey, this.rawKey(m.key));
    }
    const consistency = fromSize === null ? [] : refProof(fromSize, this.leaves(size)).map((h) => toHex(h));
    return { note: formatNote(note), consistency };
  }

  rawKey(b64) {
    return new Uint8Array(Buffer.from(b64, 'base64url'));
  }

  parties() {
    return [
      { id: 'east', name: 'Eastern Delegation', time_zone: 'Europe/Moscow' },
      { id: 'west', name: 'Western Delegation', time_zone: 'America/New_York' },
    ];
  }

  listedMembers() {
    return this.members.map(({ id, party, name, roles, key }) => ({ id, party, name, roles, key }));
  }

  // The exported record with the given checkpoints ({size, cosigners}),
  // each with the consistency proof from the one before.
  async record(checkpoints = [], { final = null } = {}) {
    const cps = [];
    let prev = null;
    for (const c of checkpoints) {
      cps.push(await this.checkpoint(c.size, c.cosigners ?? [], prev));
      prev = c.size;
    }
    return {
      type: 'parley.record/1', meeting: this.meeting, exported_at: addSeconds(this.time, 3600),
      origin: this.origin, log_key: this.logKeys.publicKey, parties: this.parties(), members: this.listedMembers(),
      acts: structuredClone(this.acts), checkpoints: cps, final: final ?? false,
    };
  }

  // An excerpt of the acts at these 0-based indices against a checkpoint of `size`.
  async excerpt(indices, size, cosigners) {
    const cp = await this.checkpoint(size, cosigners);
    const leaves = this.leaves(size);
    const signers = new Set([...indices.map((i) => this.acts[i].act.author), ...cosigners.map((c) => this.who(c).id)]);
    return {
      type: 'parley.excerpt/1', meeting: this.meeting, origin: this.origin, parties: this.parties(),
      members: this.listedMembers().filter((m) => signers.has(m.id)),
      entries: indices.map((i) => ({
        envelope: structuredClone(this.acts[i]), index: i, proof: refPath(i, leaves).map((h) => toHex(h)),
      })),
      checkpoint: cp.note,
    };
  }

  // parley record pin: the signing negotiators' and the roster's keys.
  trust() {
    const parties = { east: [], west: [] };
    for (const m of this.members) if (m.rosterRole) parties[m.party].push(m.key);
    return { type: 'parley.trust/1', parties };
  }

  // A typical record: two sessions, minutes, statements, an assurance drafted,
  // given, acknowledged and fulfilled, a correction, readouts and a
  // countersigned joint statement.
  async talks() {
    const present = ['mbr_east_negotiator', 'mbr_east_rapporteur', 'mbr_west_negotiator', 'mbr_west_rapporteur'];
    const h = {};
    h.open1 = await this.act('Anna', 'session_open', { present });
    h.minute = await this.act('Anna', 'minute', { item: 0, text: 'The delegations exchanged views on guarantees.' });
    h.statement = await this.act('Rachel', 'statement', { speaker: 'mbr_west_negotiator', item: 0, text: 'We seek verifiable limits.' });
    h.draft = await this.act('Rachel', 'assurance_draft', {
      giver: 'west', item: 1, text: 'No exercises within 50 km of the border.', scope: 'Land forces', until: '2027-06-01T00:00:00Z',
    });
    h.assurance = await this.act('James', 'assurance', {
      to: 'east', item: 1, text: 'No exercises within 50 km of the border.', scope: 'Land forces',
      until: '2027-06-01T00:00:00Z', draft: h.draft,
    });
    h.ack = await this.act('Irina', 'acknowledge', { assurance: h.assurance });
    h.close1 = await this.act('Anna', 'session_close', { present });
    h.open2 = await this.act('Irina', 'session_open', { present: ['mbr_east_negotiator', 'mbr_west_negotiator'] });
    h.minute2 = await this.act('Irina', 'minute', { item: null, text: 'Short second session.' });
    h.correction = await this.act('Anna', 'correction', { entry: h.minute, text: 'The delegations exchanged views on security guarantees.', reason: 'Precision.' });
    h.close2 = await this.act('James', 'session_close', { present: ['mbr_east_negotiator', 'mbr_west_negotiator'] });
    h.readoutEast = await this.act('Mikhail', 'readout', { text: 'Constructive talks were held.' });
    h.readoutWest = await this.act('Helen', 'readout', { text: 'Frank talks.' });
    h.joint = await this.act('Irina', 'joint_statement', { text: 'Both sides agreed to meet again.' });
    h.countersign = await this.act('Helen', 'countersign', { statement: h.joint });
    h.status = await this.act('Rachel', 'assurance_status', { assurance: h.assurance, meeting: this.meeting, status: 'fulfilled', note: '' });
    return h;
  }
}
