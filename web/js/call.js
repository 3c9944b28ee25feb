// The call page (docs/media.md, docs/protocol.md §Calls): device check,
// then one RTCPeerConnection to parleyd's media server. The browser offers
// what it publishes; the server answers, and later offers the streams of
// the other participants, which the page answers. Signalling runs over the
// same WebSocket as live updates (/api/v1/live).

import { call, explain, sessionToken, signIn } from './api.js';
import { loadIdentity } from './identity.js';
import { h } from './dom.js';

const $ = (id) => document.getElementById(id);
const meeting = decodeURIComponent(location.hash.slice(1));
const notice = $('notice');
const state = { pc: null, ws: null, stream: null, participants: new Map(), joined: false, me: null, trackOwner: new Map(), statsTimer: null, queue: Promise.resolve() };
// Reachable from the browser console (and the tests) to inspect the call.
window.parleyCall = state;

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
};

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

function connectSignalling() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/live`);
    state.ws = ws;
    ws.onopen = async () => {
      let token = sessionToken();
      if (!token) token = await signIn();
      ws.send(JSON.stringify({ type: 'auth', token }));
    };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === 'authenticated') resolve();
      else if (msg.type === 'error' && msg.code === 'unauthenticated') {
        signIn().then((t) => ws.send(JSON.stringify({ type: 'auth', token: t }))).catch(reject);
      } else {
        // One message at a time: an offer must not be applied while the
        // answer to our own offer is still being set.
        state.queue = state.queue.then(() => onMessage(msg)).catch((e) => say(explain(e)));
      }
    };
    ws.onclose = () => {
      if (state.joined) say('The connection to the server was lost. Rejoin to continue.');
      state.joined = false;
      reject(new Error('The server closed the connection.'));
    };
  });
}

async function onMessage(msg) {
  if (msg.meeting !== meeting) return;
  if (msg.type === 'call.joined') {
    state.me = msg.self;
    await state.pc.setRemoteDescription({ type: 'answer', sdp: msg.answer });
    state.joined = true;
    $('device-check').hidden = true;
    $('in-call').hidden = false;
    addTile(state.me.member, state.stream, true);
    renderParticipants();
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
    renderParticipants();
  } else if (msg.type === 'call.error') {
    say(`${REASONS[msg.code] || 'The call failed.'} (${msg.message})`);
    if (!state.joined) $('join').disabled = false;
  } else if (msg.type === 'call.active_speaker') {
    for (const tile of document.querySelectorAll('.tile')) {
      const speaking = tile.dataset.member === msg.member;
      tile.classList.toggle('speaking', speaking);
      if (speaking) tile.dataset.speaking = 'true';
      else delete tile.dataset.speaking;
    }
    const p = state.participants.get(msg.member);
    $('call-state').textContent = `${state.participants.size} in the call${p ? ` · speaking: ${p.name}` : ''}`;
  } else if (msg.type === 'call.left') {
    state.joined = false;
  }
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
  video.muted = !!self;  // never play your own sound back
  if (self) tile.dataset.self = 'true';
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
    tile.querySelector('video').setAttribute('aria-label', `${p.name}, ${p.party}, ${p.role}`);
  }
  $('call-state').textContent = `${state.participants.size} in the call`;
}

async function join() {
  $('join').disabled = true;
  say('');
  if (!state.stream) await preview();
  if (!state.stream) {
    $('join').disabled = false;
    return;
  }
  try {
    await connectSignalling();
  } catch (e) {
    $('join').disabled = false;
    return say(explain(e));
  }
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  state.pc = pc;
  for (const track of state.stream.getTracks()) {
    const init = { direction: 'sendonly', streams: [state.stream] };
    if (track.kind === 'video') init.sendEncodings = simulcastFor(track);
    pc.addTransceiver(track, init);
  }
  pc.ontrack = (ev) => {
    const stream = ev.streams[0];
    if (!stream) return;
    state.trackOwner.set(ev.track.id, stream.id);
    addTile(stream.id, stream, false);
    renderParticipants();
  };
  state.statsTimer = setInterval(() => quality().catch(() => {}), 1000);
  pc.onconnectionstatechange = () => {
    $('call-state').dataset.state = pc.connectionState;
    if (pc.connectionState === 'failed') say('The media connection failed. Leave and join again.');
  };
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  state.ws.send(JSON.stringify({ type: 'call.join', meeting, offer: pc.localDescription.sdp }));
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
    el.textContent = `Connection ${grade}: ${q.width}×${q.height}, ${Math.round(q.fps || 0)} fps, ${lossPct.toFixed(1)}% lost, audio jitter ${Math.round(q.jitter * 1000)} ms`;
  }
}

function leave() {
  clearInterval(state.statsTimer);
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ type: 'call.leave', meeting }));
  if (state.pc) state.pc.close();
  if (state.stream) for (const t of state.stream.getTracks()) t.stop();
  state.joined = false;
  $('in-call').hidden = true;
  $('tiles').replaceChildren();
  say('You left the call.', 'ok');
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
  } catch (e) {
    return say(explain(e));
  }
  $('join').addEventListener('click', () => join().catch((e) => say(explain(e))));
  $('leave').addEventListener('click', leave);
  $('mute').addEventListener('click', (ev) => toggle('audio', ev.target, 'Mute microphone', 'Unmute microphone'));
  $('camera-off').addEventListener('click', (ev) => toggle('video', ev.target, 'Turn camera off', 'Turn camera on'));
  $('camera').addEventListener('change', preview);
  $('microphone').addEventListener('change', preview);
  await preview();
}

main().catch((e) => say(explain(e)));
