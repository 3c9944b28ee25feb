// The browser's offline verifier of the record of the talks
// (docs/record.md): exported records (parley.record/1), excerpts
// (parley.excerpt/1) and series of records, checked with nothing but the
// files and a trust, as `parley verify` checks them; and RecordState, the
// same replay fed one act at a time, for the live record panel.
//
//   await verifyRecord(text, { trust, requireFinal })  // text or UTF-8 bytes; trust from parseTrust()
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
//   withdrawal, acts, record (the view above), state (the RecordState), trusted (true | false),
//   pinned: [{party, keys}] }
// verifyExcerpt → { type: 'excerpt', ok, code, error, meeting, origin, parties, members,
//   checkpoint: {size, root, cosigners, cosignedBy, both, logSignature: 'not checked'},
//   entries: [{seq, index, hash, kind, author, authorName, party, roles, at, fingerprint, summary, body,
//              trusted}], countersigned: [{statement, by}], trusted (true | false | null) }
// verifySeries → { type: 'series', ok, code, error, records: [verifyRecord results],
//   carried: [{meeting, assurance: Entry, statuses: [Entry], latest}] }
// error names the first failure, as `parley verify` (src/record) names it:
// "act N: …", "checkpoint N: …", "final: …", "not a valid record: …"; in an
// excerpt "checkpoint 1: …" or "entry N: …" (N its place in the excerpt);
// in a series "record K: …"; always ending "[code]". Codes are those of
// docs/record.md and docs/api/errors.md, and of src/record where the spec
// names none: no_trust, not_agreed, untrusted_key (the trust), not_final (a
// `final` claim or requireFinal the checkpoints do not bear out),
// checkpoint_cosigner (a cosignature by someone who may not cosign),
// wrong_predecessor (series); and unsupported (no Ed25519 in this browser).

import { canonicalize } from './canonical.js';
import { fromBase64url, fromHex, toHex, utf8 } from './encoding.js';
import {
  MeetingLog, Refusal, refuse, requireFields, parseText, checkParties, checkMembers, checkEnvelope,
  ed25519Available, shortFingerprint, isObject,
} from './meeting-log.js';
import { MerkleTree, leafHash, verifyConsistency, verifyInclusion, equalHashes, emptyRoot } from './merkle.js';
import { NoteError, parseNote, parseCheckpoint, verifyNoteKey, isKeyName } from './signed-note.js';
import { exportState } from './verifier.js';

export { MeetingLog };

const COSIGNING_ROLES = ['negotiator', 'leader', 'rapporteur'];  // §Checkpoints of a meeting
const PRINCIPALS = ['negotiator', 'leader'];

// NoteError and other refusals become Refusals, one error style.
async function noting(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof NoteError) throw new Refusal(e.code, e.message);
    throw e;
  }
}

// Opens a checkpoint note (§Verification 4): parses it, checks its origin,
// then each key's lines in the order they first appear: the log's (with
// logKey, when given) and each `<origin>/member/<id>` cosignature, against
// the key and party cosigner(id) gives (a Refusal, checkpoint_cosigner, for
// a member who may not cosign). Lines of other key names are ignored, as
// signed-note asks. Resolves to { c, cosigners, logSigned }.
async function openCheckpoint(text, { origin, logKey = null, cosigner, name }) {
  const note = await noting(() => parseNote(text));
  const c = await noting(() => parseCheckpoint(note.text));
  if (c.origin !== origin) refuse('tlog_wrong_origin', `the checkpoint is of ${c.origin}, not of ${origin}`);
  const prefix = `${origin}/member/`;
  const cosigners = [];
  let logSigned = false;
  for (const keyName of new Set(note.signatures.map((s) => s.keyName))) {
    if (keyName === origin) {
      if (!logKey) continue;
      await noting(() => verifyNoteKey(note, origin, fromBase64url(logKey)));
      logSigned = true;
      continue;
    }
    if (!keyName.startsWith(prefix)) continue;
    const who = cosigner(keyName.slice(prefix.length));
    try {
      await verifyNoteKey(note, keyName, fromBase64url(who.key));
    } catch (e) {
      if (!(e instanceof NoteError)) throw e;
      refuse(e.code === 'tlog_unsigned' ? 'tlog_bad_signature' : e.code, `the cosignature of ${who.member} is not by their key`);
    }
    cosigners.push({
      member: who.member, name: name(who.member), party: who.party, role: who.role, fingerprint: await shortFingerprint(who.key),
    });
  }
  return { c, cosigners, logSigned };
}

function hashList(list, what) {
  if (!Array.isArray(list) || list.length > 64) refuse('invalid_field', `${what} must be a list of at most 64 hex hashes`);
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
  // their party. {member, party, role, key}, or a Refusal (checkpoint_cosigner).
  cosigner(id) {
    const log = this.log;
    const onRoster = log.signedRoster()?.get(id);
    const signed = [...log.signatures.entries()].find(([, s]) => s.member === id);
    if ((!onRoster || !COSIGNING_ROLES.includes(onRoster.role)) && !signed)
      refuse('checkpoint_cosigner', `${log.memberName(id)} may not cosign for a party of this meeting`);
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
      if (!this.origin || !this.logKey) refuse('invalid_field', 'checkpoints need the log\'s origin and key');
      const { c, cosigners, logSigned } = await openCheckpoint(cp.note, {
        origin: this.origin, logKey: this.logKey, cosigner: (id) => this.cosigner(id), name: (id) => this.log.memberName(id),
      });
      if (!logSigned) refuse('tlog_unsigned', 'the checkpoint is not signed by the log\'s key');
      let prev = this.checkpoints.at(-1);
      if (replaceSameSize && prev && prev.size === c.size) {
        number = prev.number;
        prev = this.checkpoints.at(-2);
      }
      const prevSize = prev?.size ?? 0;
      if (c.size <= prevSize || c.size > this.log.length)
        refuse('tlog_bad_size', `its size ${c.size} must be larger than the previous checkpoint's (${prevSize}) ` +
          `and at most the ${this.log.length} acts`);
      if (!equalHashes(await this.root(c.size), c.root))
        refuse('tlog_root_mismatch', `its root is not the tree hash of the first ${c.size} acts`);
      const proof = hashList(cp.consistency, 'consistency');
      const code = await verifyConsistency(prevSize, c.size, prev?.rootBytes ?? await emptyRoot(), c.root, proof);
      if (code) refuse(code, `its consistency proof from size ${prevSize} does not verify`);
      const log = this.log;
      const cosignedBy = log.parties.filter((p) => cosigners.some((x) => x.party === p));
      const both = log.parties.length === 2 && cosignedBy.length === 2;
      const coversClose = log.firstCloseSeq !== null && log.firstCloseSeq <= c.size;
      const sessionOpen = log.sessionOpenAfter[c.size - 1];
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
// verify RECORD --trust … [--require-final]` does (§Verification).
export async function verifyRecord(text, { trust = null, requireFinal = false } = {}) {
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
  // 5. The final claim (or requireFinal, as --require-final): a record that
  // says it is final must be; one that says it is not may understate.
  result.final = state.finalCheckpoint !== null;
  if (r.ok && state.checkpoints.length === doc.checkpoints.length && !result.final && (doc.final || requireFinal))
    fail('not_final', 'final: the record is not final: no checkpoint cosigned by both parties covers a closed session ' +
      `with none open${doc.final ? ', though the file claims it' : ''} [not_final]`);

  Object.assign(result, await exportState(state.log, doc, members));
  result.record = state.view();
  result.state = state;
  result.ok = result.error === null;
  return result;
}

// ---------------------------------------------------------------- excerpts

const MAX_EXCERPT_ENTRIES = 16;  // as src/record

function checkExcerptDocument(doc) {
  requireFields(doc, ['type', 'meeting', 'origin', 'parties', 'members', 'entries', 'checkpoint'], 'the excerpt');
  if (doc.type !== 'parley.excerpt/1') refuse('invalid_field', 'this is not a parley.excerpt/1 document');
  if (typeof doc.meeting !== 'string') refuse('invalid_field', 'meeting must be a string');
  checkOrigin(doc.origin, doc.meeting);
  checkParties(doc.parties);
  const members = checkMembers(doc.members);
  for (const m of members.values())
    if (!doc.parties.some((p) => p.id === m.party)) refuse('invalid_field', `member ${m.id} is of neither party`);
  if (!Array.isArray(doc.entries) || doc.entries.length === 0 || doc.entries.length > MAX_EXCERPT_ENTRIES)
    refuse('invalid_field', `entries must list 1 to ${MAX_EXCERPT_ENTRIES} entries`);
  if (typeof doc.checkpoint !== 'string') refuse('invalid_field', 'checkpoint must be the text of a signed note');
  return members;
}

// Verifies an excerpt (§Excerpts), as `parley verify EXCERPT` does: the
// checkpoint's cosignatures by listed members (and with a trust, their keys
// trusted for their party), then each entry's signature with the listed
// member's key (and its key trusted) and its inclusion proof against the
// checkpoint. The log's own signature is not checked: an excerpt does not
// carry the log's key. A checkpoint cosigned by one party only verifies
// (the spec's "else the latest") and says so: checkpoint.both is false.
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
  // A log with no acts, for names, signatures and summaries.
  const words = new MeetingLog({ meeting: doc.meeting, parties: doc.parties, members });
  const trusted = (m) => (trust ? isTrusted(trust, m.party, m.key) : null);
  let where = 'checkpoint 1';
  try {
    const { c, cosigners } = await openCheckpoint(doc.checkpoint, {
      origin: doc.origin,
      cosigner: (id) => {
        const m = members.get(id);
        if (!m) refuse('checkpoint_cosigner', `a cosignature names ${id}, who is not listed in the excerpt`);
        return { member: id, party: m.party, role: m.roles.join(', '), key: m.key };
      },
      name: (id) => members.get(id).name,
    });
    for (const x of cosigners)
      if (trusted(members.get(x.member)) === false)
        refuse('untrusted_key', `cosigner ${x.name}'s key is not one the trust gives for ${x.party}`);
    const cosignedBy = doc.parties.map((p) => p.id).filter((p) => cosigners.some((x) => x.party === p));
    result.checkpoint = {
      size: c.size, root: toHex(c.root), cosigners, cosignedBy, both: cosignedBy.length === 2, logSignature: 'not checked',
    };

    for (const [i, e] of doc.entries.entries()) {
      where = `entry ${i + 1}`;
      requireFields(e, ['envelope', 'index', 'proof'], 'an excerpt entry');
      checkEnvelope(e.envelope);
      const a = e.envelope.act;
      if (a.meeting !== doc.meeting) refuse('wrong_meeting', `the act names meeting ${a.meeting}, not ${doc.meeting}`);
      const m = members.get(a.author);
      if (!m) refuse('unknown_author', `the author ${a.author} is not listed in the excerpt`);
      const canonAct = canonicalize(a);
      if (!await words.verifySignature(m.key, canonAct, e.envelope.signature))
        refuse('bad_signature', `the signature does not verify with the key listed for ${m.name} (${a.author})`);
      if (trusted(m) === false) refuse('untrusted_key', `${m.name}'s key is not one the trust gives for ${m.party}`);
      if (!Number.isSafeInteger(e.index) || e.index < 0) refuse('invalid_field', 'index must be a leaf index');
      const proof = hashList(e.proof, 'proof');
      const bytes = utf8(`{"act":${canonAct},"signature":${canonicalize(e.envelope.signature)}}`);
      const code = await verifyInclusion(e.index, c.size, await leafHash(bytes), proof, c.root);
      if (code) refuse(code, `its inclusion proof as entry ${e.index} of the checkpoint's ${c.size} does not verify`);
      const hash = toHex(await crypto.subtle.digest('SHA-256', bytes));
      words.seqByHash.set(hash, e.index + 1);
      result.entries.push({
        seq: e.index + 1, index: e.index, hash, kind: a.kind, author: a.author, authorName: m.name, party: m.party,
        roles: [...m.roles], at: a.at, fingerprint: await shortFingerprint(m.key), summary: null, body: a.body,
        trusted: trusted(m),
      });
    }
    for (const [i, e] of result.entries.entries()) e.summary = words.summarize(doc.entries[i].envelope.act, null);
    // A published joint statement: its countersignature by the other party.
    for (const cs of result.entries.filter((e) => e.kind === 'countersign')) {
      const st = result.entries.find((e) => e.kind === 'joint_statement' && e.hash === cs.body.statement);
      if (st && st.party !== cs.party) result.countersigned.push({ statement: st.seq, by: cs.seq });
    }
    if (trust) result.trusted = true;
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
        fail(k, 'unknown_entry', `${where}, a ${plog.acts[seq - 1].kind}, not an assurance [unknown_entry]`);
        continue;
      }
      if (st.status === 'withdrawn' && !(PRINCIPALS.includes(st.role) && st.party === assurance.giver))
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
