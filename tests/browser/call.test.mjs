// Three Chromium participants (fake camera and microphone) join one call
// through parleyd's own media server; each decodes video and receives audio
// from the other two; one leaves and the others keep going. Members who are
// not admitted are refused before anything is created.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { agreedCall, enrollPeople, joinCall as openAndJoin, tileReceived, utc, twoDelegations, waitUntil, serverTail } from './harness.mjs';

let server;
const people = {};
let meeting;

before(async () => {
  let eastNeg, westNeg;
  ({ server, eastNeg, westNeg } = await twoDelegations());
  Object.assign(people, await enrollPeople(server, 'call', [['mikhail', 'east', 'Mikhail Orlov', 'leader'],
    ['helen', 'west', 'Helen Brooks', 'leader'], ['olga', 'east', 'Olga Ivanova', 'interpreter'],
    ['outsider', 'west', 'Daniel Moore', 'aide']]));
  meeting = agreedCall(eastNeg, westNeg, 'Leaders\u2019 call', 
    ['Mikhail Orlov:leader', 'Olga Ivanova:interpreter', 'Helen Brooks:leader'], ['--interpreter', 'Olga Ivanova:ru-en']);
});

after(async () => {
  for (const p of Object.values(people)) await p.close();
  if (server) assert.equal(await server.stop(), 0);
});

const joinCall = (person) => openAndJoin(server, meeting, person);

const received = tileReceived;

const waitFor = (fn, what, ms) => waitUntil(fn, what, { ms, diagnose: async () => {
  const pages = await Promise.all(Object.values(people).map(async (p) => `${p.name}: ${await p.page.locator('#notice').textContent()} | ${await p.page.evaluate(() => [...document.querySelectorAll('.tile')].map((t) => `${t.dataset.member}:${t.dataset.framesDecoded}/${t.dataset.audioPackets}`).join(' '))}`));
  return `${pages.join('\n')}\n${serverTail(server)}`;
} });

test('three participants see and hear each other; one leaves, the others go on', async () => {
  const trio = [people.mikhail, people.helen, people.olga];
  for (const p of trio) await joinCall(p);
  for (const p of trio) await p.page.locator('#in-call').waitFor();
  for (const p of trio) {
    for (const q of trio) {
      if (p === q) continue;
      // Olga is named as an interpreter in the terms: her microphone is her
      // interpretation channel track, never part of the floor, so her tile
      // has video only (docs/protocol.md §Interpretation).
      await waitFor(async () => {
        const r = await received(p, q);
        return (r.frames > 10 && (q === people.olga ? r.audio === 0 : r.audio > 20)) || r;
      }, `${p.name} receives ${q.name}`);
    }
  }
  // The tiles name each participant with party, role and key fingerprint.
  const label = await people.mikhail.page.locator(`.tile[data-member="${people.helen.member}"] .label`).first().textContent();
  assert.match(label, /Helen Brooks/);
  assert.match(label, /west, leader/);
  assert.match(label, /[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}/);
  // Someone's tile is marked as the active speaker (RFC 6464 levels of the
  // fake microphones' tone).
  await people.mikhail.page.locator('.tile[data-speaking="true"]').first().waitFor();
  await people.mikhail.shot('call.png');

  // Olga leaves: her tile goes, and Mikhail and Helen keep receiving.
  await people.olga.page.click('#leave');
  for (const p of [people.mikhail, people.helen]) {
    await p.page.locator(`.tile[data-member="${people.olga.member}"]`).waitFor({ state: 'detached' });
  }
  const before = await received(people.mikhail, people.helen);
  await waitFor(async () => {
    const now = await received(people.mikhail, people.helen);
    return (now.frames > before.frames + 20 && now.audio > before.audio + 20) || now;
  }, 'Mikhail still receives Helen after Olga left');
  const metrics = await (await people.mikhail.page.request.get(`${server.url}/metrics`)).text();
  assert.match(metrics, /parley_media_datagrams_in_total\{worker="0"\} [1-9]/);
  for (const p of trio) assert.deepEqual(p.errors, [], `${p.name}: no script errors`);
});

// Hostile datagrams at the media port during the call: a STUN request with
// a wrong MESSAGE-INTEGRITY, DTLS and RTP from an address no check bound, a
// truncated STUN header, an oversized datagram, a byte of no protocol. Each
// is dropped and counted; the call goes on.
test('bad packets are dropped and counted while the call goes on', async () => {
  const ports = [...server.log().matchAll(/event=media_worker address=\S+ port=(\d+)/g)].map((m) => Number(m[1]));
  const metric = async (name) => {
    const text = await (await people.mikhail.page.request.get(`${server.url}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}\\{worker="\\d+"\\} (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  };
  const names = ['parley_media_stun_malformed_total', 'parley_media_unbound_dropped_total', 'parley_media_truncated_dropped_total', 'parley_media_unknown_dropped_total'];
  const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await metric(n)])));
  const framesBefore = await received(people.mikhail, people.helen);
  // A binding request (RFC 8489 §5 header, USERNAME "nobody:x", a zero
  // MESSAGE-INTEGRITY) without the FINGERPRINT ICE requires: malformed.
  // (Wrong integrity and unknown usernames are counted apart: the worker's
  // unit tests send those.)
  const stun = Buffer.from('000100182112a442' + '0102030405060708090a0b0c' + '000600086e6f626f64793a78' +
    '0008001400000000000000000000000000000000000000000', 'hex');
  const datagrams = [stun, Buffer.from('0001', 'hex'), Buffer.alloc(60, 22), Buffer.alloc(60, 0x80),
    Buffer.alloc(1700, 0x80), Buffer.from([0xff, 1, 2, 3])];
  const sock = dgram.createSocket('udp4');
  for (const port of ports) for (const d of datagrams) await new Promise((r) => sock.send(d, port, '127.0.0.1', r));
  sock.close();
  await waitFor(async () => {
    const now = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await metric(n)])));
    const grew = names.filter((n) => now[n] > before[n]);
    return grew.length === names.length || { before, now };
  }, 'every kind of bad datagram counted', 10000);
  await waitFor(async () => {
    const now = await received(people.mikhail, people.helen);
    return now.frames > framesBefore.frames + 30 || now;
  }, 'the call goes on');
});

// 5% of the media server's outgoing datagrams are dropped on their way in
// (iptables in this test's own network namespace, TESTING-NOTES): video
// keeps decoding, lost packets are sent again from the server's cache, and
// keyframe requests stay rate-limited.
test('with 5% loss the video keeps decoding and NACKs are answered from the cache', async (t) => {
  if (process.getuid() !== 0 || !process.env.PARLEY_IN_NETNS) {
    t.skip('needs root in the test-made network namespace (tests/browser/run.sh)');
    return;
  }
  const ports = [...server.log().matchAll(/event=media_worker address=\S+ port=(\d+)/g)].map((m) => m[1]);
  const rules = ports.map((port) => ['-p', 'udp', '--sport', port, '-m', 'statistic', '--mode', 'random',
    '--probability', '0.05', '-j', 'DROP']);
  for (const r of rules) execFileSync('iptables', ['-A', 'INPUT', ...r]);
  try {
    const metric = async (name) => {
      const text = await (await people.mikhail.page.request.get(`${server.url}/metrics`)).text();
      return [...text.matchAll(new RegExp(`^${name}\\{worker="\\d+"\\} (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
    };
    const cachedBefore = await metric('parley_media_retransmitted_from_cache_total');
    const before = await received(people.mikhail, people.helen);
    await new Promise((r) => setTimeout(r, 10000));
    const after = await received(people.mikhail, people.helen);
    assert.ok(after.frames > before.frames + 50, `video kept decoding under loss: ${before.frames} → ${after.frames}`);
    const cached = (await metric('parley_media_retransmitted_from_cache_total')) - cachedBefore;
    assert.ok(cached > 0, 'lost packets were sent again from the cache');
    const sent = await metric('parley_media_keyframe_requests_sent_total');
    // At most one request per stream per 500 ms over the whole test.
    assert.ok(sent < 200, `keyframe requests rate-limited (${sent})`);
  } finally {
    for (const r of rules) execFileSync('iptables', ['-D', 'INPUT', ...r]);
  }
});

// Helen's camera goes out in simulcast layers (call.js asks for three;
// Chromium sends as many as the 640×480 fake camera allows). The server
// gives Mikhail the layer that fits the tile he shows her in: a small tile
// gets a small layer, a large one the largest, and the picture keeps
// decoding across each switch (made at a keyframe of the new layer).
test('simulcast: each viewer gets the layer that fits its tile, switching without stopping', async () => {
  const { mikhail, helen } = people;
  const layersSent = () => helen.page.evaluate(async () => {
    const stats = await window.parleyCall.pc.getStats();
    return [...stats.values()].filter((r) => r.type === 'outbound-rtp' && r.kind === 'video' && r.rid && r.framesEncoded > 0)
      .map((r) => `${r.rid}:${r.frameWidth}x${r.frameHeight}`);
  });
  await waitFor(async () => { const l = await layersSent(); return l.length >= 2 || l; }, 'Helen sends two or more layers');
  const tile = `.tile[data-member="${helen.member}"]`;
  const width = async () => Number(await mikhail.page.locator(tile).getAttribute('data-frame-width'));
  const resize = (w, hgt) => mikhail.page.evaluate(([sel, w, hgt]) => {
    const v = document.querySelector(`${sel} video`);
    v.style.width = `${w}px`;
    v.style.height = `${hgt}px`;
  }, [tile, w, hgt]);
  const switches = async () => {
    const text = await (await mikhail.page.request.get(`${server.url}/metrics`)).text();
    return [...text.matchAll(/^parley_media_layer_switches_total\{worker="\d+"\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  };
  const switchesBefore = await switches();
  await resize(120, 90);
  await waitFor(async () => { const w = await width(); return (w > 0 && w <= 320) || { width: w, sent: await layersSent() }; },
    'a small tile gets a small layer');
  const small = await width();
  const framesSmall = (await received(mikhail, helen)).frames;
  await resize(1280, 960);
  await waitFor(async () => { const w = await width(); return w > small || { width: w, sent: await layersSent() }; },
    'a large tile gets a larger layer');
  await waitFor(async () => {
    const now = await received(mikhail, helen);
    return now.frames > framesSmall + 20 || now;
  }, 'the picture keeps decoding across the switches');
  const framesLarge = (await received(mikhail, helen)).frames;
  await resize(120, 90);
  await waitFor(async () => { const w = await width(); return w === small || { width: w, sent: await layersSent() }; },
    'the small layer again once the tile is small again');
  await waitFor(async () => {
    const now = await received(mikhail, helen);
    return now.frames > framesLarge + 20 || now;
  }, 'the picture keeps decoding after switching down');
  assert.ok(await switches() >= switchesBefore + 2, 'the server counted the layer switches');
  await mikhail.shot('call-simulcast.png');
});

test('admission: the call of a meeting days away is not open yet', async () => {
  const later = new Date(Date.now() + 3 * 86400e3);
  later.setUTCHours(15, 0, 0, 0);
  const eastNeg = server.cli('east-neg');
  const westNeg = server.cli('west-neg');
  const m = eastNeg.run(['create', '--with', 'west', '--title', 'Later call', '--start', utc(later), '--duration', '60',
    '--roster', 'Mikhail Orlov:leader', '--roster', 'Helen Brooks:leader', '--language', 'ru,en', '--agenda', 'Later',
    '--announce-text', 'Later.', '--announce-at', 'on_agreement', '--set', 'format="video"', '--predecessor', 'none']);
  westNeg.run(['accept', m.id, '--all']);
  eastNeg.run(['sign', m.id]);
  westNeg.run(['sign', m.id]);
  // Helen is on that roster too; the refusal comes from the time alone.
  const probe = await people.helen.page.context().newPage();
  await probe.goto(`${server.url}/call#${m.id}`);
  await probe.waitForFunction(() => document.getElementById('preview').srcObject);
  await probe.click('#join');
  await probe.locator('#notice.error').waitFor();
  assert.match(await probe.locator('#notice').textContent(), /not open yet/);
  await probe.close();
});

test('admission: a member not on the signed roster is refused before anything is created', async () => {
  const { page } = people.outsider;
  await page.goto(`${server.url}/call#${meeting}`);
  await page.waitForFunction(() => document.getElementById('preview').srcObject);
  await page.click('#join');
  await page.locator('#notice.error').waitFor();
  assert.match(await page.locator('#notice').textContent(), /not on this meeting's signed roster/);
  assert.equal(await page.locator('#in-call').isVisible(), false);
});

// The media server at its limit (docs/media.md §Behaviour at the limit),
// played by the test on Olga's WebSocket: her first call.join is answered
// with media_saturated and goes no further. The page says so as a warning,
// not a final refusal, and joins again by itself after its back-off; that
// join reaches the real server and gets her in.
test('a join refused because the media server is at its limit is tried again by itself', async () => {
  const { olga, helen } = people;
  const joins = [];
  await olga.page.routeWebSocket(/\/api\/v1\/live$/, (ws) => {
    const real = ws.connectToServer();
    real.onMessage((text) => ws.send(text));
    ws.onMessage((text) => {
      const msg = JSON.parse(text);
      if (msg.type === 'call.join') {
        joins.push(msg);
        if (joins.length === 1) {
          ws.send(JSON.stringify({ type: 'call.error', meeting: msg.meeting, code: 'media_saturated',
            message: 'the media server carrying this meeting is at its limit and cannot take another participant now (those in the call go on); try again in a few seconds' }));
          return;
        }
      }
      real.send(text);
    });
  });
  // Olga's page is still the call page she left: a reload (the same URL
  // would only change the hash) opens a new WebSocket, through the route.
  await olga.page.goto(`${server.url}/call#${meeting}`);
  await olga.page.reload();
  await olga.page.waitForFunction(() => document.getElementById('preview').srcObject);
  await olga.page.click('#join');
  await olga.page.locator('#notice.warn').waitFor();
  assert.match(await olga.page.locator('#notice').textContent(), /media server is at its limit.*Trying again in \d+ s/);
  assert.equal(await olga.page.locator('#in-call').isVisible(), false);
  assert.equal(await olga.page.locator('#join').isDisabled(), true, 'still trying: no Join button to press');
  await olga.page.locator('#in-call').waitFor({ timeout: 20000 });
  assert.equal(joins.length, 2, 'one refusal, then the join that got in');
  assert.equal(await olga.page.evaluate(() => window.parleyCall.saturatedRefusals), 1);
  assert.equal(await olga.page.locator('#notice').textContent(), '', 'the refusal\'s notice is gone');
  await waitFor(async () => {
    const r = await received(olga, helen);
    return (r.frames > 5 && r.audio > 5) || r;
  }, 'Olga receives Helen once in');
  assert.deepEqual(olga.errors, [], 'no script errors');
});
