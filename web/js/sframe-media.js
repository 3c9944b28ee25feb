// SFrame for encoded media frames (WebRTC encoded transforms): which first
// bytes of a frame stay in clear, and the encryption of the rest with those
// bytes authenticated as SFrame metadata (RFC 9605 §4.4.3, §9.4).
//
// Why a clear prefix: the browser's RTP packetizer and depacketizer, and the
// SFU, read the first bytes of some codecs' frames. Chromium's VP8
// depacketizer takes the keyframe flag from the first byte, and the SFU
// switches simulcast layers at keyframes; a VP8 keyframe's first 10 bytes are
// its 3-byte frame tag, start code and dimensions (RFC 6386 §9.1), a delta
// frame's first 3 its frame tag. Opus keeps its TOC byte (RFC 6716 §3.1).
//
// An encrypted frame is
//     clear prefix || SFrame header || ciphertext || tag
// with the AAD = SFrame header || clear prefix, so an SFU that rewrites a
// clear byte makes the frame fail to decrypt.
//
// Frames are RTCEncodedVideoFrame / RTCEncodedAudioFrame, or anything shaped
// like them: { data: ArrayBuffer or view, type?: 'key' | 'delta', codec?:
// 'vp8' | 'opus' | 'video/VP8' | … , getMetadata?() → { mimeType } }. The
// functions never change the frame; the caller sets `frame.data = …`.
// Like sframe.js this module works in a Worker.

import { SFrameError, decrypt } from './sframe.js';

export const CLEAR_BYTES = Object.freeze({ vp8Key: 10, vp8Delta: 3, opus: 1 });

function dataOf(frame) {
  const d = frame.data;
  if (d instanceof ArrayBuffer) return new Uint8Array(d);
  if (ArrayBuffer.isView(d)) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  throw new SFrameError('bad_argument', 'frame.data must be an ArrayBuffer or a view of one');
}

// 'vp8', 'opus', … : frame.codec if given, else the MIME type in the frame's
// metadata (Chromium fills it for both audio and video), lower case, without
// its 'video/' or 'audio/'.
export function frameCodec(frame) {
  let codec = frame.codec;
  if (codec === undefined && typeof frame.getMetadata === 'function') codec = frame.getMetadata().mimeType;
  if (typeof codec !== 'string' || codec === '') {
    throw new SFrameError('unsupported_codec', 'the frame says nothing of its codec (no codec, no metadata mimeType)');
  }
  return codec.toLowerCase().replace(/^(video|audio)\//, '');
}

// The number of bytes that stay in clear at the start of the frame.
export function clearPrefixLength(frame) {
  return prefixLength(frame, dataOf(frame));
}

function prefixLength(frame, data) {
  const codec = frameCodec(frame);
  switch (codec) {
    case 'vp8': {
      if (data.length === 0) throw new SFrameError('frame_too_short', 'an empty VP8 frame');
      // RFC 6386 §9.1 (RFC 7741's inverse keyframe bit P): bit 0 of the first
      // byte is 0 on a keyframe. The bytes decide, not `type`: the receiver's
      // depacketizer reads the same bit, and our decryptor sees only the bytes.
      const key = (data[0] & 1) === 0;
      if ((frame.type === 'key' && !key) || (frame.type === 'delta' && key)) {
        throw new SFrameError('frame_type_mismatch', `a VP8 frame marked ${frame.type} whose first byte says otherwise`);
      }
      return key ? CLEAR_BYTES.vp8Key : CLEAR_BYTES.vp8Delta;
    }
    case 'opus':
      return CLEAR_BYTES.opus;
    default:
      // H264, VP9, AV1 and others would need their own rules (NAL or OBU
      // headers in clear); encrypting them whole would break the packetizer.
      throw new SFrameError('unsupported_codec', `no clear-prefix rule for codec ${codec}`);
  }
}

// → { prefix, payload } as views into the frame's data.
export function splitFrame(frame) {
  const data = dataOf(frame);  // read once: a getter may copy
  const n = prefixLength(frame, data);
  if (data.length < n) throw new SFrameError('frame_too_short', `the frame is shorter than its ${n}-byte clear prefix`);
  return { prefix: data.subarray(0, n), payload: data.subarray(n) };
}

// → ArrayBuffer: clear prefix || SFrame(payload), encrypted with an
// encrypting SFrameContext under `kid`, with the context's next counter for
// that KID unless `ctr` is given.
export async function encryptFrame(context, kid, frame, { ctr = null } = {}) {
  const { prefix, payload } = splitFrame(frame);
  const sframe = await context.encrypt(kid, ctr, prefix, payload);
  const out = new Uint8Array(prefix.length + sframe.length);
  out.set(prefix);
  out.set(sframe, prefix.length);
  return out.buffer;
}

// → { data: ArrayBuffer, kid, ctr }: the frame as the encoder made it.
// lookupKeyByKid as for sframe.js's decrypt. Throws SFrameError: the
// caller drops the frame (or keeps it for a key still to come on
// unknown_kid).
export async function decryptFrame(frame, lookupKeyByKid) {
  const { prefix, payload } = splitFrame(frame);
  const { kid, ctr, plaintext } = await decrypt(payload, prefix, lookupKeyByKid);
  const out = new Uint8Array(prefix.length + plaintext.length);
  out.set(prefix);
  out.set(plaintext, prefix.length);
  return { data: out.buffer, kid, ctr };
}
