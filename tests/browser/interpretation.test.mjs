// Simultaneous interpretation under end-to-end encryption (issue 8;
// docs/protocol.md §Interpretation, docs/web.md §Interpretation).
//
// Six Chromium participants, each microphone replaced by a WebAudio tone of
// its own frequency (well apart, none a harmonic of another): the leaders
// on the floor at 440 and 620 Hz, the two interpreters of the Russian ↔
// English booth at 1000 and 1330 Hz. What a listener hears is measured in
// their page, on the call page's own final mix (window.parleyCall.audio.output),
// with AnalyserNodes sampled every 20 ms into a timeline that the test reads;
// times are page times (performance.now), from the click event to the first
// sample past the threshold, so the test's own delays do not count.
//
// - a listener on the English channel hears the live interpreter loudly and
//   the floor turned down to the chosen level (25%: −12 dB); a listener on
//   the floor hears no channel;
// - choosing a channel is heard within 300 ms of the click;
// - a hand-over between the booth's two interpreters leaves no gap over 300 ms;
// - a change of direction moves the interpreter's voice from the English
//   channel to the Russian one;
// - an aide not named as an interpreter is refused (not_interpreter), both
//   going on air and joining with a channel track;
// - the server's own counters (GET /api/v1/meetings/{id}/call) show that no
//   channel went to anyone who did not choose it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { agreedCall, enrollPeople, joinCall as openAndJoin, twoDelegations, waitUntil, serverTail } from './harness.mjs';

const TONES = [440, 620, 1000, 1330];
const FREQ = { mikhail: 440, helen: 620, olga: 1000, anna: 1330 };
const SWITCH_BOUND = 300;  // ms, the issue's bound for a channel switch and a hand-over gap
const DUCK = 0.25;         // the page's default level of the original under a channel

let server;
const people = {};
let meeting;

before(async () => {
  let eastNeg, westNeg;
  ({ server, eastNeg, westNeg } = await twoDelegations());
  Object.assign(people, await enrollPeople(server, 'interp', [
    ['mikhail', 'east', 'Mikhail Orlov', 'leader'], ['helen', 'west', 'Helen Brooks', 'leader'],
    ['olga', 'east', 'Olga Ivanova', 'interpreter'], ['anna', 'west', 'Anna Petrova', 'interpreter'],
    ['peter', 'west', 'Peter Hall', 'aide'], ['sergei', 'east', 'Sergei Pavlov', 'aide']]));
  meeting = agreedCall(eastNeg, westNeg, 'Interpreted call',
    ['Mikhail Orlov:leader', 'Helen Brooks:leader', 'Olga Ivanova:interpreter', 'Anna Petrova:interpreter',
      'Peter Hall:aide', 'Sergei Pavlov:aide'],
    ['--interpreter', 'Olga Ivanova:ru-en', '--interpreter', 'Anna Petrova:ru-en']);
  for (const [key, p] of Object.entries(people)) await p.context.addInitScript(toneScript, { freq: FREQ[key] || 0 });
});

after(async () => {
  for (const p of Object.values(people)) await p.close();
  if (server) assert.equal(await server.stop(), 0);
});

// Runs in each page before its scripts: getUserMedia gives a constant tone
// (OscillatorNode → MediaStreamDestination) as the microphone, or silence
// for freq 0, and no camera: six browsers encoding and decoding each
// other's video would starve two cores, and the timings measured here would
// be the machine's (the call page works with a microphone alone). The
// tone's context may only start with a user gesture: the Join click resumes
// it. Clicks are timestamped for the latency measurements.
function toneScript({ freq }) {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  let ctx = null;
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await real(constraints);
    if (!stream.getAudioTracks().length) return stream;
    if (!ctx) ctx = new AudioContext();
    const dest = ctx.createMediaStreamDestination();
    if (freq) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      const gain = ctx.createGain();
      gain.gain.value = 0.2;
      osc.connect(gain).connect(dest);
      osc.start();
    }
    for (const t of stream.getTracks()) {
      stream.removeTrack(t);
      t.stop();
    }
    stream.addTrack(dest.stream.getAudioTracks()[0]);
    return stream;
  };
  window.__clicks = [];
  addEventListener('click', (ev) => {
    window.__clicks.push({ t: performance.now(), id: ev.target && ev.target.id });
    if (ctx && ctx.state !== 'running') ctx.resume();
  }, true);
}

// Installs the meter on a page in the call: two analysers on the page's
// final mix, one fine (8192 points, 5.9 Hz bins: levels) and one fast (2048
// points, a 43 ms window: onsets and gaps), each tone's level in dB (the
// max of its bin and the two neighbours), every 20 ms.
function installMeter(p) {
  return p.page.evaluate((tones) => {
    const { context, output } = window.parleyCall.audio;
    const make = (size) => {
      const a = context.createAnalyser();
      a.fftSize = size;
      a.smoothingTimeConstant = 0;
      output.connect(a);
      return { a, buf: new Float32Array(a.frequencyBinCount) };
    };
    const fine = make(8192);
    const fast = make(2048);
    const level = ({ a, buf }, f) => {
      const bin = Math.round((f * a.fftSize) / context.sampleRate);
      let m = -200;
      for (let i = bin - 1; i <= bin + 1; i++) if (buf[i] > m) m = buf[i];
      return Math.round(m * 10) / 10;
    };
    const samples = [];
    window.__meter = { samples, sampleRate: context.sampleRate, state: () => context.state };
    setInterval(() => {
      fine.a.getFloatFrequencyData(fine.buf);
      fast.a.getFloatFrequencyData(fast.buf);
      samples.push({ t: performance.now(), fine: tones.map((f) => level(fine, f)), fast: tones.map((f) => level(fast, f)) });
    }, 20);
  }, TONES);
}

// Where the time of a switch goes, page side: the request sent, the
// server's state message back, the first channel packet (estimated from
// getStats: the last packet's arrival time less 20 ms per packet counted
// since), and the first frame the receiver handed to playout
// (getSynchronizationSources), all from the click, for the failure message.
function traceSwitch(p) {
  return p.page.evaluate(() => {
    const trace = [];
    window.__trace = trace;
    const ws = window.parleyCall.ws;
    const send = ws.send.bind(ws);
    ws.send = (text) => {
      if (/call\.listen/.test(text)) trace.push({ what: 'listen-sent', t: performance.now() });
      send(text);
    };
    ws.addEventListener('message', (ev) => {
      if (/call\.interpretation/.test(ev.data)) trace.push({ what: 'state-back', t: performance.now() });
    });
    const receiver = window.parleyCall.pc.getReceivers().find((r) => r.track.kind === 'audio' &&
      document.querySelector('#channel-audio audio')?.srcObject?.getTracks().includes(r.track));
    if (!receiver) return;
    const before = receiver.getSynchronizationSources().map((s) => s.timestamp);
    let packets = null;
    let base = null;  // packets received before the click
    const end = performance.now() + 3000;
    const poll = async () => {
      const played = receiver.getSynchronizationSources().filter((s) => !before.includes(s.timestamp));
      if (played.length && !trace.some((e) => e.what === 'playout')) {
        trace.push({ what: 'playout', t: played[0].timestamp - performance.timeOrigin });
      }
      if (packets === null) {
        const stats = await receiver.getStats();
        const r = [...stats.values()].find((x) => x.type === 'inbound-rtp');
        const n = r ? r.packetsReceived : 0;
        if (base === null) base = n;
        else if (n > base) {
          packets = n - base;
          trace.push({ what: `first-packet(of ${packets})`, t: r.lastPacketReceivedTimestamp - performance.timeOrigin - 20 * (packets - 1) });
        }
      }
      if (performance.now() < end && (packets === null || !trace.some((e) => e.what === 'playout'))) setTimeout(poll, 5);
    };
    poll();
    // The receiver's jitter buffer over the 1.5 s after the click: average
    // delay of what it emitted, and what it concealed or stretched.
    const jb = async () => {
      const r = [...(await receiver.getStats()).values()].find((x) => x.type === 'inbound-rtp') || {};
      return { delay: r.jitterBufferDelay || 0, emitted: r.jitterBufferEmittedCount || 0, concealed: r.concealedSamples || 0,
        inserted: r.insertedSamplesForDeceleration || 0, removed: r.removedSamplesForAcceleration || 0, target: r.jitterBufferTargetDelay || 0 };
    };
    // From the click on (Playwright's click may come a while after this).
    addEventListener('click', () => jb().then((a) => setTimeout(async () => {
      const b = await jb();
      const n = b.emitted - a.emitted;
      trace.push({ what: `jb(avg ${n ? Math.round((1000 * (b.delay - a.delay)) / n) : '-'} ms, target ${n ? Math.round((1000 * (b.target - a.target)) / n) : '-'} ms, ` +
        `concealed ${b.concealed - a.concealed}, stretched +${b.inserted - a.inserted}/-${b.removed - a.removed})`, t: performance.now() });
    }, 1500)), { once: true, capture: true });
  });
}

const traced = (p, click) => p.page.evaluate((c) => window.__trace.sort((a, b) => a.t - b.t)
  .map((e) => `${e.what}@${(e.t - c).toFixed(0)}`).join(' '), click);

// The jitter buffers of a page's audio receivers (floor members and the
// channel), cumulative: jbAverages() of two snapshots gives each one's
// average target delay between them, in ms. A switch to a channel cannot
// be heard sooner than its receiver's buffer delay.
const jbSnapshot = (p) => p.page.evaluate(async () => {
  const out = {};
  const channel = document.querySelector('#channel-audio audio')?.srcObject?.getTracks() || [];
  for (const r of window.parleyCall.pc.getReceivers()) {
    if (r.track.kind !== 'audio') continue;
    const s = [...(await r.getStats()).values()].find((x) => x.type === 'inbound-rtp');
    if (!s) continue;
    const key = channel.includes(r.track) ? 'channel' : (window.parleyCall.participants.get(window.parleyCall.trackOwner.get(r.track.id))?.name || 'other');
    out[key] = { target: s.jitterBufferTargetDelay || 0, delay: s.jitterBufferDelay || 0, emitted: s.jitterBufferEmittedCount || 0 };
  }
  return out;
});
const jbAverages = (a, b) => Object.fromEntries(Object.keys(b).filter((k) => a[k] && b[k].emitted > a[k].emitted)
  .map((k) => [k, `${Math.round((1000 * (b[k].target - a[k].target)) / (b[k].emitted - a[k].emitted))} ms`]));

const pageNow = (p) => p.page.evaluate(() => performance.now());
const samplesOf = (p, from, to = Infinity) => p.page.evaluate(([a, b]) => window.__meter.samples.filter((s) => s.t >= a && s.t <= b), [from, to === Infinity ? 1e15 : to]);
const lastClick = (p, id) => p.page.evaluate((id) => [...window.__clicks].reverse().find((c) => c.id === id)?.t, id);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : -200;
};
// Median level of each tone (fine analyser) over the last `ms` of the timeline.
async function levels(p, ms = 1000) {
  const t = await pageNow(p);
  const s = await samplesOf(p, t - ms, t);
  return Object.fromEntries(TONES.map((f, i) => [f, median(s.map((x) => x.fine[i]))]));
}
const show = (l) => TONES.map((f) => `${f} Hz ${l[f].toFixed(1)} dB`).join(', ');

const waitFor = (fn, what, ms) => waitUntil(fn, what, { ms, every: 200, diagnose: async () => {
  const notices = await Promise.all(Object.values(people).map(async (p) => `${p.name}: ${await p.page.locator('#notice').textContent().catch(() => '?')}`));
  return `${notices.join('\n')}\n${serverTail(server, 15)}`;
} });
const settle = (ms) => new Promise((r) => setTimeout(r, ms));

// The first sample after `from` where tone `i` (fast analyser) passes
// `above` (or drops under it with `below`), in ms after `from`; null if none.
function firstCrossing(samples, i, from, threshold, below = false) {
  const s = samples.find((x) => x.t >= from && (below ? x.fast[i] < threshold : x.fast[i] > threshold));
  return s ? s.t - from : null;
}

// The longest stretch of the timeline in which none of the tones `idx` is
// above `threshold`: from the last sample above before it to the first
// sample above after it.
function longestGap(samples, idx, threshold) {
  let lastAbove = null;
  let longest = 0;
  let at = null;
  for (const s of samples) {
    if (idx.some((i) => s.fast[i] > threshold)) {
      if (lastAbove !== null && s.t - lastAbove > longest) {
        longest = s.t - lastAbove;
        at = lastAbove;
      }
      lastAbove = s.t;
    }
  }
  return { longest, at };
}

async function callCounters(p) {
  return p.page.evaluate(async (id) => {
    const res = await fetch(`/api/v1/meetings/${encodeURIComponent(id)}/call`,
      { headers: { Authorization: `Bearer ${sessionStorage.getItem('parley.session')}` } });
    return { status: res.status, body: await res.json().catch(() => null) };
  }, meeting);
}

// What the test measured, printed at the end whatever happened.
const figures = {};
// The timing bounds are checked at the end, so that one late switch does
// not hide the rest of the behaviour (and its figures); the bound itself is
// the issue's and is not relaxed.
const late = [];
function bound(what, ms, detail = '') {
  if (ms === null || !(ms < SWITCH_BOUND)) late.push(`${what}: ${ms === null ? 'never' : `${Math.round(ms)} ms`} ${detail}`.trim());
}

test('interpretation: channels, ducking, switching, hand-over, direction, refusals, server counters', async () => {
  const { mikhail, helen, olga, anna, peter, sergei } = people;
  const all = [mikhail, helen, olga, anna, peter, sergei];
  for (const p of all) await openAndJoin(server, meeting, p);
  for (const p of [peter, sergei]) await installMeter(p);  // the two who are measured

  // The panels follow the terms: interpreters get their booth, everyone
  // else the choice of what to hear (the floor by default).
  for (const p of [olga, anna]) await p.page.locator('.booth[data-pair="ru en"]').waitFor();
  for (const p of [mikhail, helen, peter, sergei]) assert.equal(await p.page.locator('#listen-floor').isChecked(), true);
  assert.equal(await olga.page.locator('#into-0-en').getAttribute('aria-pressed'), 'true', 'into English by default');

  // The listeners hear both leaders on the floor.
  for (const p of [peter, sergei]) {
    await waitFor(async () => {
      const l = await levels(p, 500);
      return (l[440] > -70 && l[620] > -70) || { ...l, context: await p.page.evaluate(() => window.__meter.state()) };
    }, `${p.name} hears both leaders`);
  }

  // Olga goes on air into English.
  await olga.page.click('#on-air-toggle-0');
  await olga.page.locator('#on-air-0[data-on-air="true"][data-language="en"]').waitFor();
  assert.match(await olga.page.locator('#on-air-0').textContent(), /ON AIR — into English/);
  for (const p of [peter, sergei, anna]) {
    await waitFor(async () => (await p.page.evaluate(() => window.parleyCall.interp.channelState('en')?.live)) === olga.member || 'not yet',
      `${p.name} sees Olga live into English`);
  }
  await peter.page.locator('.listen-choice[data-language="en"][data-live="true"]').waitFor();
  assert.match(await peter.page.locator('#listen-en-state').textContent(), /Olga Ivanova live/);

  // Baseline on the floor: Peter and Sergei hear both leaders and no channel
  // (Olga's tone is 40 dB or more under the leaders').
  await settle(1200);
  const floorPeter = await levels(peter);
  const floorSergei = await levels(sergei);
  figures.floorPeter = show(floorPeter);
  figures.floorSergei = show(floorSergei);
  for (const [who, l] of [['Peter', floorPeter], ['Sergei', floorSergei]]) {
    assert.ok(l[1000] < Math.min(l[440], l[620]) - 40 && l[1330] < Math.min(l[440], l[620]) - 40,
      `${who} on the floor hears no channel: ${show(l)}`);
  }
  const fastFloor = median((await samplesOf(peter, (await pageNow(peter)) - 1000)).map((s) => s.fast[0]));
  const onset = fastFloor - 20;  // a tone of the leaders' loudness is "heard" 20 dB under it

  // Peter chooses English: Olga's tone within the bound of the click.
  await traceSwitch(peter);
  await peter.page.click('#listen-en');
  const clickEn = await lastClick(peter, 'listen-en');
  await waitFor(async () => (await levels(peter, 300))[1000] > onset || await levels(peter, 300), 'Peter hears the English channel');
  figures.switchToEn = firstCrossing(await samplesOf(peter, clickEn), 2, clickEn, onset);
  await settle(600);  // the trace's jitter-buffer figures
  figures.switchToEnTrace = await traced(peter, clickEn);
  const jbBefore = await jbSnapshot(peter);
  await settle(1200);
  figures.jitterTargetsOnEn = jbAverages(jbBefore, await jbSnapshot(peter));
  const enPeter = await levels(peter);
  // For comparison with the hand-over: the longest dropout of the channel
  // in that steady second, with nothing changing (what the machine's load
  // alone does to the sound).
  figures.steadyGap = Math.round(longestGap(await samplesOf(peter, (await pageNow(peter)) - 1000), [2], fastFloor - 20).longest);
  figures.enPeter = show(enPeter);
  figures.duck440 = enPeter[440] - floorPeter[440];
  figures.duck620 = enPeter[620] - floorPeter[620];
  const expected = 20 * Math.log10(DUCK);
  assert.ok(enPeter[1000] > Math.max(enPeter[440], enPeter[620]) + 6, `the channel is louder than the floor: ${show(enPeter)}`);
  assert.ok(enPeter[1000] > floorPeter[440] - 6, `the channel is heard at full level: ${show(enPeter)} vs floor ${show(floorPeter)}`);
  for (const f of [440, 620])
    assert.ok(Math.abs(enPeter[f] - floorPeter[f] - expected) < 3,
      `the floor at ${f} Hz is turned down by ${expected.toFixed(1)} dB ± 3 under the channel: ${(enPeter[f] - floorPeter[f]).toFixed(1)} dB`);
  bound('the English channel heard after the click', figures.switchToEn, `(${figures.switchToEnTrace})`);
  // Sergei stays on the floor and still hears no channel.
  const stillFloor = await levels(sergei);
  assert.ok(stillFloor[1000] < stillFloor[440] - 40, `Sergei (floor) hears no channel while Peter listens to one: ${show(stillFloor)}`);

  // What the others see: who interprets into which language, who hears what.
  await waitFor(async () => {
    const olgaTile = await mikhail.page.locator(`.tile[data-member="${olga.member}"] .interp-label`).textContent().catch(() => '');
    const peterTile = await mikhail.page.locator(`.tile[data-member="${peter.member}"] .interp-label`).textContent().catch(() => '');
    return (/interpreting into English, on air/.test(olgaTile) && /hears English/.test(peterTile)) || { olgaTile, peterTile };
  }, 'the tiles say who interprets and who hears what');
  await waitFor(async () => /^Floor: (Mikhail Orlov|Helen Brooks)$/.test(await olga.page.locator('.floor-speaker').textContent()) ||
    await olga.page.locator('.floor-speaker').textContent(), 'the interpreter sees the floor speaker');
  await peter.shot('interpretation-listener.png');
  await olga.shot('interpretation-interpreter.png');

  // "Mute original": the floor goes silent under the channel, and comes back.
  await peter.page.click('#original-mute');
  await waitFor(async () => {
    const l = await levels(peter, 300);
    return (l[440] < floorPeter[440] - 40 && l[1000] > onset) || l;
  }, 'Mute original silences the floor, the channel stays');
  await peter.page.click('#original-mute');
  await waitFor(async () => {
    const l = await levels(peter, 300);
    return Math.abs(l[440] - floorPeter[440] - expected) < 3 || l;
  }, 'the original back at its level');

  // Hand-over: Anna takes over from Olga; Peter hears no gap over the bound.
  await anna.page.getByRole('button', { name: 'Take over from Olga Ivanova' }).waitFor();
  const beforeHandOver = await pageNow(peter);
  await anna.page.click('#on-air-toggle-0');
  await waitFor(async () => {
    const l = await levels(peter, 300);
    return (l[1330] > onset && l[1000] < onset - 20) || l;
  }, 'Peter hears Anna instead of Olga on the English channel');
  await settle(500);
  const handOver = longestGap(await samplesOf(peter, beforeHandOver - 500), [2, 3], onset);
  figures.handOverGap = Math.round(handOver.longest);
  await anna.page.locator('#on-air-0[data-on-air="true"][data-language="en"]').waitFor();
  await olga.page.locator('#on-air-0[data-on-air="false"]').waitFor();
  bound('the longest gap of the hand-over', handOver.longest, `(with nothing changing, the channel's longest dropout was ${figures.steadyGap} ms)`);
  await anna.shot('interpretation-handover.png');

  // Change of direction: one click, Anna now into Russian. Peter (English)
  // loses her and gets the floor back at full volume (nobody is live into
  // English); choosing Russian brings her back within the bound.
  await anna.page.click('#into-0-ru');
  await anna.page.locator('#on-air-0[data-on-air="true"][data-language="ru"]').waitFor();
  await waitFor(async () => {
    const l = await levels(peter, 300);
    return (l[1330] < onset - 20 && Math.abs(l[440] - floorPeter[440]) < 3) || l;
  }, 'Peter on English no longer hears Anna, and the floor is at full volume again');
  await traceSwitch(peter);
  await peter.page.click('#listen-ru');
  const clickRu = await lastClick(peter, 'listen-ru');
  await waitFor(async () => (await levels(peter, 300))[1330] > onset || await levels(peter, 300), 'Peter hears Anna on the Russian channel');
  figures.switchToRu = firstCrossing(await samplesOf(peter, clickRu), 3, clickRu, onset);
  await settle(1600);
  figures.switchToRuTrace = await traced(peter, clickRu);
  bound('the Russian channel heard after the click', figures.switchToRu, `(${figures.switchToRuTrace})`);
  // Back to the floor: the channel goes at once.
  await peter.page.click('#listen-floor');
  const clickFloor = await lastClick(peter, 'listen-floor');
  await waitFor(async () => (await levels(peter, 300))[1330] < onset - 20 || await levels(peter, 300), 'Peter back on the floor');
  figures.switchToFloor = firstCrossing(await samplesOf(peter, clickFloor), 3, clickFloor, onset, true);
  bound('the channel gone after choosing the floor', figures.switchToFloor);

  // The server's own counts: channels went only to those who chose them
  // (Peter chose English and Russian; Mikhail, Helen and Sergei never chose).
  const counters = await callCounters(sergei);
  figures.counters = counters.body;
  assert.equal(counters.status, 200, JSON.stringify(counters));
  const byMember = new Map(counters.body.participants.map((p) => [p.member, p]));
  for (const p of [mikhail, helen, sergei]) {
    const c = byMember.get(p.member);
    assert.ok(c, `${p.name} is counted`);
    assert.equal(c.interpreter, false);
    assert.deepEqual(Object.entries(c.received).filter(([, n]) => n !== 0), [],
      `${p.name} never chose a channel and received none: ${JSON.stringify(c)}`);
  }
  const pc = byMember.get(peter.member);
  assert.ok(pc.received.en > 0 && pc.received.ru > 0, `Peter received the channels he chose: ${JSON.stringify(pc)}`);
  assert.deepEqual(Object.entries(pc.received).filter(([lang, n]) => n !== 0 && !['en', 'ru'].includes(lang)), []);
  assert.equal(pc.listening, null, 'Peter is back on the floor');
  for (const p of [olga, anna]) assert.equal(byMember.get(p.member)?.interpreter, true, `${p.name} is counted as an interpreter`);
  const ru = counters.body.channels.find((c) => c.language === 'ru');
  assert.equal(ru.live, anna.member);
  // Every channel frame Peter heard was end-to-end encrypted by a named
  // interpreter (the page refuses any other voice in a channel): nothing
  // refused, no security warning.
  const e2ee = await peter.page.evaluate(() => window.parleyCall.e2ee.stats().then((m) => m.counts));
  figures.e2eePeter = e2ee;
  assert.ok(e2ee.decrypted > 0 && e2ee.failed === 0 && !e2ee.notInterpreter, `Peter's decryption: ${JSON.stringify(e2ee)}`);
  for (const p of all) assert.equal(await p.page.locator('#e2ee-warnings').isVisible(), false, `${p.name}: no security warning`);

  // An aide not named as an interpreter: going on air and joining with a
  // channel track are both refused with not_interpreter.
  const interpret = await sergei.page.evaluate((id) => new Promise((resolve) => {
    const ws = window.parleyCall.ws;
    const timer = setTimeout(() => resolve({ type: 'timeout' }), 10000);
    const on = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type !== 'call.error') return;
      clearTimeout(timer);
      ws.removeEventListener('message', on);
      resolve(m);
    };
    ws.addEventListener('message', on);
    ws.send(JSON.stringify({ type: 'call.interpret', meeting: id, pair: ['ru', 'en'], into: 'en', on_air: true }));
  }), meeting);
  assert.equal(interpret.code, 'not_interpreter', `call.interpret from an aide: ${JSON.stringify(interpret)}`);
  assert.match(await sergei.page.locator('#notice').textContent(), /not named in the signed terms as an interpreter/);
  assert.equal(await sergei.page.evaluate(() => document.getElementById('call-state').dataset.reconnecting || ''), '',
    'a refusal in the call starts no reconnection');
  // The join comes from a second connection of his, as another tab would.
  const joinWithChannel = await sergei.page.evaluate(async (id) => {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    const ctx = new AudioContext();
    const t = pc.addTransceiver(ctx.createMediaStreamDestination().stream.getAudioTracks()[0], { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const ws = new WebSocket(`ws://${location.host}/api/v1/live`);
    const result = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ type: 'timeout' }), 10000);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: sessionStorage.getItem('parley.session') }));
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        if (m.type === 'authenticated') ws.send(JSON.stringify({ type: 'call.join', meeting: id, offer: pc.localDescription.sdp, channel_mid: t.mid }));
        else if (m.type === 'call.error' || m.type === 'call.joined') {
          clearTimeout(timer);
          resolve({ type: m.type, code: m.code, message: m.message });
        }
      };
    });
    ws.close();
    pc.close();
    ctx.close();
    return result;
  }, meeting);
  assert.equal(joinWithChannel.code, 'not_interpreter', `call.join with channel_mid from an aide: ${JSON.stringify(joinWithChannel)}`);
  // A refused join is refused "before anything is created" (docs/protocol.md
  // §Calls): it must not have cost him the place he already had.
  await settle(1000);
  const stillThere = await mikhail.page.evaluate((m) => window.parleyCall.participants.has(m), sergei.member);
  const recount = await callCounters(mikhail);
  assert.ok(stillThere && recount.body.participants.some((p) => p.member === sergei.member),
    `the refused join left Sergei's place in the call alone (in Mikhail's participant list: ${stillThere}; counted by the server: ` +
    `${recount.body.participants.some((p) => p.member === sergei.member)})`);
  for (const p of all) assert.deepEqual(p.errors, [], `${p.name}: no script errors`);
  assert.deepEqual(late, [], `within ${SWITCH_BOUND} ms (jitter-buffer targets on the English channel: ${JSON.stringify(figures.jitterTargetsOnEn)})`);
});

after(() => {
  console.log(`interpretation figures: ${JSON.stringify({ ...figures, counters: undefined, late }, null, 1)}`);
});
