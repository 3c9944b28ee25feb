// Reconnection on the call page (docs/web.md §The call page). Two Chromium
// participants are in a call; then every datagram between one of them and
// the media server is dropped (iptables, in this test's own network
// namespace) until the server itself gives that participant's transport up
// (ICE consent lapses): the page says it is reconnecting and asks for ICE
// restarts; when the rule goes, the restart reconnects the same peer
// connection and video flows both ways again. Then parleyd itself restarts:
// both pages reconnect their WebSocket, sign in again and rejoin. A
// call.restart from a connection that is not in the call is refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { agreedCall, enrollPeople, joinCall as openAndJoin, tileReceived, twoDelegations, waitUntil, serverTail } from './harness.mjs';

let server;
const people = {};
let meeting;

// What a page sends and receives on its WebSockets, parsed, in order; and
// its RTCPeerConnections (window.__pcs) for the candidate ports.
function watch(person) {
  person.sent = [];
  person.received = [];
  person.page.on('websocket', (ws) => {
    ws.on('framesent', (f) => person.sent.push(JSON.parse(f.payload)));
    ws.on('framereceived', (f) => person.received.push(JSON.parse(f.payload)));
  });
  return person.page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    window.__pcs = [];
    window.RTCPeerConnection = class extends Native {
      constructor(...args) {
        super(...args);
        window.__pcs.push(this);
      }
    };
  });
}

before(async () => {
  let eastNeg, westNeg;
  ({ server, eastNeg, westNeg } = await twoDelegations());
  Object.assign(people, await enrollPeople(server, 'reconnect', [['mikhail', 'east', 'Mikhail Orlov', 'leader'],
    ['helen', 'west', 'Helen Brooks', 'leader'], ['outsider', 'west', 'Daniel Moore', 'aide']]));
  meeting = agreedCall(eastNeg, westNeg, 'Leaders\u2019 call', ['Mikhail Orlov:leader', 'Helen Brooks:leader']);
});

after(async () => {
  for (const p of Object.values(people)) await p.close();
  if (server) assert.equal(await server.stop(), 0);
});

const joinCall = (person) => openAndJoin(server, meeting, person);

// Frames decoded from `from`, as the page shows it on the tile (getStats).
const frames = async (person, from) => (await tileReceived(person, from)).frames;

async function notice(person) {
  return person.page.locator('#notice').textContent();
}

const waitFor = (fn, what, ms = 60000) => waitUntil(fn, what, { ms, diagnose: async () => {
  const pages = await Promise.all([people.mikhail, people.helen].map(async (p) => `${p.name}: ${await notice(p)} | ${await p.page.evaluate(() => [...document.querySelectorAll('.tile')].map((t) => `${t.dataset.member}:${t.dataset.framesDecoded}`).join(' '))} | ${await p.page.evaluate(() => window.__pcs.map((pc) => `${pc.iceConnectionState}/${pc.connectionState}`).join(' '))}`));
  // The signalling each page saw, in short: what was sent (>) and received (<).
  const brief = (m) => [m.type, m.code, m.type === 'call.participants' ? m.participants.map((x) => x.state).join('/') : undefined].filter(Boolean).join(':');
  const talk = [people.mikhail, people.helen].map((p) => `${p.name}: ${[...(p.sent || []).map((m) => `>${brief(m)}`)].join(' ')}\n  ${(p.received || []).map((m) => `<${brief(m)}`).slice(-40).join(' ')}`);
  return `${pages.join('\n')}\n${talk.join('\n')}\n${serverTail(server)}`;
} });

// Video from each to the other keeps arriving: more than `n` new frames.
async function videoFlowsBothWays(what, n = 30) {
  const { mikhail, helen } = people;
  const start = { m: await frames(mikhail, helen), h: await frames(helen, mikhail) };
  await waitFor(async () => {
    const now = { m: await frames(mikhail, helen), h: await frames(helen, mikhail) };
    return (now.m > start.m + n && now.h > start.h + n) || { start, now };
  }, what);
}

// The state the server announces for `member`, in the latest call.participants `person` received.
function announcedState(person, member) {
  const lists = person.received.filter((m) => m.type === 'call.participants');
  return lists.length ? lists.at(-1).participants.find((p) => p.member === member)?.state : undefined;
}

test('all UDP of one participant dropped: the page reconnects with an ICE restart', async (t) => {
  if (process.getuid() !== 0 || !process.env.PARLEY_IN_NETNS) {
    t.skip('needs root in the test-made network namespace (tests/browser/run.sh)');
    return;
  }
  const { mikhail, helen } = people;
  await watch(mikhail);
  await watch(helen);
  await joinCall(mikhail);
  await joinCall(helen);
  await videoFlowsBothWays('both see each other', 10);

  // Everything to and from the media server's ports is dropped except
  // Mikhail's: Helen loses all her media traffic, including that of any new
  // candidate her browser gathers for an ICE restart.
  const serverPorts = [...server.log().matchAll(/event=media_worker address=\S+ port=(\d+)/g)].map((m) => m[1]);
  const mikhailPorts = await mikhail.page.evaluate(async () => {
    const ports = new Set();
    (await window.__pcs.at(-1).getStats()).forEach((r) => {
      if (r.type === 'local-candidate' && r.protocol === 'udp') ports.add(String(r.port));
    });
    return [...ports];
  });
  assert.ok(mikhailPorts.length > 0, 'Mikhail\'s candidate ports are known');
  const rules = serverPorts.flatMap((port) => [
    ['-p', 'udp', '--dport', port, '-m', 'multiport', '!', '--sports', mikhailPorts.join(','), '-j', 'DROP'],
    ['-p', 'udp', '--sport', port, '-m', 'multiport', '!', '--dports', mikhailPorts.join(','), '-j', 'DROP'],
  ]);
  for (const r of rules) execFileSync('iptables', ['-A', 'INPUT', ...r]);
  try {
    // Helen's page notices and says so, and asks for an ICE restart.
    await helen.page.locator('#notice', { hasText: 'Connection lost — reconnecting' }).waitFor({ timeout: 60000 });
    await waitFor(async () => helen.sent.some((m) => m.type === 'call.restart') || 'no call.restart yet', 'Helen asks for an ICE restart');
    // Kept down until the server gives her transport up (ICE consent
    // lapses) and tells the call: the restart must revive a failed transport.
    await waitFor(async () => announcedState(mikhail, helen.member) === 'failed' || announcedState(mikhail, helen.member),
      'the server announces Helen\'s connection failed', 90000);
    assert.match(await notice(helen), /Connection lost — reconnecting/, 'still reconnecting while the network is down');
  } finally {
    for (const r of rules) execFileSync('iptables', ['-D', 'INPUT', ...r]);
  }

  await helen.page.locator('#notice', { hasText: 'Reconnected' }).waitFor({ timeout: 60000 });
  await waitFor(async () => announcedState(mikhail, helen.member) === 'connected' || announcedState(mikhail, helen.member),
    'the server announces Helen connected again');
  await videoFlowsBothWays('video flows both ways again after the restart');
  // The same peer connection came back by ICE restart: no second join.
  assert.equal(helen.sent.filter((m) => m.type === 'call.join').length, 1, 'Helen did not need to rejoin');
  assert.equal(await helen.page.evaluate(() => window.__pcs.length), 1);
  assert.ok(helen.received.some((m) => m.type === 'call.offer'), 'the server offered the restart');
  // Mikhail's own connection never dropped.
  assert.equal(mikhail.sent.filter((m) => m.type === 'call.restart').length, 0);
  assert.doesNotMatch(await notice(mikhail), /reconnecting/);
  for (const p of [mikhail, helen]) assert.deepEqual(p.errors, [], `${p.name}: no script errors`);
  await helen.shot('reconnected.png');
});

test('parleyd restarts: both pages reconnect the WebSocket, sign in again and rejoin', async () => {
  const { mikhail, helen } = people;
  if (!mikhail.sent) {
    // The first test was skipped (not in a namespace): join here.
    await watch(mikhail);
    await watch(helen);
    await joinCall(mikhail);
    await joinCall(helen);
  }
  await videoFlowsBothWays('both see each other before the restart', 10);
  const joins = { m: mikhail.sent.filter((m) => m.type === 'call.join').length, h: helen.sent.filter((m) => m.type === 'call.join').length };
  const port = Number(new URL(server.url).port);
  await server.stopProcess();
  for (const p of [mikhail, helen]) {
    await p.page.locator('#notice', { hasText: 'Connection to the server lost — reconnecting' }).waitFor({ timeout: 30000 });
  }
  await server.start(port);
  for (const p of [mikhail, helen]) await p.page.locator('#notice', { hasText: 'Reconnected' }).waitFor({ timeout: 60000 });
  await videoFlowsBothWays('video flows both ways after the server restarted');
  // Each authenticated its new WebSocket and joined again with a new offer.
  assert.equal(mikhail.sent.filter((m) => m.type === 'call.join').length, joins.m + 1);
  assert.equal(helen.sent.filter((m) => m.type === 'call.join').length, joins.h + 1);
  for (const p of [mikhail, helen]) {
    assert.ok(p.received.filter((m) => m.type === 'authenticated').length >= 2, `${p.name} authenticated again`);
    assert.deepEqual(p.errors, [], `${p.name}: no script errors`);
  }
});

test('call.restart from a connection that is not in the call is refused', async () => {
  const { page } = people.outsider;
  // The call page signs in (a session token in this tab) to show the meeting.
  await page.goto(`${server.url}/call#${meeting}`);
  await page.waitForFunction(() => document.getElementById('preview').srcObject);
  const replies = await page.evaluate((id) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/api/v1/live`);
    const got = [];
    ws.onerror = () => reject(new Error('websocket failed'));
    ws.onopen = () => ws.send(JSON.stringify({ type: 'call.restart', meeting: id }));  // before auth
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      got.push(m);
      if (got.length === 1) ws.send(JSON.stringify({ type: 'auth', token: sessionStorage.getItem('parley.session') }));
      if (m.type === 'authenticated') {
        ws.send(JSON.stringify({ type: 'call.restart', meeting: id }));
        ws.send(JSON.stringify({ type: 'call.restart' }));
      }
      if (got.length === 4) {
        ws.close();
        resolve(got);
      }
    };
  }), meeting);
  assert.deepEqual(replies.map((m) => [m.type, m.code]), [
    ['call.error', 'unauthenticated'], ['authenticated', undefined], ['call.error', 'not_in_call'], ['call.error', 'invalid_field']]);
  assert.equal(replies[2].meeting, meeting);

  // Helen from a second tab of her own: that connection is not the one in
  // the call either.
  const tab = await people.helen.context.newPage();
  await tab.goto(`${server.url}/call#${meeting}`);
  await tab.waitForFunction(() => document.getElementById('preview').srcObject);
  const reply = await tab.evaluate((id) => new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/api/v1/live`);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: sessionStorage.getItem('parley.session') }));
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type === 'authenticated') ws.send(JSON.stringify({ type: 'call.restart', meeting: id }));
      else {
        ws.close();
        resolve(m);
      }
    };
  }), meeting);
  assert.equal(reply.code, 'not_in_call');
  await tab.close();
});
