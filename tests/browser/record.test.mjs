// The record of the talks in the browser (docs/record.md, docs/web.md §The
// record of the talks): two delegations in a call keep the record — a
// session opened and closed, a minute, a statement, an assurance drafted by
// East's rapporteur, signed by East's leader and acknowledged by West's —
// both cosign the checkpoint and the record is FINAL; the exported record
// verifies in the verify page and with `parley verify`; readouts and a
// joint statement appear on the public announcements page with proofs that
// verify. Then a compromised server shows one member a checkpoint of
// another history, or an older one: the page refuses to cosign and says so.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, PARLEY, Person, agreedCall, enrollPeople, fillSteady, joinCall, twoDelegations, waitUntil } from './harness.mjs';
import { canonicalize } from '../../web/js/canonical.js';
import { fromBase64url, sha256Hex, toHex, utf8 } from '../../web/js/encoding.js';
import { MerkleTree } from '../../web/js/merkle.js';
import { formatCheckpoint, formatNote, parseNote, addNoteSignature } from '../../web/js/signed-note.js';

let server;
const people = {};
let reader;     // an unenrolled browser: the public
let meeting;
let exported;   // path of the record downloaded from the page
let negotiators;
let publicationLink;  // the announcements page's Verify link of the joint statement
const TWO_HISTORIES = 'The server showed two different histories of this meeting — not cosigned';

before(async () => {
  let eastNeg, westNeg;
  ({ server, eastNeg, westNeg } = await twoDelegations());
  Object.assign(people, await enrollPeople(server, 'record', [['mikhail', 'east', 'Mikhail Orlov', 'leader'],
    ['anna', 'east', 'Anna Petrova', 'rapporteur'], ['helen', 'west', 'Helen Brooks', 'leader']]));
  reader = await Person.open('record-reader');
  meeting = agreedCall(eastNeg, westNeg, 'Talks on the record',
    ['Mikhail Orlov:leader', 'Anna Petrova:rapporteur', 'Helen Brooks:leader']);
  negotiators = { eastNeg, westNeg };
  // Confirmation dialogs (publishing a readout, countersigning) are accepted.
  for (const p of Object.values(people)) p.page.on('dialog', (d) => d.accept());
});

after(async () => {
  for (const p of [...Object.values(people), reader]) if (p) await p.close();
  if (server) assert.equal(await server.stop(), 0);
});

const waitFor = (fn, what, ms) => waitUntil(fn, what, { ms, diagnose: async () => {
  const notices = await Promise.all(Object.values(people).map(async (p) =>
    `${p.name}: ${await p.page.evaluate(() => [...document.querySelectorAll('#notice, #record-notice, #record-error, #cosign-refused')].map((n) => n.textContent).join(' | '))}`));
  return notices.join('\n');
} });

const panel = (p) => p.page.locator('#record-panel');

// Inputs, selects, textareas and buttons without a label (as negotiation.test.mjs).
function unlabelledControls(page, within) {
  return page.evaluate((sel) => [...document.querySelectorAll(`${sel} input, ${sel} select, ${sel} textarea, ${sel} button`)]
    .filter((el) => {
      const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      return !(labelled || (el.tagName === 'BUTTON' && el.textContent.trim()));
    }).map((el) => el.outerHTML.slice(0, 160)), within);
}
const panelLength = async (p) => Number((await panel(p).getAttribute('data-length')) || 0);

// Waits until every page's panel shows the record at `length` acts at least.
async function allSee(length, what) {
  for (const p of [people.mikhail, people.anna, people.helen])
    await waitFor(async () => (await panelLength(p)) >= length || { [p.name]: await panelLength(p) }, `${p.name} sees ${what}`);
}

test('in the call: session, minute, statement, an assurance drafted, signed and acknowledged', async () => {
  const { mikhail, anna, helen } = people;
  for (const p of [mikhail, anna, helen]) {
    await joinCall(server, meeting, p);
    await panel(p).locator('#record-session').waitFor();
  }
  // Only what each role allows is offered.
  assert.equal(await helen.page.locator('#minute-form').count(), 0, 'a leader records no minutes');
  assert.equal(await anna.page.locator('#minute-form').count(), 1, 'the rapporteur does');
  assert.deepEqual(await anna.page.locator('#statement-speaker option').allTextContents(), ['Mikhail Orlov', 'Anna Petrova (you)'],
    'East\'s rapporteur records statements for East\'s members only');
  assert.equal(await helen.page.locator('#assurance-sign').isVisible(), true, 'a leader may sign an assurance for her own party');
  await waitFor(async () => (await anna.page.locator('#record-session').textContent()).includes('Helen Brooks') || 'not yet', 'all three in the call');
  for (const p of [mikhail, anna, helen]) assert.deepEqual(await unlabelledControls(p.page, '#record-panel'), [], `${p.name}: every control labelled`);

  const start = await panelLength(anna);
  await anna.page.click('#session-open');
  await allSee(start + 1, 'the session opened');
  for (const p of [mikhail, helen]) assert.equal(await panel(p).getAttribute('data-session'), 'open');

  await anna.page.selectOption('#minute-item', '0');
  await fillSteady(anna.page.locator('#minute-text'), 'The parties reviewed the agenda and agreed to proceed.');
  await anna.page.click('#minute-submit');
  await fillSteady(helen.page.locator('#statement-text'), 'We welcome the opportunity to talk.');
  await helen.page.click('#statement-submit');
  await allSee(start + 3, 'the minute and the statement');
  assert.match(await mikhail.page.locator('#record-feed').textContent(), /We welcome the opportunity to talk\./);

  // Anna drafts an assurance for East to give; only East's leader may sign it.
  await anna.page.selectOption('#assurance-giver', 'east');
  await fillSteady(anna.page.locator('#assurance-text'), 'East will share the inspection schedule before 1 March.');
  await fillSteady(anna.page.locator('#assurance-scope'), 'Inspection schedule for the northern sites');
  await anna.page.click('#assurance-draft');
  await allSee(start + 4, 'the draft');
  assert.equal(await anna.page.locator('.draft .sign-draft').count(), 0, 'a rapporteur cannot sign the assurance');
  assert.equal(await helen.page.locator('.draft .sign-draft').count(), 0, 'the other side cannot sign it');
  await mikhail.page.locator('.draft .sign-draft').click();
  await allSee(start + 5, 'the assurance');
  // West sees it appear and acknowledges it.
  await helen.page.locator('.assurance[data-acknowledged="false"] .acknowledge').click();
  await allSee(start + 6, 'the acknowledgement');
  await waitFor(async () => (await mikhail.page.locator('.assurance[data-acknowledged="true"]').count()) === 1 || 'not yet',
    'East sees the acknowledgement');
  assert.match(await mikhail.page.locator('.assurance .ack').textContent(), /Acknowledged by Helen Brooks/);
  await anna.shot('record-call.png');

  await anna.page.click('#session-close');
  await allSee(start + 7, 'the session closed');
  assert.equal(await panel(helen).getAttribute('data-session'), 'closed');
  for (const p of [mikhail, anna, helen]) await p.page.click('#leave');
  assert.deepEqual([...mikhail.errors, ...anna.errors, ...helen.errors], []);
});

// Opens the meeting page and waits for its verified record.
async function meetingPage(p) {
  await p.page.goto('about:blank');  // a fresh page, even when it showed this meeting already
  await p.page.goto(`${server.url}/app#/meeting/${meeting}`);
  await p.page.locator('#record #record-checkpoint').waitFor();
}

test('both parties cosign: FINAL; the record exports, prints and verifies', async () => {
  const { mikhail, helen } = people;
  await meetingPage(mikhail);
  await meetingPage(helen);
  assert.equal(await mikhail.page.locator('#record-final').textContent(), 'not final');
  await mikhail.page.click('#cosign');
  await mikhail.page.locator('#record-cosigned li[data-party="east"]:not([data-size="0"])').waitFor();
  await helen.page.locator('#record-cosigned li[data-party="east"]:not([data-size="0"])').waitFor();  // pushed live
  await helen.page.click('#cosign');
  for (const p of [mikhail, helen]) {
    await waitFor(async () => (await p.page.locator('#record-final').textContent()) === 'FINAL' || 'not final', `${p.name} sees FINAL`);
  }
  assert.equal(await mikhail.page.locator('#cosign-refused').count(), 0);
  assert.deepEqual(await unlabelledControls(mikhail.page, '#record'), [], 'every control of the record section labelled');
  await mikhail.shot('record-meeting.png');
  // On a phone-sized screen the record section does not scroll sideways.
  await mikhail.page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await mikhail.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 0, 'no sideways scrolling at 390 px');
  await mikhail.page.setViewportSize({ width: 1280, height: 800 });

  // The record as one JSON file.
  const [download] = await Promise.all([mikhail.page.waitForEvent('download'), mikhail.page.click('#record-export')]);
  exported = path.join(server.tmp, `${meeting}.parley-record.json`);
  await download.saveAs(exported);
  const doc = JSON.parse(fs.readFileSync(exported, 'utf8'));
  assert.equal(doc.type, 'parley.record/1');
  assert.equal(doc.final, true);

  // The printable page: every entry with signer, party, role, time and
  // fingerprint; the final checkpoint with its two cosigners.
  const print = mikhail.page;
  await print.goto(`${server.url}/record-print#${meeting}`);
  await print.locator('body[data-ready="true"]').waitFor();
  assert.equal(await print.locator('#print-final').textContent(), 'FINAL');
  const rows = await print.locator('#print-entries tbody tr').count();
  assert.equal(rows, 7, 'seven entries');
  const minute = await print.locator('#print-entries tr[data-kind="minute"] td').allTextContents();
  assert.equal(minute[2], 'Anna Petrova');
  assert.equal(minute[3], 'Eastern Delegation');
  assert.equal(minute[4], 'rapporteur');
  assert.match(minute[6], /^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$/);
  assert.equal(await print.locator('#print-cosigners tbody tr').count(), 2);
  await mikhail.shot('record-print.png');

  // The verify page, with the file dropped in and the parties' keys (the
  // negotiators who signed the terms) pasted as the trust.
  const keys = doc.members.filter((m) => ['Irina Sokolova', 'James Carter'].includes(m.name)).map((m) => `${m.party}=${m.key}`);
  await reader.page.goto(`${server.url}/verify`);
  await reader.page.fill('#verify-party-keys', keys.join('\n'));
  await reader.page.setInputFiles('#verify-file', exported);
  await waitFor(async () => /Verified|refused|not/i.test(await reader.page.locator('#verify-verdict').textContent()) || 'no verdict', 'a verdict');
  const verdict = await reader.page.locator('#verify-verdict').textContent();
  assert.match(verdict, /^Verified\. FINAL/, verdict);

  // And offline with the CLI, the parties' keys pinned from the terms.
  const out = execFileSync(PARLEY, ['verify', exported, ...keys.flatMap((k) => ['--party-key', k]), '--require-final'], { encoding: 'utf8' });
  assert.match(out, /FINAL/);
  assert.doesNotMatch(out, /NOT FINAL/);
});

test('readouts and a joint statement are published and verify on the announcements page', async () => {
  const { mikhail, helen } = people;
  await meetingPage(mikhail);
  await meetingPage(helen);
  await fillSteady(mikhail.page.locator('#readout-text'), 'The Eastern Delegation held constructive talks.');
  await mikhail.page.click('#readout-submit');
  await mikhail.page.locator('.readout[data-party="east"][data-published="true"]').waitFor();
  await fillSteady(helen.page.locator('#readout-text'), 'The Western Delegation raised inspections.');
  await helen.page.click('#readout-submit');
  await helen.page.locator('.readout[data-party="west"][data-published="true"]').waitFor();
  await fillSteady(helen.page.locator('#joint-text'), 'Both delegations will meet again in spring.');
  await helen.page.click('#joint-submit');
  await helen.page.locator('.joint[data-countersigned="false"]').waitFor();
  await waitFor(async () => (await mikhail.page.locator('.joint[data-countersigned="false"] .countersign').count()) === 1
    || await mikhail.page.evaluate(() => document.getElementById('record')?.dataset.length), 'East sees the joint statement');
  await mikhail.page.locator('.joint[data-countersigned="false"] .countersign').click();
  await helen.page.locator('.joint[data-countersigned="true"]').waitFor();

  await reader.page.goto(`${server.url}/announcements`);
  const card = reader.page.locator(`article[data-meeting="${meeting}"]`);
  await card.locator('.publication').first().waitFor();
  await waitFor(async () => (await card.locator('.publication[data-verified="true"]').count()) === 3
    || await card.locator('.publication').evaluateAll((l) => l.map((x) => x.textContent)), 'three publications verified');
  assert.deepEqual(await card.locator('.publication').evaluateAll((l) => l.map((x) => x.dataset.kind)).then((k) => k.sort()),
    ['joint_statement', 'readout', 'readout']);
  await reader.shot('record-announcements.png');
  // Each publication's "Verify" link names its own excerpt.
  const joint = card.locator('.publication[data-kind="joint_statement"]');
  const jointHash = await joint.getAttribute('data-hash');
  publicationLink = await joint.locator('a', { hasText: 'Verify' }).getAttribute('href');
  assert.equal(publicationLink, `/verify?excerpt=${encodeURIComponent(`/public/meetings/${meeting}/publications/${jointHash}/excerpt`)}`);
  // The verify page checks each excerpt, given as a file.
  const list = await (await fetch(`${server.url}/public/meetings/${meeting}/publications`)).json();
  const jointItem = list.publications.find((p) => p.kind === 'joint_statement');
  assert.equal(jointItem.hash, jointHash);
  const file = path.join(server.tmp, 'joint-statement.parley-excerpt.json');
  fs.writeFileSync(file, JSON.stringify(jointItem.excerpt));
  await reader.page.goto(`${server.url}/verify`);
  await reader.page.setInputFiles('#verify-file', file);
  await waitFor(async () => /Verified|refused|could not/i.test(await reader.page.locator('#verify-verdict').textContent()) || 'no verdict', 'the excerpt\'s verdict');
  assert.match(await reader.page.locator('#verify-verdict').textContent(), /^Verified\. These 2 entries are signed/);
  assert.match(await reader.page.content(), /Both delegations will meet again in spring\./);
});

test('the Verify link opens the verify page on the publication\'s excerpt', async () => {
  await reader.page.goto(server.url + publicationLink);
  await waitFor(async () => /Verified|refused|could not/i.test(await reader.page.locator('#verify-verdict').textContent()) || 'no verdict', 'the excerpt\'s verdict');
  const verdict = await reader.page.locator('#verify-verdict').textContent();
  assert.match(verdict, /^Verified\. These 2 entries are signed/, verdict);
  assert.match(await reader.page.content(), /Both delegations will meet again in spring\./);
});

test('a rapporteur corrects her minute: the latest text is shown, the original kept', async () => {
  const { anna, helen } = people;
  await meetingPage(anna);
  await meetingPage(helen);
  const minute = anna.page.locator('#record-entries .entry[data-kind="minute"]');
  assert.equal(await helen.page.locator('#record-entries .entry[data-kind="minute"] details').count(), 0, 'West cannot correct East\'s minute');
  await minute.locator('summary').click();
  await fillSteady(minute.locator('textarea').first(), 'The parties reviewed the agenda, added an item, and agreed to proceed.');
  await fillSteady(minute.locator('textarea').nth(1), 'An item was added.');
  await minute.locator('button', { hasText: 'Sign the correction' }).click();
  const seen = helen.page.locator('#record-entries .entry[data-kind="minute"] .entry-text');
  await waitFor(async () => /added an item/.test(await seen.textContent()) || await seen.textContent(), 'West sees the corrected minute');
  assert.match(await helen.page.locator('#record-entries .entry[data-kind="minute"]').textContent(), /Corrected 1 time \(latest: An item was added\.\)/);
});

// --- A compromised server

// The log's signing key, as the server keeps it: the test plays a server
// whose key is in an attacker's hands.
async function logSigner() {
  const seed = execFileSync('sqlite3', [path.join(server.dataDir, 'parley.db'), "SELECT value FROM settings WHERE name = 'log_key'"],
    { encoding: 'utf8' }).trim();
  const prefix = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(prefix);
  pkcs8.set(fromBase64url(seed), 16);
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
}

// Whether the page POSTed a cosignature while `fn` ran.
async function cosignaturesPosted(page, fn) {
  const posted = [];
  const listener = (req) => { if (req.method() === 'POST' && req.url().endsWith('/cosignatures')) posted.push(req.url()); };
  page.on('request', listener);
  try {
    await fn();
  } finally {
    page.off('request', listener);
  }
  return posted;
}

test('a server that shows two histories: the page refuses to cosign and says so', async () => {
  const { mikhail, anna } = people;
  // Anna, who has not cosigned yet, sees the meeting page and its
  // checkpoints (those both parties cosigned among them): she remembers them.
  await meetingPage(anna);
  const record = await anna.page.evaluate(async (id) => (await fetch(`/api/v1/meetings/${id}/record`,
    { headers: { Authorization: `Bearer ${sessionStorage.getItem('parley.session')}` } })).json(), meeting);
  const size = record.acts.length;

  // 1. Another history: the checkpoint the server now gives Anna is signed
  // with the log's real key, for the same number of acts, but over a log in
  // which West's readout says something else.
  const key = await logSigner();
  const forged = record.acts.map((env) => structuredClone(env));
  const readout = forged.find((e) => e.act.kind === 'readout' && e.act.body.text.startsWith('The Western'));
  readout.act.body.text = 'The Western Delegation walked out.';
  const tree = new MerkleTree();
  await tree.append(forged.map((env) => utf8(canonicalize(env))));
  const root = await tree.root(size);
  const text = formatCheckpoint({ origin: record.origin, size, root });
  const note = formatNote(await addNoteSignature({ text, signatures: [] }, record.origin, key, fromBase64url(record.log_key)));
  await anna.page.route(/\/api\/v1\/meetings\/[^/]+\/checkpoint(\?.*)?$/, (route) => route.fulfill({
    status: 200, contentType: 'application/json',
    body: JSON.stringify({ checkpoint: note, size, root: toHex(root), consistency: [] }),
  }));
  let posted = await cosignaturesPosted(anna.page, async () => {
    await anna.page.click('#cosign');
    await anna.page.locator('#cosign-refused').waitFor();
  });
  assert.deepEqual(posted, [], 'nothing was signed');
  assert.equal(await anna.page.locator('#cosign-refused').getAttribute('data-forked'), 'true');
  assert.match(await anna.page.locator('#cosign-refused').textContent(), new RegExp(TWO_HISTORIES));
  await anna.shot('record-refused.png');
  await anna.page.unroute(/\/api\/v1\/meetings\/[^/]+\/checkpoint(\?.*)?$/);

  // 2. Going back: Mikhail cosigned the checkpoint at the end of the
  // session; the server now shows him, signed with its real key, the true
  // checkpoint of the log one act shorter, as if the session had never
  // been closed.
  await meetingPage(mikhail);
  const cosigned = Number(parseNote(record.checkpoints.find((c) => /\/member\//.test(c.note)).note).text.split('\n')[1]);
  const older = cosigned - 1;
  const honest = new MerkleTree();
  await honest.append(record.acts.slice(0, older).map((env) => utf8(canonicalize(env))));
  const oldRoot = await honest.root(older);
  const oldNote = formatNote(await addNoteSignature({ text: formatCheckpoint({ origin: record.origin, size: older, root: oldRoot }), signatures: [] },
    record.origin, key, fromBase64url(record.log_key)));
  await mikhail.page.route(/\/api\/v1\/meetings\/[^/]+\/checkpoint(\?.*)?$/, (route) => route.fulfill({
    status: 200, contentType: 'application/json',
    body: JSON.stringify({ checkpoint: oldNote, size: older, root: toHex(oldRoot), consistency: [] }),
  }));
  posted = await cosignaturesPosted(mikhail.page, async () => {
    await mikhail.page.click('#cosign');
    await mikhail.page.locator('#cosign-refused').waitFor();
  });
  assert.deepEqual(posted, []);
  assert.match(await mikhail.page.locator('#cosign-refused').textContent(), new RegExp(TWO_HISTORIES));
  await mikhail.page.unrouteAll();
  fs.copyFileSync(exported, path.join(ARTIFACTS, 'record-example.parley-record.json'));
});

test('the next meeting shows the previous one\'s open assurances and records their status', async () => {
  const { mikhail, helen } = people;
  const { eastNeg, westNeg } = negotiators;
  const start = new Date(Date.now() + 7 * 86400e3);
  start.setUTCSeconds(0, 0);
  const next = eastNeg.run(['create', '--with', 'west', '--title', 'Talks on the record, continued', '--start', start.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    '--duration', '60', '--roster', 'Mikhail Orlov:leader', '--roster', 'Anna Petrova:rapporteur', '--roster', 'Helen Brooks:leader',
    '--language', 'ru,en', '--agenda', 'What was promised', '--announce-text', 'The talks go on.', '--announce-at', 'on_agreement',
    '--set', 'format="video"', '--predecessor', meeting]).id;
  westNeg.run(['accept', next, '--all']);
  // Before the terms are signed, the agenda card lists what is still open.
  await helen.page.goto('about:blank');
  await helen.page.goto(`${server.url}/app#/meeting/${next}`);
  await helen.page.locator('#agenda-predecessor li').first().waitFor();
  assert.match(await helen.page.locator('#agenda-predecessor').textContent(), /East will share the inspection schedule before 1 March\./);
  eastNeg.run(['sign', next]);
  westNeg.run(['sign', next]);

  // Announced: a status can be recorded in the new meeting's record, naming
  // the original assurance by its hash.
  await mikhail.page.goto('about:blank');
  await mikhail.page.goto(`${server.url}/app#/meeting/${next}`);
  const card = mikhail.page.locator('#record-predecessor .predecessor-assurance').first();
  await card.waitFor();
  const hash = await card.getAttribute('data-hash');
  const original = JSON.parse(fs.readFileSync(exported, 'utf8')).acts.find((e) => e.act.kind === 'assurance');
  assert.equal(hash, await sha256Hex(canonicalize(original)), 'the assurance of the first meeting, by the hash of its envelope');
  await card.locator('select').selectOption('fulfilled');
  await fillSteady(card.locator('textarea'), 'The schedule was shared on 20 February.');
  await card.locator('button', { hasText: 'Sign and record the status' }).click();
  const settled = mikhail.page.locator(`#record-predecessor-settled .predecessor-assurance[data-hash="${hash}"][data-status="fulfilled"]`);
  await settled.waitFor({ state: 'attached' });
  const entry = mikhail.page.locator('#record-entries .entry[data-kind="assurance_status"]');
  await entry.waitFor();
  assert.match(await entry.textContent(), /fulfilled/);
  // West sees it live, on its own page of the new meeting.
  await helen.page.goto('about:blank');
  await helen.page.goto(`${server.url}/app#/meeting/${next}`);
  await helen.page.locator(`#record-predecessor-settled .predecessor-assurance[data-hash="${hash}"][data-status="fulfilled"]`).waitFor({ state: 'attached' });
  assert.equal(await helen.page.locator('#agenda-predecessor li').count(), 0, 'nothing left open');
});
