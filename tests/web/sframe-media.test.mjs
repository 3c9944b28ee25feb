// web/js/sframe-media.js with synthetic encoded frames shaped like
// RTCEncodedVideoFrame and RTCEncodedAudioFrame: which bytes stay in clear
// (VP8: 10 on keyframes, 3 on delta frames, from the first byte's P bit;
// Opus: the TOC byte), that they are authenticated, and that a stream of
// frames survives encryption and decryption in any order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SFrameContext, SFrameError, parseHeader } from '../../web/js/sframe.js';
import {
  CLEAR_BYTES, clearPrefixLength, splitFrame, encryptFrame, decryptFrame, frameCodec,
} from '../../web/js/sframe-media.js';

// A VP8 keyframe: frame tag with P = 0 (RFC 6386 §9.1), start code 9d 01 2a,
// 640x480, then the compressed data.
function vp8Key(size = 200, { type = 'key', codec = 'vp8' } = {}) {
  const data = new Uint8Array(size);
  data.set([0x50, 0x2d, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
  for (let i = 10; i < size; i++) data[i] = (i * 7) & 0xff;
  return { data: data.buffer, type, codec };
}
// A VP8 delta frame: P = 1.
function vp8Delta(size = 60, { type = 'delta', codec = 'vp8' } = {}) {
  const data = new Uint8Array(size);
  data.set([0x31, 0x04, 0x00]);
  for (let i = 3; i < size; i++) data[i] = (i * 13) & 0xff;
  return { data: data.buffer, type, codec };
}
// An Opus frame: TOC byte (config 31, stereo 0, one frame), then data. Audio
// frames carry no type; the codec comes from the metadata here.
function opus(size = 80) {
  const data = new Uint8Array(size);
  data[0] = 0xf8;
  for (let i = 1; i < size; i++) data[i] = (i * 31) & 0xff;
  return { data: data.buffer, getMetadata: () => ({ mimeType: 'audio/opus', synchronizationSource: 1 }) };
}

const bytes = (buf) => new Uint8Array(buf);

async function pair(suite = 1) {
  const base = crypto.getRandomValues(new Uint8Array(16));
  const tx = await SFrameContext.create(suite, base, { usage: 'encrypt' });
  const rx = await SFrameContext.create(suite, base, { usage: 'decrypt' });
  return { tx, rx, lookup: (kid) => (kid === 7 ? rx : undefined) };
}

async function rejectsWith(promise, codes, what) {
  const list = Array.isArray(codes) ? codes : [codes];
  await assert.rejects(promise, (e) => e instanceof SFrameError && list.includes(e.code), what);
}

test('clear prefix: 10 bytes on a VP8 keyframe, 3 on a delta frame, 1 on Opus', () => {
  assert.deepEqual(CLEAR_BYTES, { vp8Key: 10, vp8Delta: 3, opus: 1 });
  assert.equal(clearPrefixLength(vp8Key()), 10);
  assert.equal(clearPrefixLength(vp8Delta()), 3);
  assert.equal(clearPrefixLength(opus()), 1);
  // Without `type` the first byte decides; codec names as MIME types too.
  assert.equal(clearPrefixLength(vp8Key(200, { type: undefined, codec: 'video/VP8' })), 10);
  assert.equal(clearPrefixLength(vp8Delta(60, { type: undefined, codec: 'VP8' })), 3);
  assert.equal(frameCodec({ data: new ArrayBuffer(1), getMetadata: () => ({ mimeType: 'video/VP8' }) }), 'vp8');
  const { prefix, payload } = splitFrame(vp8Key(200));
  assert.equal(prefix.length, 10);
  assert.equal(payload.length, 190);
});

test('frames that the rule cannot place are refused, not sent in clear', async () => {
  const { tx } = await pair();
  const cases = [
    [{ data: new ArrayBuffer(10), codec: 'h264' }, 'unsupported_codec'],
    [{ data: new ArrayBuffer(10) }, 'unsupported_codec'],
    [{ data: new ArrayBuffer(0), codec: 'vp8' }, 'frame_too_short'],
    [{ data: new ArrayBuffer(0), codec: 'opus' }, 'frame_too_short'],
    [{ data: new Uint8Array([0x50, 0, 0, 0x9d, 0x01]).buffer, type: 'key', codec: 'vp8' }, 'frame_too_short'],
    [{ data: new Uint8Array([0x31, 0]).buffer, type: 'delta', codec: 'vp8' }, 'frame_too_short'],
    [vp8Key(200, { type: 'delta' }), 'frame_type_mismatch'],
    [vp8Delta(60, { type: 'key' }), 'frame_type_mismatch'],
    [{ data: 'abc', codec: 'opus' }, 'bad_argument'],
  ];
  for (const [frame, code] of cases) {
    await rejectsWith(encryptFrame(tx, 7, frame), code, `${code}: ${JSON.stringify(frame)}`);
  }
  // A VP8 keyframe of exactly 10 bytes has an empty payload, which is fine.
  const f = await encryptFrame(tx, 7, { data: new Uint8Array([0x50, 0, 0, 0x9d, 1, 0x2a, 0, 0, 0, 0]).buffer, codec: 'vp8' });
  assert.equal(f.byteLength, 10 + 1 + 10);  // prefix, header (KID 7, CTR 0), 80-bit tag
});

test('encrypt: clear prefix || SFrame, the prefix unchanged; decrypt restores the frame', async () => {
  for (const suite of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const { tx, lookup } = await pair(suite);
    for (const make of [vp8Key, vp8Delta, opus]) {
      const frame = make();
      const original = bytes(frame.data).slice();
      const n = clearPrefixLength(frame);
      const enc = bytes(await encryptFrame(tx, 7, frame));
      assert.deepEqual(bytes(frame.data), original, 'the input frame is left as it was');
      assert.deepEqual(enc.subarray(0, n), original.subarray(0, n), 'the prefix is in clear');
      const header = parseHeader(enc.subarray(n));
      assert.equal(header.kid, 7);
      assert.notDeepEqual(enc.subarray(n + header.length, n + header.length + 16), original.subarray(n, n + 16));
      // The receiver sees the same first byte, so takes the same prefix.
      const received = { ...frame, data: enc.buffer };
      assert.equal(clearPrefixLength(received), n);
      const dec = await decryptFrame(received, lookup);
      assert.deepEqual(bytes(dec.data), original);
      assert.equal(dec.kid, 7);
    }
  }
});

test('the clear prefix is authenticated: changing it, or the P bit, fails', async () => {
  const { tx, lookup } = await pair(4);
  for (const make of [vp8Key, vp8Delta, opus]) {
    const frame = make();
    const enc = bytes(await encryptFrame(tx, 7, frame));
    const n = clearPrefixLength(frame);
    for (let i = 0; i < n * 8; i++) {
      const bad = enc.slice();
      bad[i >> 3] ^= 1 << (i & 7);
      // Flipping VP8's P bit also moves the boundary between prefix and SFrame,
      // and contradicts the frame's type if it has one.
      const received = { ...frame, data: bad.buffer, type: undefined };
      await rejectsWith(decryptFrame(received, lookup), ['auth_failed', 'bad_header', 'unknown_kid', 'frame_too_short'],
        `${make.name} prefix bit ${i}`);
    }
  }
});

test('a stream of audio and video frames from one sender decrypts in any order', async () => {
  const { tx, lookup } = await pair(1);
  const frames = [];
  for (let i = 0; i < 60; i++) {
    const f = i % 3 === 0 ? opus(20 + i) : i % 20 === 1 ? vp8Key(300 + i) : vp8Delta(40 + i);
    frames.push({ frame: f, plain: bytes(f.data).slice() });
  }
  // Encryptions in flight together still get distinct counters.
  const enc = await Promise.all(frames.map(({ frame }) => encryptFrame(tx, 7, frame)));
  const order = enc.map((_, i) => i).sort((a, b) => ((a * 37) % 61) - ((b * 37) % 61));
  const ctrs = new Set();
  for (const i of order) {
    const dec = await decryptFrame({ ...frames[i].frame, data: enc[i] }, lookup);
    assert.deepEqual(bytes(dec.data), frames[i].plain, `frame ${i}`);
    ctrs.add(dec.ctr);
  }
  assert.equal(ctrs.size, 60);
  assert.equal(tx.nextCounter(7), 60);
  // A frame sent again (by the SFU, say) is refused (RFC 9605 §9.3).
  await rejectsWith(decryptFrame({ ...frames[0].frame, data: enc[0] }, lookup), 'replay', 'replayed frame');
});

test('an explicit counter is honoured and never reused', async () => {
  const { tx, lookup } = await pair(2);
  const enc = await encryptFrame(tx, 7, opus(), { ctr: 1000 });
  assert.equal((await decryptFrame({ ...opus(), data: enc }, lookup)).ctr, 1000);
  await rejectsWith(encryptFrame(tx, 7, opus(), { ctr: 1000 }), 'counter_reused', 'same counter');
  const next = await encryptFrame(tx, 7, opus());
  assert.equal((await decryptFrame({ ...opus(), data: next }, lookup)).ctr, 1001);
});

test('an unencrypted frame is refused by the receiver', async () => {
  const { lookup } = await pair(1);
  for (const frame of [vp8Key(), vp8Delta(), opus()]) {
    await rejectsWith(decryptFrame(frame, lookup), ['auth_failed', 'bad_header', 'unknown_kid'], 'clear frame');
  }
});
