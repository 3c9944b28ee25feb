// End-to-end encryption of the call page (docs/e2ee.md, docs/e2ee-keys.md):
// the glue between the signed meeting (whose roster says whose keys count),
// the key manager (e2ee-keys.js), the encoded-transform worker
// (e2ee-worker.js) and the peer connection.
//
// The page cannot join without it: before a join, the meeting's signed log
// is fetched and checked in the browser; a log that does not verify, or
// terms not signed by both parties, stop the join. Every frame sent goes
// through the worker's encryption, every frame received through its
// decryption: with no key, nothing is sent and nothing is shown.

import { call } from './api.js';
import { loadIdentity, signDocument } from './identity.js';
import { trustFromExport, KeyManager } from './e2ee-keys.js';
import { DEFAULT_CIPHER_SUITE } from './sframe.js';

// Which encoded-transform API this browser offers. `?transform=streams` in
// the page's address forces the older createEncodedStreams() path (tests
// run both).
function transformApi() {
  const forced = new URLSearchParams(location.search).get('transform');
  if (forced === 'streams') return 'streams';
  if ('RTCRtpScriptTransform' in window) return 'script';
  if ('createEncodedStreams' in RTCRtpSender.prototype) return 'streams';
  return null;
}

export class CallE2EE {
  // Fetches and verifies the meeting's signed log; throws an Error to show
  // when the call cannot be end-to-end encrypted.
  static async start(meeting, { onWarning, onCode, onKeys }) {
    const api = transformApi();
    if (!api) throw new Error('This browser cannot encrypt the call end to end (no encoded transforms). Use a current Chromium.');
    const identity = await loadIdentity();
    if (!identity) throw new Error('This browser holds no Parley identity: enroll first.');
    // The export, as the app's "Export the signed log" saves it; checked
    // here as /verify checks a file.
    const doc = await call('GET', `/api/v1/meetings/${encodeURIComponent(meeting)}/export`);
    const trust = await trustFromExport(JSON.stringify(doc), { meeting });
    const e = new CallE2EE();
    e.meeting = meeting;
    e.api = api;
    e.trust = trust;
    e.identity = identity;
    e.onWarning = onWarning;
    e.onCode = onCode;
    e.onKeys = onKeys || (() => {});
    e.worker = new Worker('/js/e2ee-worker.js', { type: 'module', name: 'parley-e2ee' });
    e.worker.onmessage = (ev) => e.fromWorker(ev.data);
    // A language channel carries only the voices of the interpreters the
    // signed terms name: the server routes channels, but cannot make anyone
    // else's frames play there.
    e.worker.postMessage({ type: 'channel-senders', positions: [...(trust.interpreters || [])] });
    e.manager = null;
    e.send = null;
    e.kids = new Map();  // kid → roster position, for naming senders in warnings
    e.sendingKid = null;
    return e;
  }

  // Options for new RTCPeerConnection(): the older API needs a flag.
  pcConfig() {
    return this.api === 'streams' ? { encodedInsertableStreams: true } : {};
  }

  protectSender(sender) {
    this.attach(sender, 'send');
  }

  // `channel`: the receiver of a language channel (msid stream `channel` or
  // `channel-<lang>`), whose frames must come from a named interpreter.
  protectReceiver(receiver, { channel = false } = {}) {
    this.attach(receiver, 'recv', channel);
  }

  attach(endpoint, direction, channel = false) {
    if (this.api === 'script') {
      endpoint.transform = new RTCRtpScriptTransform(this.worker, { direction, channel });
    } else {
      const { readable, writable } = endpoint.createEncodedStreams();
      this.worker.postMessage({ type: 'streams', readable, writable, direction, channel }, [readable, writable]);
    }
  }

  // On every call.joined (the first join and each rejoin: a new place in
  // the call, and epochs that may have started again): a fresh key manager,
  // and no key of the old place kept. `send(payload, to)` sends a call.e2ee
  // on the current WebSocket. Who this page is comes from its own identity
  // key, never from the server.
  joined(send) {
    this.send = send;
    if (this.manager) this.manager.close();
    this.worker.postMessage({ type: 'reset' });
    this.sendingKid = null;
    this.kids.clear();
    this.manager = new KeyManager({
      trust: this.trust,
      me: this.identity.member,
      sign: (doc) => signDocument(this.identity.privateKey, doc),
      send: (payload, to) => this.send(payload, to),
      onSendingKey: (kid, key) => {
        this.sendingKid = kid;
        this.worker.postMessage({ type: 'send-key', kid, key, suite: DEFAULT_CIPHER_SUITE }, [key.buffer]);
        this.onKeys();
      },
      onKey: (kid, key, sender, info) => {
        this.kids.set(kid, info.position);
        this.worker.postMessage({ type: 'recv-key', kid, key, suite: DEFAULT_CIPHER_SUITE }, [key.buffer]);
        this.onKeys();
      },
      onKeyRetired: (kid) => {
        this.kids.delete(kid);
        this.worker.postMessage({ type: 'drop-key', kid });
      },
      onWarning: (text, detail) => this.onWarning(text, detail),
      onCode: (code, epoch, info) => this.onCode(code, epoch, info),
    });
  }

  setEpoch(epoch, participants) {
    if (this.manager && Number.isInteger(epoch)) this.manager.setEpoch(epoch, participants);
  }

  receive(from, payload) {
    if (this.manager) this.manager.receive(from, payload);
  }

  // The roster entry a key id names (its position is the KID's high part).
  senderOf(kid) {
    const position = Math.floor(kid / 65536);
    return this.trust.roster.find((r) => r.position === position) || null;
  }

  fromWorker(msg) {
    if (msg.type === 'failure' && msg.code === 'not_interpreter') {
      const who = msg.kid >= 0 ? this.senderOf(msg.kid) : null;
      this.onWarning(`A language channel carried the voice of ${who ? who.name : 'someone'}, whom the signed terms do not ` +
        'name as an interpreter: it is not played. Someone may be tampering with the call.', { code: 'channel_not_interpreter', claimed: who && who.member });
    } else if (msg.type === 'failure') {
      const who = msg.kid >= 0 ? this.senderOf(msg.kid) : null;
      this.onWarning(`Media that could not be authenticated was refused${who ? ` (claimed sender: ${who.name})` : ''}: ` +
        'it is not shown. Someone may be tampering with the call.', { code: `frame_${msg.code}`, claimed: who && who.member });
    } else if (msg.type === 'stats' && this.statsWaiter) {
      this.statsWaiter(msg);
      this.statsWaiter = null;
    }
  }

  // The worker's counts (frames encrypted, decrypted, dropped), for the page.
  stats() {
    return new Promise((resolve) => {
      this.statsWaiter = resolve;
      this.worker.postMessage({ type: 'stats' });
    });
  }

  close() {
    if (this.manager) this.manager.close();
    this.manager = null;
    this.worker.terminate();
  }
}
