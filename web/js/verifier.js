// Offline verification of an exported negotiation log (parley.export/1,
// docs/protocol.md §Export) in the browser, with nothing but the file.
//
// What verifyExport() checks, in this order:
//  1. The text is JSON inside Parley's safe subset (§Canonical JSON):
//     parseStrict() for duplicate keys and non-integer numbers, then ASCII
//     object keys, no lone surrogates, nesting at most 64 levels (the limit
//     `parley verify` uses).
//  2. The document has exactly the fields type, meeting, exported_at,
//     parties, members, acts; type is "parley.export/1"; two parties with
//     string id, name, time_zone; every member is exactly
//     {id, party, name, roles, key} with known roles and a 32-byte base64url
//     key, each id once; acts is a non-empty array.
//  3. For each act, in log order:
//     - envelope shape: exactly {act, signature}; act exactly type, meeting,
//       base, prev, kind, body, author, at with their types; prev is ""
//       exactly when base is 0, otherwise lowercase hex SHA-256; at is
//       YYYY-MM-DDTHH:MM:SSZ and a real date from 1970 on;
//     - it names the exported meeting (wrong_meeting);
//     - the first act is create with base 0; a later create is refused
//       (meeting_exists); every later act has base = number of acts before
//       it and prev = hex SHA-256 of canonicalize({act, signature}) of the
//       previous envelope (stale_sequence);
//     - at is not earlier than the previous act's (time_out_of_order);
//     - the author is a listed member (unknown_author) holding the
//       negotiator role (role_not_allowed) of one of the meeting's two
//       parties (not_a_party);
//     - the Ed25519 signature over canonicalize(act) verifies with the key
//       the file lists for the author (bad_signature);
//     - the negotiation rules (§Rules per kind), replayed on the state so
//       far: nothing after a withdrawal (meeting_withdrawn); create's body is
//       {counterparty, proposals} with a well-formed meeting id, the other
//       listed party as counterparty, a title and only known parameters;
//       propose names a known parameter and changes its value (canonical
//       forms compared; unchanged_value); accept names a proposed parameter
//       (nothing_to_accept), its current revision (stale_revision), not yet
//       accepted by the author's party (already_accepted); sign needs all
//       nine parameters proposed and agreed by both parties (not_agreed),
//       the hash of the current terms document (terms_hash_mismatch), and a
//       party that has not signed yet (already_signed); withdraw needs a
//       reason of 1–2000 bytes of text.
//     State: parties are [creator's party, counterparty]; each proposal is a
//     new revision accepted by the proposer's party only and voids both
//     signatures; the meeting is agreed when both parties signed the current
//     terms.
//
// What it leaves to `parley verify` (negotiation::verify_export, which runs
// the server's own rules):
//  - per-parameter value rules: title and agenda lengths, format "video",
//    start after the act's time and within two years, duration 5–720,
//    roster entries (enrolled members, roles held, keys matching the members'
//    keys: key_mismatch), language tags and interpreters, announcement text
//    and publish instant (the invalid_<parameter> codes);
//  - announcement-time rules: once the announcement moment has passed only a
//    withdrawal is allowed (meeting_announced); whether a withdrawal came
//    after the announcement;
//  - consistency of the terms at signing (inconsistent_terms).
// And what no offline check can establish (§What it cannot check): member
// keys and roles come from the file, i.e. from the server that exported it;
// a truncated log verifies (every prefix of a valid log is valid); whether
// the predecessor exists; clock skew; exported_at, party names and zones are
// informational.
//
// The result names the first bad act as "act N: … [code]" and still lists the
// acts verified before it, followed by the bad act itself (verified: false).
// Both verifiers refuse the same logs for the rules checked here, but may name
// a different code or act: the author's role and party are judged here before
// the signature (the order of §Rules per kind), so an act re-attributed to a
// non-negotiator is role_not_allowed here and bad_signature in `parley verify`;
// and a swapped key of a member on the roster fails there at the create act
// (key_mismatch), here at that member's first act (bad_signature).

import { canonicalize, parseStrict, CanonicalError } from './canonical.js';
import { fromBase64url, sha256Hex } from './encoding.js';
import { verifyDocument } from './identity.js';

export const PARAMETERS = ['title', 'format', 'start', 'duration_minutes', 'roster', 'languages', 'agenda',
  'announcement', 'predecessor'];
const ROLES = ['negotiator', 'leader', 'aide', 'interpreter', 'observer', 'rapporteur'];
const KINDS = ['create', 'propose', 'accept', 'sign', 'withdraw'];
const MAX_DEPTH = 64;                 // as `parley verify` (src/cli/commands.cpp)
const MAX_TEXT_CHARS = 64 * 1024 * 1024;
const REASON_MAX_BYTES = 2000;        // docs/protocol.md §Rules per kind, withdraw

// A refusal: code as in docs/api/errors.md, message for people.
class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const refuse = (code, message) => { throw new Refusal(code, message); };

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// Exactly these fields: missing_field before unknown_field, as the server.
function requireFields(obj, fields, what) {
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

function utf8Length(s) {
  return new TextEncoder().encode(s).length;
}

// Text of 1..max bytes without control characters other than newline and tab.
function isCleanText(v, maxBytes) {
  if (typeof v !== 'string') return false;
  const n = utf8Length(v);
  // eslint-disable-next-line no-control-regex
  return n >= 1 && n <= maxBytes && !/[\x00-\x08\x0b-\x1f\x7f]/.test(v);
}

function parseText(text) {
  if (typeof text !== 'string') {
    let bytes = null;
    if (text instanceof ArrayBuffer) bytes = new Uint8Array(text);
    else if (ArrayBuffer.isView(text)) bytes = new Uint8Array(text.buffer, text.byteOffset, text.byteLength);
    if (!bytes) refuse('invalid_field', 'expected the text of an exported log');
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

function checkDocument(doc) {
  requireFields(doc, ['type', 'meeting', 'exported_at', 'parties', 'members', 'acts'], 'the export');
  if (doc.type !== 'parley.export/1') refuse('invalid_field', 'this is not a parley.export/1 document');
  if (typeof doc.meeting !== 'string') refuse('invalid_field', 'meeting must be a string');
  if (typeof doc.exported_at !== 'string') refuse('invalid_field', 'exported_at must be a string');
  if (!Array.isArray(doc.parties) || doc.parties.length !== 2) refuse('invalid_field', 'parties must list two parties');
  for (const p of doc.parties) {
    requireFields(p, ['id', 'name', 'time_zone'], 'a party');
    if (typeof p.id !== 'string' || typeof p.name !== 'string' || typeof p.time_zone !== 'string')
      refuse('invalid_field', 'party id, name and time_zone must be strings');
  }
  if (doc.parties[0].id === doc.parties[1].id) refuse('invalid_field', 'the two parties are the same');
  if (!Array.isArray(doc.members)) refuse('invalid_field', 'members must be an array');
  const members = new Map();
  for (const m of doc.members) {
    requireFields(m, ['id', 'party', 'name', 'roles', 'key'], 'a member');
    if (typeof m.id !== 'string' || typeof m.party !== 'string' || typeof m.name !== 'string' ||
        !Array.isArray(m.roles) || typeof m.key !== 'string')
      refuse('invalid_field', 'member fields have the wrong types');
    for (const r of m.roles) if (!ROLES.includes(r)) refuse('invalid_field', `member ${m.id} has an unknown role`);
    const key = fromBase64url(m.key);
    if (!key || key.length !== 32) refuse('invalid_field', `member ${m.id}'s key is not a base64url Ed25519 key`);
    if (members.has(m.id)) refuse('invalid_field', `member ${m.id} is listed twice`);
    members.set(m.id, m);
  }
  if (!Array.isArray(doc.acts) || doc.acts.length === 0) refuse('invalid_field', 'acts must be a non-empty array');
  return members;
}

// Envelope shape (negotiation::parse_signed_act).
function checkEnvelope(env) {
  requireFields(env, ['act', 'signature'], 'the envelope');
  const a = env.act;
  requireFields(a, ['type', 'meeting', 'base', 'prev', 'kind', 'body', 'author', 'at'], 'the act');
  if (a.type !== 'parley.act/1') refuse('invalid_field', 'act.type must be "parley.act/1"');
  if (typeof a.meeting !== 'string' || a.meeting.length > 64) refuse('invalid_field', 'act.meeting must be a meeting id');
  if (!Number.isSafeInteger(a.base) || a.base < 0) refuse('invalid_field', 'act.base must be a non-negative integer');
  if (typeof a.prev !== 'string') refuse('invalid_field', 'act.prev must be a string');
  if (!KINDS.includes(a.kind)) refuse('invalid_field', 'act.kind must be one of ' + KINDS.join(', '));
  if (!isObject(a.body)) refuse('invalid_field', 'act.body must be an object');
  if (typeof a.author !== 'string') refuse('invalid_field', 'act.author must be a member id');
  if (!isInstant(a.at)) refuse('invalid_field', 'act.at must be an instant like 2026-12-07T15:00:00Z');
  if (typeof env.signature !== 'string') refuse('invalid_field', 'signature must be a string');
  if ((a.base === 0) !== (a.prev === '')) refuse('invalid_field', 'act.prev must be empty exactly when act.base is 0');
  if (a.prev !== '' && !/^[0-9a-f]{64}$/.test(a.prev)) refuse('invalid_field', 'act.prev must be a lowercase hex SHA-256');
}

// The negotiation state replayed from the log (negotiation::MeetingState).
class State {
  constructor(meeting) {
    this.meeting = meeting;
    this.parties = [];                // [initiator, counterparty]
    this.params = new Map();          // name → {rev, value, canon, acceptedBy: Set}
    this.signatures = new Map();      // party → {member, termsHash, at}
    this.withdrawal = null;
    this.length = 0;
    this.head = '';
    this.lastAt = '';
    this.termsHashCache = undefined;
  }

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

  propose(name, value, party) {
    const old = this.params.get(name);
    this.params.set(name, { rev: old ? old.rev + 1 : 1, value, canon: canonicalize(value), acceptedBy: new Set([party]) });
    this.signatures.clear();
    this.termsHashCache = undefined;
  }
}

// §Rules per kind, for the checks after the common ones.
async function checkRules(st, a, author, partyIds) {
  const body = a.body;
  const party = author.party;
  switch (a.kind) {
    case 'create': {
      if (!/^[A-Za-z0-9_-]{8,64}$/.test(a.meeting))
        refuse('invalid_field', 'meeting ids are 8 to 64 of letters, digits, "_" and "-"');
      requireFields(body, ['counterparty', 'proposals'], 'the create body');
      if (typeof body.counterparty !== 'string') refuse('invalid_field', 'counterparty must be a party id');
      if (body.counterparty === party) refuse('invalid_field', 'the counterparty is the author\'s own party');
      if (!partyIds.includes(body.counterparty))
        refuse('unknown_party', `the counterparty ${body.counterparty} is not a party of this export`);
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
      const cur = st.params.get(body.param);
      if (cur && cur.canon === canonicalize(body.value))
        refuse('unchanged_value', `the proposed ${body.param} is already the current proposal`);
      return;
    }
    case 'accept': {
      requireFields(body, ['param', 'rev'], 'the accept body');
      if (typeof body.param !== 'string' || !Number.isSafeInteger(body.rev))
        refuse('invalid_field', 'accept needs a param name and an integer rev');
      const cur = st.params.get(body.param);
      if (!cur) refuse('nothing_to_accept', `nobody has proposed "${body.param}"`);
      if (body.rev !== cur.rev) refuse('stale_revision', `${body.param} is at revision ${cur.rev}, not ${body.rev}`);
      if (cur.acceptedBy.has(party)) refuse('already_accepted', `${party} already accepted ${body.param} revision ${cur.rev}`);
      return;
    }
    case 'sign': {
      requireFields(body, ['terms_hash'], 'the sign body');
      if (!st.allAgreed()) refuse('not_agreed', 'not every parameter is proposed and agreed by both parties');
      if (body.terms_hash !== await st.termsHash())
        refuse('terms_hash_mismatch', 'the signed hash is not the hash of the current terms');
      if (st.signatures.has(party)) refuse('already_signed', `${party} already signed these terms`);
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

function applyAct(st, a, author, hash) {
  const party = author.party;
  st.length += 1;
  st.head = hash;
  st.lastAt = a.at;
  switch (a.kind) {
    case 'create':
      st.parties = [party, a.body.counterparty];
      for (const [name, value] of Object.entries(a.body.proposals)) st.propose(name, value, party);
      break;
    case 'propose':
      st.propose(a.body.param, a.body.value, party);
      break;
    case 'accept':
      st.params.get(a.body.param).acceptedBy.add(party);
      break;
    case 'sign':
      st.signatures.set(party, { member: a.author, termsHash: a.body.terms_hash, at: a.at });
      break;
    case 'withdraw':
      st.withdrawal = { party, member: a.author, reason: a.body.reason, at: a.at };
      break;
  }
}

// ---------------------------------------------------------------- summaries

function clip(text, max = 140) {
  const s = String(text).replace(/\s+/g, ' ').trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

function describeValue(name, v, memberName) {
  try {
    switch (name) {
      case 'title': return JSON.stringify(v);
      case 'duration_minutes': return `${v} minutes`;
      case 'roster':
        return v.map((e) => `${memberName(e.member)} (${e.party}, ${e.role})`).join(', ');
      case 'languages': {
        let s = v.languages.join(', ');
        if (v.interpretation.length)
          s += '; interpretation: ' + v.interpretation.map((i) => `${memberName(i.interpreter)} ${i.pair.join('–')}`).join(', ');
        return s;
      }
      case 'agenda': return v.map((i) => JSON.stringify(i.title)).join(', ');
      case 'announcement':
        return `${JSON.stringify(v.text)}, published ${v.publish === 'on_agreement' ? 'on agreement' : v.publish}`;
      case 'predecessor': return v === null ? 'none' : v;
      default: return typeof v === 'string' ? v : canonicalize(v);
    }
  } catch {
    return canonicalize(v);  // a shape the rules above do not check; show it raw
  }
}

function summarize(a, partyName, memberName) {
  const b = a.body;
  switch (a.kind) {
    case 'create': {
      const named = PARAMETERS.filter((p) => Object.hasOwn(b.proposals, p));
      const which = named.length === PARAMETERS.length ? 'all nine parameters' : named.join(', ');
      const title = typeof b.proposals.title === 'string' ? ` ${JSON.stringify(clip(b.proposals.title, 60))}` : '';
      return `created the meeting${title} with ${partyName(b.counterparty)}, proposing ${which}`;
    }
    case 'propose': return clip(`proposed ${b.param}: ${describeValue(b.param, b.value, memberName)}`);
    case 'accept': return `accepted ${b.param} rev ${b.rev}`;
    case 'sign': return `signed terms ${String(b.terms_hash).slice(0, 8)}…`;
    case 'withdraw': return clip(`withdrew: ${b.reason}`);
    default: return a.kind;
  }
}

// ---------------------------------------------------------------- verification

let ed25519Available;
async function checkEd25519() {
  if (ed25519Available === undefined) {
    try {
      await crypto.subtle.importKey('raw', new Uint8Array(32).fill(0x3b), { name: 'Ed25519' }, false, ['verify']);
      ed25519Available = true;
    } catch {
      ed25519Available = false;
    }
  }
  return ed25519Available;
}

// Verifies the text (a string) or bytes (UTF-8) of an exported log. Never
// throws for bad input; resolves to
//   { ok, code, error,                 // error: "act N: … [code]" or "not a valid export: … [code]"
//     meeting, exportedAt, actsInFile,
//     parties: [{id, name, timeZone}],  // [initiator, counterparty] once the create act verified
//     members: [{id, party, name, roles, key}],
//     acts: [{seq, kind, author, authorName, party, at, summary, hash, signatureOk, verified}],
//     head, agreed, termsHash,         // as far as the log verified; termsHash null until all nine are proposed
//     terms,                           // the terms document termsHash is the hash of (a copy), or null;
//                                      // terms.roster is the roster in its signed order (e2ee-keys.js)
//     signatures: [{party, member, name, key, termsHash, at}],
//     withdrawal: {party, member, name, reason, at} | null }
// On failure, acts holds the verified acts and then the refused one
// (verified: false; signatureOk null when its signature could not be checked).
export async function verifyExport(text) {
  const result = {
    ok: false, error: null, code: null, meeting: null, exportedAt: null, actsInFile: 0, parties: [], members: [], acts: [],
    head: '', agreed: false, termsHash: null, terms: null, signatures: [], withdrawal: null,
  };
  let doc;
  let members;
  try {
    doc = parseText(text);
    members = checkDocument(doc);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    result.code = e.code;
    result.error = `not a valid export: ${e.message} [${e.code}]`;
    return result;
  }
  if (!(globalThis.crypto?.subtle && await checkEd25519())) {
    result.code = 'unsupported';
    result.error = 'this browser cannot check Ed25519 signatures; use a current Chromium, Firefox or Safari, ' +
      'or `parley verify` [unsupported]';
    return result;
  }

  result.meeting = doc.meeting;
  result.exportedAt = doc.exported_at;
  result.actsInFile = doc.acts.length;
  result.members = doc.members.map((m) => ({ id: m.id, party: m.party, name: m.name, roles: [...m.roles], key: m.key }));
  const partyIds = doc.parties.map((p) => p.id);
  const partyById = new Map(doc.parties.map((p) => [p.id, p]));
  const partyName = (id) => partyById.get(id)?.name ?? id;
  const memberName = (id) => members.get(id)?.name ?? id;
  const st = new State(doc.meeting);

  for (let i = 0; i < doc.acts.length; i++) {
    const n = i + 1;
    const env = doc.acts[i];
    let entry = null;
    try {
      checkEnvelope(env);
      const a = env.act;
      const author = members.get(a.author);
      const hash = await sha256Hex(canonicalize({ act: a, signature: env.signature }));
      entry = {
        seq: n, kind: a.kind, author: a.author, authorName: author?.name ?? null, party: author?.party ?? null,
        at: a.at, summary: null, hash, signatureOk: null, verified: false,
      };
      if (author) {
        try {
          entry.signatureOk = await verifyDocument(author.key, a, env.signature);
        } catch {
          entry.signatureOk = false;
        }
      }

      if (a.meeting !== doc.meeting) refuse('wrong_meeting', `the act names meeting ${a.meeting}, not ${doc.meeting}`);
      if (n === 1 && a.kind !== 'create') refuse('invalid_field', 'the first act must be create');
      if (n === 1 && a.base !== 0) refuse('invalid_field', 'create must build on nothing (base 0)');
      if (n > 1 && a.kind === 'create') refuse('meeting_exists', 'a second create for the same meeting');
      if (n > 1 && (a.base !== st.length || a.prev !== st.head))
        refuse('stale_sequence', a.base === st.length
          ? 'its prev is not the hash of the act before it'
          : `it was made after ${a.base} acts, but ${st.length} come before it in the file`);
      if (a.at < st.lastAt) refuse('time_out_of_order', `dated ${a.at}, before the previous act (${st.lastAt})`);
      if (!author) refuse('unknown_author', `the author ${a.author} is not a listed member`);
      if (!author.roles.includes('negotiator'))
        refuse('role_not_allowed', `${author.name} (${a.author}) does not hold the negotiator role`);
      const parties = n === 1 ? partyIds : st.parties;
      if (!parties.includes(author.party))
        refuse('not_a_party', `${author.name}'s party ${author.party} is not a party to this meeting`);
      if (!entry.signatureOk)
        refuse('bad_signature', `the signature does not verify with the key listed for ${author.name} (${a.author})`);
      if (st.withdrawal) refuse('meeting_withdrawn', 'the meeting was already withdrawn');
      await checkRules(st, a, author, partyIds);

      applyAct(st, a, author, hash);
      entry.summary = summarize(a, partyName, memberName);
      entry.verified = true;
      result.acts.push(entry);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      if (entry) {
        try { entry.summary = summarize(env.act, partyName, memberName); } catch { entry.summary = env.act.kind; }
        result.acts.push(entry);
      }
      result.code = e.code;
      result.error = `act ${n}: ${e.message} [${e.code}]`;
      break;
    }
  }

  // The state as far as it verified: the parties in the meeting's order.
  const order = st.parties.length ? st.parties : partyIds;
  result.parties = order.map((id) => {
    const p = partyById.get(id);
    return { id, name: p?.name ?? id, timeZone: p?.time_zone ?? null };
  });
  result.head = st.head;
  result.termsHash = await st.termsHash();
  const terms = st.termsDocument();
  result.terms = terms === null ? null : structuredClone(terms);
  result.agreed = st.signatures.size === 2;
  result.signatures = order.filter((p) => st.signatures.has(p)).map((p) => {
    const s = st.signatures.get(p);
    const m = members.get(s.member);
    return { party: p, member: s.member, name: m.name, key: m.key, termsHash: s.termsHash, at: s.at };
  });
  if (st.withdrawal) {
    const w = st.withdrawal;
    result.withdrawal = { party: w.party, member: w.member, name: members.get(w.member).name, reason: w.reason, at: w.at };
  }
  result.ok = result.error === null;
  return result;
}
