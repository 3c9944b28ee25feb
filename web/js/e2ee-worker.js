// The call page's encoded-transform worker (docs/e2ee.md): every frame this
// participant sends is encrypted with its current sending key before it is
// packetized, and every frame it receives is decrypted with its sender's key
// before it is decoded. Keys come from the page (e2ee-keys.js), which
// accepts only keys signed by members of the signed roster.
//
// Rules that keep media private:
// - No sending key yet: outgoing frames are dropped, never sent in clear.
// - A received frame that does not authenticate, names a key that was never
//   accepted, or replays a counter is dropped, never decoded; the page is
//   told (a warning for authentication failures, a count for frames whose
//   key is still to come and for duplicates).
//
// Two ways in: RTCRtpScriptTransform (the `rtctransform` event, options
// {direction, kind}) where the browser has it, and the streams of
// createEncodedStreams() posted by the page ({type: 'streams'}) where not.
// Both run the same pipe.

import { SFrameContext, DEFAULT_CIPHER_SUITE, parseHeader } from './sframe.js';
import { encryptFrame, decryptFrame, splitFrame } from './sframe-media.js';

const state = {
  sending: null,            // { kid, context }
  receiving: new Map(),     // kid → decrypting SFrameContext
  counts: { encrypted: 0, decrypted: 0, droppedNoKey: 0, droppedUnknownKid: 0, duplicates: 0, failed: 0, notInterpreter: 0 },
  channelSenders: new Set(),  // roster positions of the named interpreters
  failures: new Map(),      // kid → count, reported to the page
};

// Key changes are applied in the order the page sent them.
let queue = Promise.resolve();
function control(msg) {
  queue = queue.then(() => apply(msg)).catch((e) => postMessage({ type: 'error', message: String(e && e.message || e) }));
}

async function apply(msg) {
  switch (msg.type) {
    case 'send-key':
      state.sending = { kid: msg.kid, context: await SFrameContext.create(msg.suite || DEFAULT_CIPHER_SUITE, msg.key, { usage: 'encrypt' }) };
      // Those who get this key can decode only from a keyframe made under it.
      for (const t of transformers.send) t.generateKeyFrame?.().catch?.(() => {});
      break;
    case 'recv-key':
      state.receiving.set(msg.kid, await SFrameContext.create(msg.suite || DEFAULT_CIPHER_SUITE, msg.key, { usage: 'decrypt' }));
      // And ask the senders for one at once rather than when the decoder
      // gives up waiting.
      for (const t of transformers.recv) t.sendKeyFrameRequest?.().catch?.(() => {});
      break;
    case 'drop-key':
      state.receiving.delete(msg.kid);
      break;
    case 'reset':  // a new place in the call: nothing of the old one is used
      state.sending = null;
      state.receiving.clear();
      break;
    case 'channel-senders':
      state.channelSenders = new Set(msg.positions);
      break;
    case 'streams':
      pipe(msg.readable, msg.writable, msg.direction, msg.channel);
      break;
    case 'stats':
      postMessage({ type: 'stats', counts: { ...state.counts }, failures: Object.fromEntries(state.failures) });
      break;
    default:
      break;
  }
}

onmessage = (ev) => control(ev.data);

// The script transformers (not the older streams path), for keyframes.
const transformers = { send: new Set(), recv: new Set() };

if ('RTCTransformEvent' in self) {
  self.onrtctransform = (ev) => {
    const t = ev.transformer;
    (t.options.direction === 'send' ? transformers.send : transformers.recv).add(t);
    pipe(t.readable, t.writable, t.options.direction, t.options.channel);
  };
}

function pipe(readable, writable, direction, channel = false) {
  const transform = new TransformStream({
    transform: direction === 'send' ? encrypt : channel ? decryptChannel : decrypt,
  });
  readable.pipeThrough(transform).pipeTo(writable).catch(() => {});
}

async function encrypt(frame, controller) {
  const sending = state.sending;
  if (!sending) {
    state.counts.droppedNoKey++;
    return;  // never in clear
  }
  try {
    frame.data = await encryptFrame(sending.context, sending.kid, frame);
    state.counts.encrypted++;
    controller.enqueue(frame);
  } catch {
    state.counts.droppedNoKey++;  // a codec without a clear-prefix rule, or a used-up counter: not sent
  }
}

async function decrypt(frame, controller) {
  try {
    const out = await decryptFrame(frame, (kid) => state.receiving.get(kid));
    frame.data = out.data;
    state.counts.decrypted++;
    controller.enqueue(frame);
  } catch (e) {
    if (e && e.code === 'unknown_kid') {
      state.counts.droppedUnknownKid++;
      return;
    }
    if (e && e.code === 'replay') {
      // A frame already shown, again: networks and retransmissions
      // duplicate packets, and a late duplicate can make a whole frame
      // again. Refused by the replay window (RFC 9605 §9.3) and counted,
      // but no alarm: it shows nothing new.
      state.counts.duplicates++;
      return;
    }
    state.counts.failed++;
    const kid = kidOf(frame);
    const n = (state.failures.get(kid) || 0) + 1;
    state.failures.set(kid, n);
    if (n === 1 || n % 100 === 0) postMessage({ type: 'failure', kid, code: e && e.code, count: n });
  }
}

// A language channel's frame: decrypted only when its key is a named
// interpreter's (a KID's high part is the sender's roster position,
// docs/e2ee-keys.md §Epochs), whatever the server routed there.
async function decryptChannel(frame, controller) {
  const kid = kidOf(frame);
  if (kid >= 0 && !state.channelSenders.has(Math.floor(kid / 65536))) {
    state.counts.notInterpreter++;
    const n = (state.failures.get(kid) || 0) + 1;
    state.failures.set(kid, n);
    if (n === 1 || n % 100 === 0) postMessage({ type: 'failure', kid, code: 'not_interpreter', count: n });
    return;
  }
  return decrypt(frame, controller);
}

// The KID a refused frame claims, for the warning (-1 when unreadable).
function kidOf(frame) {
  try {
    return Number(parseHeader(splitFrame(frame).payload).kid);
  } catch {
    return -1;
  }
}
