#!/usr/bin/env node
// e2ee_chromium: what end-to-end encryption costs a participant's browser,
// measured from the page. In Debian's Chromium, in a module Worker (as the
// call page's e2ee-worker.js runs), it times encryptFrame + decryptFrame of
// web/js/sframe-media.js (SFrame, RFC 9605, suite 4 AES_128_GCM_SHA256_128)
// at the frame sizes a call sends, and in the same run the reference: one
// WebCrypto AES-128-GCM encryption and decryption of the same bytes, with a
// fresh IV and an AAD as long as SFrame's, without SFrame. The ratio is the
// point: what the SFrame layer in JavaScript (header, KID lookup, nonce,
// counters, replay window, clear prefix and copies) adds to the cipher the
// browser gives it. bench/README.md explains the figures.
//
// Time is CPU time, not wall-clock: the renderer process's threads' run time
// from /proc/PID/task/*/schedstat (nanoseconds), before and after a round of
// N frames, divided by N. It counts the worker's JavaScript and WebCrypto's
// own threads (Chromium runs the cipher off the worker's thread) alike.
// SFrame and the reference alternate in rounds (ABBA order), each about
// --seconds of wall time, and the median round of each is reported, so that
// load that changes during the run hits both alike.
//
// No server: the script serves web/js and the bench page itself from a tiny
// HTTP server on 127.0.0.1 (a secure context, so WebCrypto works). As root,
// it runs inside a fresh loopback-only network namespace, as the browser
// tests do (--no-netns to skip).
//
//   node bench/e2ee_chromium.mjs [--rounds N] [--seconds S] [--json FILE] [--chromium PATH] [--no-netns]
//
// Needs Debian's chromium and playwright-core from the repository's
// node_modules (scripts/install-deps.sh --test). Exit status 0 unless
// something failed; no target is judged.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const WEB_JS = path.join(ROOT, 'web', 'js');

// The browser tests' flags (tests/browser/harness.mjs, docs: TESTING-NOTES);
// no media devices are needed here.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Frames of a call: an Opus 20 ms frame, a VP8 delta frame, a VP8 keyframe
// (640x480). `clear` is sframe-media.js's clear prefix for each.
const FRAMES = [
  { kind: 'opus', label: 'Opus', bytes: 100 },
  { kind: 'vp8-delta', label: 'VP8 delta', bytes: 1500 },
  { kind: 'vp8-key', label: 'VP8 key', bytes: 40000 },
];
// The per-second load the summary prices: 50 Opus frames (20 ms) and 30
// video frames a second, each encrypted once (sending) and decrypted once
// (receiving the same from one peer).
const AUDIO_FPS = 50;
const VIDEO_FPS = 30;

function usage(message) {
  if (message) console.error(`e2ee_chromium: ${message}`);
  console.error('usage: node bench/e2ee_chromium.mjs [--rounds N] [--seconds S] [--json FILE] [--chromium PATH] [--no-netns]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { rounds: 5, seconds: 0.5, json: null, chromium: process.env.PARLEY_CHROMIUM || '/usr/bin/chromium',
    netns: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--rounds') o.rounds = Number(value());
    else if (a === '--seconds') o.seconds = Number(value());
    else if (a === '--json') o.json = value();
    else if (a === '--chromium') o.chromium = value();
    else if (a === '--no-netns') o.netns = false;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1) usage('--rounds must be a positive integer');
  if (!(o.seconds > 0)) usage('--seconds must be positive');
  return o;
}

// ---------------------------------------------------------------- the page

const PAGE = `<!doctype html><meta charset="utf-8"><title>e2ee_chromium</title>
<script type="module">
  const worker = new Worker('/bench-worker.js', { type: 'module' });
  let waiting = null;
  worker.onmessage = (ev) => { const w = waiting; waiting = null; w.resolve(ev.data); };
  worker.onerror = (ev) => { const w = waiting; waiting = null; if (w) w.reject(new Error(ev.message || 'worker error')); };
  // One request at a time, answered by the worker.
  window.bench = (msg) => new Promise((resolve, reject) => { waiting = { resolve, reject }; worker.postMessage(msg); });
  window.benchReady = true;
</script>`;

// The measuring worker. `run` does n frames of one mode and size in a row,
// each awaited before the next, as an encoded transform handles its frames.
const WORKER = `
import { SFrameContext, encodeHeader } from '/web/js/sframe.js';
import { encryptFrame, decryptFrame, clearPrefixLength } from '/web/js/sframe-media.js';

const SUITE = 4;
const KID = 1 * 65536 + 3;   // roster position 1, epoch 3 (docs/e2ee-keys.md)
const subtle = crypto.subtle;
const state = {};

function makeFrame(kind, bytes) {
  const data = new Uint8Array(bytes);
  for (let off = 0; off < bytes; off += 65536) crypto.getRandomValues(data.subarray(off, Math.min(bytes, off + 65536)));
  // RFC 6386 §9.1: bit 0 of a VP8 frame's first byte is 0 on a keyframe.
  if (kind === 'vp8-key') data[0] &= 0xfe;
  if (kind === 'vp8-delta') data[0] |= 1;
  const codec = kind === 'opus' ? 'opus' : 'vp8';
  const type = kind === 'vp8-key' ? 'key' : kind === 'vp8-delta' ? 'delta' : undefined;
  return { codec, type, data: data.buffer };
}

async function setup({ frames }) {
  const key = crypto.getRandomValues(new Uint8Array(16));
  state.tx = await SFrameContext.create(SUITE, key, { usage: 'encrypt' });
  state.rx = await SFrameContext.create(SUITE, key, { usage: 'decrypt' });
  state.lookup = (kid) => (kid === KID ? state.rx : undefined);
  state.raw = await subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  state.iv = new Uint8Array(12);
  state.ivView = new DataView(state.iv.buffer);
  state.counter = 0;
  state.frames = {};
  const checks = {};
  for (const { kind, bytes } of frames) {
    const frame = makeFrame(kind, bytes);
    const clear = clearPrefixLength(frame);
    const data = new Uint8Array(frame.data);
    // The reference encrypts what SFrame encrypts (the frame after its clear
    // prefix), with an AAD as long as SFrame's (header || clear prefix).
    const aadLength = encodeHeader(KID, 1000).length + clear;
    state.frames[kind] = { frame, payload: data.subarray(clear), aad: data.slice(0, aadLength > data.length ? 0 : aadLength) };
    // Both ways give the frame back, once, before anything is timed.
    const enc = await encryptFrame(state.tx, KID, frame);
    const dec = await decryptFrame({ codec: frame.codec, type: frame.type, data: enc }, state.lookup);
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    checks[kind] = { clear, sframeBytes: enc.byteLength, sframeOk: same(new Uint8Array(dec.data), data),
      rawOk: same(await rawRoundTrip(kind), state.frames[kind].payload) };
  }
  return checks;
}

async function rawRoundTrip(kind) {
  const f = state.frames[kind];
  state.ivView.setUint32(8, ++state.counter);
  const params = { name: 'AES-GCM', iv: state.iv, additionalData: f.aad, tagLength: 128 };
  const ct = await subtle.encrypt(params, state.raw, f.payload);
  return new Uint8Array(await subtle.decrypt(params, state.raw, ct));
}

async function sframeRoundTrip(kind) {
  const { frame } = state.frames[kind];
  const enc = await encryptFrame(state.tx, KID, frame);
  return decryptFrame({ codec: frame.codec, type: frame.type, data: enc }, state.lookup);
}

async function run({ mode, kind, n }) {
  const step = mode === 'sframe' ? sframeRoundTrip : rawRoundTrip;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await step(kind);
  return { wallMs: performance.now() - t0 };
}

onmessage = async ({ data }) => {
  try {
    postMessage({ ok: true, ...(data.cmd === 'setup' ? { checks: await setup(data) } : await run(data)) });
  } catch (e) {
    postMessage({ ok: false, error: String(e && e.stack || e) });
  }
};
`;

// Serves the page, the worker and web/js/*.js on 127.0.0.1, port 0.
function startServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const send = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/') return send(200, 'text/html; charset=utf-8', PAGE);
    if (url.pathname === '/bench-worker.js') return send(200, 'text/javascript; charset=utf-8', WORKER);
    const m = /^\/web\/js\/([a-z0-9-]+\.js)$/.exec(url.pathname);
    if (m && fs.existsSync(path.join(WEB_JS, m[1]))) {
      return send(200, 'text/javascript; charset=utf-8', fs.readFileSync(path.join(WEB_JS, m[1])));
    }
    return send(404, 'text/plain', 'not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------- CPU time

function childrenOf(rootPid) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of kids.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(rootPid);
  return out;
}

function threadsOf(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

function threadName(pid, tid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

// Run time in ns of each live thread of `pid` (schedstat's first field).
function threadTimes(pid) {
  const out = new Map();
  for (const tid of threadsOf(pid)) {
    try {
      out.set(tid, Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // the thread ended
    }
  }
  return out;
}

// utime + stime of the whole process in ns (counts threads that ended too;
// 10 ms ticks), to cross-check the per-thread sum.
function processTicksNs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * (1e9 / 100);
}

// A sample of the renderer's CPU: per thread, and the process total.
function sample(pid) {
  return { threads: threadTimes(pid), ticksNs: processTicksNs(pid) };
}

// CPU ns between two samples: all threads (a thread that started in between
// counts from zero; one that ended is missing, which the tick total shows),
// and the worker's own thread.
function cpuBetween(a, b, workerTid) {
  let all = 0;
  for (const [tid, ns] of b.threads) all += ns - (a.threads.get(tid) ?? 0);
  const worker = workerTid ? (b.threads.get(workerTid) ?? 0) - (a.threads.get(workerTid) ?? 0) : 0;
  return { all, worker, ticks: b.ticksNs - a.ticksNs };
}

// ---------------------------------------------------------------- the run

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (x, digits = 1) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const fmtInt = (x) => Math.round(x).toLocaleString('en-US').replace(/,/g, ' ');

// The loopback-only namespace of the browser tests (tests/browser/run.sh):
// as root, re-run this script inside one.
function maybeReexecInNetns(options) {
  if (!options.netns || process.env.PARLEY_IN_NETNS || process.getuid?.() !== 0) return;
  if (spawnSync('unshare', ['-n', 'true']).status !== 0) return;
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && PARLEY_IN_NETNS=1 exec "$0" "$@"',
    process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  maybeReexecInNetns(options);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    console.error('e2ee_chromium: playwright-core is missing: run scripts/install-deps.sh --test (npm ci)');
    process.exit(1);
  }
  if (!fs.existsSync(options.chromium)) {
    console.error(`e2ee_chromium: no Chromium at ${options.chromium}: run scripts/install-deps.sh --test`);
    process.exit(1);
  }

  const server = await startServer();
  const url = `http://127.0.0.1:${server.address().port}/`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-e2ee-bench-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: options.chromium, headless: true, args: CHROMIUM_ARGS,
    });
    const page = context.pages()[0] || (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => window.benchReady === true);
    const call = async (msg) => {
      const r = await page.evaluate((m) => window.bench(m), msg);
      if (!r.ok) throw new Error(`the worker failed: ${r.error}`);
      return r;
    };

    const { checks } = await call({ cmd: 'setup', frames: FRAMES.map(({ kind, bytes }) => ({ kind, bytes })) });
    for (const f of FRAMES) {
      const c = checks[f.kind];
      if (!c.sframeOk || !c.rawOk) throw new Error(`${f.label}: a round trip did not give the frame back`);
    }
    const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)).match(/Chrome\/(\S+)/)?.[1];

    // The renderer that runs the page is the one whose threads include the
    // worker's; found by running a little work and looking for it.
    await call({ cmd: 'run', mode: 'sframe', kind: 'vp8-delta', n: 200 });
    const renderers = childrenOf(process.pid).filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
      } catch {
        return false;
      }
    });
    let pid = null;
    let workerTid = null;
    for (const r of renderers) {
      const t = threadsOf(r).find((tid) => threadName(r, tid).startsWith('DedicatedWorker'));
      if (t) {
        pid = r;
        workerTid = t;
        break;
      }
    }
    if (pid === null) {
      // No thread named after the worker: take the renderer that works.
      if (renderers.length === 0) throw new Error('no Chromium renderer process found under this one');
      const before = new Map(renderers.map((r) => [r, processTicksNs(r)]));
      await call({ cmd: 'run', mode: 'sframe', kind: 'vp8-delta', n: 2000 });
      pid = renderers.reduce((best, r) => (processTicksNs(r) - before.get(r) > processTicksNs(best) - before.get(best) ? r : best));
    }

    console.log(`e2ee_chromium: SFrame (web/js/sframe-media.js, suite 4) in a module Worker of Chromium ${version}, ` +
      'against WebCrypto AES-128-GCM of the same bytes');
    console.log(`CPU of the page's renderer process (pid ${pid}, all threads), median of ${options.rounds} rounds of ` +
      `~${options.seconds} s per mode; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ` +
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()})`);

    const results = [];
    for (const f of FRAMES) {
      // Warm both up (JIT, derived keys), then size a round to ~--seconds.
      const n = {};
      for (const mode of ['sframe', 'raw']) {
        let k = 50;
        let r = await call({ cmd: 'run', mode, kind: f.kind, n: k });
        while (r.wallMs < 100 && k < 1e7) {
          k *= 4;
          r = await call({ cmd: 'run', mode, kind: f.kind, n: k });
        }
        n[mode] = Math.max(20, Math.round((k * options.seconds * 1000) / r.wallMs));
      }
      const rounds = { sframe: [], raw: [] };
      for (let i = 0; i < options.rounds; i++) {
        for (const mode of i % 2 ? ['raw', 'sframe'] : ['sframe', 'raw']) {
          const a = sample(pid);
          const r = await call({ cmd: 'run', mode, kind: f.kind, n: n[mode] });
          const cpu = cpuBetween(a, sample(pid), workerTid);
          rounds[mode].push({ n: n[mode], cpuUs: cpu.all / 1e3 / n[mode], workerUs: cpu.worker / 1e3 / n[mode],
            ticksUs: cpu.ticks / 1e3 / n[mode], wallUs: (r.wallMs * 1e3) / n[mode] });
        }
      }
      const pick = (mode, key) => median(rounds[mode].map((x) => x[key]));
      const row = { kind: f.kind, label: f.label, bytes: f.bytes, clear: checks[f.kind].clear,
        sframeBytes: checks[f.kind].sframeBytes };
      for (const mode of ['sframe', 'raw']) {
        row[mode] = { cpuUs: pick(mode, 'cpuUs'), workerUs: pick(mode, 'workerUs'), ticksUs: pick(mode, 'ticksUs'),
          wallUs: pick(mode, 'wallUs'), framesPerCpuSecond: 1e6 / pick(mode, 'cpuUs'), rounds: rounds[mode] };
      }
      row.xRaw = row.sframe.cpuUs / row.raw.cpuUs;
      results.push(row);
    }

    // The table: CPU µs per frame (one encryption + one decryption), frames
    // per CPU-second, and the ratio of the CPU costs (SFrame / raw: 1.00
    // would mean SFrame adds nothing); right of | the part of it on the
    // worker's own thread and the wall time per frame in the worker, for
    // reading.
    const head = ['frame', 'bytes', 'SFrame µs/frame', 'frames/CPU-s', 'raw GCM µs/frame', 'frames/CPU-s', 'x raw',
      '|', 'worker thread µs SFrame/raw', 'wall µs SFrame/raw'];
    const lines = results.map((r) => [r.label, String(r.bytes), fmt(r.sframe.cpuUs), fmtInt(r.sframe.framesPerCpuSecond),
      fmt(r.raw.cpuUs), fmtInt(r.raw.framesPerCpuSecond), fmt(r.xRaw, 2), '|',
      `${fmt(r.sframe.workerUs)} / ${fmt(r.raw.workerUs)}`, `${fmt(r.sframe.wallUs)} / ${fmt(r.raw.wallUs)}`]);
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
    const out = (cells) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    console.log('');
    out(head);
    for (const l of lines) out(l);

    // The per-second cost of a call's frames as a share of one core.
    const byKind = Object.fromEntries(results.map((r) => [r.kind, r]));
    const load = (mode, keyframes) => AUDIO_FPS * byKind.opus[mode].cpuUs +
      (VIDEO_FPS - keyframes) * byKind['vp8-delta'][mode].cpuUs + keyframes * byKind['vp8-key'][mode].cpuUs;
    const summary = [];
    console.log('');
    for (const keyframes of [0, 1]) {
      const s = load('sframe', keyframes);
      const r = load('raw', keyframes);
      const what = `${AUDIO_FPS} Opus + ${VIDEO_FPS} VP8 frames/s${keyframes ? ' (one a keyframe)' : ' (all delta)'}`;
      console.log(`${what.padEnd(44)} each encrypted and decrypted once: SFrame ${fmtInt(s)} µs/s = ` +
        `${fmt(s / 1e4, 2)}% of one core; raw AES-GCM ${fmtInt(r)} µs/s = ${fmt(r / 1e4, 2)}%; ` +
        `SFrame's own share ${fmt((s - r) / 1e4, 2)}%`);
      summary.push({ audioFps: AUDIO_FPS, videoFps: VIDEO_FPS, keyframes, sframeUsPerSecond: s, rawUsPerSecond: r,
        sframeCorePercent: s / 1e4, rawCorePercent: r / 1e4 });
    }
    const maxTickGap = Math.max(...results.flatMap((r) => ['sframe', 'raw'].map((m) =>
      Math.abs(r[m].ticksUs - r[m].cpuUs) / r[m].cpuUs)));
    console.log(`(per-thread run time and the process's tick count agree within ${fmt(maxTickGap * 100, 0)}%)`);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);

    if (options.json) {
      fs.writeFileSync(options.json, JSON.stringify({ chromium: version, rounds: options.rounds, seconds: options.seconds,
        loadavg: os.loadavg(), cpus: os.cpus().length, frames: results, summary }, null, 2));
    }
  } finally {
    if (context) await context.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`e2ee_chromium: ${e.stack || e}`);
  process.exit(1);
});
