// C2SP signed notes (c2sp.org/signed-note) and the tlog checkpoints they
// carry (c2sp.org/tlog-checkpoint): the heads of meetings' logs, signed by
// the server's log key and cosigned by members of both parties
// (docs/record.md §Checkpoints). Parsed as strictly as src/tlog, so a note
// that parses formats back to exactly the same text. Pure logic on
// WebCrypto, no DOM.
//
//   const note = parseNote(text);                              // throws NoteError
//   await verifyNoteKey(note, keyName, publicKey);             // throws NoteError
//   const cp = parseCheckpoint(note.text);                     // {origin, size, root, extensions}
//   const signed = await addNoteSignature(note, keyName, privateKey, publicKey);
//   formatNote(signed);                                        // the note's text again
//
// A note is { text, signatures: [{ keyName, keyId, signature }] }: text ends
// in a newline; keyId the 4-byte key ID (Uint8Array); signature the bytes
// after it (for Ed25519, 64). Keys are raw 32-byte Ed25519 public keys
// (Uint8Array). Failures throw NoteError with the code of docs/record.md
// §Error codes: tlog_too_large, tlog_bad_note, tlog_bad_checkpoint,
// tlog_bad_key_name, tlog_unsigned, tlog_bad_signature.

import { fromBase64, toBase64, utf8, toHex } from './encoding.js';

export const NOTE_LIMITS = Object.freeze({ maxBytes: 128 * 1024, maxSignatures: 64 });
export const CHECKPOINT_LIMITS = Object.freeze({ maxBytes: 4096, maxExtensions: 16 });

const ED25519_TYPE = 0x01;   // signed-note, "Signature types"
const SIGNATURE_PREFIX = '\u2014 ';  // em dash, space
const MAX_SIZE = 2n ** 64n - 1n;

export class NoteError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
const fail = (code, message) => { throw new NoteError(code, message); };

// Unicode White_Space (PropList.txt), which key names may not contain. Not
// JavaScript's \s: that also matches U+FEFF and misses U+0085.
function isUnicodeSpace(cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp === 0x20 || cp === 0x85 || cp === 0xa0 || cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f ||
    cp === 0x205f || cp === 0x3000;
}

// "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control
// characters (those below U+0020) other than newline." A JavaScript string
// is UTF-8 once it has no lone surrogate.
function isNoteText(text) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

// "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or
// plus (U+002B) characters"; note characters only, so no newline either.
export function isKeyName(name) {
  if (typeof name !== 'string' || name.length === 0 || !isNoteText(name)) return false;
  for (const ch of name) {
    const cp = ch.codePointAt(0);
    if (cp < 0x20 || cp === 0x2b || isUnicodeSpace(cp)) return false;
  }
  return true;
}

// signed-note, "Ed25519 signatures": key ID = SHA-256(key name || 0x0A ||
// 0x01 || 32-byte public key)[:4].
export async function ed25519KeyId(keyName, publicKey) {
  if (!isKeyName(keyName)) fail('tlog_bad_key_name', `a key name must be non-empty, without spaces or "+": ${JSON.stringify(keyName)}`);
  const name = utf8(keyName);
  const input = new Uint8Array(name.length + 2 + publicKey.length);
  input.set(name, 0);
  input[name.length] = 0x0a;
  input[name.length + 1] = ED25519_TYPE;
  input.set(publicKey, name.length + 2);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', input)).slice(0, 4);
}

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function parseSignatureLine(line) {
  if (!line.startsWith(SIGNATURE_PREFIX)) fail('tlog_bad_note', 'a line after the blank line is not a signature line');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');  // key names hold no space: the first one ends the name
  if (space < 0) fail('tlog_bad_note', 'a signature line has no signature');
  const keyName = rest.slice(0, space);
  if (!isKeyName(keyName)) fail('tlog_bad_note', `a signature line has a bad key name ${JSON.stringify(keyName)}`);
  const bytes = fromBase64(rest.slice(space + 1));
  if (!bytes || bytes.length < 5) fail('tlog_bad_note', `the signature of ${keyName} is not canonical base64 of at least 5 bytes`);
  return { keyName, keyId: bytes.slice(0, 4), signature: bytes.slice(4) };
}

// The note's text and signature lines. "The text is separated from the
// signatures by the last empty line in the note"; signature lines are never
// empty, so that is the last "\n\n".
export function parseNote(text, limits = NOTE_LIMITS) {
  if (typeof text !== 'string') fail('tlog_bad_note', 'a note is text');
  if (utf8(text).length > limits.maxBytes) fail('tlog_too_large', `the note is longer than ${limits.maxBytes} bytes`);
  if (!isNoteText(text)) fail('tlog_bad_note', 'the note is not UTF-8 or contains a control character');
  if (!text.endsWith('\n')) fail('tlog_bad_note', 'the note does not end in a newline');
  const blank = text.lastIndexOf('\n\n');
  if (blank < 0) fail('tlog_bad_note', 'the note has no blank line before its signatures');
  const lines = text.slice(blank + 2, -1);
  if (text.length === blank + 2) fail('tlog_bad_note', 'the note has no signature');
  const signatures = [];
  for (const line of lines.split('\n')) {
    if (signatures.length === limits.maxSignatures)
      fail('tlog_too_large', `the note has more than ${limits.maxSignatures} signatures`);
    signatures.push(parseSignatureLine(line));
  }
  return { text: text.slice(0, blank + 1), signatures };
}

export function formatNote(note) {
  if (note.signatures.length === 0) fail('tlog_unsigned', 'a note nobody has signed is not a signed note');
  const lines = note.signatures.map((s) => {
    const blob = new Uint8Array(4 + s.signature.length);
    blob.set(s.keyId, 0);
    blob.set(s.signature, 4);
    return `${SIGNATURE_PREFIX}${s.keyName} ${toBase64(blob)}\n`;
  });
  return `${note.text}\n${lines.join('')}`;
}

// The lines of one Ed25519 key (its name and key ID both match; lines of
// other keys are ignored, as the spec asks, even when they share one of the
// two). Every such line must verify: tlog_unsigned when there is none,
// tlog_bad_signature when one does not verify. Resolves to the key ID.
export async function verifyNoteKey(note, keyName, publicKey) {
  const keyId = await ed25519KeyId(keyName, publicKey);
  const lines = note.signatures.filter((s) => s.keyName === keyName && sameBytes(s.keyId, keyId));
  if (lines.length === 0) fail('tlog_unsigned', `the note carries no signature of ${keyName} (key ID ${toHex(keyId)})`);
  let key;
  try {
    key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    fail('tlog_bad_signature', `the key of ${keyName} is not an Ed25519 public key`);
  }
  const text = utf8(note.text);
  for (const s of lines) {
    const ok = s.signature.length === 64 && await crypto.subtle.verify({ name: 'Ed25519' }, key, s.signature, text);
    if (!ok) fail('tlog_bad_signature', `the signature of ${keyName} does not verify`);
  }
  return keyId;
}

// A copy of the note with this key's signature (RFC 8032 over the text)
// added, replacing any line of the same name and key ID; other lines keep
// their order. privateKey is a WebCrypto Ed25519 key, publicKey its raw half.
export async function addNoteSignature(note, keyName, privateKey, publicKey) {
  const keyId = await ed25519KeyId(keyName, publicKey);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, utf8(note.text)));
  const others = note.signatures.filter((s) => !(s.keyName === keyName && sameBytes(s.keyId, keyId)));
  return { text: note.text, signatures: [...others, { keyName, keyId, signature }] };
}

// c2sp.org/tlog-checkpoint: origin, tree size (decimal, no leading zero, at
// most 2^64 − 1), root hash (base64 of 32 bytes), then opaque extension
// lines; no empty line. `size` is a number: beyond 2^53 it is not exact, and
// no log of a meeting comes near.
export function parseCheckpoint(text, limits = CHECKPOINT_LIMITS) {
  if (typeof text !== 'string') fail('tlog_bad_checkpoint', 'a checkpoint is text');
  if (utf8(text).length > limits.maxBytes) fail('tlog_too_large', `the checkpoint is longer than ${limits.maxBytes} bytes`);
  if (!isNoteText(text)) fail('tlog_bad_checkpoint', 'the checkpoint is not UTF-8 or contains a control character');
  if (!text.endsWith('\n')) fail('tlog_bad_checkpoint', 'the checkpoint does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.some((l) => l === '')) fail('tlog_bad_checkpoint', 'the checkpoint has an empty line');
  if (lines.length > 3 + limits.maxExtensions)
    fail('tlog_too_large', `the checkpoint has more than ${limits.maxExtensions} extension lines`);
  if (lines.length < 3) fail('tlog_bad_checkpoint', 'a checkpoint has at least three lines');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || BigInt(sizeText) > MAX_SIZE)
    fail('tlog_bad_checkpoint', 'the tree size is not a decimal number without leading zeroes');
  const root = fromBase64(rootText);
  if (!root || root.length !== 32) fail('tlog_bad_checkpoint', 'the root hash is not the base64 of 32 bytes');
  return { origin, size: Number(sizeText), root, extensions };
}

export function formatCheckpoint({ origin, size, root, extensions = [] }) {
  for (const line of [origin, ...extensions])
    if (typeof line !== 'string' || line === '' || line.includes('\n') || !isNoteText(line))
      fail('tlog_bad_checkpoint', 'the origin and each extension must be one non-empty line of note characters');
  return [origin, String(size), toBase64(root), ...extensions].map((l) => l + '\n').join('');
}
