// Signature compatibility: what Chromium signs (WebCrypto Ed25519 over
// canonical JSON from web/js/canonical.js) verifies in the C++ server and
// in `parley verify`; what the CLI signs (libsodium over json::canonicalize)
// verifies in the browser. Strings are chosen to stress canonical form:
// non-ASCII, astral characters, quotes, backslashes, U+2028, newline, tab.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, PARLEY, Person, Server, enrollInBrowser, inDays } from './harness.mjs';

let server;
let east;
let west;
const TITLE = 'Caf\u00e9 \u00abtalks\u00bb "quoted" \\back\\slash \ud83d\ude00 \u4e2d\u6587 </script> \u2028end';
const AGENDA = ['\u00c9chelon \u2014 "one"', 'tab\\t is not a tab, \\u0041 is not A', '\ud83c\udde9\ud83c\uddea flags \u05e2\u05d1\u05e8\u05d9\u05ea'];
const ANNOUNCEMENT = 'Line one\n\tindented line two \u2013 \u201cquotes\u201d';

before(async () => {
  server = await new Server().start();
  server.party('east', 'Eastern Delegation', 'Europe/Moscow');
  server.party('west', 'Western Delegation', 'America/New_York');
  west = server.cli('west');
  west.enroll('west', 'James Carter', 'negotiator');
  east = await Person.open('east-sig');
});

after(async () => {
  if (east) await east.close();
  if (server) assert.equal(await server.stop(), 0);
});

test('Chromium and the C++ code sign and verify the same bytes', async () => {
  const eastId = await enrollInBrowser(east, server, server.invite('east', 'Irina Sokolova', 'negotiator'));
  const { page } = east;

  // Browser-signed create act, typed into the page.
  await page.goto(`${server.url}/app#/new`);
  await page.getByLabel('Title').fill(TITLE);
  await page.getByLabel('Other delegation').selectOption('west');
  await page.getByRole('button', { name: 'Open the negotiation' }).click();
  await page.locator('#meeting').waitFor();
  const meeting = /#\/meeting\/(.+)$/.exec(page.url())[1];
  assert.equal(await page.locator('#param-title .value').textContent(), TITLE);

  // CLI-signed proposals with the same kind of strings.
  west.run(['propose', meeting, ...AGENDA.flatMap((a) => ['--agenda', a]), '--announce-text', ANNOUNCEMENT,
    '--announce-at', 'on_agreement', '--start', inDays(20)]);
  await page.locator('#param-agenda[data-rev="1"]').waitFor();
  assert.deepEqual(await page.locator('#param-agenda ol.value li').allTextContents(), AGENDA);

  // Browser-signed accepts on top of CLI-signed acts: each carries as `prev`
  // the hash the C++ server computed of the CLI's envelope.
  for (const p of ['agenda', 'announcement', 'start']) {
    await page.click(`#accept-${p}`);
    await page.locator(`#accept-${p}`).waitFor({ state: 'detached' });
  }

  // The C++ verifier, offline, on the whole log.
  const file = path.join(ARTIFACTS, 'signatures-export.json');
  west.run(['export', meeting, '-o', file], { json: false });
  const verdict = JSON.parse(execFileSync(PARLEY, ['--json', 'verify', file], { encoding: 'utf8' }));
  assert.equal(verdict.verified, true);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  const authors = doc.acts.map((a) => a.act.author);
  assert.ok(authors.includes(eastId) && authors.includes(west.member), 'the log mixes browser and CLI signatures');

  // The browser verifier on the same file: every signature and every chain
  // hash (JS canonical form of C++-made and browser-made envelopes) agrees.
  await page.goto(`${server.url}/verify`);
  const result = await page.evaluate(async (text) => {
    const { verifyExport } = await import('/js/verifier.js');
    return verifyExport(text);
  }, fs.readFileSync(file, 'utf8'));
  assert.equal(result.ok, true, result.error);
  assert.equal(result.acts.length, doc.acts.length);
  assert.ok(result.acts.every((a) => a.signatureOk));
  assert.equal(result.head, verdict.head);

  // A CLI act that was signed but not sent (--print-act), checked in the browser.
  const printed = JSON.parse(west.run(['--print-act', 'propose', meeting, '--title', `${TITLE} (rev)`], { json: false }));
  const checks = await page.evaluate(async ({ env, key }) => {
    const { verifyDocument } = await import('/js/identity.js');
    const tampered = structuredClone(env.act);
    tampered.body.value = tampered.body.value.replace('\u00e9', 'e\u0301');  // same look, other bytes
    return [await verifyDocument(key, env.act, env.signature), await verifyDocument(key, tampered, env.signature)];
  }, { env: printed, key: doc.members.find((m) => m.id === west.member).key });
  assert.deepEqual(checks, [true, false]);

  // And the reverse tampering: one changed character in a browser-signed act
  // makes `parley verify` refuse the log.
  const bad = structuredClone(doc);
  const create = bad.acts[0].act;
  assert.equal(create.author, eastId);
  create.body.proposals.title = create.body.proposals.title.replace('\u4e2d', '\u4e2e');
  const badFile = path.join(ARTIFACTS, 'signatures-export-tampered.json');
  fs.writeFileSync(badFile, JSON.stringify(bad));
  const r = spawnSync(PARLEY, ['verify', badFile], { encoding: 'utf8' });
  assert.equal(r.status, 4, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /bad_signature/);
  assert.deepEqual(east.errors, []);
});
