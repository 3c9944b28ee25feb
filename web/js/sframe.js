// SFrame (RFC 9605) on WebCrypto: the end-to-end encryption of media frames.
// It must agree byte for byte with the C++ module src/sframe, and runs in a
// page or in a Worker (it touches no DOM; only globalThis.crypto.subtle).
//
// Shape of the API, for an encoded-transform worker:
//   const tx = await SFrameContext.create(suite, baseKey, { usage: 'encrypt' });
//   const frame = await tx.encrypt(kid, ctr, metadata, payload);   // Uint8Array
//   const rx = await SFrameContext.create(suite, baseKey, { usage: 'decrypt' });
//   const { kid, ctr, plaintext } = await decrypt(frame, metadata, (kid) => rx);
// A context holds one base_key (bytes, or a non-extractable HKDF CryptoKey),
// and derives the key and salt of each KID it is asked for (§4.4.2).
//
// KID and CTR are unsigned 64-bit values. They are given as a number (a safe
// integer) or a bigint, and always returned in one canonical form: a number
// when the value is at most Number.MAX_SAFE_INTEGER, a bigint above. So
// `kid === 5` works for the small values media uses, and Map keys built from
// returned values are consistent.
//
// Errors are thrown as SFrameError with a stable `code`:
//   bad_argument       the caller passed something out of range
//   unsupported_suite  a cipher suite this module does not know
//   bad_header         a header that is truncated or not minimally encoded
//   unknown_kid        no key for the frame's KID (RFC 9605 §4.4.4 allows a
//                      receiver to keep the frame and retry when a key comes)
//   auth_failed        the frame is too short for its tag, or the tag is wrong
//   counter_reused     encrypt with a CTR not above the last one used (§7.4)
//   replay             a CTR already accepted for that KID, or 1024 or more
//                      below the highest accepted (§9.3; the C++ module's
//                      ReplayWindow has the same rule)
//   wrong_usage        a key marked for encryption used to decrypt, or the
//                      reverse (§4.4.1)

export class SFrameError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'SFrameError';
    this.code = code;
  }
}

const subtle = globalThis.crypto.subtle;

// RFC 9605 §4.5, Table 1, and the IANA "SFrame Cipher Suites" registry that
// §8.1 created, where draft-barnes-sframe-iana-256 registered 0x0006–0x0008:
// AES-256-CTR with HMAC-SHA-512, the compound AEAD of §4.5.1 with Nka = 32
// and Nh = 64. Nn is 12 for all.
const SUITE_LIST = [
  [0x0001, 'AES_128_CTR_HMAC_SHA256_80', 'SHA-256', 32, 16, 48, 10],
  [0x0002, 'AES_128_CTR_HMAC_SHA256_64', 'SHA-256', 32, 16, 48, 8],
  [0x0003, 'AES_128_CTR_HMAC_SHA256_32', 'SHA-256', 32, 16, 48, 4],
  [0x0004, 'AES_128_GCM_SHA256_128', 'SHA-256', 32, 0, 16, 16],
  [0x0005, 'AES_256_GCM_SHA512_128', 'SHA-512', 64, 0, 32, 16],
  [0x0006, 'AES_256_CTR_HMAC_SHA512_80', 'SHA-512', 64, 32, 96, 10],
  [0x0007, 'AES_256_CTR_HMAC_SHA512_64', 'SHA-512', 64, 32, 96, 8],
  [0x0008, 'AES_256_CTR_HMAC_SHA512_32', 'SHA-512', 64, 32, 96, 4],
];
const NN = 12;

// value → { id, name, hash, nh, nka (0 for GCM), nk, nn, nt, gcm }
export const CIPHER_SUITES = new Map(SUITE_LIST.map(([id, name, hash, nh, nka, nk, nt]) =>
  [id, Object.freeze({ id, name, hash, nh, nka, nk, nn: NN, nt, gcm: nka === 0 })]));

// The suite the C++ module also defaults to (kDefaultCipherSuite).
export const DEFAULT_CIPHER_SUITE = 0x0004;

function suiteOf(suite) {
  const s = CIPHER_SUITES.get(suite);
  if (!s) throw new SFrameError('unsupported_suite', `cipher suite ${String(suite)} is not supported`);
  return s;
}

// --- 64-bit values ---------------------------------------------------------

const MAX_U64 = 0xffffffffffffffffn;
const EMPTY = new Uint8Array(0);

// The canonical form of an unsigned 64-bit KID or CTR: number if safe, else bigint.
function u64(value, what) {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
  } else if (typeof value === 'bigint') {
    if (value >= 0n && value <= MAX_U64) return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  throw new SFrameError('bad_argument', `${what} must be an integer from 0 to 2^64-1 (number or bigint)`);
}

function successor(v) {
  return typeof v === 'number' && v < Number.MAX_SAFE_INTEGER ? v + 1 : BigInt(v) + 1n;
}

// Bytes needed for v ≥ 1 in big-endian form.
function byteLength(v) {
  let n = 1;
  if (typeof v === 'number') {
    for (let x = v; x >= 256; x = Math.floor(x / 256)) n++;
  } else {
    for (let x = v; x >= 256n; x >>= 8n) n++;
  }
  return n;
}

// Writes v big-endian into out[off .. off+len), XORed with what is there
// (out is zeroed when plain writing is meant).
function xorBigEndian(out, off, len, v) {
  if (typeof v === 'number') {
    let x = v;
    for (let i = off + len - 1; i >= off; i--) {
      out[i] ^= x % 256;
      x = Math.floor(x / 256);
    }
  } else {
    let x = v;
    for (let i = off + len - 1; i >= off; i--) {
      out[i] ^= Number(x & 0xffn);
      x >>= 8n;
    }
  }
}

function readBigEndian(bytes, off, len) {
  if (len <= 6) {  // < 2^48: exact in a double
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + bytes[off + i];
    return v;
  }
  let v = 0n;
  for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(bytes[off + i]);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function asBytes(data, what) {
  if (data === undefined || data === null) return EMPTY;
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new SFrameError('bad_argument', `${what} must be a Uint8Array, an ArrayBuffer or a view of one`);
}

// --- Header, RFC 9605 §4.3 -------------------------------------------------

// The config byte is X|KKK|Y|CCC. A value 0–7 sits in its three bits with
// the flag clear; a larger one follows the config byte in the minimum number
// of big-endian bytes (MUST, §4.3), the three bits holding that length − 1.
// KID bytes come before CTR bytes.
export function encodeHeader(kid, ctr) {
  const k = u64(kid, 'KID');
  const c = u64(ctr, 'CTR');
  const klen = k < 8 ? 0 : byteLength(k);
  const clen = c < 8 ? 0 : byteLength(c);
  const out = new Uint8Array(1 + klen + clen);
  out[0] = (klen ? 0x80 | ((klen - 1) << 4) : Number(k) << 4) | (clen ? 0x08 | (clen - 1) : Number(c));
  if (klen) xorBigEndian(out, 1, klen, k);
  if (clen) xorBigEndian(out, 1 + klen, clen, c);
  return out;
}

// → { kid, ctr, length } where length is the header's size in bytes. Throws
// bad_header for a header cut short, or one whose KID or CTR is not in the
// minimal form §4.3 requires: then there is exactly one header for each
// (KID, CTR), as the C++ parser also insists.
export function parseHeader(frame) {
  const bytes = asBytes(frame, 'frame');
  if (bytes.length < 1) throw new SFrameError('bad_header', 'empty frame: no SFrame header');
  const config = bytes[0];
  const x = config & 0x80;
  const y = config & 0x08;
  const klen = x ? ((config >> 4) & 7) + 1 : 0;
  const clen = y ? (config & 7) + 1 : 0;
  const length = 1 + klen + clen;
  if (bytes.length < length) throw new SFrameError('bad_header', 'the SFrame header is cut short');
  const field = (off, len, what) => {
    if ((len > 1 && bytes[off] === 0) || (len === 1 && bytes[off] < 8)) {
      throw new SFrameError('bad_header', `the ${what} is not in its shortest encoding`);
    }
    return readBigEndian(bytes, off, len);
  };
  const kid = x ? field(1, klen, 'KID') : (config >> 4) & 7;
  const ctr = y ? field(1 + klen, clen, 'CTR') : config & 7;
  return { kid, ctr, length };
}

// --- Key schedule, RFC 9605 §4.4.2 -----------------------------------------

const KEY_LABEL = new TextEncoder().encode('SFrame 1.0 Secret key ');
const SALT_LABEL = new TextEncoder().encode('SFrame 1.0 Secret salt ');

// label + KID as 8 bytes big-endian (not the header's compact form) +
// cipher suite as 2 bytes big-endian.
function label(prefix, kid, suite) {
  const out = new Uint8Array(prefix.length + 10);
  out.set(prefix);
  xorBigEndian(out, prefix.length, 8, kid);
  out[prefix.length + 8] = suite >> 8;
  out[prefix.length + 9] = suite & 0xff;
  return out;
}

export function kdfLabels(suite, kid) {
  const s = suiteOf(suite);
  const k = u64(kid, 'KID');
  return { key: label(KEY_LABEL, k, s.id), salt: label(SALT_LABEL, k, s.id) };
}

async function importBaseKey(baseKey) {
  if (typeof CryptoKey !== 'undefined' && baseKey instanceof CryptoKey) {
    if (baseKey.algorithm.name !== 'HKDF' || !baseKey.usages.includes('deriveBits')) {
      throw new SFrameError('bad_argument', 'a base_key CryptoKey must be an HKDF key with the deriveBits usage');
    }
    return baseKey;
  }
  const bytes = asBytes(baseKey, 'base_key');
  if (bytes.length === 0) throw new SFrameError('bad_argument', 'the base_key is empty');
  return subtle.importKey('raw', bytes, 'HKDF', false, ['deriveBits']);
}

// sframe_secret = HKDF-Extract("", base_key); the key and the salt are
// HKDF-Expand of it with the labels above, Nk and Nn bytes long, the hash
// that of the suite. WebCrypto's HKDF does Extract and Expand in one call;
// an empty salt is the "" of the RFC.
async function deriveMaterial(s, baseCryptoKey, kid) {
  const params = (info) => ({ name: 'HKDF', hash: s.hash, salt: EMPTY, info });
  const [key, salt] = await Promise.all([
    subtle.deriveBits(params(label(KEY_LABEL, kid, s.id)), baseCryptoKey, s.nk * 8),
    subtle.deriveBits(params(label(SALT_LABEL, kid, s.id)), baseCryptoKey, s.nn * 8),
  ]);
  return { key: new Uint8Array(key), salt: new Uint8Array(salt) };
}

// The derived sframe_key and sframe_salt as bytes. For tests against the
// RFC's vectors; contexts keep the key inside non-extractable CryptoKeys.
export async function deriveKeyAndSalt(suite, baseKey, kid) {
  const s = suiteOf(suite);
  return deriveMaterial(s, await importBaseKey(baseKey), u64(kid, 'KID'));
}

// nonce = sframe_salt XOR CTR, CTR as an Nn-byte big-endian integer (§4.4.3).
export function formNonce(salt, ctr) {
  const nonce = asBytes(salt, 'salt').slice();
  if (nonce.length !== NN) throw new SFrameError('bad_argument', `the salt must be ${NN} bytes`);
  xorBigEndian(nonce, NN - 8, 8, u64(ctr, 'CTR'));
  return nonce;
}

// --- AEAD, RFC 9605 §4.5 ---------------------------------------------------

// An AEAD key of one suite: AES-GCM directly, or the compound AES-CTR +
// HMAC of §4.5.1. seal/open take the nonce and AAD explicitly; the tag is
// part of the ciphertext (RFC 5116 convention).
export class Aead {
  // key: Nk bytes. usage: 'encrypt' or 'decrypt'. The CryptoKeys made here
  // are non-extractable.
  static async import(suite, key, usage) {
    const s = suiteOf(suite);
    const bytes = asBytes(key, 'key');
    if (bytes.length !== s.nk) throw new SFrameError('bad_argument', `${s.name} takes a ${s.nk}-byte key`);
    if (usage !== 'encrypt' && usage !== 'decrypt') throw new SFrameError('bad_argument', "usage must be 'encrypt' or 'decrypt'");
    const aead = new Aead();
    aead.suite = s;
    aead.usage = usage;
    if (s.gcm) {
      aead.encKey = await subtle.importKey('raw', bytes, { name: 'AES-GCM' }, false, [usage]);
    } else {
      // §4.5.1: enc_key = the first Nka bytes, auth_key = the remaining Nh.
      [aead.encKey, aead.authKey] = await Promise.all([
        // AES-CTR decryption is the same operation as encryption; WebCrypto
        // still wants the matching usage.
        subtle.importKey('raw', bytes.subarray(0, s.nka), { name: 'AES-CTR' }, false, [usage]),
        subtle.importKey('raw', bytes.subarray(s.nka), { name: 'HMAC', hash: s.hash }, false, ['sign']),
      ]);
    }
    return aead;
  }

  // → Uint8Array ciphertext || tag, with room for `headroom` bytes before it
  // (the caller writes the SFrame header there); returns the whole buffer.
  async seal(nonce, aad, plaintext, headroom = 0) {
    const s = this.suite;
    if (this.usage !== 'encrypt') throw new SFrameError('wrong_usage', 'this key is marked for decryption only');
    if (s.gcm) {
      const ct = await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 },
        this.encKey, plaintext);
      const out = new Uint8Array(headroom + ct.byteLength);
      out.set(new Uint8Array(ct), headroom);
      return out;
    }
    const ct = new Uint8Array(await subtle.encrypt(ctrParams(nonce), this.encKey, plaintext));
    const tag = await this.tag(nonce, aad, ct);
    const out = new Uint8Array(headroom + ct.length + s.nt);
    out.set(ct, headroom);
    out.set(tag, headroom + ct.length);
    return out;
  }

  // → Uint8Array plaintext; auth_failed if the tag does not match.
  async open(nonce, aad, ciphertext) {
    const s = this.suite;
    if (this.usage !== 'decrypt') throw new SFrameError('wrong_usage', 'this key is marked for encryption only');
    if (ciphertext.length < s.nt) throw new SFrameError('auth_failed', 'the frame is shorter than its authentication tag');
    if (s.gcm) {
      try {
        return new Uint8Array(await subtle.decrypt(
          { name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, this.encKey, ciphertext));
      } catch {
        throw new SFrameError('auth_failed', 'the frame did not authenticate');
      }
    }
    // §4.5.1: check the tag before decrypting.
    const inner = ciphertext.subarray(0, ciphertext.length - s.nt);
    const tag = ciphertext.subarray(ciphertext.length - s.nt);
    const expected = await this.tag(nonce, aad, inner);
    // Compare every byte whatever the first difference, so the time taken
    // does not tell where a forged tag went wrong.
    let diff = 0;
    for (let i = 0; i < s.nt; i++) diff |= tag[i] ^ expected[i];
    if (diff !== 0) throw new SFrameError('auth_failed', 'the frame did not authenticate');
    return new Uint8Array(await subtle.decrypt(ctrParams(nonce), this.encKey, inner));
  }

  // §4.5.1 compute_tag: HMAC(auth_key, len(aad) || len(ct) || Nt || nonce ||
  // aad || ct), lengths as 8-byte big-endian, truncated to Nt bytes.
  async tag(nonce, aad, ct) {
    const s = this.suite;
    const data = new Uint8Array(24 + NN + aad.length + ct.length);
    xorBigEndian(data, 0, 8, aad.length);
    xorBigEndian(data, 8, 8, ct.length);
    xorBigEndian(data, 16, 8, s.nt);
    data.set(nonce, 24);
    data.set(aad, 24 + NN);
    data.set(ct, 24 + NN + aad.length);
    const mac = await subtle.sign('HMAC', this.authKey, data);
    return new Uint8Array(mac, 0, s.nt);
  }
}

// §4.5.1: the initial counter block is the nonce followed by four zero
// bytes; the counter is those last 32 bits (2^32 blocks, far beyond a frame).
function ctrParams(nonce) {
  const counter = new Uint8Array(16);
  counter.set(nonce);
  return { name: 'AES-CTR', counter, length: 32 };
}

// --- Replay, RFC 9605 §9.3 ------------------------------------------------

// Counter-based anti-replay for one receive KID, after RFC 3711 §3.3.2 with
// CTR as the index: a CTR is refused when already accepted, or REPLAY_WINDOW
// or more below the highest accepted. Only authenticated frames move it.
export const REPLAY_WINDOW = 1024;

const diff = (a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : BigInt(a) - BigInt(b));
const slot = (v) => (typeof v === 'number' ? v % REPLAY_WINDOW : Number(v % BigInt(REPLAY_WINDOW)));

class ReplayWindow {
  constructor() {
    this.highest = -1;  // none accepted yet
    this.seen = new Uint8Array(REPLAY_WINDOW);  // by slot, for CTRs within the window
  }

  check(ctr) {
    if (this.highest === -1 || ctr > this.highest) return true;
    if (diff(this.highest, ctr) >= REPLAY_WINDOW) return false;  // too old to tell: refuse
    return this.seen[slot(ctr)] === 0;
  }

  accept(ctr) {
    if (this.highest === -1 || (ctr > this.highest && diff(ctr, this.highest) >= REPLAY_WINDOW)) {
      this.seen.fill(0);
    } else if (ctr > this.highest) {
      // The CTRs between the old and the new highest enter the window unseen.
      const n = Number(diff(ctr, this.highest));
      for (let i = 1, j = slot(this.highest); i < n; i++) this.seen[(j + i) % REPLAY_WINDOW] = 0;
    }
    this.seen[slot(ctr)] = 1;
    if (this.highest === -1 || ctr > this.highest) this.highest = ctr;
  }
}

// --- Contexts and frames, RFC 9605 §4.4.3–4.4.4 ----------------------------

// One base_key and what is derived from it. A context is for encryption or
// for decryption, never both (§4.4.1: each base_key MUST be marked so). An
// encrypting context remembers, per KID, the next CTR it may use, and
// refuses a CTR at or below one already used: a (key, nonce) pair is never
// used twice (§7.4). Two contexts for the same base_key and KID would not
// know of each other's counters, so an application makes one per sender key.
// A decrypting context keeps a replay window per KID (§9.3) unless told not
// to.
export class SFrameContext {
  // baseKey: bytes, or a CryptoKey for HKDF with the deriveBits usage
  // (`crypto.subtle.importKey('raw', bytes, 'HKDF', false, ['deriveBits'])`),
  // which keeps the base_key out of reach of scripts. maxKids bounds the
  // cache of derived keys (a receiver's lookup may hand the same context
  // for many KIDs a peer chooses; evicted keys are derived again if needed)
  // and, apart from it, the replay windows, which only authenticated frames
  // create. replayProtection (decrypting contexts, default true) refuses a
  // frame whose CTR was already accepted for its KID, or is too old.
  static async create(suite, baseKey, { usage, maxKids = 64, replayProtection = true } = {}) {
    const s = suiteOf(suite);
    if (usage !== 'encrypt' && usage !== 'decrypt') throw new SFrameError('bad_argument', "usage must be 'encrypt' or 'decrypt'");
    if (!Number.isSafeInteger(maxKids) || maxKids < 1) throw new SFrameError('bad_argument', 'maxKids must be a positive integer');
    const ctx = new SFrameContext();
    ctx.suiteInfo = s;
    ctx.usage = usage;
    ctx.maxKids = maxKids;
    ctx.replayProtection = usage === 'decrypt' && replayProtection !== false;
    ctx.base = await importBaseKey(baseKey);
    ctx.keys = new Map();      // KID → Promise<{ aead, salt }>, insertion order = age
    ctx.counters = new Map();  // KID → next CTR allowed (encrypting contexts)
    ctx.windows = new Map();   // KID → ReplayWindow (decrypting contexts), insertion order = age
    return ctx;
  }

  get suite() {
    return this.suiteInfo.id;
  }

  keysFor(kid) {
    let entry = this.keys.get(kid);
    if (entry) return entry;
    if (this.keys.size >= this.maxKids) this.keys.delete(this.keys.keys().next().value);
    entry = (async () => {
      const { key, salt } = await deriveMaterial(this.suiteInfo, this.base, kid);
      try {
        return { aead: await Aead.import(this.suiteInfo.id, key, this.usage), salt };
      } finally {
        key.fill(0);
      }
    })();
    entry.catch(() => {
      if (this.keys.get(kid) === entry) this.keys.delete(kid);
    });
    this.keys.set(kid, entry);
    return entry;
  }

  // The CTR the next encrypt(kid, null, …) would use.
  nextCounter(kid) {
    return this.counters.get(u64(kid, 'KID')) ?? 0;
  }

  // → Uint8Array: SFrame header || ciphertext || tag. ctr null or undefined
  // takes the next unused counter of this KID. The AAD is header || metadata
  // (§4.4.3); the metadata is authenticated, not sent.
  async encrypt(kid, ctr, metadata, plaintext) {
    if (this.usage !== 'encrypt') throw new SFrameError('wrong_usage', 'this context is for decryption only');
    const k = u64(kid, 'KID');
    const next = this.counters.get(k) ?? 0;
    const c = ctr === null || ctr === undefined ? next : u64(ctr, 'CTR');
    if (c < next) throw new SFrameError('counter_reused', `CTR ${c} for KID ${k} is not above the last one used`);
    if (c > MAX_U64) throw new SFrameError('counter_reused', `the counters of KID ${k} are exhausted`);
    const md = asBytes(metadata, 'metadata');
    const pt = asBytes(plaintext, 'plaintext');
    // Claimed before any await: concurrent calls never share a counter.
    this.counters.set(k, successor(c));
    const header = encodeHeader(k, c);
    const { aead, salt } = await this.keysFor(k);
    const out = await aead.seal(formNonce(salt, c), concat(header, md), pt, header.length);
    out.set(header);
    return out;
  }
}

// → { kid, ctr, plaintext } for an SFrame ciphertext (header included).
// lookupKeyByKid(kid) returns the decrypting SFrameContext for that KID (or
// a promise of one), or undefined/null when there is none (unknown_kid).
export async function decrypt(frame, metadata, lookupKeyByKid) {
  const bytes = asBytes(frame, 'frame');
  const md = asBytes(metadata, 'metadata');
  const { kid, ctr, length } = parseHeader(bytes);
  const ctx = await lookupKeyByKid(kid);
  if (ctx === undefined || ctx === null) throw new SFrameError('unknown_kid', `no key for KID ${kid}`);
  if (!(ctx instanceof SFrameContext)) throw new SFrameError('bad_argument', 'lookupKeyByKid must return an SFrameContext');
  if (ctx.usage !== 'decrypt') throw new SFrameError('wrong_usage', 'this context is for encryption only');
  // Refuse a replay before spending the decryption on it; the window moves
  // only once the frame has proved authentic, and is checked again then, as
  // another decryption of the same frame may have finished meanwhile.
  if (ctx.replayProtection && ctx.windows.get(kid)?.check(ctr) === false) {
    throw new SFrameError('replay', `CTR ${ctr} of KID ${kid} was already accepted or is too old`);
  }
  const { aead, salt } = await ctx.keysFor(kid);
  const header = bytes.subarray(0, length);
  const plaintext = await aead.open(formNonce(salt, ctr), concat(header, md), bytes.subarray(length));
  if (ctx.replayProtection) {
    let window = ctx.windows.get(kid);
    if (!window) {
      if (ctx.windows.size >= ctx.maxKids) ctx.windows.delete(ctx.windows.keys().next().value);
      window = new ReplayWindow();
      ctx.windows.set(kid, window);
    }
    if (!window.check(ctr)) throw new SFrameError('replay', `CTR ${ctr} of KID ${kid} was already accepted or is too old`);
    window.accept(ctr);
  }
  return { kid, ctr, plaintext };
}

function concat(a, b) {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
