// The call page (docs/media.md, docs/protocol.md §Calls): device check,
// then one RTCPeerConnection to parleyd's media server. The browser offers
// what it publishes; the server answers, and later offers the streams of
// the other participants, which the page answers. Signalling runs over the
// same WebSocket as live updates (/api/v1/live).
//
// Reconnection (docs/web.md §The call page): when the media connection
// drops (ICE disconnected for a couple of seconds, or failed) the page asks
// the server for an ICE restart (call.restart) and retries with back-off;
// when the WebSocket drops it reconnects, signs in again and joins afresh
// with a new RTCPeerConnection (which replaces its old place server-side).

import { call, explain, sessionToken, signIn } from './api.js';
import { loadIdentity } from './identity.js';
import { h } from './dom.js';
import { CallE2EE } from './call-e2ee.js';
import { RecordPanel } from './call-record.js';
import { AudioMix, Interpretation } from './call-interpretation.js';

const $ = (id) => document.getElementById(id);
const meeting = decodeURIComponent(location.hash.slice(1));
const notice = $('notice');
const state = {
  pc: null, ws: null, stream: null, participants: new Map(), joined: false, me: null, trackOwner: new Map(), statsTimer: null, queue: Promise.resolve(),
  inCall: false,      // the person chose to be in the call: from Join until Leave (or a final refusal)
  wsReady: false,     // state.ws is open and authenticated
  joining: false,     // a call.join is waiting for its call.joined
  everJoined: false,  // a call.joined came once: later refusals start a recovery
  pcConnected: false, // the current RTCPeerConnection has been connected at least once
  lost: null,         // null, or what dropped and is being recovered: 'media' or 'server'
  recoverTimer: null, recoverDelay: 0, graceTimer: null,
  saturatedTimer: null, saturatedDelay: 0, saturatedRefusals: 0,  // joining again after media_saturated
  e2ee: null,         // CallE2EE: the verified roster, key manager and transform worker
  record: null,       // RecordPanel: the record of the talks beside the call (call-record.js)
  // Every remote sound goes through one WebAudio graph (call-interpretation.js);
  // `audio.output` carries exactly what the person hears.
  audio: new AudioMix(),
  interp: null,       // Interpretation: only in meetings whose terms name interpreters
  channelSender: null, // an interpreter's channel track (its transceiver): not part of the floor
};

// Reachable from the browser console (and the tests) to inspect the call.
window.parleyCall = state;

// Back-off of the recovery steps: the first at once (media) or after half a
// second (server), then doubling up to this.
const RECOVER_MAX_DELAY = 16000;
// ICE "disconnected" often heals by itself within a moment (a lost burst of
// checks): only after this long is it treated as lost.
const DISCONNECTED_GRACE = 2000;
// A join refused because the media server is at its limit (media_saturated)
// is tried again after 2 s, then 4, 8, 16, 30, 30…, each ±25% so that
// people refused together do not all come back in the same instant.
const SATURATED_FIRST_DELAY = 2000;
const SATURATED_MAX_DELAY = 30000;

function say(text, kind = 'error') {
  notice.className = `notice ${kind}`;
  notice.textContent = text;
}

const REASONS = {
  call_not_open: 'The call is not open: the meeting must be signed by both delegations and announced.',
  call_not_yet: 'The call is not open yet.',
  call_over: 'This call has ended.',
  not_on_roster: 'You are not on this meeting\'s signed roster.',
  key_changed: 'Your key is not the one on the signed roster.',
  not_found: 'No such meeting for your delegation.',
  call_full: 'The call is full.',
  connection_failed: 'The media connection failed.',
  restart_failed: 'The media connection could not be restarted.',
  media_saturated: 'The media server is at its limit and cannot take you into the call just now; those already in it go on.',
  // Interpretation (docs/protocol.md §Interpretation).
  not_interpreter: 'You are not named in the signed terms as an interpreter for that language pair: you cannot speak into its channel.',
  no_channel_track: 'Your microphone is not in the call as an interpreting channel: leave and join again.',
  channel_busy: 'Another booth is live into that language: it must go off air before you can interpret into it.',
  no_such_channel: 'No booth of the signed terms interprets into that language.',
};
// Refusals of an interpretation request made in the call: said, and the
// call goes on (no recovery, as for a lost place).
const INTERPRETATION_ERRORS = new Set(['not_interpreter', 'no_channel_track', 'channel_busy', 'no_such_channel']);
// Refusals after which joining again cannot help: the page stops trying.
const FINAL = new Set(['call_not_open', 'call_not_yet', 'call_over', 'not_on_roster', 'key_changed', 'not_found', 'call_full', 'invalid_sdp', 'too_many_streams', 'not_interpreter']);

async function devices() {
  const list = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, select] of [['videoinput', $('camera')], ['audioinput', $('microphone')]]) {
    const current = select.value;
    select.replaceChildren(...list.filter((d) => d.kind === kind)
      .map((d, i) => h('option', { value: d.deviceId, text: d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}` })));
    if (current) select.value = current;
  }
}

async function preview() {
  if (state.stream) for (const t of state.stream.getTracks()) t.stop();
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({
      audio: $('microphone').value ? { deviceId: { exact: $('microphone').value } } : true,
      video: $('camera').value ? { deviceId: { exact: $('camera').value } } : true,
    });
  } catch (e) {
    state.stream = null;
    say(e.name === 'NotAllowedError' ? 'The browser refused access to the camera or microphone. Allow it in the site settings and reload.'
      : `The camera or microphone cannot be used: ${e.message}`);
    return;
  }
  $('preview').srcObject = state.stream;
  await devices();
}

// Opens the WebSocket and authenticates it, as live.js does: with the
// session token, or after signing in again with the identity key when the
// server no longer knows the token. Resolves once authenticated.
function connectSignalling() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/live`);
    state.ws = ws;
    state.wsReady = false;
    let ready = false;
    const giveUp = (e) => {
      reject(e);
      ws.close();
    };
    ws.onopen = async () => {
      try {
        const token = sessionToken() || (await signIn());
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'auth', token }));
      } catch (e) {
        giveUp(e);
      }
    };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === 'authenticated') {
        ready = true;
        if (ws === state.ws) state.wsReady = true;
        // The meeting's acts are pushed on the same socket: the record panel
        // shows the other side's entries as they become durable.
        ws.send(JSON.stringify({ type: 'subscribe', meeting }));
        resolve();
      } else if (msg.type === 'act' || msg.type === 'cosignature' || msg.type === 'subscribed') {
        if (ws === state.ws && state.record) recordEvent(msg);
      } else if (msg.type === 'error' && msg.code === 'unauthenticated') {
        signIn().then((t) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'auth', token: t }))).catch(giveUp);
      } else {
        // One message at a time: an offer must not be applied while the
        // answer to our own offer is still being set. Messages of a socket
        // that has been replaced are dropped.
        state.queue = state.queue.then(() => (ws === state.ws ? onMessage(msg) : undefined)).catch((e) => say(explain(e)));
      }
    };
    ws.onclose = () => {
      reject(new Error('The server closed the connection.'));  // nothing if already authenticated
      if (ws !== state.ws) return;
      state.wsReady = false;
      state.joined = false;
      state.joining = false;
      if (ready && state.inCall) startRecovery('server');
    };
  });
}

// A pushed act, or the state after (re)subscribing: the record panel
// reloads when the log grew.
function recordEvent(msg) {
  if (msg.meeting !== meeting) return;
  if (msg.type === 'act') state.record.onAct(msg).catch((e) => say(explain(e)));
  else if (msg.type === 'subscribed' && msg.state.length !== state.record.book.length) state.record.refresh();
}

// --- Reconnection

function startRecovery(kind) {
  if (!state.inCall) return;
  if (state.lost === kind || state.lost === 'server') return;  // already on it (a server loss covers the media)
  const first = state.lost === null;
  state.lost = kind;
  say(kind === 'server' ? 'Connection to the server lost — reconnecting…' : 'Connection lost — reconnecting…', 'warn');
  $('call-state').dataset.reconnecting = kind;
  if (first) state.recoverDelay = 1000;
  clearTimeout(state.recoverTimer);
  if (kind === 'server') state.recoverTimer = setTimeout(recoverStep, 500);
  else recoverStep();
}

// One recovery attempt, then the next one after the back-off. Each looks at
// what is missing: the WebSocket, then the place in the call, then the
// media connection.
function recoverStep() {
  clearTimeout(state.recoverTimer);
  if (!state.lost || !state.inCall) return;
  const delay = state.recoverDelay;
  state.recoverDelay = Math.min(delay * 2, RECOVER_MAX_DELAY);
  state.recoverTimer = setTimeout(recoverStep, delay);
  const ws = state.ws;
  if (!ws || ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) {
    connectSignalling().then(() => rejoin()).catch(() => { /* the next step tries again */ });
  } else if (!state.wsReady) {
    // Still connecting or signing in: wait for it.
  } else if (!state.joined) {
    if (!state.joining) rejoin();
  } else if (state.pcConnected || ['failed', 'disconnected'].includes(state.pc.connectionState)) {
    // The server's next offer carries new ICE credentials (docs/protocol.md
    // §Calls). A new connection still being set up (after a rejoin) is left
    // alone unless it fails.
    ws.send(JSON.stringify({ type: 'call.restart', meeting }));
  }
}

function recovered() {
  clearTimeout(state.graceTimer);
  state.graceTimer = null;
  state.pcConnected = true;
  // Not before the place in the call is back: after the WebSocket dropped,
  // the old connection may still report itself connected until it is replaced.
  if (!state.lost || !state.joined) return;
  state.lost = null;
  clearTimeout(state.recoverTimer);
  delete $('call-state').dataset.reconnecting;
  say('Reconnected: you are back in the call.', 'ok');
}

// Follows the media connection's state: connected ends a recovery;
// failed starts one at once; disconnected after DISCONNECTED_GRACE.
function watchConnection(pc) {
  const check = () => {
    if (pc !== state.pc) return;
    const ice = pc.iceConnectionState;
    const conn = pc.connectionState;
    $('call-state').dataset.state = conn;
    if (conn === 'connected') return recovered();
    if (ice === 'failed' || conn === 'failed') return startRecovery('media');
    if ((ice === 'disconnected' || conn === 'disconnected') && !state.graceTimer) {
      state.graceTimer = setTimeout(() => {
        state.graceTimer = null;
        if (pc === state.pc && pc.connectionState !== 'connected') startRecovery('media');
      }, DISCONNECTED_GRACE);
    }
  };
  pc.oniceconnectionstatechange = check;
  pc.onconnectionstatechange = check;
}

async function onMessage(msg) {
  if (msg.meeting !== meeting) return;
  // After Leave (or a final refusal) what was already on its way is ignored.
  if (!state.inCall || !state.e2ee || !state.pc) return;
  if (msg.type === 'call.joined') {
    state.joining = false;
    state.everJoined = true;
    if (state.saturatedDelay && !state.lost) say('');  // the refusal's notice is over
    state.saturatedDelay = 0;
    clearTimeout(state.saturatedTimer);
    state.me = msg.self;
    await state.pc.setRemoteDescription({ type: 'answer', sdp: msg.answer });
    state.joined = true;
    state.e2ee.joined((payload, to) => {
      if (state.ws && state.ws.readyState === WebSocket.OPEN)
        state.ws.send(JSON.stringify({ type: 'call.e2ee', meeting, payload, ...(to ? { to } : {}) }));
    });
    lastViews = '';  // a new place in the call: the server knows no tile sizes yet
    scheduleViews();
    $('device-check').hidden = true;
    $('in-call').hidden = false;
    addTile(state.me.member, state.stream, true);
    if (state.interp) state.interp.joined();
    renderParticipants();
    if (!state.record) {
      state.record = new RecordPanel($('record-panel'), meeting, await loadIdentity(), { present: () => [...state.participants.keys()] });
      state.record.start().catch((e) => say(explain(e)));
    } else {
      state.record.refresh();  // entries made while this page was away
    }
  } else if (msg.type === 'call.offer') {
    await state.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    const answer = await state.pc.createAnswer();
    await state.pc.setLocalDescription(answer);
    state.ws.send(JSON.stringify({ type: 'call.answer', meeting, sdp: state.pc.localDescription.sdp }));
  } else if (msg.type === 'call.participants') {
    const next = new Map(msg.participants.map((p) => [p.member, p]));
    // Tiles go when their participant leaves, not when a stream arrives
    // before the list that names its sender.
    for (const member of state.participants.keys())
      if (!next.has(member)) document.querySelector(`.tile[data-member="${CSS.escape(member)}"]`)?.remove();
    state.participants = next;
    // Everyone in the call has a tile, also those who publish no video (an
    // interpreter without a camera, whose voice is a channel and never a
    // floor track): the tile says who they are and what they do.
    for (const p of msg.participants) tileFor(p.member);
    state.e2ee.setEpoch(msg.epoch, msg.participants);
    renderParticipants();
    if (state.record) state.record.draw();  // who would be recorded as present
  } else if (msg.type === 'call.interpretation') {
    if (!state.interp) return;
    state.interp.update(msg);
    renderParticipants();
  } else if (msg.type === 'call.error') {
    if (msg.code === 'media_saturated') return saturated();
    if (state.joined && (INTERPRETATION_ERRORS.has(msg.code) || (msg.code === 'invalid_field' && state.interp && state.interp.pending))) {
      if (state.interp) state.interp.refused(msg.code);
      return say(`${REASONS[msg.code] || 'The server refused that.'} (${msg.message})`);
    }
    if (msg.code === 'not_connected') return;  // a restart asked too early: the next step asks again
    if (msg.code === 'recipient_not_in_call') return;  // a key for someone who has just left
    if (state.inCall && state.everJoined && !FINAL.has(msg.code)) {
      // The server lost our place or cannot restart the transport: join
      // afresh. Its own view of a failed connection starts a recovery.
      if (msg.code === 'not_in_call' || msg.code === 'restart_failed') {
        state.joined = false;
        if (state.lost) return recoverStep();  // without waiting for the back-off
      }
      return startRecovery('media');
    }
    state.joining = false;
    say(`${REASONS[msg.code] || 'The call failed.'} (${msg.message})`);
    if (!state.joined) {
      if (state.inCall) stopCall();
      $('join').disabled = false;
    }
  } else if (msg.type === 'call.e2ee') {
    state.e2ee.receive(msg.from, msg.payload);
  } else if (msg.type === 'call.active_speaker') {
    for (const tile of document.querySelectorAll('.tile')) {
      const speaking = tile.dataset.member === msg.member;
      tile.classList.toggle('speaking', speaking);
      if (speaking) tile.dataset.speaking = 'true';
      else delete tile.dataset.speaking;
    }
    const p = state.participants.get(msg.member);
    $('call-state').textContent = `${state.participants.size} in the call${p ? ` · speaking: ${p.name}` : ''}`;
    if (state.interp) state.interp.setSpeaker(msg.member);
  } else if (msg.type === 'call.left') {
    state.joined = false;
  }
}

// The media server refused the join because it is at its limit
// (docs/protocol.md §Calls): not final. The page says so and joins again
// after a back-off for as long as the person stays; during a recovery the
// recovery's own steps join again.
function saturated() {
  state.joining = false;
  if (!state.inCall) return;
  state.saturatedDelay = state.saturatedDelay ? Math.min(state.saturatedDelay * 2, SATURATED_MAX_DELAY) : SATURATED_FIRST_DELAY;
  const wait = Math.round(state.saturatedDelay * (0.75 + Math.random() * 0.5));
  state.saturatedRefusals += 1;
  say(`${REASONS.media_saturated} Trying again in ${Math.max(1, Math.round(wait / 1000))} s.`, 'warn');
  if (state.lost) return;
  clearTimeout(state.saturatedTimer);
  state.saturatedTimer = setTimeout(() => {
    if (state.inCall && !state.joined && !state.joining) rejoin();
  }, wait);
}

// --- End-to-end encryption (docs/e2ee.md): what the page shows of it.

// Messages the server relayed that a member of the call could not have
// sent, and frames that did not authenticate, are shown loudly; a message
// of the epoch that just ended arriving late (stale_epoch) is normal when
// people join at nearly the same moment, and only counted.
const warnings = [];
let ignored = 0;
function e2eeWarning(text, detail) {
  if (detail && detail.code === 'stale_epoch') {
    // Refused all the same (a replay of an older epoch looks like this too);
    // shown as a count, not an alarm.
    ignored++;
    const el = $('e2ee-ignored');
    el.hidden = false;
    el.dataset.count = String(ignored);
    el.textContent = `${ignored} late key message${ignored === 1 ? '' : 's'} of an earlier epoch ignored.`;
    return;
  }
  warnings.push({ text, code: detail && detail.code });
  const box = $('e2ee-warnings');
  box.hidden = false;
  box.dataset.count = String(warnings.length);
  box.dataset.codes = warnings.map((w) => w.code).join(' ');
  box.replaceChildren(h('strong', { text: 'Security warning. ' }), text,
    warnings.length > 1 ? ` (${warnings.length} warnings in this call)` : '');
}
function e2eeCode(code, epoch, info) {
  $('e2ee-code').textContent = code;
  $('e2ee-code').dataset.epoch = String(epoch);
  $('e2ee-code').dataset.complete = String(!(info && info.missing && info.missing.length));
  e2eeKeys();
}
function e2eeKeys() {
  const el = $('e2ee-state');
  const ready = state.e2ee && state.e2ee.sendingKid !== null;
  el.dataset.state = ready ? 'on' : 'starting';
  el.textContent = ready ? 'End-to-end encrypted: the server cannot see or hear this call.' : 'End-to-end encryption: starting…';
}

// Simulcast (docs/media.md §Simulcast): the camera is sent in up to three
// sizes, each half the one above; the media server gives each viewer the
// one that fits the tile it shows and its connection. As many layers as
// the picture is tall enough for (Chromium sends no more: three from 720
// lines, two from 360), the largest always full size.
const SIMULCAST = [
  { rid: 'q', maxBitrate: 150_000 },
  { rid: 'h', maxBitrate: 500_000 },
  { rid: 'f', maxBitrate: 1_500_000 },
];
function simulcastFor(track) {
  const height = track.getSettings().height || 0;
  const count = height >= 720 ? 3 : height >= 360 ? 2 : 1;
  return SIMULCAST.slice(3 - count).map((e, i) => ({ ...e, scaleResolutionDownBy: 2 ** (count - 1 - i) }));
}

// The size at which each remote tile is shown, in device pixels, told to
// the server (call.view) when it changes. A hidden page shows nothing, so
// it asks for no video at all until it is visible again.
const resizes = new ResizeObserver(() => scheduleViews());
let viewTimer = null;
let lastViews = '';
function scheduleViews() {
  clearTimeout(viewTimer);
  viewTimer = setTimeout(sendViews, 200);
}
function sendViews() {
  if (!state.joined || !state.ws || state.ws.readyState !== WebSocket.OPEN) return;
  const scale = window.devicePixelRatio || 1;
  const size = (n) => (document.hidden ? 0 : Math.min(16384, Math.round(n * scale)));
  const views = [...document.querySelectorAll('.tile:not([data-self]) video')].map((v) => ({
    member: v.closest('.tile').dataset.member, width: size(v.clientWidth), height: size(v.clientHeight),
  }));
  const text = JSON.stringify(views);
  if (text === lastViews) return;
  lastViews = text;
  state.ws.send(JSON.stringify({ type: 'call.view', meeting, views }));
}
document.addEventListener('visibilitychange', scheduleViews);

function tileFor(member) {
  let tile = document.querySelector(`.tile[data-member="${CSS.escape(member)}"]`);
  if (!tile) {
    tile = h('figure', { class: 'tile', 'data-member': member },
      h('video', { autoplay: true, playsinline: true }),
      h('figcaption', { class: 'label' }));
    $('tiles').append(tile);
    resizes.observe(tile.querySelector('video'));
  }
  return tile;
}

function addTile(member, stream, self) {
  const tile = tileFor(member);
  const video = tile.querySelector('video');
  if (video.srcObject !== stream) video.srcObject = stream;
  // Never play your own sound back. Others' sound plays through the page's
  // audio graph (state.audio), where the floor can be turned down under an
  // interpretation channel; the element stays attached, muted, because
  // Chromium feeds WebAudio from a remote track only while it plays in one.
  video.muted = !!self || state.audio.available;
  if (self) tile.dataset.self = 'true';
}

// A remote audio section of an interpretation channel: msid stream id
// `channel` (what this listener chose) or `channel-<language>` (an
// interpreter's view of each channel). No tile: played through its own gain
// in the audio graph, from a muted element that keeps it flowing.
function addChannel(stream, track) {
  const key = stream.id === 'channel' ? 'channel' : stream.id.slice('channel-'.length);
  let el = document.querySelector(`#channel-audio audio[data-channel="${CSS.escape(key)}"]`);
  if (!el) {
    el = h('audio', { autoplay: true, 'data-channel': key });
    el.muted = true;
    $('channel-audio').append(el);
  }
  if (el.srcObject !== stream) el.srcObject = stream;
  state.audio.add(track, key);
  if (state.interp) state.interp.apply();
}

function renderParticipants() {
  for (const tile of document.querySelectorAll('.tile')) {
    const p = state.participants.get(tile.dataset.member) || (state.me && state.me.member === tile.dataset.member ? state.me : null);
    if (!p) continue;  // its stream came before the participant list: labelled when the list arrives
    const label = tile.querySelector('.label');
    label.replaceChildren(
      h('strong', { text: tile.dataset.self ? `${p.name} (you)` : p.name }), ' · ',
      `${p.party}, ${p.role}`, ' · ', h('span', { class: 'fp', title: 'Fingerprint of the key on the signed roster', text: p.key_fingerprint }),
      p.state !== 'connected' ? ` · ${p.state}` : '');
    // Who interprets into which language, and what each person listens to.
    const interp = state.interp ? state.interp.describe(p.member) : '';
    let line = tile.querySelector('.interp-label');
    if (interp) {
      if (!line) {
        line = h('div', { class: 'label interp-label' });
        label.after(line);
      }
      line.textContent = interp;
    } else if (line) {
      line.remove();
    }
    tile.querySelector('video').setAttribute('aria-label', `${p.name}, ${p.party}, ${p.role}`);
  }
  $('call-state').textContent = `${state.participants.size} in the call`;
}

async function join() {
  // First, inside the click: an audio context started by a user gesture may play.
  state.audio.start();
  $('join').disabled = true;
  say('');
  if (!state.stream) await preview();
  if (!state.stream) {
    $('join').disabled = false;
    return;
  }
  try {
    // End-to-end encryption is not optional: no verified roster, no call.
    if (!state.e2ee) state.e2ee = await CallE2EE.start(meeting, { onWarning: e2eeWarning, onCode: e2eeCode, onKeys: e2eeKeys });
  } catch (e) {
    $('join').disabled = false;
    return say(`The call cannot be end-to-end encrypted: ${e.message || explain(e)}`);
  }
  try {
    if (!state.wsReady) await connectSignalling();
  } catch (e) {
    $('join').disabled = false;
    return say(explain(e));
  }
  state.inCall = true;
  state.statsTimer = setInterval(() => quality().catch(() => {}), 1000);
  await rejoin();
}

// A new RTCPeerConnection and a call.join with its offer; used for the first
// join and for each rejoin after the WebSocket or the server's place was
// lost. Tiles stay: streams are keyed by member, and the new ones replace
// the old in the same tiles.
async function rejoin() {
  if (!state.inCall) return;
  if (state.pc) state.pc.close();
  state.trackOwner.clear();
  state.audio.clear();
  $('channel-audio').replaceChildren();
  state.joining = true;
  state.pcConnected = false;
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', ...state.e2ee.pcConfig() });
  state.pc = pc;
  // A named interpreter's microphone is their channel track, a section of
  // its own named in call.join (channel_mid): it never joins the floor, and
  // the server feeds it to a channel only while they are on air.
  const interpreter = !!(state.interp && state.interp.interpreter);
  state.channelSender = null;
  for (const track of state.stream.getTracks()) {
    if (interpreter && track.kind === 'audio') {
      const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])] });
      state.e2ee.protectSender(t.sender);
      state.channelSender = t;
      continue;
    }
    const init = { direction: 'sendonly', streams: [state.stream] };
    if (track.kind === 'video') init.sendEncodings = simulcastFor(track);
    state.e2ee.protectSender(pc.addTransceiver(track, init).sender);
  }
  pc.ontrack = (ev) => {
    const stream = ev.streams[0];
    const channel = !!stream && (stream.id === 'channel' || stream.id.startsWith('channel-'));
    // A channel's receiver plays only named interpreters' frames (call-e2ee.js).
    state.e2ee.protectReceiver(ev.receiver, { channel });
    if (!stream) return;
    if (channel) return addChannel(stream, ev.track);
    state.trackOwner.set(ev.track.id, stream.id);
    addTile(stream.id, stream, false);
    if (ev.track.kind === 'audio') state.audio.add(ev.track, null);
    renderParticipants();
  };
  watchConnection(pc);
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  if (pc !== state.pc || state.ws.readyState !== WebSocket.OPEN) {
    state.joining = false;
    return;
  }
  const msg = { type: 'call.join', meeting, offer: pc.localDescription.sdp };
  if (state.channelSender) msg.channel_mid = state.channelSender.mid;  // known only after setLocalDescription
  state.ws.send(JSON.stringify(msg));
}

// Connection quality per participant, from the browser's own statistics
// of what arrives (inbound-rtp), shown on each tile.
async function quality() {
  if (!state.pc) return;
  const per = new Map();
  const stats = await state.pc.getStats();
  stats.forEach((r) => {
    if (r.type !== 'inbound-rtp') return;
    const member = state.trackOwner.get(r.trackIdentifier);
    if (!member) return;
    const q = per.get(member) || { frames: 0, audio: 0, lost: 0, received: 0, fps: 0, width: 0, height: 0, jitter: 0 };
    q.lost += r.packetsLost || 0;
    q.received += r.packetsReceived || 0;
    if (r.kind === 'video') {
      q.frames += r.framesDecoded || 0;
      q.fps = r.framesPerSecond || q.fps;
      q.width = r.frameWidth || q.width;
      q.height = r.frameHeight || q.height;
    } else {
      q.audio += r.packetsReceived || 0;
      q.jitter = r.jitter || 0;
    }
    per.set(member, q);
  });
  for (const [member, q] of per) {
    const tile = document.querySelector(`.tile[data-member="${CSS.escape(member)}"]`);
    if (!tile) continue;
    tile.dataset.framesDecoded = String(q.frames);
    tile.dataset.audioPackets = String(q.audio);
    tile.dataset.frameWidth = String(q.width);
    const lossPct = q.received + q.lost > 0 ? (100 * q.lost) / (q.received + q.lost) : 0;
    const grade = lossPct < 2 ? 'good' : lossPct < 8 ? 'fair' : 'poor';
    let el = tile.querySelector('.quality');
    if (!el) {
      el = h('div', { class: 'label quality' });
      tile.append(el);
    }
    el.dataset.grade = grade;
    // A participant without a camera (an interpreter, for one) has no picture to describe.
    const picture = q.width || q.frames ? `${q.width}×${q.height}, ${Math.round(q.fps || 0)} fps, ` : 'audio only, ';
    el.textContent = `Connection ${grade}: ${picture}${lossPct.toFixed(1)}% lost, audio jitter ${Math.round(q.jitter * 1000)} ms`;
  }
}

// Ends the page's part in the call: no more recovery, no connection.
function stopCall() {
  state.inCall = false;
  state.everJoined = false;
  state.lost = null;
  state.joining = false;
  clearTimeout(state.recoverTimer);
  clearTimeout(state.graceTimer);
  state.graceTimer = null;
  clearTimeout(state.saturatedTimer);
  state.saturatedDelay = 0;
  clearInterval(state.statsTimer);
  if (state.pc) state.pc.close();
  state.pc = null;
  state.audio.clear();
  $('channel-audio').replaceChildren();
  state.joined = false;
  if (state.e2ee) state.e2ee.close();
  state.e2ee = null;  // keys are never reused: a new join starts afresh
  delete $('call-state').dataset.reconnecting;
  $('in-call').hidden = true;
  $('device-check').hidden = false;
  $('tiles').replaceChildren();
}

function leave() {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: 'call.leave', meeting }));
  stopCall();
  // The camera and microphone go off; joining again asks for them anew.
  if (state.stream) for (const t of state.stream.getTracks()) t.stop();
  state.stream = null;
  $('preview').srcObject = null;
  $('join').disabled = false;
  $('join').textContent = 'Join again';
  say('You left the call. You can join again.', 'ok');
}

function toggle(kind, button, onText, offText) {
  const tracks = state.stream ? state.stream.getTracks().filter((t) => t.kind === kind) : [];
  const enabled = !tracks.every((t) => !t.enabled);
  for (const t of tracks) t.enabled = !enabled;
  button.setAttribute('aria-pressed', String(enabled));
  button.textContent = enabled ? offText : onText;
}

async function main() {
  const id = await loadIdentity();
  if (!id) {
    location.href = '/app#/enroll';
    return;
  }
  $('who').textContent = `${id.name} · ${id.partyName || id.party}`;
  if (!meeting) return say('No meeting given: open the call from the meeting\'s page.');
  try {
    const view = await call('GET', `/api/v1/meetings/${encodeURIComponent(meeting)}`);
    $('call-title').textContent = `Call: ${view.parameters.title.value}`;
    document.title = `Call: ${view.parameters.title.value} — Parley`;
    // Interpretation channels exist when the terms name interpreters; the
    // terms also say whether this member is one of them, which decides how
    // the microphone is published. (The server checks the signed terms
    // again: a page that claims wrongly is refused with not_interpreter.)
    const terms = view.parameters.languages && view.parameters.languages.value;
    if (Interpretation.wanted(terms)) {
      state.interp = new Interpretation({
        meeting, terms, me: id.member, mix: state.audio,
        send: (msg) => {
          if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ ...msg, meeting }));
        },
        nameOf: (member) => state.participants.get(member)?.name
          || state.e2ee?.trust.roster.find((r) => r.member === member)?.name || member,
      });
      state.interp.mount($('interpretation'));
    }
  } catch (e) {
    return say(explain(e));
  }
  $('join').addEventListener('click', () => join().catch((e) => say(explain(e))));
  $('leave').addEventListener('click', leave);
  $('mute').addEventListener('click', (ev) => toggle('audio', ev.target, 'Mute microphone', 'Unmute microphone'));
  $('camera-off').addEventListener('click', (ev) => toggle('video', ev.target, 'Turn camera off', 'Turn camera on'));
  $('camera').addEventListener('change', preview);
  $('microphone').addEventListener('change', preview);
  // Back online: retry at once rather than at the end of the back-off.
  window.addEventListener('online', () => {
    if (!state.lost) return;
    state.recoverDelay = 1000;
    recoverStep();
  });
  await preview();
}

main().catch((e) => say(explain(e)));
