// The end-to-end keys of a call (docs/e2ee-keys.md), bound to the meeting's
// signed roster: parleyd relays the messages and never holds a key, and a
// key it injects is refused because no roster key signed it.
//
//   const trust = await trustFromExport(await fetchExportText(), { meeting });
//   const keys = new KeyManager({ trust, me, sign, send, onKey, onSendingKey,
//                                 onWarning, onCode, onKeyRetired });
//   on call.participants:  keys.setEpoch(msg.epoch, msg.participants);
//   on a relayed call.e2ee: keys.receive(msg.from, msg.payload);
//   on call.left:           keys.close();
//
// A KeyManager is pure logic on WebCrypto (no DOM), so it runs in a page or
// a Worker. It owns: its X25519 ephemeral key pair of the current epoch (the
// private half non-extractable, dropped at the next epoch), its sending key,
// the ephemerals it accepted (current and next epoch only) and the keys it
// received (erased `retainMs` after the epoch that made them has passed).
// Every call is queued and runs in arrival order, so state never interleaves.
// Keys handed to callbacks are copies: the manager zeroes its own when it is
// done with them.

import { canonicalize } from './canonical.js';
import { toBase64url, fromBase64url, utf8 } from './encoding.js';
import { verifyExport } from './verifier.js';

export const EPHEMERAL_TYPE = 'parley.e2ee.ephemeral/1';
export const ENVELOPE_TYPE = 'parley.e2ee.key/1';
export const CODE_TYPE = 'parley.e2ee.code/1';
export const WRAP_LABEL = 'parley e2ee key wrap/1';
// RFC 9605 §4.5: AES_128_GCM_SHA256_128, a 16-byte base key.
export const SUITE = 4;
export const KEY_BYTES = 16;
export const RETAIN_MS = 5000;

const MAX_EPOCH = 0xffffffff;          // u32 in the wrap info
const MAX_ID_CHARS = 64;               // meeting and member ids (docs/protocol.md)
const MAX_ROSTER = 100;                // the roster parameter's limit
const IV_BYTES = 12;
const TAG_BYTES = 16;

const subtle = () => globalThis.crypto.subtle;

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// ---------------------------------------------------------------- trust

// The verified meeting a call's keys are bound to, from the text (or bytes)
// of its exported log: { meeting, termsHash, roster: [{position, member, key,
// party, role, name}], interpreters: [position] } with the roster in its
// signed order and the positions of the interpreters the terms name. Throws an Error
// saying why when the log does not verify, the meeting was withdrawn, the two
// parties have not both signed the current terms, the roster cannot serve
// (malformed, a member twice), or it is not the meeting `meeting`.
export async function trustFromExport(exportText, { meeting } = {}) {
  const r = await verifyExport(exportText);
  if (!r.ok) throw new Error(`The meeting's signed log does not verify: ${r.error}`);
  if (meeting !== undefined && r.meeting !== meeting)
    throw new Error(`The signed log is of meeting ${r.meeting}, not of ${meeting}.`);
  if (r.withdrawal) throw new Error(`The meeting was withdrawn by ${r.withdrawal.name}: no call keys are made for it.`);
  if (!r.termsHash || !r.terms) throw new Error('Not every term of the meeting is agreed yet.');
  for (const party of r.parties) {
    const s = r.signatures.find((x) => x.party === party.id);
    if (!s || s.termsHash !== r.termsHash)
      throw new Error(`${party.name} has not signed the current terms (${r.termsHash.slice(0, 8)}…).`);
  }
  if (!r.agreed) throw new Error('Both parties have not signed the current terms.');
  const names = new Map(r.members.map((m) => [m.id, m.name]));
  const partyIds = r.parties.map((p) => p.id);
  const roster = r.terms.roster;
  if (!Array.isArray(roster) || roster.length === 0 || roster.length > MAX_ROSTER)
    throw new Error('The signed roster is not a list of 1 to 100 members.');
  const entries = roster.map((e, position) => {
    if (!isObject(e) || typeof e.member !== 'string' || typeof e.key !== 'string' ||
        typeof e.party !== 'string' || typeof e.role !== 'string')
      throw new Error(`Roster entry ${position} is malformed.`);
    if (!partyIds.includes(e.party)) throw new Error(`Roster entry ${position} names a party not in the meeting.`);
    return { position, member: e.member, key: e.key, party: e.party, role: e.role, name: names.get(e.member) ?? e.member };
  });
  // Who may speak into a language channel: the interpreters the signed
  // terms name (docs/protocol.md §Interpretation), by roster position.
  const named = new Set((r.terms.languages?.interpretation || []).map((i) => i && i.interpreter));
  const interpreters = entries.filter((e) => named.has(e.member)).map((e) => e.position);
  const trust = { meeting: r.meeting, termsHash: r.termsHash, roster: entries, interpreters };
  checkTrust(trust);
  return deepFreeze(trust);
}

function deepFreeze(o) {
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

// The shape KeyManager relies on; throws an Error naming what is wrong.
function checkTrust(trust) {
  if (!isObject(trust)) throw new Error('trust must be an object');
  if (typeof trust.meeting !== 'string' || trust.meeting.length === 0 || trust.meeting.length > MAX_ID_CHARS)
    throw new Error('trust.meeting must be a meeting id');
  if (typeof trust.termsHash !== 'string' || !/^[0-9a-f]{64}$/.test(trust.termsHash))
    throw new Error('trust.termsHash must be a lowercase hex SHA-256');
  if (!Array.isArray(trust.roster) || trust.roster.length === 0 || trust.roster.length > MAX_ROSTER)
    throw new Error('trust.roster must list 1 to 100 members');
  const seen = new Set();
  trust.roster.forEach((e, i) => {
    if (!isObject(e) || e.position !== i) throw new Error(`roster entry ${i} must have position ${i}`);
    if (typeof e.member !== 'string' || e.member.length === 0 || e.member.length > MAX_ID_CHARS)
      throw new Error(`roster entry ${i} has no member id`);
    if (seen.has(e.member)) throw new Error(`member ${e.member} is on the roster twice`);
    seen.add(e.member);
    const key = fromBase64url(e.key);
    if (!key || key.length !== 32) throw new Error(`roster entry ${i} has no Ed25519 public key`);
  });
}

// ---------------------------------------------------------------- primitives

// The SFrame KID of a sender's key in an epoch (docs/e2ee-keys.md §Epochs).
export function kidFor(position, epoch) {
  return position * 65536 + (epoch % 65536);
}

// info = "parley e2ee key wrap/1" 0x00 meeting 0x00 u16(sender_position)
//        u16(recipient_position) u32(epoch), big-endian.
export function wrapInfo(meeting, senderPosition, recipientPosition, epoch) {
  const label = utf8(WRAP_LABEL);
  const m = utf8(meeting);
  const out = new Uint8Array(label.length + 1 + m.length + 1 + 8);
  out.set(label, 0);
  out.set(m, label.length + 1);
  const v = new DataView(out.buffer, label.length + m.length + 2);
  v.setUint16(0, senderPosition);
  v.setUint16(2, recipientPosition);
  v.setUint32(4, epoch);
  return out;
}

export async function generateEphemeral() {
  const pair = await subtle().generateKey({ name: 'X25519' }, false, ['deriveBits']);
  const raw = await subtle().exportKey('raw', pair.publicKey);
  return { privateKey: pair.privateKey, publicKey: toBase64url(raw) };
}

// kek = HKDF-SHA256(X25519(own private, peer public), salt = terms hash
// bytes, info), as a 16-byte AES-GCM key. Throws when the peer's key is
// not a usable X25519 key (WebCrypto refuses an all-zero shared secret).
async function deriveKek(privateKey, peerPublicB64, termsHash, info, usage) {
  const peerRaw = fromBase64url(peerPublicB64);
  const peer = await subtle().importKey('raw', peerRaw, { name: 'X25519' }, false, []);
  const shared = new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: peer }, privateKey, 256));
  try {
    const ikm = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveKey']);
    return await subtle().deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: fromHex(termsHash), info }, ikm,
      { name: 'AES-GCM', length: 128 }, false, [usage]);
  } finally {
    shared.fill(0);
  }
}

// → { iv, wrapped } (base64url): AES-128-GCM of `key` under the kek, aad = info.
export async function wrapKey({ privateKey, peerPublic, termsHash, info, key, iv = null }) {
  const kek = await deriveKek(privateKey, peerPublic, termsHash, info, 'encrypt');
  const nonce = iv ?? crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv: nonce, additionalData: info, tagLength: 128 }, kek, key);
  return { iv: toBase64url(nonce), wrapped: toBase64url(ct) };
}

// → the 16 key bytes, or throws when the ciphertext does not authenticate.
export async function unwrapKey({ privateKey, peerPublic, termsHash, info, iv, wrapped }) {
  const kek = await deriveKek(privateKey, peerPublic, termsHash, info, 'decrypt');
  const pt = await subtle().decrypt({ name: 'AES-GCM', iv: fromBase64url(iv), additionalData: info, tagLength: 128 },
    kek, fromBase64url(wrapped));
  return new Uint8Array(pt);
}

// docs/e2ee-keys.md §Security code: SHA-256 of the canonical JSON of
// {type, terms_hash, epoch, ephemerals by position}; the first 40 bits read
// as a big-endian integer, modulo 10^12, written as four groups of three
// digits ("042 917 553 108").
export async function securityCode(termsHash, epoch, ephemerals) {
  const list = [...ephemerals].sort((a, b) => a.position - b.position)
    .map((e) => ({ position: e.position, x25519: e.x25519 }));
  const doc = { type: CODE_TYPE, terms_hash: termsHash, epoch, ephemerals: list };
  const h = new Uint8Array(await subtle().digest('SHA-256', utf8(canonicalize(doc))));
  let n = 0;
  for (let i = 0; i < 5; i++) n = n * 256 + h[i];
  const digits = String(n % 1e12).padStart(12, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6, 9)} ${digits.slice(9)}`;
}

// ---------------------------------------------------------------- the manager

// A message refused by an acceptance rule: `code` is stable (listed in
// docs/e2ee-keys.md §In the browser), `message` is for people.
class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const refuse = (code, message) => { throw new Refusal(code, message); };

const EPHEMERAL_FIELDS = ['type', 'meeting', 'terms_hash', 'epoch', 'position', 'member', 'x25519'];
const ENVELOPE_FIELDS = ['type', 'meeting', 'terms_hash', 'epoch', 'sender', 'sender_position', 'recipient',
  'recipient_position', 'sender_x25519', 'kid', 'suite', 'iv', 'wrapped'];
const INTEGER_FIELDS = new Set(['epoch', 'position', 'sender_position', 'recipient_position', 'kid', 'suite']);

// Exactly `fields`, integers where integers belong and short strings
// elsewhere: checked before anything is canonicalized or decoded.
function checkBody(body, fields) {
  for (const f of fields) if (!Object.hasOwn(body, f)) refuse('invalid_message', `it lacks "${f}"`);
  for (const k of Object.keys(body)) if (!fields.includes(k)) refuse('invalid_message', `it has an unknown field "${k}"`);
  for (const f of fields) {
    const v = body[f];
    if (INTEGER_FIELDS.has(f)) {
      if (!Number.isSafeInteger(v) || v < 0) refuse('invalid_message', `"${f}" is not a non-negative integer`);
    } else if (typeof v !== 'string' || v.length > 128) {
      refuse('invalid_message', `"${f}" is not a short string`);
    }
  }
  if (body.epoch < 1 || body.epoch > MAX_EPOCH) refuse('invalid_message', 'its epoch is out of range');
}

function clipName(text) {
  const s = String(text);
  return s.length > MAX_ID_CHARS ? s.slice(0, MAX_ID_CHARS - 1) + '…' : s;
}

export class KeyManager {
  // trust: from trustFromExport (or the same shape). me: this client's
  // member id, on the roster. sign(doc) → base64url Ed25519 signature by
  // my identity key over canonical(doc) (identity.js signDocument).
  // send(payload, to?) relays a call.e2ee payload, to one member or, without
  // `to`, to every other participant.
  // Callbacks (all optional but send/sign):
  //   onKey(kid, keyBytes, sender, {position, epoch, name})  a key to decrypt `sender`'s frames
  //   onSendingKey(kid, keyBytes, epoch)                      encrypt my frames under this from now on
  //   onKeyRetired(kid, sender)                               forget a received key (its epoch has passed)
  //   onWarning(text, detail)                                 a refused message; detail.code, .claimed, .from, .epoch
  //   onCode(code, epoch, {ephemerals, missing})              the security code of the current epoch
  // retainMs, setTimeout, clearTimeout: how long keys of a past epoch stay,
  // and the timer functions (injectable for tests).
  constructor({ trust, me, sign, send, onKey, onSendingKey, onKeyRetired, onWarning, onCode, retainMs = RETAIN_MS,
    setTimeout: setTimer = globalThis.setTimeout.bind(globalThis),
    clearTimeout: clearTimer = globalThis.clearTimeout.bind(globalThis) } = {}) {
    checkTrust(trust);
    if (typeof sign !== 'function' || typeof send !== 'function') throw new Error('KeyManager needs sign and send');
    this.trust = trust;
    this.roster = trust.roster;
    this.byMember = new Map(this.roster.map((e) => [e.member, e]));
    this.self = this.byMember.get(me);
    if (!this.self) throw new Error(`member ${me} is not on the signed roster of meeting ${trust.meeting}`);
    this.sign = sign;
    this.send = send;
    const nop = () => {};
    this.cb = { onKey: onKey ?? nop, onSendingKey: onSendingKey ?? nop, onKeyRetired: onKeyRetired ?? nop,
      onWarning: onWarning ?? nop, onCode: onCode ?? nop };
    this.retainMs = retainMs;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;

    this.epoch = 0;                 // 0: no call.participants yet
    this.participants = new Set();  // member ids of the current epoch
    this.mine = null;               // { epoch, privateKey, publicKey, sendingKey, kid, sentTo: Set }
    this.ephemerals = new Map();    // epoch → Map(position → x25519 b64url), current and next epoch
    this.received = new Map();      // `${epoch}/${position}` → { epoch, position, member, kid, key, iv, wrapped }
    this.verifyKeys = new Map();    // position → Promise<CryptoKey>
    this.probe = null;              // Promise of a throwaway X25519 pair (usableX25519)
    this.timers = new Set();
    this.lastCode = null;
    this.closed = false;
    this.queue = Promise.resolve();
  }

  get position() {
    return this.self.position;
  }

  // call.participants: { epoch, participants: [participant | member id] }.
  // A new epoch rotates everything; the same epoch again changes nothing.
  // Resolves once the ephemeral and the envelopes it can make are sent;
  // rejects only when sign or send fail.
  setEpoch(epoch, participants) {
    return this.enqueue(() => this.rotate(epoch, participants), { propagate: true });
  }

  // A relayed call.e2ee payload. Resolves to { accepted, code?, reason? };
  // never rejects. Refusals are reported through onWarning.
  receive(from, payload) {
    return this.enqueue(() => this.accept(from, payload), { ifClosed: { accepted: false, code: 'closed' } });
  }

  // Erases every key it holds and stops; later calls do nothing.
  close() {
    return this.enqueue(async () => {
      this.closed = true;
      for (const t of this.timers) this.clearTimer(t);
      this.timers.clear();
      for (const r of this.received.values()) r.key.fill(0);
      this.received.clear();
      if (this.mine) this.mine.sendingKey.fill(0);
      this.mine = null;
      this.ephemerals.clear();
    });
  }

  // Runs fn after everything queued before it. Errors of setEpoch reach its
  // caller; any other error is reported as a warning and resolved.
  enqueue(fn, { propagate = false, ifClosed } = {}) {
    const run = this.queue.then(() => (this.closed ? ifClosed : fn()));
    this.queue = run.catch(() => {});
    if (propagate) return run;
    return run.catch((e) => {
      this.warn(`Key exchange failed inside this page: ${e.message}`, { code: 'internal' });
      return { accepted: false, code: 'internal', reason: e.message };
    });
  }

  warn(text, detail) {
    try {
      this.cb.onWarning(text, detail);
    } catch {
      // a faulty callback must not stop the key exchange
    }
  }

  // ------------------------------------------------------------ epochs

  async rotate(epoch, participants) {
    if (!Number.isSafeInteger(epoch) || epoch < 1 || epoch > MAX_EPOCH) {
      this.warn(`The server announced an invalid call epoch (${String(epoch).slice(0, 20)}); keys were not changed.`,
        { code: 'invalid_epoch' });
      return;
    }
    const members = new Set();
    for (const p of Array.isArray(participants) ? participants : []) {
      const id = typeof p === 'string' ? p : p?.member;
      if (typeof id !== 'string') continue;
      if (!this.byMember.has(id)) {
        this.warn(`The server lists ${clipName(id)} in the call, who is not on the signed roster; no key is sent to them.`,
          { code: 'not_on_roster', claimed: id, epoch });
        continue;
      }
      members.add(id);
    }
    if (epoch === this.epoch) {
      const same = members.size === this.participants.size && [...members].every((m) => this.participants.has(m));
      if (!same)
        this.warn(`The server changed who is in the call without a new epoch (${epoch}); keys were not changed.`,
          { code: 'participants_changed', epoch });
      return;
    }
    if (epoch < this.epoch) {
      this.warn(`The server announced epoch ${epoch} after epoch ${this.epoch}; keys were not changed.`,
        { code: 'epoch_backwards', epoch });
      return;
    }

    const previous = this.epoch;
    this.epoch = epoch;
    this.participants = members;
    for (const e of [...this.ephemerals.keys()]) if (e !== epoch && e !== epoch + 1) this.ephemerals.delete(e);
    if (previous !== 0) this.retireBefore(epoch);
    if (this.mine) this.mine.sendingKey.fill(0);
    this.mine = null;

    const { privateKey, publicKey } = await generateEphemeral();
    const sendingKey = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
    const mine = { epoch, privateKey, publicKey, sendingKey, kid: kidFor(this.position, epoch), sentTo: new Set() };
    this.ephemeralsOf(epoch).set(this.position, publicKey);

    const body = { type: EPHEMERAL_TYPE, meeting: this.trust.meeting, terms_hash: this.trust.termsHash, epoch,
      position: this.position, member: this.self.member, x25519: publicKey };
    this.send({ body, signature: await this.sign(body) });
    this.mine = mine;
    for (const member of this.participants) {
      const e = this.byMember.get(member);
      if (member !== this.self.member && this.ephemeralsOf(epoch).has(e.position)) await this.sendEnvelope(e);
    }
    this.cb.onSendingKey(mine.kid, sendingKey.slice(), epoch);
    await this.emitCode();
  }

  ephemeralsOf(epoch) {
    let m = this.ephemerals.get(epoch);
    if (!m) {
      m = new Map();
      this.ephemerals.set(epoch, m);
    }
    return m;
  }

  // Received keys of epochs before `epoch` are erased retainMs from now
  // (frames in flight may still need them). Not queued: no await can add a
  // key of an epoch before the current one (the epoch is checked first).
  retireBefore(epoch) {
    const t = this.setTimer(() => {
      this.timers.delete(t);
      for (const [id, r] of [...this.received]) {
        if (r.epoch >= epoch) continue;
        r.key.fill(0);
        this.received.delete(id);
        try {
          this.cb.onKeyRetired(r.kid, r.member);
        } catch {
          // the key is erased here whatever the callback does
        }
      }
    }, this.retainMs);
    this.timers.add(t);
  }

  async sendEnvelope(recipient) {
    const mine = this.mine;
    const info = wrapInfo(this.trust.meeting, this.position, recipient.position, mine.epoch);
    const { iv, wrapped } = await wrapKey({ privateKey: mine.privateKey,
      peerPublic: this.ephemeralsOf(mine.epoch).get(recipient.position), termsHash: this.trust.termsHash, info,
      key: mine.sendingKey });
    const body = { type: ENVELOPE_TYPE, meeting: this.trust.meeting, terms_hash: this.trust.termsHash,
      epoch: mine.epoch, sender: this.self.member, sender_position: this.position, recipient: recipient.member,
      recipient_position: recipient.position, sender_x25519: mine.publicKey, kid: mine.kid, suite: SUITE, iv, wrapped };
    mine.sentTo.add(recipient.member);
    this.send({ body, signature: await this.sign(body) }, recipient.member);
  }

  async emitCode() {
    const eph = this.ephemeralsOf(this.epoch);
    const have = [];
    const missing = [];
    for (const member of new Set([...this.participants, this.self.member])) {
      const e = this.byMember.get(member);
      if (eph.has(e.position)) have.push({ position: e.position, x25519: eph.get(e.position) });
      else missing.push(member);
    }
    const code = await securityCode(this.trust.termsHash, this.epoch, have);
    const id = `${this.epoch} ${code}`;
    if (id === this.lastCode) return;
    this.lastCode = id;
    this.cb.onCode(code, this.epoch, {
      ephemerals: have.map((h) => ({ position: h.position, member: this.roster[h.position].member })), missing,
    });
  }

  // ------------------------------------------------------------ receiving

  async accept(from, payload) {
    let claimed = null;
    let epoch = null;
    let kind = 'message';
    try {
      if (!isObject(payload)) refuse('invalid_message', 'it is not an object');
      for (const k of Object.keys(payload))
        if (k !== 'body' && k !== 'signature') refuse('invalid_message', `it has an unknown field "${k}"`);
      const { body, signature } = payload;
      if (!isObject(body) || typeof signature !== 'string' || signature.length > 128)
        refuse('invalid_message', 'it is not a signed body');
      if (body.type === EPHEMERAL_TYPE) {
        kind = 'ephemeral';
        claimed = typeof body.member === 'string' ? body.member : null;
        checkBody(body, EPHEMERAL_FIELDS);
        epoch = body.epoch;
        return await this.acceptEphemeral(from, body, signature);
      }
      if (body.type === ENVELOPE_TYPE) {
        kind = 'envelope';
        claimed = typeof body.sender === 'string' ? body.sender : null;
        checkBody(body, ENVELOPE_FIELDS);
        epoch = body.epoch;
        return await this.acceptEnvelope(from, body, signature);
      }
      refuse('invalid_message', 'it is neither an ephemeral nor a key envelope');
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      const who = claimed ?? (typeof from === 'string' ? from : 'an unknown sender');
      const name = this.byMember.get(who)?.name ?? who;
      const what = kind === 'envelope' ? 'an encryption key' : kind === 'ephemeral' ? 'a key-exchange message' : 'a message';
      this.warn(`Refused ${what} claimed to come from ${clipName(name)}: ${e.message}.`,
        { code: e.code, type: kind, claimed: who, from: typeof from === 'string' ? from : null, epoch });
      return { accepted: false, code: e.code, reason: e.message };
    }
  }

  // The sender checks shared by both kinds: the roster entry at `position`
  // is `member`, the relay names the same member, and the signature
  // verifies with that entry's key.
  async checkSender(from, member, position, body, signature) {
    const e = this.roster[position];
    if (!e || e.member !== member) refuse('not_on_roster', `position ${position} of the signed roster is not ${clipName(member)}`);
    if (!(await this.verify(position, body, signature)))
      refuse('bad_signature', 'its signature does not verify with the key on the signed roster');
    if (from !== member) {
      // `from` is whatever the server sent: only a string is shown.
      refuse('wrong_sender', `the server relayed it as sent by ${typeof from === 'string' ? clipName(from) : 'something that is not a member id'}`);
    }
    return e;
  }

  // A low-order point gives an all-zero shared secret, which WebCrypto
  // refuses (RFC 7748 §6.1): try one agreement with a throwaway key.
  async usableX25519(raw) {
    this.probe ??= subtle().generateKey({ name: 'X25519' }, false, ['deriveBits']);
    try {
      const peer = await subtle().importKey('raw', raw, { name: 'X25519' }, false, []);
      await subtle().deriveBits({ name: 'X25519', public: peer }, (await this.probe).privateKey, 256);
      return true;
    } catch {
      return false;
    }
  }

  async verify(position, body, signature) {
    const sig = fromBase64url(signature);
    if (!sig || sig.length !== 64) return false;
    let key = this.verifyKeys.get(position);
    if (!key) {
      key = subtle().importKey('raw', fromBase64url(this.roster[position].key), { name: 'Ed25519' }, false, ['verify']);
      this.verifyKeys.set(position, key);
    }
    try {
      return await subtle().verify({ name: 'Ed25519' }, await key, sig, utf8(canonicalize(body)));
    } catch {
      return false;
    }
  }

  checkMeeting(body) {
    if (body.meeting !== this.trust.meeting) refuse('wrong_meeting', `it is for another meeting (${clipName(body.meeting)})`);
    if (body.terms_hash !== this.trust.termsHash) refuse('wrong_terms', 'it is bound to other terms than the signed ones');
  }

  async acceptEphemeral(from, body, signature) {
    this.checkMeeting(body);
    await this.checkSender(from, body.member, body.position, body, signature);
    const raw = fromBase64url(body.x25519);
    if (!raw || raw.length !== 32) refuse('invalid_message', 'its X25519 key is not 32 bytes of base64url');
    if (!(await this.usableX25519(raw))) refuse('bad_ephemeral', 'its X25519 key is a point no key can be agreed with');
    if (body.position === this.position) refuse('own_position', 'it claims this client\'s own place on the roster');
    if (this.epoch !== 0 && body.epoch < this.epoch)
      refuse('stale_epoch', `it is for epoch ${body.epoch}, before the current epoch ${this.epoch}`);
    if (this.epoch !== 0 && body.epoch > this.epoch + 1)
      refuse('future_epoch', `it is for epoch ${body.epoch}, beyond the next epoch ${this.epoch + 1}`);
    const known = this.ephemerals.get(body.epoch)?.get(body.position);
    if (known === body.x25519) return { accepted: false, code: 'duplicate' };
    if (known !== undefined) refuse('second_ephemeral', `another ephemeral of epoch ${body.epoch} was already accepted from this member`);

    this.ephemeralsOf(body.epoch).set(body.position, body.x25519);
    if (this.epoch === 0) {
      // Before the first call.participants any epoch is held; keep the latest few.
      const epochs = [...this.ephemerals.keys()].sort((a, b) => a - b);
      while (epochs.length > 2) this.ephemerals.delete(epochs.shift());
    }
    if (body.epoch === this.epoch) {
      if (this.mine && this.participants.has(body.member) && !this.mine.sentTo.has(body.member))
        await this.sendEnvelope(this.roster[body.position]);
      await this.emitCode();
    }
    return { accepted: true };
  }

  async acceptEnvelope(from, body, signature) {
    if (body.recipient !== this.self.member || body.recipient_position !== this.position)
      refuse('not_for_me', `it is addressed to ${clipName(body.recipient)}, not to this client`);
    this.checkMeeting(body);
    const sender = await this.checkSender(from, body.sender, body.sender_position, body, signature);
    if (body.sender_position === this.position) refuse('own_position', 'it claims this client\'s own place on the roster');
    if (body.epoch < this.epoch)
      refuse('stale_epoch', `it is for epoch ${body.epoch}, before the current epoch ${this.epoch} (a replay)`);
    if (!this.mine || body.epoch !== this.mine.epoch)
      refuse('no_ephemeral', `this client published no ephemeral for epoch ${body.epoch}`);
    const accepted = this.ephemerals.get(body.epoch)?.get(body.sender_position);
    if (accepted === undefined)
      refuse('unknown_ephemeral', `no ephemeral of epoch ${body.epoch} was accepted from this member before it`);
    if (body.sender_x25519 !== accepted)
      refuse('ephemeral_mismatch', 'its sender_x25519 is not the ephemeral this member signed for the epoch');
    if (body.kid !== kidFor(body.sender_position, body.epoch))
      refuse('wrong_kid', `its KID ${body.kid} is not ${kidFor(body.sender_position, body.epoch)}`);
    if (body.suite !== SUITE) refuse('unsupported_suite', `SFrame cipher suite ${body.suite} is not ${SUITE}`);
    const iv = fromBase64url(body.iv);
    const wrapped = fromBase64url(body.wrapped);
    if (!iv || iv.length !== IV_BYTES || !wrapped || wrapped.length !== KEY_BYTES + TAG_BYTES)
      refuse('invalid_message', 'its iv or wrapped key has the wrong length');
    const id = `${body.epoch}/${body.sender_position}`;
    const known = this.received.get(id);
    if (known && known.iv === body.iv && known.wrapped === body.wrapped) return { accepted: false, code: 'duplicate' };
    if (known) refuse('second_key', `another key of epoch ${body.epoch} was already accepted from this member`);

    let key;
    try {
      key = await unwrapKey({ privateKey: this.mine.privateKey, peerPublic: body.sender_x25519,
        termsHash: this.trust.termsHash, info: wrapInfo(this.trust.meeting, body.sender_position, this.position, body.epoch),
        iv: body.iv, wrapped: body.wrapped });
    } catch {
      refuse('unwrap_failed', 'the wrapped key does not authenticate');
    }
    this.received.set(id, { epoch: body.epoch, position: body.sender_position, member: sender.member, kid: body.kid, key,
      iv: body.iv, wrapped: body.wrapped });
    this.cb.onKey(body.kid, key.slice(), sender.member, { position: sender.position, epoch: body.epoch, name: sender.name });
    return { accepted: true };
  }
}
