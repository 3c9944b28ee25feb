// The replay of one meeting's signed log, act by act, in the browser: the
// envelope, the chain, the signature and the rules of every act, negotiation
// (docs/protocol.md §Rules per kind) and record entries (docs/record.md
// §Entries), and the state they build. verifier.js (parley.export/1) and
// record-verifier.js (parley.record/1, excerpts, the live record panel) both
// replay through a MeetingLog; neither judges an act itself.
//
//   const log = new MeetingLog({ meeting, parties, members });
//   const r = await log.append(envelope);      // {ok: true, act} or {ok: false, seq, code, error, act}
//   const r = await log.appendAll(envelopes);  // the same for many, batched; stops at the first refusal
//
// A refused act leaves the log as it was. Nothing here throws for bad input.
//
// Order of the checks. A negotiation act: envelope shape; it names the
// meeting (wrong_meeting); the first act is create with base 0, no later
// create (meeting_exists); base/prev are the current length and head
// (stale_sequence); at not before the previous act's (time_out_of_order);
// the author is a listed member (unknown_author) holding the negotiator role
// (role_not_allowed) of one of the two parties (not_a_party); the signature
// with the listed key (bad_signature); not withdrawn (meeting_withdrawn);
// the rules of its kind, and propose/accept/sign are refused once the
// meeting is announced at the act's own `at` or an entry exists
// (meeting_announced). A record entry, in the order of src/negotiation
// (record.cpp): envelope shape; wrong_meeting; the signature with the listed
// key (unknown_author, bad_signature); meeting_withdrawn; announced at its
// own `at` (not_announced); base at least 1 and at most the current length,
// prev the hash of act `base`, not an earlier act again (stale_sequence); at
// not before act base's (time_out_of_order); the author on the signed roster
// (not_on_roster) with the listed key (key_changed); the author's roster role
// (role_not_allowed); the body's fields (missing_field, unknown_field); then
// the row of §Entries: the state the kind needs (no_session, session_open,
// readout_exists, joint_statement_open), the values (invalid_field,
// invalid_item, not_on_roster for a named member), references
// (unknown_entry, wrong_entry_kind, draft_used, already_acknowledged,
// already_countersigned) and who may refer to what (role_not_allowed).
// Negotiation acts after entries are judged against the latest `at` so far.
//
// Left to `parley verify` and the server: the per-parameter value rules
// (invalid_<parameter>, key_mismatch), inconsistent_terms, clock_skew. A
// malformed roster, agenda or announcement in signed terms therefore shows
// up here only through the entries it cannot serve: an author missing from
// a malformed roster is not_on_roster, an item of a malformed agenda
// invalid_item, and an announcement whose `publish` is neither
// "on_agreement" nor an instant never announces the meeting (not_announced).

import { canonicalize, parseStrict, CanonicalError } from './canonical.js';
import { fromBase64url, sha256Hex, toHex, utf8 } from './encoding.js';
import { leafHash } from './merkle.js';

export const PARAMETERS = ['title', 'format', 'start', 'duration_minutes', 'roster', 'languages', 'agenda',
  'announcement', 'predecessor'];
export const NEGOTIATION_KINDS = ['create', 'propose', 'accept', 'sign', 'withdraw'];
export const RECORD_KINDS = ['session_open', 'session_close', 'minute', 'statement', 'assurance_draft', 'assurance',
  'acknowledge', 'readout', 'joint_statement', 'countersign', 'correction', 'assurance_status'];
// Roster roles; a member's roles (the directory) are the same names.
export const ROLES = ['negotiator', 'leader', 'rapporteur', 'aide', 'interpreter', 'observer'];
export const ASSURANCE_STATUSES = ['fulfilled', 'in_dispute', 'withdrawn'];
// The body of each record kind: exactly these fields (docs/record.md §Entries).
const ENTRY_FIELDS = {
  session_open: ['present'], session_close: ['present'], minute: ['item', 'text'], statement: ['speaker', 'item', 'text'],
  assurance_draft: ['giver', 'item', 'text', 'scope', 'until'], assurance: ['to', 'item', 'text', 'scope', 'until', 'draft'],
  acknowledge: ['assurance'], readout: ['text'], joint_statement: ['text'], countersign: ['statement'],
  correction: ['entry', 'text', 'reason'], assurance_status: ['assurance', 'meeting', 'status', 'note'],
};
const PRINCIPALS = ['negotiator', 'leader'];
const MAX_DEPTH = 64;                 // as `parley verify` (src/cli/commands.cpp)
const MAX_TEXT_CHARS = 64 * 1024 * 1024;
const REASON_MAX_BYTES = 2000;        // docs/protocol.md §Rules per kind, withdraw
const MAX_PRESENT = 100;
const BATCH = 1024;                   // acts prepared (hashed, signatures checked) in parallel

// A refusal: code as in docs/api/errors.md and docs/record.md, message for people.
export class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
export const refuse = (code, message) => { throw new Refusal(code, message); };

export function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// Exactly these fields: missing_field before unknown_field, as the server.
export function requireFields(obj, fields, what) {
  if (!isObject(obj)) refuse('invalid_field', `${what} must be an object`);
  for (const f of fields) if (!Object.hasOwn(obj, f)) refuse('missing_field', `${what} lacks "${f}"`);
  for (const k of Object.keys(obj))
    if (!fields.includes(k)) refuse('unknown_field', `${what} has unknown field "${k}"`);
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

// docs/protocol.md §Encodings: exactly YYYY-MM-DDTHH:MM:SSZ, a real date, from
// 1970 on. Fixed width, so string order is time order.
export function isInstant(text) {
  const m = typeof text === 'string' && INSTANT.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  return new Date(Date.UTC(y, mo - 1, d)).getUTCDate() === d;
}

export function utf8Length(s) {
  return utf8(s).length;
}

// Text of minBytes..maxBytes without control characters other than newline and tab.
export function isCleanText(v, maxBytes, minBytes = 1) {
  if (typeof v !== 'string') return false;
  const n = utf8Length(v);
  // eslint-disable-next-line no-control-regex
  return n >= minBytes && n <= maxBytes && !/[\x00-\x08\x0b-\x1f\x7f]/.test(v);
}

const isHash = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

// The text (a string) or UTF-8 bytes of a file, parsed inside Parley's safe
// JSON subset. Throws a Refusal.
export function parseText(text, what = 'a Parley document') {
  if (typeof text !== 'string') {
    let bytes = null;
    if (text instanceof ArrayBuffer) bytes = new Uint8Array(text);
    else if (ArrayBuffer.isView(text)) bytes = new Uint8Array(text.buffer, text.byteOffset, text.byteLength);
    if (!bytes) refuse('invalid_field', `expected the text of ${what}`);
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      refuse('invalid_json', 'the file is not UTF-8 text');
    }
  }
  if (text.length > MAX_TEXT_CHARS) refuse('payload_too_large', 'the file is larger than 64 MiB');
  try {
    return parseStrict(text, { maxDepth: MAX_DEPTH });
  } catch (e) {
    if (!(e instanceof CanonicalError)) throw e;
    refuse(e.code, e.message.replace(/^not JSON: /, ''));
  }
}

// The two parties of a document: [{id, name, time_zone}] x2, distinct ids.
export function checkParties(parties) {
  if (!Array.isArray(parties) || parties.length !== 2) refuse('invalid_field', 'parties must list two parties');
  for (const p of parties) {
    requireFields(p, ['id', 'name', 'time_zone'], 'a party');
    if (typeof p.id !== 'string' || typeof p.name !== 'string' || typeof p.time_zone !== 'string')
      refuse('invalid_field', 'party id, name and time_zone must be strings');
  }
  if (parties[0].id === parties[1].id) refuse('invalid_field', 'the two parties are the same');
}

// Members as the file lists them: exactly {id, party, name, roles, key},
// known roles, a 32-byte base64url key, each id once. A Map by id.
export function checkMembers(members) {
  if (!Array.isArray(members)) refuse('invalid_field', 'members must be an array');
  const byId = new Map();
  for (const m of members) {
    requireFields(m, ['id', 'party', 'name', 'roles', 'key'], 'a member');
    if (typeof m.id !== 'string' || typeof m.party !== 'string' || typeof m.name !== 'string' ||
        !Array.isArray(m.roles) || typeof m.key !== 'string')
      refuse('invalid_field', 'member fields have the wrong types');
    for (const r of m.roles) if (!ROLES.includes(r)) refuse('invalid_field', `member ${m.id} has an unknown role`);
    const key = fromBase64url(m.key);
    if (!key || key.length !== 32) refuse('invalid_field', `member ${m.id}'s key is not a base64url Ed25519 key`);
    if (byId.has(m.id)) refuse('invalid_field', `member ${m.id} is listed twice`);
    byId.set(m.id, m);
  }
  return byId;
}

// Envelope shape (negotiation::parse_signed_act), for every kind.
export function checkEnvelope(env) {
  requireFields(env, ['act', 'signature'], 'the envelope');
  const a = env.act;
  requireFields(a, ['type', 'meeting', 'base', 'prev', 'kind', 'body', 'author', 'at'], 'the act');
  if (a.type !== 'parley.act/1') refuse('invalid_field', 'act.type must be "parley.act/1"');
  if (typeof a.meeting !== 'string' || a.meeting.length > 64) refuse('invalid_field', 'act.meeting must be a meeting id');
  if (!Number.isSafeInteger(a.base) || a.base < 0) refuse('invalid_field', 'act.base must be a non-negative integer');
  if (typeof a.prev !== 'string') refuse('invalid_field', 'act.prev must be a string');
  if (!NEGOTIATION_KINDS.includes(a.kind) && !RECORD_KINDS.includes(a.kind))
    refuse('invalid_field', `act.kind must be a negotiation or record kind, not ${JSON.stringify(a.kind)}`);
  if (!isObject(a.body)) refuse('invalid_field', 'act.body must be an object');
  if (typeof a.author !== 'string') refuse('invalid_field', 'act.author must be a member id');
  if (!isInstant(a.at)) refuse('invalid_field', 'act.at must be an instant like 2026-12-07T15:00:00Z');
  if (typeof env.signature !== 'string') refuse('invalid_field', 'signature must be a string');
  if ((a.base === 0) !== (a.prev === '')) refuse('invalid_field', 'act.prev must be empty exactly when act.base is 0');
  if (a.prev !== '' && !isHash(a.prev)) refuse('invalid_field', 'act.prev must be a lowercase hex SHA-256');
}

// A key people can compare aloud, as on the call page (src/call
// short_fingerprint): the first 8 bytes of SHA-256 of the base64url key
// text, as four groups of four hex digits.
const fingerprints = new Map();
export function shortFingerprint(key) {
  let f = fingerprints.get(key);
  if (!f) {
    f = sha256Hex(key).then((h) => h.slice(0, 16).match(/.{4}/g).join(' '));
    if (fingerprints.size > 10000) fingerprints.clear();
    fingerprints.set(key, f);
  }
  return f;
}

let ed25519;
// Whether this browser's WebCrypto has Ed25519 (Chromium 113+, Firefox 129+, Safari 17+).
export async function ed25519Available() {
  if (ed25519 === undefined) {
    try {
      await crypto.subtle.importKey('raw', new Uint8Array(32).fill(0x3b), { name: 'Ed25519' }, false, ['verify']);
      ed25519 = true;
    } catch {
      ed25519 = false;
    }
  }
  return ed25519;
}

function clip(text, max = 140) {
  const s = String(text).replace(/\s+/g, ' ').trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

// ---------------------------------------------------------------- the log

// One meeting's log replayed. Owns everything it derives; the objects it
// hands out (acts, entries, sessions, …) are its own and are updated in
// place as later acts arrive (a correction, an acknowledgement): read them,
// do not change them.
export class MeetingLog {
  // meeting: the meeting id the acts must name. parties: the two parties as
  // a file lists them ([{id, name, time_zone}]). members: the members a file
  // lists ([{id, party, name, roles, key}] or a Map by id), whose keys check
  // negotiation acts; record entries are checked with the signed roster's keys.
  constructor({ meeting, parties, members }) {
    this.meeting = meeting;
    this.listedParties = parties.map((p) => p.id);
    this.partyById = new Map(parties.map((p) => [p.id, p]));
    this.members = members instanceof Map ? members : new Map(members.map((m) => [m.id, m]));
    this.cryptoKeys = new Map();      // base64url key → Promise<CryptoKey | null>

    // The log.
    this.acts = [];                   // [{seq, kind, author, authorName, party, role, at, hash, signatureOk, verified, summary, fingerprint}]
    this.leafHashes = [];             // RFC 9162 leaf hash of each act, for the Merkle tree
    this.seqByHash = new Map();       // act hash → seq
    this.head = '';
    this.lastAt = '';

    // The negotiation (negotiation::MeetingState).
    this.parties = [];                // [initiator, counterparty] once created
    this.params = new Map();          // name → {rev, value, canon, acceptedBy: Set}
    this.signatures = new Map();      // party → {member, termsHash, at, seq}
    this.withdrawal = null;           // {party, member, reason, at, seq, afterAnnouncement}
    this.agreedAt = null;
    this.announceAt = null;
    this.termsHashCache = undefined;
    this.rosterCache = undefined;

    // The record (docs/record.md §State).
    this.entries = [];                // every record entry, in log order
    this.sessions = [];               // [{number, open: entry, close: entry | null}]
    this.openSession = null;
    this.assurances = [];
    this.drafts = [];
    this.readouts = [];
    this.jointStatements = [];
    this.openJointStatement = null;   // the joint statement not yet countersigned
    this.foreignStatuses = [];        // assurance_status entries naming the predecessor's assurances
    this.sessionOpenAfter = [];       // per act: whether a session is open after it
    this.firstCloseSeq = null;        // seq of the first session_close
  }

  get length() {
    return this.acts.length;
  }

  partyName(id) {
    return this.partyById.get(id)?.name ?? id;
  }

  memberName(id) {
    return this.members.get(id)?.name ?? id;
  }

  // ------------------------------------------------ negotiation state

  allAgreed() {
    return this.params.size === PARAMETERS.length &&
      [...this.params.values()].every((p) => this.parties.every((party) => p.acceptedBy.has(party)));
  }

  // docs/protocol.md §Terms document; null until every parameter is proposed.
  termsDocument() {
    if (this.params.size !== PARAMETERS.length) return null;
    const terms = { type: 'parley.terms/1', meeting: this.meeting, parties: [...this.parties] };
    for (const name of PARAMETERS) terms[name] = this.params.get(name).value;
    return terms;
  }

  async termsHash() {
    if (this.termsHashCache === undefined) {
      const terms = this.termsDocument();
      this.termsHashCache = terms === null ? null : await sha256Hex(canonicalize(terms));
    }
    return this.termsHashCache;
  }

  get agreed() {
    return this.signatures.size === 2;
  }

  // docs/protocol.md §Announcement: judged at an act's own time.
  isAnnounced(at) {
    return this.agreed && !this.withdrawal && this.announceAt !== null && at >= this.announceAt;
  }

  // The signed roster (the agreed terms' roster) as a Map by member id:
  // {member, party, role, key, position, name, fingerprint}; null while not agreed. Entries
  // that are not well formed are left out (see the top of this file).
  signedRoster() {
    if (!this.agreed) return null;
    if (this.rosterCache === undefined) {
      this.rosterCache = new Map();
      const roster = this.params.get('roster')?.value;
      if (Array.isArray(roster)) {
        roster.forEach((e, position) => {
          if (isObject(e) && typeof e.member === 'string' && typeof e.party === 'string' &&
              typeof e.role === 'string' && typeof e.key === 'string' && this.parties.includes(e.party) &&
              !this.rosterCache.has(e.member))
            this.rosterCache.set(e.member, { member: e.member, party: e.party, role: e.role, key: e.key, position });
        });
      }
    }
    return this.rosterCache;
  }

  agenda() {
    const agenda = this.params.get('agenda')?.value;
    return Array.isArray(agenda) ? agenda : [];
  }

  predecessor() {
    const p = this.params.get('predecessor')?.value;
    return typeof p === 'string' ? p : null;
  }

  propose(name, value, party) {
    const old = this.params.get(name);
    this.params.set(name, { rev: old ? old.rev + 1 : 1, value, canon: canonicalize(value), acceptedBy: new Set([party]) });
    this.signatures.clear();
    this.agreedAt = null;
    this.announceAt = null;
    this.termsHashCache = undefined;
    this.rosterCache = undefined;
  }

  // ------------------------------------------------ signatures

  importKey(keyText) {
    let p = this.cryptoKeys.get(keyText);
    if (!p) {
      const raw = fromBase64url(keyText);
      p = !raw || raw.length !== 32 ? Promise.resolve(null)
        : crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']).catch(() => null);
      this.cryptoKeys.set(keyText, p);
    }
    return p;
  }

  async verifySignature(keyText, canonAct, signature) {
    const sig = fromBase64url(signature);
    if (!sig || sig.length !== 64) return false;
    const key = await this.importKey(keyText);
    if (!key) return false;
    try {
      return await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, utf8(canonAct));
    } catch {
      return false;
    }
  }

  // The key an act is checked with: the listed member's (for an entry, the
  // roster's key must then be the same).
  expectedKey(a) {
    return this.members.get(a.author)?.key ?? null;
  }

  // Everything about an act that does not depend on the acts before it:
  // shape, canonical bytes, hash, leaf hash, and the signature checked with
  // the listed key. Many are prepared in parallel.
  async prepare(env) {
    const p = { env, refusal: null, canonAct: null, hash: null, leaf: null, key: null, signatureOk: null };
    try {
      checkEnvelope(env);
      p.canonAct = canonicalize(env.act);
      // JCS orders "act" before "signature": the canonical envelope, built
      // without canonicalizing the act twice.
      const bytes = utf8(`{"act":${p.canonAct},"signature":${canonicalize(env.signature)}}`);
      const [digest, leaf] = await Promise.all([crypto.subtle.digest('SHA-256', bytes), leafHash(bytes)]);
      p.hash = toHex(digest);
      p.leaf = leaf;
    } catch (e) {
      if (e instanceof Refusal) p.refusal = e;
      else if (e instanceof CanonicalError) p.refusal = new Refusal(e.code, e.message);
      else throw e;
      return p;
    }
    p.key = this.expectedKey(env.act);
    if (p.key) p.signatureOk = await this.verifySignature(p.key, p.canonAct, env.signature);
    return p;
  }

  async signatureWith(p, keyText) {
    return keyText === p.key ? p.signatureOk : this.verifySignature(keyText, p.canonAct, p.env.signature);
  }

  // ------------------------------------------------ appending

  async append(env) {
    return this.apply(await this.prepare(env));
  }

  // Appends acts in order, preparing BATCH at a time in parallel; stops at
  // the first refusal and returns it, else {ok: true}. onProgress(done, total)
  // after each batch.
  async appendAll(envelopes, { onProgress } = {}) {
    const batch = (i) => Promise.all(envelopes.slice(i, i + BATCH).map((e) => this.prepare(e)));
    let next = envelopes.length > 0 ? batch(0) : null;
    for (let i = 0; i < envelopes.length; i += BATCH) {
      const prepared = await next;
      // The next batch hashes and verifies while this one is judged.
      next = i + BATCH < envelopes.length ? batch(i + BATCH) : null;
      for (const p of prepared) {
        const r = await this.apply(p);
        if (!r.ok) {
          await next?.catch(() => {});
          return r;
        }
      }
      onProgress?.(Math.min(i + BATCH, envelopes.length), envelopes.length);
    }
    return { ok: true };
  }

  async apply(p) {
    const n = this.length + 1;
    const env = p.env;
    let rec = null;
    try {
      if (p.refusal) throw p.refusal;
      const a = env.act;
      rec = {
        seq: n, kind: a.kind, author: a.author, authorName: this.members.get(a.author)?.name ?? null, party: null,
        role: null, at: a.at, hash: p.hash, signatureOk: null, verified: false, summary: null, fingerprint: null,
      };
      if (a.meeting !== this.meeting) refuse('wrong_meeting', `the act names meeting ${a.meeting}, not ${this.meeting}`);
      if (n === 1 && a.kind !== 'create') refuse('invalid_field', 'the first act must be create');
      let effect;
      if (RECORD_KINDS.includes(a.kind)) effect = await this.checkEntry(a, p, rec);
      else await this.checkNegotiationAct(a, p, rec, n);

      // Accepted: apply.
      this.acts.push(rec);
      this.leafHashes.push(p.leaf);
      this.seqByHash.set(p.hash, n);
      this.head = p.hash;
      // Entries may be dated a little before the last act (two typed at
      // once): later negotiation acts are judged against the latest time.
      if (a.at > this.lastAt) this.lastAt = a.at;
      if (effect) effect();
      else await this.applyNegotiationAct(a, rec);
      this.sessionOpenAfter.push(this.openSession !== null);
      rec.summary = this.summarize(a, rec);
      const entry = effect ? this.entries.at(-1) : null;
      if (entry) entry.summary = rec.summary;
      rec.verified = true;
      return { ok: true, act: rec };
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      if (rec) {
        try { rec.summary = this.summarize(env.act, rec); } catch { rec.summary = String(env.act.kind); }
      }
      return { ok: false, seq: n, code: e.code, message: e.message, error: `act ${n}: ${e.message} [${e.code}]`, act: rec };
    }
  }

  // ------------------------------------------------ negotiation acts

  async checkNegotiationAct(a, p, rec, n) {
    const author = this.members.get(a.author);
    if (author) {
      rec.party = author.party;
      rec.role = author.roles.includes('negotiator') ? 'negotiator' : null;
      rec.signatureOk = await this.signatureWith(p, author.key);
      rec.fingerprint = await shortFingerprint(author.key);
    }
    if (n === 1 && a.base !== 0) refuse('invalid_field', 'create must build on nothing (base 0)');
    if (n > 1 && a.kind === 'create') refuse('meeting_exists', 'a second create for the same meeting');
    if (n > 1 && (a.base !== this.length || a.prev !== this.head))
      refuse('stale_sequence', a.base === this.length
        ? 'its prev is not the hash of the act before it'
        : `it was made after ${a.base} acts, but ${this.length} come before it in the file`);
    if (a.at < this.lastAt) refuse('time_out_of_order', `dated ${a.at}, before the previous act (${this.lastAt})`);
    if (!author) refuse('unknown_author', `the author ${a.author} is not a listed member`);
    if (!author.roles.includes('negotiator'))
      refuse('role_not_allowed', `${author.name} (${a.author}) does not hold the negotiator role`);
    const parties = n === 1 ? this.listedParties : this.parties;
    if (!parties.includes(author.party))
      refuse('not_a_party', `${author.name}'s party ${author.party} is not a party to this meeting`);
    if (!rec.signatureOk)
      refuse('bad_signature', `the signature does not verify with the key listed for ${author.name} (${a.author})`);
    if (this.withdrawal) refuse('meeting_withdrawn', 'the meeting was already withdrawn');
    await this.checkNegotiationRules(a, author);
  }

  // §Rules per kind, for the checks after the common ones.
  async checkNegotiationRules(a, author) {
    const body = a.body;
    const party = author.party;
    if (['propose', 'accept', 'sign'].includes(a.kind) && (this.entries.length > 0 || this.isAnnounced(a.at)))
      refuse('meeting_announced', `the meeting was announced at ${this.announceAt}; only a withdrawal is possible now`);
    switch (a.kind) {
      case 'create': {
        if (!/^[A-Za-z0-9_-]{8,64}$/.test(a.meeting))
          refuse('invalid_field', 'meeting ids are 8 to 64 of letters, digits, "_" and "-"');
        requireFields(body, ['counterparty', 'proposals'], 'the create body');
        if (typeof body.counterparty !== 'string') refuse('invalid_field', 'counterparty must be a party id');
        if (body.counterparty === party) refuse('invalid_field', 'the counterparty is the author\'s own party');
        if (!this.listedParties.includes(body.counterparty))
          refuse('unknown_party', `the counterparty ${body.counterparty} is not a party of this file`);
        if (!isObject(body.proposals)) refuse('invalid_field', 'proposals must be an object');
        if (!Object.hasOwn(body.proposals, 'title')) refuse('missing_field', 'the opening proposals need a title');
        for (const name of Object.keys(body.proposals))
          if (!PARAMETERS.includes(name)) refuse('unknown_parameter', `no parameter named "${name}"`);
        return;
      }
      case 'propose': {
        requireFields(body, ['param', 'value'], 'the propose body');
        if (typeof body.param !== 'string') refuse('invalid_field', 'param must be a string');
        if (!PARAMETERS.includes(body.param)) refuse('unknown_parameter', `no parameter named "${body.param}"`);
        const cur = this.params.get(body.param);
        if (cur && cur.canon === canonicalize(body.value))
          refuse('unchanged_value', `the proposed ${body.param} is already the current proposal`);
        return;
      }
      case 'accept': {
        requireFields(body, ['param', 'rev'], 'the accept body');
        if (typeof body.param !== 'string' || !Number.isSafeInteger(body.rev))
          refuse('invalid_field', 'accept needs a param name and an integer rev');
        const cur = this.params.get(body.param);
        if (!cur) refuse('nothing_to_accept', `nobody has proposed "${body.param}"`);
        if (body.rev !== cur.rev) refuse('stale_revision', `${body.param} is at revision ${cur.rev}, not ${body.rev}`);
        if (cur.acceptedBy.has(party)) refuse('already_accepted', `${party} already accepted ${body.param} revision ${cur.rev}`);
        return;
      }
      case 'sign': {
        requireFields(body, ['terms_hash'], 'the sign body');
        if (!this.allAgreed()) refuse('not_agreed', 'not every parameter is proposed and agreed by both parties');
        if (body.terms_hash !== await this.termsHash())
          refuse('terms_hash_mismatch', 'the signed hash is not the hash of the current terms');
        if (this.signatures.has(party)) refuse('already_signed', `${party} already signed these terms`);
        return;
      }
      case 'withdraw': {
        requireFields(body, ['reason'], 'the withdraw body');
        if (!isCleanText(body.reason, REASON_MAX_BYTES))
          refuse('invalid_field', 'a withdrawal needs a reason of 1 to 2000 bytes of text');
        return;
      }
    }
  }

  async applyNegotiationAct(a, rec) {
    const party = rec.party;
    switch (a.kind) {
      case 'create':
        this.parties = [party, a.body.counterparty];
        for (const [name, value] of Object.entries(a.body.proposals)) this.propose(name, value, party);
        break;
      case 'propose':
        this.propose(a.body.param, a.body.value, party);
        break;
      case 'accept':
        this.params.get(a.body.param).acceptedBy.add(party);
        break;
      case 'sign':
        this.signatures.set(party, { member: a.author, termsHash: a.body.terms_hash, at: a.at, seq: rec.seq });
        if (this.agreed) {
          // Display-ready roster: names and fingerprints, computed once.
          for (const m of this.signedRoster().values()) {
            m.name = this.memberName(m.member);
            m.fingerprint = await shortFingerprint(m.key);
          }
          // §Announcement: at agreement for "on_agreement", else the later
          // of the publish instant and the agreement; never for a malformed one.
          this.agreedAt = a.at;
          const publish = this.params.get('announcement')?.value?.publish;
          this.announceAt = publish === 'on_agreement' ? a.at
            : isInstant(publish) ? (publish > a.at ? publish : a.at) : null;
        }
        break;
      case 'withdraw':
        this.withdrawal = {
          party, member: a.author, reason: a.body.reason, at: a.at, seq: rec.seq,
          afterAnnouncement: this.isAnnounced(a.at),
        };
        break;
    }
  }

  // ------------------------------------------------ record entries

  // docs/record.md §Entries. Returns the function that applies the entry
  // once it is accepted.
  async checkEntry(a, p, rec) {
    // The signature first, with the key the file lists for the author, as
    // for every act; the roster's key must then be that same key.
    const member = this.members.get(a.author);
    if (member) {
      rec.signatureOk = await this.signatureWith(p, member.key);
      rec.fingerprint = await shortFingerprint(member.key);
    }
    if (!member) refuse('unknown_author', `the author ${a.author} is not a listed member`);
    if (!rec.signatureOk)
      refuse('bad_signature', `the signature does not verify with the key listed for ${member.name} (${a.author})`);
    if (this.withdrawal) refuse('meeting_withdrawn', 'the meeting was already withdrawn');
    if (!this.isAnnounced(a.at))
      refuse('not_announced', this.agreed && this.announceAt
        ? `dated ${a.at}, before the meeting was announced (${this.announceAt})`
        : 'the meeting is not announced: both parties have not signed its terms');
    const base = a.base;
    if (base < 1 || base > this.length)
      refuse('stale_sequence', `it builds on ${base} acts, but there are ${this.length} before it`);
    if (a.prev !== this.acts[base - 1].hash) refuse('stale_sequence', `its prev is not the hash of act ${base}`);
    // The looser position would let the same signed entry in twice (a replay,
    // or a retry appended again): references by hash would be ambiguous.
    const twin = this.seqByHash.get(p.hash);
    if (twin !== undefined) refuse('stale_sequence', `it is act ${twin} again, replayed`);
    const seen = this.acts[base - 1].at;
    if (a.at < seen) refuse('time_out_of_order', `dated ${a.at}, before act ${base} (${seen}) that its author had seen`);
    const who = this.signedRoster().get(a.author);
    if (!who) refuse('not_on_roster', `the author ${a.author} is not on the signed roster`);
    rec.party = who.party;
    rec.role = who.role;
    if (who.key !== member.key)
      refuse('key_changed', `${member.name}'s key is not the one on the signed roster`);
    return this.checkEntryRules(a, who, rec);
  }

  // An earlier record entry named by its hash, of one of `kinds`.
  entryOf(hash, kinds, field) {
    if (typeof hash !== 'string') refuse('invalid_field', `${field} must be the hex SHA-256 of an earlier entry`);
    const seq = this.seqByHash.get(hash);
    const entry = seq === undefined ? null : this.entryBySeq(seq);
    if (!entry) refuse('unknown_entry', `${field} names no earlier entry of this meeting`);
    if (!kinds.includes(entry.kind))
      refuse('wrong_entry_kind', `${field} names act ${seq}, a ${entry.kind}, not ${kinds.join(' or ')}`);
    return entry;
  }

  entryBySeq(seq) {
    // Entries are in seq order: binary search.
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.entries[mid].seq;
      if (s === seq) return this.entries[mid];
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  rosterMember(id, field) {
    if (typeof id !== 'string') refuse('invalid_field', `${field} must be a member id`);
    const m = this.signedRoster().get(id);
    if (!m) refuse('not_on_roster', `${field} ${id} is not on the signed roster`);
    return m;
  }

  item(v) {
    if (v === null) return null;
    if (!Number.isSafeInteger(v) || v < 0 || v >= this.agenda().length)
      refuse('invalid_item', `item must be null or the index of one of the ${this.agenda().length} agenda items`);
    return v;
  }

  itemTitle(item) {
    if (item === null) return null;
    const t = this.agenda()[item]?.title;
    return typeof t === 'string' ? t : null;
  }

  // May a roster role record this kind at all (before its body is read)?
  // Statements and corrections are judged against the speaker or the
  // corrected entry instead.
  static mayRecord(kind, role) {
    const principal = PRINCIPALS.includes(role);
    switch (kind) {
      case 'session_open': case 'session_close': case 'assurance_draft': case 'assurance_status': case 'acknowledge':
        return principal || role === 'rapporteur';
      case 'minute':
        return role === 'rapporteur' || role === 'negotiator';
      case 'assurance': case 'readout': case 'joint_statement': case 'countersign':
        return principal;
      default:
        return true;
    }
  }

  // The row of §Entries for the entry's kind, in the order src/negotiation
  // record.cpp checks it: the role, the body's fields (missing_field,
  // unknown_field), the state the kind needs, then each value. Returns the
  // function that applies the entry.
  async checkEntryRules(a, who, rec) {
    const b = a.body;
    const party = who.party;
    const role = who.role;
    const principal = PRINCIPALS.includes(role);
    const name = rec.authorName;
    const other = this.parties.find((x) => x !== party);
    const notAllowed = (what) => refuse('role_not_allowed', `${name} (${role} of ${party}) may not ${what}`);
    if (!MeetingLog.mayRecord(a.kind, role)) notAllowed(`record a ${a.kind}`);
    requireFields(b, ENTRY_FIELDS[a.kind], `the ${a.kind} body`);
    const text = (field, max, min = 1) => {
      if (!isCleanText(b[field], max, min))
        refuse('invalid_field', `${field} must be ${min}–${max} bytes of text without control characters`);
      return b[field];
    };
    const until = () => {
      if (b.until === null) return null;
      if (!isInstant(b.until)) refuse('invalid_field', 'until must be an instant or null');
      if (b.until <= a.at) refuse('invalid_field', `until (${b.until}) must be after the entry's time (${a.at})`);
      return b.until;
    };
    const needSession = () => {
      if (!this.openSession) refuse('no_session', `no session is open for a ${a.kind}`);
    };
    const present = () => {
      if (!Array.isArray(b.present) || b.present.length < 1 || b.present.length > MAX_PRESENT)
        refuse('invalid_field', `present must list 1 to ${MAX_PRESENT} members`);
      const seen = new Set();
      return b.present.map((id) => {
        const m = typeof id === 'string' ? this.signedRoster().get(id) : null;
        if (!m) refuse('not_on_roster', `present lists ${JSON.stringify(id)}, who is not on the signed roster`);
        if (seen.has(id)) refuse('invalid_field', `${id} is listed twice as present`);
        seen.add(id);
        return { member: id, name: this.memberName(id), party: m.party, role: m.role };
      });
    };
    const entry = {
      seq: rec.seq, hash: rec.hash, kind: a.kind, author: a.author, authorName: name, party, role, at: a.at,
      fingerprint: rec.fingerprint, body: b, summary: null,
    };
    const push = (more) => () => {
      this.entries.push(entry);
      more?.();
    };

    switch (a.kind) {
      case 'session_open':
        if (this.openSession) refuse('session_open', `session ${this.openSession.number} is still open`);
        entry.present = present();
        return push(() => {
          const s = { number: this.sessions.length + 1, open: entry, close: null };
          entry.session = s.number;
          this.sessions.push(s);
          this.openSession = s;
        });
      case 'session_close':
        if (!this.openSession) refuse('no_session', 'no session is open to close');
        entry.present = present();
        return push(() => {
          entry.session = this.openSession.number;
          this.openSession.close = entry;
          this.openSession = null;
          if (this.firstCloseSeq === null) this.firstCloseSeq = entry.seq;
        });
      case 'minute':
        needSession();
        entry.item = this.item(b.item);
        entry.text = entry.originalText = text('text', 4000);
        entry.corrections = [];
        return push();
      case 'statement': {
        const speaker = this.rosterMember(b.speaker, 'speaker');
        if (a.author !== b.speaker && !(role === 'rapporteur' && party === speaker.party))
          notAllowed(`record a statement by ${this.memberName(b.speaker)} (only the speaker or a rapporteur of their party)`);
        needSession();
        entry.speaker = b.speaker;
        entry.speakerName = this.memberName(b.speaker);
        entry.speakerParty = speaker.party;
        entry.recordedByRapporteur = a.author !== b.speaker;
        entry.item = this.item(b.item);
        entry.text = entry.originalText = text('text', 4000);
        entry.corrections = [];
        return push();
      }
      case 'assurance_draft':
        if (!this.parties.includes(b.giver)) refuse('invalid_field', 'giver must be one of the two parties');
        needSession();
        entry.giver = b.giver;
        entry.item = this.item(b.item);
        entry.text = text('text', 2000);
        entry.scope = text('scope', 500);
        entry.until = until();
        entry.usedBy = null;
        return push(() => this.drafts.push(entry));
      case 'assurance': {
        if (b.to !== other) refuse('invalid_field', `to must be the other party (${other})`);
        needSession();
        entry.giver = party;
        entry.to = b.to;
        entry.item = this.item(b.item);
        entry.text = text('text', 2000);
        entry.scope = text('scope', 500);
        entry.until = until();
        entry.draft = null;
        let draft = null;
        if (b.draft !== null) {
          draft = this.entryOf(b.draft, ['assurance_draft'], 'draft');
          if (draft.giver !== party) refuse('invalid_field', `the draft of act ${draft.seq} is for ${draft.giver} to give, not ${party}`);
          if (draft.usedBy !== null) refuse('draft_used', `the draft of act ${draft.seq} was already given in act ${draft.usedBy}`);
          entry.draft = b.draft;
        }
        entry.binding = true;
        entry.acknowledged = null;
        entry.statuses = [];
        entry.status = null;
        return push(() => {
          if (draft) draft.usedBy = entry.seq;
          this.assurances.push(entry);
        });
      }
      case 'acknowledge': {
        const assurance = this.entryOf(b.assurance, ['assurance'], 'assurance');
        if (party !== assurance.to) notAllowed(`acknowledge an assurance given to ${assurance.to} (only that party)`);
        if (assurance.acknowledged)
          refuse('already_acknowledged', `the assurance of act ${assurance.seq} was acknowledged in act ${assurance.acknowledged.seq}`);
        entry.assurance = b.assurance;
        entry.assuranceSeq = assurance.seq;
        return push(() => { assurance.acknowledged = entry; });
      }
      case 'readout': {
        const earlier = this.readouts.find((r) => r.party === party);
        if (earlier) refuse('readout_exists', `${party} already has a readout (act ${earlier.seq}); a later version is a correction`);
        entry.text = entry.originalText = text('text', 8000);
        entry.corrections = [];
        return push(() => this.readouts.push(entry));
      }
      case 'joint_statement': {
        const open = this.openJointStatement;
        if (open) refuse('joint_statement_open', `the joint statement of act ${open.seq} is not countersigned yet`);
        entry.text = text('text', 8000);
        entry.countersigned = null;
        return push(() => {
          this.jointStatements.push(entry);
          this.openJointStatement = entry;
        });
      }
      case 'countersign': {
        const statement = this.entryOf(b.statement, ['joint_statement'], 'statement');
        if (party === statement.party) notAllowed('countersign a joint statement of their own party (the other party does)');
        if (statement.countersigned)
          refuse('already_countersigned', `the joint statement of act ${statement.seq} was countersigned in act ${statement.countersigned.seq}`);
        entry.statement = b.statement;
        entry.statementSeq = statement.seq;
        return push(() => {
          statement.countersigned = entry;
          if (this.openJointStatement === statement) this.openJointStatement = null;
        });
      }
      case 'correction': {
        const target = this.entryOf(b.entry, ['minute', 'statement', 'readout'], 'entry');
        const allowed = target.kind === 'statement'
          ? a.author === target.speaker || (role === 'rapporteur' && party === target.speakerParty)
          : party === target.party && MeetingLog.mayRecord(target.kind, role);
        if (!allowed) notAllowed(`correct the ${target.kind} of act ${target.seq}`);
        entry.entry = b.entry;
        entry.entrySeq = target.seq;
        entry.text = text('text', target.kind === 'readout' ? 8000 : 4000);
        entry.reason = text('reason', 2000);
        return push(() => {
          target.corrections.push(entry);
          target.text = entry.text;
        });
      }
      case 'assurance_status': {
        if (!ASSURANCE_STATUSES.includes(b.status))
          refuse('invalid_field', `status must be one of ${ASSURANCE_STATUSES.join(', ')}`);
        if (!isHash(b.assurance)) refuse('invalid_field', 'assurance must be the lowercase hex SHA-256 of an assurance');
        entry.note = text('note', 2000, 0);
        entry.status = b.status;
        entry.assurance = b.assurance;
        entry.meeting = b.meeting;
        if (b.meeting === this.meeting) {
          const assurance = this.entryOf(b.assurance, ['assurance'], 'assurance');
          if (b.status === 'withdrawn' && (!principal || party !== assurance.giver))
            notAllowed(`withdraw an assurance ${assurance.giver} gave (only its principals)`);
          entry.assuranceSeq = assurance.seq;
          return push(() => {
            assurance.statuses.push(entry);
            assurance.status = entry.status;
            if (entry.status === 'withdrawn') assurance.binding = false;
          });
        }
        if (this.predecessor() === null || b.meeting !== this.predecessor())
          refuse('invalid_field', 'meeting must be this meeting or its predecessor');
        // Whether it names an assurance of the predecessor, and for
        // "withdrawn" whether a principal of the giving party recorded it,
        // needs the predecessor's record (verifySeries in record-verifier.js).
        return push(() => this.foreignStatuses.push(entry));
      }
    }
    return refuse('invalid_field', `${a.kind} is not a record kind`);
  }

  // ------------------------------------------------ words

  describeValue(name, v) {
    try {
      switch (name) {
        case 'title': return JSON.stringify(v);
        case 'duration_minutes': return `${v} minutes`;
        case 'roster':
          return v.map((e) => `${this.memberName(e.member)} (${e.party}, ${e.role})`).join(', ');
        case 'languages': {
          let s = v.languages.join(', ');
          if (v.interpretation.length)
            s += '; interpretation: ' + v.interpretation.map((i) => `${this.memberName(i.interpreter)} ${i.pair.join('–')}`).join(', ');
          return s;
        }
        case 'agenda': return v.map((i) => JSON.stringify(i.title)).join(', ');
        case 'announcement':
          return `${JSON.stringify(v.text)}, published ${v.publish === 'on_agreement' ? 'on agreement' : v.publish}`;
        case 'predecessor': return v === null ? 'none' : v;
        default: return typeof v === 'string' ? v : canonicalize(v);
      }
    } catch {
      return canonicalize(v);  // a shape the rules here do not check; show it raw
    }
  }

  // One line in words for an act (the entry's derived fields once accepted).
  summarize(a, rec) {
    const b = a.body;
    const e = rec ? this.entryBySeq(rec.seq) : null;
    const item = (i) => (Number.isSafeInteger(i) ? ` on item ${i + 1}${this.itemTitle(i) ? ` (${clip(this.itemTitle(i), 40)})` : ''}` : '');
    const ref = (hash) => {
      const seq = this.seqByHash.get(hash);
      return seq ? `act ${seq}` : `entry ${String(hash).slice(0, 8)}…`;
    };
    switch (a.kind) {
      case 'create': {
        const named = PARAMETERS.filter((p) => Object.hasOwn(b.proposals, p));
        const which = named.length === PARAMETERS.length ? 'all nine parameters' : named.join(', ');
        const title = typeof b.proposals.title === 'string' ? ` ${JSON.stringify(clip(b.proposals.title, 60))}` : '';
        return `created the meeting${title} with ${this.partyName(b.counterparty)}, proposing ${which}`;
      }
      case 'propose': return clip(`proposed ${b.param}: ${this.describeValue(b.param, b.value)}`);
      case 'accept': return `accepted ${b.param} rev ${b.rev}`;
      case 'sign': return `signed terms ${String(b.terms_hash).slice(0, 8)}…`;
      case 'withdraw': return clip(`withdrew: ${b.reason}`);
      case 'session_open':
      case 'session_close': {
        const n = e?.session ? ` ${e.session}` : '';
        const present = Array.isArray(b.present) ? b.present.map((id) => this.memberName(id)).join(', ') : '';
        return clip(`${a.kind === 'session_open' ? 'opened' : 'closed'} session${n}; present: ${present}`);
      }
      case 'minute': return clip(`minute${item(b.item)}: ${b.text}`);
      case 'statement':
        return clip(`statement by ${this.memberName(b.speaker)}${a.author !== b.speaker ? ' (recorded by the rapporteur)' : ''}${item(b.item)}: ${b.text}`);
      case 'assurance_draft': return clip(`drafted an assurance for ${this.partyName(b.giver)} to give${item(b.item)}: ${b.text}`);
      case 'assurance':
        return clip(`assured ${this.partyName(b.to)}${item(b.item)}: ${b.text} (scope: ${b.scope}${b.until ? `; until ${b.until}` : ''})`);
      case 'acknowledge': return `acknowledged the assurance of ${ref(b.assurance)} as received`;
      case 'readout': return clip(`readout: ${b.text}`);
      case 'joint_statement': return clip(`proposed a joint statement: ${b.text}`);
      case 'countersign': return `countersigned the joint statement of ${ref(b.statement)}`;
      case 'correction': return clip(`corrected ${ref(b.entry)}: ${b.text} (reason: ${b.reason})`);
      case 'assurance_status': {
        const which = b.meeting === this.meeting ? `the assurance of ${ref(b.assurance)}`
          : `assurance ${String(b.assurance).slice(0, 8)}… of meeting ${b.meeting}`;
        return clip(`recorded ${which} as ${String(b.status).replace('_', ' ')}${b.note ? `: ${b.note}` : ''}`);
      }
      default: return String(a.kind);
    }
  }
}
