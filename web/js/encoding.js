// Byte encodings used on the wire (docs/protocol.md §Encodings): base64url
// without padding for keys and signatures, lowercase hex for hashes. The
// decoders are as strict as the server's (common/encoding.cpp), so a value
// has exactly one accepted spelling here too.

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function toBase64url(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  let i = 0;
  for (; i + 3 <= b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += B64URL[n >> 18] + B64URL[(n >> 12) & 63] + B64URL[(n >> 6) & 63] + B64URL[n & 63];
  }
  if (b.length - i === 1) {
    const n = b[i] << 16;
    out += B64URL[n >> 18] + B64URL[(n >> 12) & 63];
  } else if (b.length - i === 2) {
    const n = (b[i] << 16) | (b[i + 1] << 8);
    out += B64URL[n >> 18] + B64URL[(n >> 12) & 63] + B64URL[(n >> 6) & 63];
  }
  return out;
}

// Returns the bytes, or null for padding, a foreign character, a length that
// cannot occur (4n+1) or non-zero trailing bits.
export function fromBase64url(text) {
  if (typeof text !== 'string' || text.length % 4 === 1) return null;
  const vals = [];
  for (const ch of text) {
    const v = B64URL.indexOf(ch);
    if (v < 0) return null;
    vals.push(v);
  }
  const out = new Uint8Array(Math.floor((vals.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const v of vals) {
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) return null;  // non-zero trailing bits: another spelling of the same bytes
  return out;
}

export function toHex(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function randomHex(nbytes) {
  return toHex(crypto.getRandomValues(new Uint8Array(nbytes)));
}

export function utf8(text) {
  return new TextEncoder().encode(text);
}

export async function sha256Hex(text) {
  return toHex(await crypto.subtle.digest('SHA-256', utf8(text)));
}

// Lowercase hex only (a hash has one spelling); null otherwise.
export function fromHex(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// Standard base64 with padding (RFC 4648 §4), the encoding of signed notes
// and checkpoints (c2sp.org/signed-note), not the base64url of keys above.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes) {
  const unpadded = toBase64url(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
}

// Strict, like the C++ tlog module: padding required, nothing outside the
// alphabet (no whitespace), zero trailing bits. Null otherwise.
export function fromBase64(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) return null;
  const body = text.replace(/={1,2}$/, '');
  if (body.length % 4 === 1 || text.length - body.length !== (4 - (body.length % 4)) % 4) return null;
  for (const ch of body) if (B64.indexOf(ch) < 0) return null;
  return fromBase64url(body.replace(/\+/g, '-').replace(/\//g, '_'));
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}
