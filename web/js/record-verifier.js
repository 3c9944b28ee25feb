// The browser's offline verifier of the record of the talks
// (docs/record.md): exported records (parley.record/1), excerpts
// (parley.excerpt/1) and series of records, checked with nothing but the
// files and a trust, as `parley verify` checks them; and RecordState, the
// same replay fed one act at a time, for the live record panel.
//
//   await verifyRecord(text, { trust })          // text or UTF-8 bytes; trust from parseTrust()
//   await verifyExcerpt(text, { trust })         // trust optional
//   await verifySeries([text, …], { trust })     // oldest first (or { reorder: true })
//   const state = new RecordState({ meeting, parties, members, origin, logKey });
//   await state.append(envelope);                // {ok, act} | {ok: false, seq, code, error, act}
//   await state.addCheckpoint({ note, consistency });
//   state.view();                                // the display state below
//
// None of these throws for bad input. Acts are replayed by meeting-log.js
// (every rule, in the order it documents); this module adds the documents,
// the trust, the Merkle tree and checkpoints, and the `final` claim.
//
// ---------------------------------------------------------------- state
//
// RecordState.view() (and the `record` of verifyRecord's result), plain
// objects owned by the state and updated in place as acts arrive: read
// them, do not change them. Times are instants ("2026-12-07T15:00:00Z");
// hashes lowercase hex; `fingerprint` the short form of a key
// ("1a2b 3c4d 5e6f 7a8b": the first 8 bytes of SHA-256 of the base64url
// key text, as on the call page).
//
//   { meeting, origin, parties: [{id, name, timeZone}],     // [initiator, counterparty]
//     length, head,                                          // acts accepted, hash of the last
//     agreed, agreedAt, announceAt, termsHash, withdrawal,   // withdrawal: {party, member, reason, at, seq, afterAnnouncement} | null
//     roster: [{member, name, party, role, key, fingerprint, position}],   // the signed roster ([] until agreed)
//     acts: [Act],                  // every act, negotiation and record
//     entries: [Entry],             // the record entries, in log order
//     sessionOpen,                  // whether a session is open after the last act
//     sessions: [{number, open: Entry, close: Entry | null}],
//     assurances: [Entry],          // kind "assurance", with acknowledged/statuses/binding
//     drafts: [Entry], readouts: [Entry], jointStatements: [Entry],
//     foreignStatuses: [Entry],     // assurance_status entries naming the predecessor's assurances
//     checkpoints: [Checkpoint], final, finalCheckpoint }    // finalCheckpoint: its number, or null
//
//   Act:   { seq, kind, author, authorName, party, role, at, hash, fingerprint, summary, signatureOk, verified }
//   Entry: { seq, hash, kind, author, authorName, party, role, at, fingerprint, summary, body, …by kind:
//     session_open/close: present: [{member, name, party, role}], session (number)
//     minute:     item, text (current), originalText, corrections: [Entry]
//     statement:  speaker, speakerName, speakerParty, recordedByRapporteur, item, text, originalText, corrections
//     readout:    text, originalText, corrections
//     assurance_draft: giver, item, text, scope, until, usedBy (seq of the assurance | null)
//     assurance:  giver, to, item, text, scope, until, draft (hash | null), binding,
//                 acknowledged: Entry | null, statuses: [Entry], status (latest | null)
//     acknowledge: assurance (hash), assuranceSeq
//     joint_statement: text, countersigned: Entry | null
//     countersign: statement (hash), statementSeq
//     correction: entry (hash), entrySeq, text, reason
//     assurance_status: assurance (hash), assuranceSeq (this meeting only), meeting, status, note }
//   `item` is the 0-based agenda index or null. An assurance binds from the
//   moment a principal of the giving party records it (only they may), until
//   a status `withdrawn` by a principal of that party; an acknowledgement
//   means "received as recorded", not agreement.
//   Checkpoint: { number, size, root, cosigners: [{member, name, party, role, fingerprint}],
//                 cosignedBy: [party ids], both, coversClose, sessionOpen, final }
//
// ---------------------------------------------------------------- results
//
// verifyRecord → { type: 'record', ok, code, error, meeting, exportedAt, origin, logKey, actsInFile,
//   checkpointsInFile, finalClaim, final, members, parties, head, termsHash, terms, agreed, signatures,
//   withdrawal, acts, record (the view above), trusted (true | false), pinned: [{party, keys}] }
// verifyExcerpt → { type: 'excerpt', ok, code, error, meeting, origin, parties, members,
//   checkpoint: {size, root, cosigners, cosignedBy, both, logSignature: 'not checked'},
//   entries: [{seq, index, hash, kind, author, authorName, party, roles, at, fingerprint, summary, body,
//              trusted}], countersigned: [{statement, by}], trusted (true | false | null) }
// verifySeries → { type: 'series', ok, code, error, records: [verifyRecord results],
//   carried: [{meeting, assurance: Entry, statuses: [Entry], latest}] }
// error names the first failure: "act N: …", "checkpoint N: …", "final: …",
// "not a valid record: …", and in a series "record K: …"; always "… [code]".
// Codes are those of docs/record.md and docs/api/errors.md, plus (the spec
// names none) no_trust, untrusted_key, final_mismatch, wrong_predecessor and
// unsupported.

import { canonicalize } from './canonical.js';
import { fromBase64url, fromHex, toHex, utf8 } from './encoding.js';
import {
  MeetingLog, Refusal, refuse, requireFields, parseText, checkParties, checkMembers, checkEnvelope,
  ed25519Available, shortFingerprint, isObject,
} from './meeting-log.js';
import { MerkleTree, leafHash, verifyConsistency, verifyInclusion, equalHashes } from './merkle.js';
import { NoteError, parseNote, parseCheckpoint, verifyNoteKey, isKeyName, ed25519KeyId } from './signed-note.js';
import { exportState } from './verifier.js';

export { MeetingLog };

const COSIGNING_ROLES = ['negotiator', 'leader', 'rapporteur'];  // §Checkpoints of a meeting

// NoteError and other refusals become Refusals, one error style.
async function noting(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof NoteError) throw new Refusal(e.code, e.message);
    throw e;
  }
}

// Every line under a member's key name must be that member's key, and
// verify: stricter than signed-note's "ignore unknown keys", because the key
// name says whose cosignature it claims to be (docs/record.md §Verification 4).
async function verifyMemberLines(note, keyName, key, whose) {
  const keyId = await noting(() => ed25519KeyId(keyName, fromBase64url(key)));
  if (note.signatures.some((s) => s.keyName === keyName && !s.keyId.every((x, i) => x === keyId[i])))
    refuse('tlog_bad_signature', `a cosignature under ${keyName} is not made with ${whose}`);
  await noting(() => verifyNoteKey(note, keyName, fromBase64url(key)));
}

function hashList(list, what) {
  if (!Array.isArray(list)) refuse('invalid_field', `${what} must be an array of hex hashes`);
  return list.map((h) => {
    const b = fromHex(h);
    if (!b || b.length !== 32) refuse('invalid_field', `${what} holds something that is not a lowercase hex SHA-256`);
    return b;
  });
}

function checkOrigin(origin, meeting) {
  if (typeof origin !== 'string' || !isKeyName(origin) || !origin.endsWith(`/meeting/${meeting}`))
    refuse('invalid_field', `origin must be "<host>/meeting/${meeting}", without spaces or "+"`);
}

const unsupported = {
  code: 'unsupported',
  error: 'this browser cannot check Ed25519 signatures; use a current Chromium, Firefox or Safari, or `parley verify` [unsupported]',
};

async function cryptoMissing() {
  return !(globalThis.crypto?.subtle && await ed25519Available());
}

// ---------------------------------------------------------------- trust

// A trust: which keys speak for which party (docs/record.md, `parley.trust/1`).
// From the text or bytes of a trust file, or its parsed object. Returns
// { parties: Map<party, Set<key>> }; throws a Refusal (invalid_field …).
export function parseTrust(input) {
  const bytes = ArrayBuffer.isView(input) || input instanceof ArrayBuffer;
  const doc = isObject(input) && !bytes ? input : parseText(input, 'a trust file');
  requireFields(doc, ['type', 'parties'], 'the trust');
  if (doc.type !== 'parley.trust/1') refuse('invalid_field', 'this is not a parley.trust/1 document');
  if (!isObject(doc.parties)) refuse('invalid_field', 'the trust\'s parties must be an object of party → keys');
  const parties = new Map();
  for (const [party, keys] of Object.entries(doc.parties)) {
    if (!Array.isArray(keys)) refuse('invalid_field', `the trust's keys for ${party} must be an array`);
    for (const k of keys) {
      const raw = fromBase64url(k);
      if (!raw || raw.length !== 32) refuse('invalid_field', `the trust lists a key for ${party} that is not a base64url Ed25519 key`);
    }
    parties.set(party, new Set(keys));
  }
  return { parties };
}

// A trust from "party=key" pairs (the page's pasted keys, like `parley
// verify --party-key PARTY=KEY`), one per line or separated by spaces.
export function trustFromPairs(text) {
  const parties = {};
  for (const pair of String(text).split(/\s+/).filter(Boolean)) {
    const m = /^([^=]+)=(.+)$/.exec(pair);
    if (!m) refuse('invalid_field', `"${pair}" is not PARTY=KEY`);
    (parties[m[1]] ??= []).push(m[2]);
  }
  return parseTrust({ type: 'parley.trust/1', parties });
}

export function mergeTrusts(...trusts) {
  const parties = new Map();
  for (const t of trusts.filter(Boolean))
    for (const [party, keys] of t.parties) parties.set(party, new Set([...(parties.get(party) ?? []), ...keys]));
  return { parties };
}

const isTrusted = (trust, party, key) => !!trust?.parties.get(party)?.has(key);

function pinnedList(trust) {
  return trust ? [...trust.parties].map(([party, keys]) => ({ party, keys: [...keys] })) : [];
}

// ---------------------------------------------------------------- RecordState

// One meeting's record, act by act and checkpoint by checkpoint: a MeetingLog
// (the rules), the Merkle tree of its acts, and the checkpoints verified
// against it. origin and logKey (base64url) are needed for checkpoints only.
export class RecordState {
  constructor({ meeting, parties, members, origin = null, logKey = null }) {
    this.log = new MeetingLog({ meeting, parties, members });
    this.origin = origin;
    this.logKey = logKey;
    this.tree = new MerkleTree();
    this.checkpoints = [];
  }

  append(envelope) {
    return this.log.append(envelope);
  }

  appendAll(envelopes, options) {
    return this.log.appendAll(envelopes, options);
  }

  // The tree over every accepted act; hashed only when a root is asked for,
  // the new leaves' parents level by level in parallel.
  async root(size = this.log.length) {
    if (this.tree.size < this.log.leafHashes.length)
      await this.tree.appendLeafHashes(this.log.leafHashes.slice(this.tree.size));
    return this.tree.root(size);
  }

  // Who may cosign for a party (§Checkpoints of a meeting): a principal or
  // rapporteur on the signed roster, or the member who signed the terms for
  // their party. {member, party, role, key} or a Refusal.
  cosigner(id) {
    const log = this.log;
    const onRoster = log.signedRoster()?.get(id);
    const signed = [...log.signatures.entries()].find(([, s]) => s.member === id);
    if (!onRoster && !signed) refuse('not_on_roster', `a cosignature names ${id}, who is not on the signed roster`);
    if (onRoster && !COSIGNING_ROLES.includes(onRoster.role) && !signed)
      refuse('role_not_allowed', `${log.memberName(id)} (${onRoster.role}) may not cosign for ${onRoster.party}`);
    if (onRoster) return { member: id, party: onRoster.party, role: onRoster.role, key: onRoster.key };
    return { member: id, party: signed[0], role: 'negotiator', key: log.members.get(id).key };
  }

  // Verifies a checkpoint of this meeting (§Verification 4) and adds it:
  // origin, the log key's signature, the root against the tree of the first
  // `size` acts, the consistency proof from the previous checkpoint, and each
  // cosignature line `<origin>/member/<id>` against that member's roster key
  // and right. {ok, checkpoint} or {ok: false, code, message, error}.
  // replaceSameSize: a newer version of the last checkpoint (more
  // cosignatures, as the live page receives them) replaces it.
  async addCheckpoint(cp, { replaceSameSize = false } = {}) {
    let number = this.checkpoints.length + 1;
    try {
      requireFields(cp, ['note', 'consistency'], 'a checkpoint');
      if (typeof cp.note !== 'string') refuse('invalid_field', 'a checkpoint\'s note must be text');
      const proof = hashList(cp.consistency, 'consistency');
      if (!this.origin || !this.logKey) refuse('invalid_field', 'checkpoints need the log\'s origin and key');
      const note = await noting(() => parseNote(cp.note));
      const c = await noting(() => parseCheckpoint(note.text));
      if (c.origin !== this.origin) refuse('tlog_wrong_origin', `the checkpoint is of ${c.origin}, not of ${this.origin}`);
      await noting(() => verifyNoteKey(note, this.origin, fromBase64url(this.logKey)));
      let prev = this.checkpoints.at(-1);
      if (replaceSameSize && prev && prev.size === c.size) {
        number = prev.number;
        prev = this.checkpoints.at(-2);
      }
      if (c.size > this.log.length)
        refuse('tlog_bad_size', `it covers ${c.size} acts, but the log has ${this.log.length}`);
      if (prev && c.size <= prev.size)
        refuse('tlog_bad_size', `its size ${c.size} is not larger than the previous checkpoint's (${prev.size})`);
      if (!equalHashes(await this.root(c.size), c.root))
        refuse('tlog_root_mismatch', `its root is not the tree hash of the first ${c.size} acts`);
      if (!prev && proof.length > 0) refuse('tlog_bad_proof', 'the first checkpoint carries a consistency proof');
      if (prev) {
        const code = await verifyConsistency(prev.size, c.size, prev.rootBytes, c.root, proof);
        if (code) refuse(code, `its consistency proof from checkpoint ${prev.number} (size ${prev.size}) does not hold`);
      }
      const cosigners = await this.cosignersOf(note);
      const log = this.log;
      const cosignedBy = log.parties.filter((p) => cosigners.some((x) => x.party === p));
      const both = log.parties.length === 2 && cosignedBy.length === 2;
      const coversClose = log.firstCloseSeq !== null && log.firstCloseSeq <= c.size;
      const sessionOpen = c.size > 0 && log.sessionOpenAfter[c.size - 1];
      const checkpoint = {
        number, size: c.size, root: toHex(c.root), rootBytes: c.root, note: cp.note, cosigners, cosignedBy, both,
        coversClose, sessionOpen, final: both && coversClose && !sessionOpen,
      };
      if (number <= this.checkpoints.length) this.checkpoints[number - 1] = checkpoint;
      else this.checkpoints.push(checkpoint);
      return { ok: true, checkpoint };
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return { ok: false, code: e.code, message: e.message, error: `checkpoint ${number}: ${e.message} [${e.code}]` };
    }
  }

  async cosignersOf(note) {
    const prefix = `${this.origin}/member/`;
    const out = [];
    const names = [...new Set(note.signatures.map((s) => s.keyName).filter((n) => n.startsWith(prefix)))];
    for (const keyName of names) {
      const who = this.cosigner(keyName.slice(prefix.length));
      await verifyMemberLines(note, keyName, who.key, `${who.member}'s roster key`);
      out.push({
        member: who.member, name: this.log.memberName(who.member), party: who.party, role: who.role,
        fingerprint: await shortFingerprint(who.key),
      });
    }
    return out;
  }

  get finalCheckpoint() {
    return this.checkpoints.find((c) => c.final) ?? null;
  }

  view() {
    const log = this.log;
    const fc = this.finalCheckpoint;
    return {
      meeting: log.meeting, origin: this.origin,
      parties: (log.parties.length ? log.parties : log.listedParties).map((id) => ({
        id, name: log.partyName(id), timeZone: log.partyById.get(id)?.time_zone ?? null,
      })),
      length: log.length, head: log.head,
      agreed: log.agreed, agreedAt: log.agreedAt, announceAt: log.announceAt,
      termsHash: log.agreed ? log.termsHashCache ?? null : null, withdrawal: log.withdrawal,
      roster: log.agreed ? [...log.signedRoster().values()] : [],
      acts: log.acts, entries: log.entries, sessionOpen: log.openSession !== null, sessions: log.sessions,
      assurances: log.assurances, drafts: log.drafts, readouts: log.readouts, jointStatements: log.jointStatements,
      foreignStatuses: log.foreignStatuses,
      checkpoints: this.checkpoints, final: fc !== null, finalCheckpoint: fc ? fc.number : null,
    };
  }
}

// Replays acts (and checkpoints) into a new RecordState: { state, ok, code, error }.
export async function replayRecord(acts, { meeting, parties, members, origin = null, logKey = null, checkpoints = [] }) {
  const state = new RecordState({ meeting, parties, members, origin, logKey });
  let r = await state.appendAll(acts);
  for (const cp of checkpoints) {
    if (!r.ok) break;
    r = await state.addCheckpoint(cp);
  }
  return { state, ok: r.ok, code: r.ok ? null : r.code, error: r.ok ? null : r.error };
}

// ---------------------------------------------------------------- records

function checkRecordDocument(doc) {
  requireFields(doc, ['type', 'meeting', 'exported_at', 'origin', 'log_key', 'parties', 'members', 'acts',
    'checkpoints', 'final'], 'the record');
  if (doc.type !== 'parley.record/1') refuse('invalid_field', 'this is not a parley.record/1 document');
  if (typeof doc.meeting !== 'string') refuse('invalid_field', 'meeting must be a string');
  if (typeof doc.exported_at !== 'string') refuse('invalid_field', 'exported_at must be a string');
  checkOrigin(doc.origin, doc.meeting);
  const key = fromBase64url(doc.log_key);
  if (!key || key.length !== 32) refuse('invalid_field', 'log_key must be a base64url Ed25519 key');
  checkParties(doc.parties);
  const members = checkMembers(doc.members);
  if (!Array.isArray(doc.acts) || doc.acts.length === 0) refuse('invalid_field', 'acts must be a non-empty array');
  if (!Array.isArray(doc.checkpoints)) refuse('invalid_field', 'checkpoints must be an array');
  if (typeof doc.final !== 'boolean') refuse('invalid_field', 'final must be true or false');
  return members;
}

// §Verification 3: both `sign` acts by keys the trust gives for their parties.
function trustError(log, members, trust) {
  if (!trust)
    return { code: 'no_trust', message: 'no trust was given for the parties\' keys (a trust file or party keys): keys from the file itself prove nothing' };
  if (!log.agreed) return { code: 'not_agreed', message: 'the terms are not signed by both parties' };
  for (const party of log.parties) {
    const s = log.signatures.get(party);
    const m = members.get(s.member);
    if (!isTrusted(trust, party, m.key))
      return {
        code: 'untrusted_key', seq: s.seq,
        message: `${m.name} (${s.member}) signed the terms for ${log.partyName(party)} with a key the trust does not give for ${party}`,
      };
  }
  return null;
}

// Verifies the text (or UTF-8 bytes) of a parley.record/1 file, as `parley
// verify RECORD --trust …` does (§Verification: `parley verify`).
export async function verifyRecord(text, { trust = null } = {}) {
  const result = {
    type: 'record', ok: false, code: null, error: null, meeting: null, exportedAt: null, origin: null, logKey: null,
    actsInFile: 0, checkpointsInFile: 0, finalClaim: null, final: false, members: [], parties: [], head: '',
    termsHash: null, terms: null, agreed: false, signatures: [], withdrawal: null, acts: [], record: null,
    trusted: false, pinned: pinnedList(trust),
  };
  let doc;
  let members;
  try {
    doc = parseText(text, 'a record');
    members = checkRecordDocument(doc);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    result.code = e.code;
    result.error = `not a valid record: ${e.message} [${e.code}]`;
    return result;
  }
  if (await cryptoMissing()) return Object.assign(result, unsupported);
  Object.assign(result, {
    meeting: doc.meeting, exportedAt: doc.exported_at, origin: doc.origin, logKey: doc.log_key,
    actsInFile: doc.acts.length, checkpointsInFile: doc.checkpoints.length, finalClaim: doc.final,
    members: doc.members.map((m) => ({ id: m.id, party: m.party, name: m.name, roles: [...m.roles], key: m.key })),
  });
  const fail = (code, error) => {
    if (result.error === null) Object.assign(result, { code, error });
  };

  // 2. Every act, in order.
  const state = new RecordState({ meeting: doc.meeting, parties: doc.parties, members, origin: doc.origin, logKey: doc.log_key });
  const r = await state.appendAll(doc.acts);
  result.acts = [...state.log.acts];
  if (!r.ok) {
    if (r.act) result.acts.push(r.act);
    fail(r.code, r.error);
  }
  // 3. The trust.
  const t = trustError(state.log, members, trust);
  result.trusted = t === null;
  if (t && r.ok) fail(t.code, t.seq ? `act ${t.seq}: ${t.message} [${t.code}]` : `${t.message} [${t.code}]`);
  // 4. The checkpoints (only over a log that verified: a root over refused acts means nothing).
  if (r.ok) {
    for (const cp of doc.checkpoints) {
      const c = await state.addCheckpoint(cp);
      if (!c.ok) {
        fail(c.code, c.error);
        break;
      }
    }
  }
  // 5. The final claim.
  result.final = state.finalCheckpoint !== null;
  if (r.ok && state.checkpoints.length === doc.checkpoints.length && result.final !== doc.final)
    fail('final_mismatch', doc.final
      ? 'final: the record claims to be final, but no checkpoint cosigned by both parties covers a closed session with none open [final_mismatch]'
      : `final: the record claims not to be final, but checkpoint ${state.finalCheckpoint.number} makes it final [final_mismatch]`);

  Object.assign(result, await exportState(state.log, doc, members));
  result.record = state.view();
  result.state = state;
  result.ok = result.error === null;
  return result;
}

// ---------------------------------------------------------------- excerpts

function checkExcerptDocument(doc) {
  requireFields(doc, ['type', 'meeting', 'origin', 'parties', 'members', 'entries', 'checkpoint'], 'the excerpt');
  if (doc.type !== 'parley.excerpt/1') refuse('invalid_field', 'this is not a parley.excerpt/1 document');
  if (typeof doc.meeting !== 'string') refuse('invalid_field', 'meeting must be a string');
  checkOrigin(doc.origin, doc.meeting);
  checkParties(doc.parties);
  const members = checkMembers(doc.members);
  if (!Array.isArray(doc.entries) || doc.entries.length === 0) refuse('invalid_field', 'entries must be a non-empty array');
  if (typeof doc.checkpoint !== 'string') refuse('invalid_field', 'checkpoint must be the text of a signed note');
  return members;
}

// Verifies an excerpt (§Excerpts): each entry's signature with the listed
// member's key and its inclusion proof against the checkpoint, the
// checkpoint's cosignatures, and with a trust that every signer's key is
// trusted for their party. The log's own signature is not checked: an
// excerpt does not carry the log's key, and it proves nothing to a reader.
export async function verifyExcerpt(text, { trust = null } = {}) {
  const result = {
    type: 'excerpt', ok: false, code: null, error: null, meeting: null, origin: null, parties: [], members: [],
    checkpoint: null, entries: [], countersigned: [], trusted: trust ? false : null, pinned: pinnedList(trust),
  };
  let doc;
  let members;
  try {
    doc = parseText(text, 'an excerpt');
    members = checkExcerptDocument(doc);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    result.code = e.code;
    result.error = `not a valid excerpt: ${e.message} [${e.code}]`;
    return result;
  }
  if (await cryptoMissing()) return Object.assign(result, unsupported);
  Object.assign(result, {
    meeting: doc.meeting, origin: doc.origin,
    parties: doc.parties.map((p) => ({ id: p.id, name: p.name, timeZone: p.time_zone })),
    members: doc.members.map((m) => ({ id: m.id, party: m.party, name: m.name, roles: [...m.roles], key: m.key })),
  });
  // A log with no acts, for names and summaries only.
  const words = new MeetingLog({ meeting: doc.meeting, parties: doc.parties, members });
  const untrusted = [];
  let where = 'checkpoint';
  try {
    const note = await noting(() => parseNote(doc.checkpoint));
    const c = await noting(() => parseCheckpoint(note.text));
    if (c.origin !== doc.origin) refuse('tlog_wrong_origin', `the checkpoint is of ${c.origin}, not of ${doc.origin}`);
    const prefix = `${doc.origin}/member/`;
    const cosigners = [];
    for (const keyName of new Set(note.signatures.map((s) => s.keyName).filter((n) => n.startsWith(prefix)))) {
      const id = keyName.slice(prefix.length);
      const m = members.get(id);
      if (!m) refuse('unknown_author', `a cosignature names ${id}, who is not listed in the excerpt`);
      if (!m.roles.some((r) => COSIGNING_ROLES.includes(r)))
        refuse('role_not_allowed', `${m.name} (${m.roles.join(', ')}) may not cosign for ${m.party}`);
      await verifyMemberLines(note, keyName, m.key, `${id}'s listed key`);
      if (trust && !isTrusted(trust, m.party, m.key)) untrusted.push(`${m.name}'s key (cosigning for ${m.party})`);
      cosigners.push({ member: id, name: m.name, party: m.party, roles: [...m.roles], fingerprint: await shortFingerprint(m.key) });
    }
    const partyIds = doc.parties.map((p) => p.id);
    const cosignedBy = partyIds.filter((p) => cosigners.some((x) => x.party === p));
    result.checkpoint = {
      size: c.size, root: toHex(c.root), cosigners, cosignedBy, both: cosignedBy.length === 2, logSignature: 'not checked',
    };

    for (const [i, e] of doc.entries.entries()) {
      where = `entry ${i + 1}`;
      requireFields(e, ['envelope', 'index', 'proof'], 'an excerpt entry');
      if (!Number.isSafeInteger(e.index) || e.index < 0) refuse('invalid_field', 'index must be a leaf index');
      where = `act ${e.index + 1}`;
      const proof = hashList(e.proof, 'proof');
      checkEnvelope(e.envelope);
      const a = e.envelope.act;
      if (a.meeting !== doc.meeting) refuse('wrong_meeting', `the act names meeting ${a.meeting}, not ${doc.meeting}`);
      const m = members.get(a.author);
      if (!m) refuse('unknown_author', `the author ${a.author} is not listed in the excerpt`);
      const canonAct = canonicalize(a);
      const bytes = utf8(`{"act":${canonAct},"signature":${canonicalize(e.envelope.signature)}}`);
      if (!await words.verifySignature(m.key, canonAct, e.envelope.signature))
        refuse('bad_signature', `the signature does not verify with the key listed for ${m.name} (${a.author})`);
      const code = await verifyInclusion(e.index, c.size, await leafHash(bytes), proof, c.root);
      if (code) refuse(code, `its inclusion proof at index ${e.index} does not lead to the checkpoint's root (size ${c.size})`);
      const hash = toHex(await crypto.subtle.digest('SHA-256', bytes));
      words.seqByHash.set(hash, e.index + 1);
      const trusted = trust ? isTrusted(trust, m.party, m.key) : null;
      if (trusted === false) untrusted.push(`${m.name}'s key (act ${e.index + 1})`);
      result.entries.push({
        seq: e.index + 1, index: e.index, hash, kind: a.kind, author: a.author, authorName: m.name, party: m.party,
        roles: [...m.roles], at: a.at, fingerprint: await shortFingerprint(m.key), summary: null, body: a.body, trusted,
      });
    }
    for (const [i, e] of result.entries.entries()) e.summary = words.summarize(doc.entries[i].envelope.act, null);
    // A published joint statement: its countersignature by the other party.
    for (const cs of result.entries.filter((e) => e.kind === 'countersign')) {
      const st = result.entries.find((e) => e.kind === 'joint_statement' && e.hash === cs.body.statement);
      if (st && st.party !== cs.party) result.countersigned.push({ statement: st.seq, by: cs.seq });
    }
    if (trust) {
      result.trusted = untrusted.length === 0;
      if (untrusted.length) {
        where = 'trust';
        refuse('untrusted_key', `the trust does not give ${untrusted.join(', ')}`);
      }
    }
  } catch (e) {
    if (e instanceof NoteError) e = new Refusal(e.code, e.message);
    if (!(e instanceof Refusal)) throw e;
    result.code = e.code;
    result.error = `${where}: ${e.message} [${e.code}]`;
    return result;
  }
  result.ok = true;
  return result;
}

// ---------------------------------------------------------------- series

function chainOrder(results) {
  const byMeeting = new Map(results.map((r) => [r.meeting, r]));
  const preds = new Set(results.map((r) => r.terms?.predecessor).filter((p) => byMeeting.has(p)));
  const firsts = results.filter((r) => !byMeeting.has(r.terms?.predecessor));
  if (firsts.length !== 1 || preds.size !== results.length - 1) return null;
  const next = new Map(results.filter((r) => byMeeting.has(r.terms?.predecessor)).map((r) => [r.terms.predecessor, r]));
  const out = [firsts[0]];
  while (next.has(out.at(-1).meeting) && out.length < results.length) out.push(next.get(out.at(-1).meeting));
  return out.length === results.length ? out : null;
}

// Several records of a series, oldest first (§Series); with reorder, in the
// order their predecessor links give when they form one chain.
export async function verifySeries(texts, { trust = null, reorder = false } = {}) {
  const result = { type: 'series', ok: false, code: null, error: null, records: [], carried: [] };
  let records = [];
  for (const t of texts) records.push(await verifyRecord(t, { trust }));
  if (reorder) records = chainOrder(records) ?? records;
  result.records = records;
  const fail = (k, code, message) => {
    if (result.error === null) Object.assign(result, { code, error: `record ${k + 1}: ${message}` });
  };
  records.forEach((r, k) => {
    if (!r.ok) fail(k, r.code, r.error);
  });
  for (let k = 1; k < records.length; k++) {
    const pred = records[k - 1];
    const cur = records[k];
    if (!cur.record || !pred.record) continue;
    const named = cur.terms?.predecessor ?? null;
    if (named !== pred.meeting) {
      fail(k, 'wrong_predecessor', `its predecessor is ${named ?? 'none'}, not ${pred.meeting} (record ${k}) [wrong_predecessor]`);
      continue;
    }
    const plog = pred.state.log;
    for (const st of cur.record.foreignStatuses) {
      const seq = plog.seqByHash.get(st.assurance);
      const where = `act ${st.seq}: the status names assurance ${st.assurance.slice(0, 8)}… of ${pred.meeting}`;
      if (seq === undefined) {
        fail(k, 'unknown_entry', `${where}, which is no act of that record [unknown_entry]`);
        continue;
      }
      const assurance = plog.entryBySeq(seq);
      if (assurance?.kind !== 'assurance') {
        fail(k, 'wrong_entry_kind', `${where}, a ${plog.acts[seq - 1].kind}, not an assurance [wrong_entry_kind]`);
        continue;
      }
      if (st.status === 'withdrawn' && st.party !== assurance.giver)
        fail(k, 'role_not_allowed', `${where}: only a principal of ${assurance.giver}, who gave it, may withdraw it [role_not_allowed]`);
      st.assuranceSeq = seq;
    }
  }
  // The predecessors' assurances with every status recorded on them, in
  // their own record and in later ones.
  for (let k = 0; k + 1 < records.length; k++) {
    if (!records[k].record) continue;
    for (const a of records[k].record.assurances) {
      const later = records.slice(k + 1, k + 2).flatMap((r) => r.record?.foreignStatuses ?? [])
        .filter((s) => s.meeting === records[k].meeting && s.assurance === a.hash);
      const statuses = [...a.statuses, ...later];
      result.carried.push({ meeting: records[k].meeting, assurance: a, statuses, latest: statuses.at(-1)?.status ?? null });
    }
  }
  result.ok = result.error === null && records.length > 0;
  if (records.length === 0) Object.assign(result, { code: 'invalid_field', error: 'a series needs at least one record [invalid_field]' });
  return result;
}

// The type of a Parley file, from its parsed "type" (null when unknown).
export function documentType(doc) {
  const t = isObject(doc) ? doc.type : null;
  return { 'parley.export/1': 'export', 'parley.record/1': 'record', 'parley.excerpt/1': 'excerpt', 'parley.trust/1': 'trust' }[t] ?? null;
}
