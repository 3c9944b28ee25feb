// The SFrame test vectors as the tests of web/js/sframe.js read them, under
// Node and, passed as text, in Chromium:
// - tests/unit/sframe/rfc9605-test-vectors.json, shared with the C++ unit
//   tests: RFC 9605 Appendix C (headers, the AES-CTR-HMAC AEAD of suites
//   1-3, whole SFrame encryptions for suites 1-5) and the AEAD of suites
//   6-8 (AES-256-CTR with HMAC-SHA-512, IANA registry, §8.1);
// - below, the whole-SFrame vectors for suites 6-8 published with
//   draft-barnes-sframe-iana-256 (sframe-wg/sframe,
//   test-vectors/sframe-aes256-ctr-hmac.md), in the same shape as the RFC's.
//
// KID and CTR go up to 2^64 − 1, beyond what JSON.parse keeps exactly: every
// integer of 16 digits or more is turned into a string first, and the tests
// read kid and ctr with BigInt().

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const VECTORS_PATH = path.join(here, '..', 'unit', 'sframe', 'rfc9605-test-vectors.json');

function aes256Sframe(suite, key, salt, nonce, ct) {
  const s = suite.toString(16).padStart(2, '0');
  return {
    cipher_suite: suite, kid: 0x123, ctr: 0x4567, base_key: '000102030405060708090a0b0c0d0e0f',
    // "SFrame 1.0 Secret key " / "SFrame 1.0 Secret salt " + KID (8 bytes) + suite (2 bytes)
    sframe_key_label: `534672616d6520312e3020536563726574206b657920000000000000012300${s}`,
    sframe_salt_label: `534672616d6520312e30205365637265742073616c7420000000000000012300${s}`,
    sframe_secret: '0fc3ea6de6aac97a35f194cf9bed94d4b5230f1cb45a785c9fe5dce9c188938a'
      + 'b6ba005bc4c0a19181599e9d1bcf7b74aca48b60bf5e254e546d809313e083a3',
    sframe_key: key, sframe_salt: salt, metadata: '4945544620534672616d65205747', nonce,
    aad: '99012345674945544620534672616d65205747', pt: '64726166742d696574662d736672616d652d656e63', ct,
  };
}

const SFRAME_AES256_CTR_HMAC = [
  aes256Sframe(6,
    '3c343886ec1c79278836863e00fe934c8894460cfa367ebdc4856b0a9268a4f4fb99437876819394ef90b10ee12602d0'
    + '23f7128ee50f2314c2cc3cff4c56616d2fe03ad2a254cc2ed29b2a4d3f2534c0dda9e7c391ad1917ea07aa221dd4b224',
    'e082f7ce012ad30c87c49e3f', 'e082f7ce012ad30c87c4db58',
    '9901234567b369e03ec6467ad505ddc84914115069280c5c797555be6e32cde6ac25bc9e'),
  aes256Sframe(7,
    '7271d6c6cbccd2e2343d480ebea65718a7bb379eefcf3f8d107c1e2a76e755293a497fd9e4e8291b965161987ef4ef24'
    + '983eabb06cb0a392defaab18654780a39c106ffa4a47d4183a6e593cd0c1bcab2b9c6dcf049215845bfb7580c4dea80e',
    '46b4367993a314910d4d9f3d', '46b4367993a314910d4dda5a',
    '990123456797cb5644d8831ff8bdc080249990b24b569144cab2a87be22c20d97976'),
  aes256Sframe(8,
    'afe92c81e0df8c00fab619e0559fe5aeefce1ef77789d4c728af1b1c1f2e3552c405d274415a5291ec075c2d9954c450'
    + 'fbd36682a4e978494808b703ce78b409f9fec29b91e6e703a75c4131377c80c9d51b8906088092452e2593eb142eea2d',
    'f6de647bac1263524cfb6533', 'f6de647bac1263524cfb2054',
    '9901234567112a94a288b85b49ffef1d279f2830165c39d76cac8884011c'),
];

// { header, aes_ctr_hmac, aes_256_ctr_hmac, sframe, sframe_aes256_ctr_hmac }
export function loadVectors() {
  const text = fs.readFileSync(VECTORS_PATH, 'utf8').replace(/(:\s*)(\d{16,})(?=\s*[,}])/g, '$1"$2"');
  return { ...JSON.parse(text), sframe_aes256_ctr_hmac: SFRAME_AES256_CTR_HMAC };
}

// The same as JSON text (long integers as strings), for the browser.
export function vectorsText() {
  return JSON.stringify(loadVectors());
}

export function hex(bytes) {
  return Buffer.from(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength).toString('hex');
}

export function unhex(text) {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
