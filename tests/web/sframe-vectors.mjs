// The RFC 9605 test vectors (Appendix C, and the AES-256-CTR-HMAC suites
// 0x0006–0x0008 of the IANA registry) as the tests of web/js/sframe.js read
// them, under Node and, passed as text, in Chromium.
//
// KID and CTR go up to 2^64 − 1, beyond what JSON.parse keeps exactly: every
// integer of 16 digits or more is turned into a string first, and the tests
// read kid and ctr with BigInt().

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const VECTORS_PATH = path.join(here, 'rfc9605-test-vectors.json');

// The file's text with long integers quoted, ready for JSON.parse anywhere.
export function vectorsText() {
  return fs.readFileSync(VECTORS_PATH, 'utf8').replace(/(:\s*)(\d{16,})(?=\s*[,}])/g, '$1"$2"');
}

export function loadVectors() {
  return JSON.parse(vectorsText());
}

export function hex(bytes) {
  return Buffer.from(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength).toString('hex');
}

export function unhex(text) {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
