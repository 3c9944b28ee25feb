// Regenerates the Chromium offers used by the sdp unit tests and the fuzz
// seeds. Run from the repository root:
//   node tests/unit/sdp/data/capture-chromium-offers.mjs
// It opens Debian's Chromium headless through playwright-core (launch flags as
// in tests/browser/harness.mjs), creates RTCPeerConnections with the fake
// camera and microphone on a page that is never fetched from anywhere, calls
// createOffer, and writes each offer's SDP byte for byte (CRLF line ends, as
// the browser produced it) to chromium-<name>.sdp beside this script.
//
// With --check PATH/TO/sdp_tool (built from tests/unit/sdp) it lets Chromium
// judge the server's side instead: each fresh offer is
// answered by the sdp module and applied with setRemoteDescription, then the
// server's renegotiation offers (tracks added, one stopped) are applied and
// answered, and the sdp module takes Chromium's answers. Any rejection on
// either side fails the run. The server's candidate is 127.0.0.1:9. The
// simulcast publisher's round trip is kept as chromium-check-offer.sdp (the
// client's offer) and chromium-check-answer-to-server-offer.sdp (its answer
// to the server's offer after "add,add,stop"), which the unit tests replay.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection'];

// Runs in the page. Each scenario returns the offer's SDP (or, when
// checking, what happened to the server's answer and offers).
async function scenarios(check) {
  async function media() {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  }
  let saved = null;  // one client offer and its answer to the last server offer
  async function serverRoundTrips(pc, offer, keep) {
    const log = [];
    const streams = new Set();
    pc.ontrack = (e) => e.streams.forEach((s) => streams.add(s.id));
    await pc.setLocalDescription(offer);
    const answer = await window.sdpTool(['answer'], offer.sdp);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    const layers = pc.getTransceivers().map((t) => t.sender.getParameters().encodings.length);
    log.push(`answer applied; directions ${pc.getTransceivers().map((t) => t.currentDirection).join(',')}; ` +
             `send encodings ${layers.join(',')}`);
    for (const steps of ['add', 'add,add', 'add,add,stop']) {
      const serverOffer = await window.sdpTool(['reoffer', steps], offer.sdp);
      await pc.setRemoteDescription({ type: 'offer', sdp: serverOffer });
      const reply = await pc.createAnswer();
      await pc.setLocalDescription(reply);
      const agreed = await window.sdpTool(['apply', steps], offer.sdp, reply.sdp);
      if (keep) saved = { offer: offer.sdp, steps, answer: reply.sdp };
      log.push(`server offer [${steps}] answered; directions ` +
               `${pc.getTransceivers().map((t) => t.currentDirection).join(',')}; server agreed:\n    ` +
               agreed.trim().split('\n').join('\n    '));
    }
    log.push(`remote streams ${[...streams].join(',')}`);
    return log.join('\n  ');
  }
  async function offerOf(pc, keep = false) {
    const offer = await pc.createOffer();
    const result = check ? await serverRoundTrips(pc, offer, keep) : offer.sdp;
    pc.close();
    return result;
  }
  const out = {};

  // A publisher: one microphone and one camera track, sendrecv.
  {
    const stream = await media();
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    for (const t of stream.getTracks()) pc.addTrack(t, stream);
    out['publish-audio-video'] = await offerOf(pc);
  }

  // A publisher sending the camera as three simulcast layers (rid q/h/f).
  {
    const stream = await media();
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly', streams: [stream] });
    pc.addTransceiver(stream.getVideoTracks()[0], {
      direction: 'sendonly',
      streams: [stream],
      sendEncodings: [
        { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
        { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
        { rid: 'f', maxBitrate: 1500000 },
      ],
    });
    out['publish-simulcast'] = await offerOf(pc, true);
  }

  // A subscriber that only receives: two recvonly transceivers.
  {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
    out['subscribe-recvonly'] = await offerOf(pc);
  }

  // The default policy (balanced) with a data channel: an m=application
  // section the server rejects, and a candidate gathered before the offer.
  {
    const stream = await media();
    const pc = new RTCPeerConnection();
    for (const t of stream.getTracks()) pc.addTrack(t, stream);
    pc.createDataChannel('chat');
    if (check) {
      out['publish-with-datachannel'] = await offerOf(pc);
    } else {
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
        setTimeout(resolve, 3000);
      });
      out['publish-with-datachannel'] = pc.localDescription.sdp;
      pc.close();
    }
  }

  // Video codecs reordered so that H264 comes first (setCodecPreferences).
  {
    const stream = await media();
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    const tr = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendrecv', streams: [stream] });
    const codecs = RTCRtpReceiver.getCapabilities('video').codecs;
    const h264 = codecs.filter((c) => c.mimeType === 'video/H264');
    const rest = codecs.filter((c) => c.mimeType !== 'video/H264');
    tr.setCodecPreferences([...h264, ...rest]);
    out['publish-h264-first'] = await offerOf(pc);
  }
  if (check) out.saved = saved;
  return out;
}

const checkAt = process.argv.indexOf('--check');
const tool = checkAt > 0 ? path.resolve(process.argv[checkAt + 1] || '') : null;
if (tool && !fs.existsSync(tool)) throw new Error(`no sdp_tool at ${tool}`);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-sdp-capture-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ARGS,
});
try {
  const page = context.pages()[0] || (await context.newPage());
  // http://localhost is a secure context (getUserMedia) without a server:
  // the request is answered here, never sent.
  await page.route('http://localhost/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>sdp</title>' }));
  if (tool) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-sdp-check-'));
    // sdp_tool <cmd> OFFER [STEPS [ANSWER]]; its stderr becomes the error.
    await page.exposeFunction('sdpTool', (args, offer, answer) => {
      fs.writeFileSync(path.join(work, 'offer.sdp'), offer);
      const argv = [args[0], path.join(work, 'offer.sdp'), ...args.slice(1)];
      if (answer !== undefined) {
        fs.writeFileSync(path.join(work, 'answer.sdp'), answer);
        argv.push(path.join(work, 'answer.sdp'));
      }
      return execFileSync(tool, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    });
  }
  await page.goto('http://localhost/capture');
  const offers = await page.evaluate(scenarios, Boolean(tool));
  const version = context.browser() ? context.browser().version() : 'unknown';
  if (tool) {
    // The simulcast publisher's last round trip, kept for the unit tests.
    const { saved } = offers;
    delete offers.saved;
    fs.writeFileSync(path.join(here, 'chromium-check-offer.sdp'), saved.offer);
    fs.writeFileSync(path.join(here, 'chromium-check-answer-to-server-offer.sdp'), saved.answer);
    console.log(`wrote chromium-check-*.sdp (server offer after "${saved.steps}")`);
    for (const [name, log] of Object.entries(offers)) console.log(`${name}:\n  ${log}`);
    console.log(`chromium ${version} accepted every answer and offer of the sdp module`);
  }
  for (const [name, sdp] of Object.entries(tool ? {} : offers)) {
    const file = path.join(here, `chromium-${name}.sdp`);
    fs.writeFileSync(file, sdp);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${sdp.length} bytes)`);
  }
  console.log(`chromium ${version}`);
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
