// The record of the talks in the app (docs/record.md): what a member's
// browser fetches, checks and signs.
//
//   loadRecord(meeting)          GET the record, verify it here (record-verifier.js)
//   new RecordBook(meeting, me)  the record a page shows, kept up to date act by act
//   cosign(meeting, me, {size})  check the server's checkpoint (or the record's one of
//                                that size) against what this browser verified and
//                                remembers, then add the member's signed-note line
//                                and send it
//
// Entries themselves are signed by acts.js (one function per kind).
//
// What the browser remembers (localStorage, per meeting and member): the last
// checkpoint this member cosigned and every checkpoint it has seen, each as
// {size, root}. A later checkpoint must extend all of them; a server that
// showed two different histories is caught the moment it shows the second.

import { call, explain } from './api.js';
import { loadIdentity } from './identity.js';
import { fromBase64url, fromHex, toHex } from './encoding.js';
import { verifyConsistency } from './merkle.js';
import { addNoteSignature, formatNote, parseCheckpoint, parseNote, verifyNoteKey } from './signed-note.js';
import { parseTrust, verifyRecord } from './record-verifier.js';

export const TWO_HISTORIES = 'The server showed two different histories of this meeting — not cosigned.';

// A refusal to cosign: `code` says which check failed; `forked` is true when
// the server's story contradicts itself (the message people must see).
export class CosignRefused extends Error {
  constructor(code, message, { forked = false } = {}) {
    super(forked ? `${TWO_HISTORIES} ${message}` : message);
    this.code = code;
    this.forked = forked;
  }
}

const meetingPath = (id) => `/api/v1/meetings/${encodeURIComponent(id)}`;

// The key name a member cosigns under: "<origin>/member/<member id>".
export const cosignerKeyName = (origin, member) => `${origin}/member/${member}`;

// --- What this browser remembers

const memoryKey = (meeting, member) => `parley.record.${meeting}.${member}`;

const isMark = (c) => !!c && Number.isSafeInteger(c.size) && c.size >= 0 && typeof c.root === 'string' && /^[0-9a-f]{64}$/.test(c.root);

export function remembered(meeting, member) {
  try {
    const m = JSON.parse(localStorage.getItem(memoryKey(meeting, member)) || 'null');
    if (m && Array.isArray(m.seen)) return { cosigned: isMark(m.cosigned) ? m.cosigned : null, seen: m.seen.filter(isMark) };
  } catch {
    /* a damaged entry is treated as nothing remembered: the checks below still run */
  }
  return { cosigned: null, seen: [] };
}

// Keeps the checkpoints seen (one per size: the first root seen for a size
// stays, so a second, different one is never quietly replaced) and the last
// one cosigned.
function remember(meeting, member, { cosigned, seen }) {
  const m = remembered(meeting, member);
  const bySize = new Map(m.seen.map((c) => [c.size, c]));
  for (const c of seen || []) if (!bySize.has(c.size)) bySize.set(c.size, { size: c.size, root: c.root });
  const list = [...bySize.values()].sort((a, b) => a.size - b.size);
  // Bounded: the first and the 63 largest are kept (the last cosigned apart).
  const kept = list.length > 64 ? [list[0], ...list.slice(-63)] : list;
  const last = cosigned && (!m.cosigned || cosigned.size >= m.cosigned.size) ? cosigned : m.cosigned;
  localStorage.setItem(memoryKey(meeting, member), JSON.stringify({ cosigned: last, seen: kept }));
}

// --- Loading and verifying

// The trust a member's browser gives the record (docs/record.md
// §Verification 3): the keys the server lists for each party's members. The
// page has no other source for the other party's keys — as for the call's
// end-to-end keys, the people compare fingerprints aloud — so this checks
// that the terms were signed by members of the right parties, not that
// their keys are genuine. The checks that protect the member (signatures,
// rules, checkpoints) do not depend on it.
function listedTrust(doc) {
  const parties = {};
  for (const m of Array.isArray(doc.members) ? doc.members : [])
    if (m && typeof m.party === 'string' && typeof m.key === 'string') (parties[m.party] ??= []).push(m.key);
  try {
    return parseTrust({ type: 'parley.trust/1', parties });
  } catch {
    return null;  // a malformed member list: verifyRecord says what is wrong with it
  }
}

// The record as the server exports it, verified in this browser by
// record-verifier.js. Resolves to { doc, report }: report.ok says whether
// everything verified (report.error names the first failure), report.state
// is the RecordState (its .log the replayed MeetingLog of meeting-log.js)
// and report.record its display view, checkpoints included.
export async function loadRecord(meeting) {
  const doc = await call('GET', `${meetingPath(meeting)}/record`);
  const report = await verifyRecord(JSON.stringify(doc), { trust: listedTrust(doc) });
  return { doc, report };
}

export class RecordUnverified extends Error {}

// One meeting's record as a page holds it: loaded and verified whole, then
// kept up to date act by act from the live channel's pushes (each replayed
// through the same MeetingLog, so a pushed act that breaks a rule or a
// signature is refused here too). Entries are signed on what this holds:
// base = the acts verified here, prev = the last one's hash.
export class RecordBook {
  constructor(meeting, me) {
    this.meeting = meeting;
    this.me = me;
    this.doc = null;
    this.report = null;
    this.state = null;   // RecordState (record-verifier.js): the log, the tree, the checkpoints
    this.broken = null;  // why the record stopped verifying, if it did
    this.queue = Promise.resolve();
  }

  get log() {
    return this.state ? this.state.log : null;
  }

  get length() {
    return this.log ? this.log.length : 0;
  }

  get checkpoints() {
    return this.state ? this.state.checkpoints : [];
  }

  get final() {
    return !!(this.state && this.state.finalCheckpoint);
  }

  // The member's entry on the signed roster, or null.
  get rosterEntry() {
    return (this.log && this.log.signedRoster()?.get(this.me.member)) || null;
  }

  // What acts.js signs on: the history this browser verified.
  basis() {
    return { id: this.meeting, length: this.log.length, head: this.log.head, last_at: this.log.lastAt || null };
  }

  // One change at a time: a full reload and a pushed act never interleave.
  serial(fn) {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  refresh() {
    return this.serial(async () => {
      const { doc, report } = await loadRecord(this.meeting);
      if (!report.ok) {
        this.broken = report.error;
        throw new RecordUnverified(`The record the server sent does not verify in this browser: ${report.error}`);
      }
      // Two loads may cross: an older answer never replaces a newer one.
      if (this.log && report.state.log.length < this.log.length) return;
      this.doc = doc;
      this.report = report;
      this.state = report.state;
      this.broken = null;
      noteSeen(this.meeting, this.me.member, report.state);
    });
  }

  // A pushed act ({seq, envelope}): replayed on the log when it is the next
  // one, a full reload when some were missed. Resolves to true when the
  // log grew.
  apply(msg) {
    return this.serial(async () => {
      if (!this.log || msg.seq <= this.log.length) return false;
      if (msg.seq > this.log.length + 1) {
        const { doc, report } = await loadRecord(this.meeting);
        if (!report.ok) throw new RecordUnverified(`The record the server sent does not verify in this browser: ${report.error}`);
        this.doc = doc;
        this.report = report;
        this.state = report.state;
        noteSeen(this.meeting, this.me.member, report.state);
        return true;
      }
      const r = await this.state.append(msg.envelope);
      if (!r.ok) {
        this.broken = `act ${msg.seq}: ${r.error} [${r.code}]`;
        throw new RecordUnverified(`The server pushed an act that does not verify in this browser (act ${msg.seq}: ${r.error}); it is not shown.`);
      }
      return true;
    });
  }
}

// --- Cosigning (docs/record.md §Checkpoints of a meeting)

// Checks and cosigns a checkpoint for `me` (the identity in this browser):
// the server's current one, or with `size` the one of that size the record
// carries (one the other party cosigned while later entries came in: both
// must cosign the same checkpoint for the record to be final). Resolves to
// { checkpoint, final, size } as the server answered; throws CosignRefused
// when a check fails (nothing is signed then).
export async function cosign(meeting, me, { size = null } = {}) {
  const identity = await loadIdentity();
  if (!identity || identity.member !== me.member) throw new CosignRefused('no_identity', 'This browser holds no key for you.');
  const memory = remembered(meeting, me.member);
  const last = memory.cosigned;

  // 1. The checkpoint, with the proof from the last one this member cosigned.
  let head = null;
  if (size === null) {
    try {
      head = await call('GET', `${meetingPath(meeting)}/checkpoint${last ? `?from=${last.size}` : ''}`);
    } catch (e) {
      // The server's log is shorter than what was cosigned (it refuses the
      // proof): take its checkpoint as it is, and the check below says so.
      if (!last || e.code !== 'invalid_field') throw e;
      head = await call('GET', `${meetingPath(meeting)}/checkpoint`);
    }
  }
  // 2. The record, at least as long: every act the checkpoint covers.
  const { doc, report } = await loadRecord(meeting);
  if (!report.ok) throw new CosignRefused('record_invalid', `The record does not verify in this browser: ${report.error}`);
  if (size !== null) {
    // A checkpoint of the record: its consistency with the last one cosigned
    // is checked below by recomputing both roots from the same acts.
    const c = report.state.checkpoints.find((x) => x.size === size);
    if (!c) throw new CosignRefused('not_found', `The record carries no checkpoint of ${size} acts.`);
    head = { checkpoint: c.note, size: c.size, root: c.root, consistency: null };
  }

  let note;
  let cp;
  try {
    note = parseNote(head.checkpoint);
    cp = parseCheckpoint(note.text);
  } catch (e) {
    throw new CosignRefused('bad_checkpoint', `The server's checkpoint is not well formed: ${e.message}`);
  }
  if (cp.origin !== doc.origin) throw new CosignRefused('wrong_origin', `The checkpoint is of another log (${cp.origin}).`);
  const logKey = fromBase64url(doc.log_key);
  try {
    await verifyNoteKey(note, doc.origin, logKey);
  } catch (e) {
    throw new CosignRefused('bad_signature', `The checkpoint is not signed by this meeting's log key: ${e.message}`);
  }
  const root = toHex(cp.root);
  if (cp.size !== head.size || root !== head.root)
    throw new CosignRefused('checkpoint_mismatch', 'The server\'s answer gives two sizes or roots for one checkpoint.', { forked: true });
  const held = report.state.log.length;
  if (cp.size > held)
    throw new CosignRefused('record_short', `The checkpoint covers ${cp.size} acts but the record holds ${held}.`, { forked: true });

  // 3. Its root is the tree hash of the first `size` acts verified here.
  const tree = report.state;
  const ours = toHex(await tree.root(cp.size));
  if (ours !== root)
    throw new CosignRefused('root_mismatch', `Its root for ${cp.size} acts is not the tree hash of the acts this browser verified.`, { forked: true });

  // 4. Consistent with the last checkpoint this member cosigned: by the
  // server's proof, and by recomputing from the acts held.
  if (last) {
    // The server's current checkpoint never goes back; an older one of the
    // record (size given) is only checked against the same acts.
    if (size === null && last.size > cp.size)
      throw new CosignRefused('went_back', `You cosigned ${last.size} acts before; the server now shows ${cp.size}.`, { forked: true });
    if (head.consistency !== null) {
      const proof = (head.consistency || []).map(fromHex);
      if (proof.some((p) => !p)) throw new CosignRefused('bad_proof', 'The consistency proof is not hex hashes.', { forked: true });
      const err = await verifyConsistency(last.size, cp.size, fromHex(last.root), cp.root, proof);
      if (err) throw new CosignRefused(err, `It is not an extension of the checkpoint you cosigned at ${last.size} acts (${err}).`, { forked: true });
    }
    if (last.size > held)
      throw new CosignRefused('went_back', `You cosigned ${last.size} acts before; the record now holds ${held}.`, { forked: true });
    if (toHex(await tree.root(last.size)) !== last.root)
      throw new CosignRefused('root_mismatch', `The acts now shown do not give the checkpoint you cosigned at ${last.size} acts.`, { forked: true });
  }

  // 5. Every other checkpoint seen — those in the record (the other
  // party's cosigned ones among them) and those remembered — is a prefix
  // of the same acts.
  const seen = [...report.state.checkpoints.map((c) => ({ size: c.size, root: c.root })), ...memory.seen];
  for (const c of seen) {
    if (c.size > held)
      throw new CosignRefused('went_back', `A checkpoint of ${c.size} acts was seen before; the record now holds ${held}.`, { forked: true });
    if (toHex(await tree.root(c.size)) !== c.root)
      throw new CosignRefused('root_mismatch', `The checkpoint of ${c.size} acts seen before does not match the acts now shown.`, { forked: true });
  }
  remember(meeting, me.member, { seen: [...seen, { size: cp.size, root }] });

  // 6. The member's line, under "<origin>/member/<id>".
  const signed = await addNoteSignature(note, cosignerKeyName(doc.origin, me.member), identity.privateKey,
    fromBase64url(identity.publicKey));
  const answer = await call('POST', `${meetingPath(meeting)}/cosignatures`, { checkpoint: formatNote(signed) });
  remember(meeting, me.member, { cosigned: { size: cp.size, root } });
  return { ...answer, size: cp.size };
}

// Records the checkpoints a page was shown and verified without cosigning:
// a later contradiction is then caught.
export function noteSeen(meeting, member, state) {
  remember(meeting, member, { seen: state.checkpoints.map((c) => ({ size: c.size, root: c.root })) });
}

// Downloads a JSON document as a file.
export function download(doc, filename) {
  const blob = new Blob([JSON.stringify(doc, null, 1) + '\n'], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
}

// One signed step at a time for a record panel (`owner`: the call's panel or
// the meeting page's section, with busy, draw(), say(text) and a RecordBook
// in book); its buttons wait meanwhile. A step asked for while another is on
// its way (a click that raced the buttons being disabled) runs after it, on
// the record as it is then. `done(message)` tells of a success.
export function queueStep(owner, what, fn, after, done) {
  const run = async () => {
    owner.busy = true;
    owner.say('');
    owner.draw();
    try {
      await fn(owner.book.basis());
      if (after) after();
      await owner.book.refresh();
      done(`${what}: signed and recorded.`);
    } catch (e) {
      owner.say(`${what} failed: ${explain(e)}`);
    } finally {
      owner.busy = false;
      owner.draw();
    }
  };
  owner.steps = (owner.steps || Promise.resolve()).then(run, run);
  return owner.steps;
}

// A form's values read by `fn`, or null after saying what to fix.
export function readForm(owner, fn) {
  try {
    return fn();
  } catch (e) {
    owner.say(explain(e));
    return null;
  }
}
