// The "Verify" page with records of the talks, in Chromium: a record with
// its trust file shows FINAL, who gave which assurance and who acknowledged
// it; without trust it says what is missing, and pasted PARTY=KEY lines
// supply it; a changed entry is refused by number; an excerpt and a series
// are verified; verify?excerpt= refuses another origin. The records are
// built in JavaScript (tests/web/record-builder.mjs): parleyd serves the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { Server, Person, ROOT } from './harness.mjs';
import { TestMeeting } from '../web/record-builder.mjs';

// The pages of this source tree, whichever build's parleyd serves them.
const server = new Server(['--web-root', path.join(ROOT, 'web')]);
let person;
let files;

function write(name, doc) {
  const f = path.join(server.tmp, name);
  fs.writeFileSync(f, JSON.stringify(doc, null, 1));
  return f;
}

before(async () => {
  await server.start();
  person = await Person.open('record-verifier');
  const m = await TestMeeting.create();
  const h = await m.talks();
  const record = await m.record([{ size: 13, cosigners: ['Anna'] }, { size: 23, cosigners: ['Anna', 'James'] },
    { size: m.length, cosigners: ['Irina', 'Rachel'] }], { final: true });
  const bad = structuredClone(record);
  bad.acts[15].act.body.text += '!';
  const second = await TestMeeting.create({ meeting: 'mtg_series_second_01', predecessor: m.meeting,
    t0: '2026-12-20T09:00:00Z', start: '2027-01-15T15:00:00Z' });
  await second.act('Irina', 'assurance_status', { assurance: h.assurance, meeting: m.meeting, status: 'in_dispute', note: 'Seen.' });
  files = {
    record: write('record.json', record), bad: write('bad.json', bad), trust: write('trust.json', m.trust()),
    excerpt: write('excerpt.json', await m.excerpt([25, 26], m.length, ['Irina', 'James'])),
    second: write('second.json', await second.record()),
    keys: `east=${m.who('Irina').key}\nwest=${m.who('James').key}`,
  };
});

after(async () => {
  await person?.close();
  await server.stop();
});

const verdict = () => person.page.locator('#verify-verdict');
async function settled() {
  await person.page.waitForFunction(() => !/^Checking|^Fetching|^$/.test(document.querySelector('#verify-verdict').textContent));
  return verdict().textContent();
}

test('a record: trust missing, then given as a file, then pasted; a changed entry refused', async () => {
  const { page } = person;
  await page.goto(`${server.url}/verify`);
  await page.locator('#verify-file').setInputFiles([files.record]);
  assert.match(await settled(), /not verified: no trust was given/);
  assert.equal(await verdict().getAttribute('class'), 'notice warn');

  await page.getByLabel('A trust file (parley.trust/1, from parley record pin)').setInputFiles([files.trust]);
  await page.locator('#verify-verdict.ok').waitFor();
  assert.match(await verdict().textContent(), /^Verified\. FINAL All 28 acts/);
  const report = await page.locator('#record-report').textContent();
  assert.match(report, /Western Delegation assures Eastern Delegation:/);
  assert.match(report, /as received by Irina Sokolova \(Eastern Delegation, negotiator\) at 2026-11-01 09:18:00 UTC/);
  assert.match(report, /Countersigned by Helen Brooks/);
  assert.equal(await page.locator('#record-report tr[data-seq]').count(), 16);
  await person.shot('record-verify.png');

  await page.locator('#verify-file').setInputFiles([files.bad]);
  await page.locator('#verify-verdict.error').waitFor();
  assert.match(await verdict().textContent(), /This record does NOT verify\. Act 16 is refused: .*code bad_signature/);

  // The same record with the keys pasted instead of a trust file.
  await page.goto(`${server.url}/verify`);
  await page.getByLabel('Or each party\'s key, one PARTY=KEY per line').fill(files.keys);
  await page.locator('#verify-file').setInputFiles([files.record]);
  await page.locator('#verify-verdict.ok', { hasText: 'FINAL' }).waitFor();
  assert.deepEqual(person.errors, []);
});

test('an excerpt, a series dropped in any order with its trust, and verify?excerpt= from elsewhere', async () => {
  const { page } = person;
  await page.goto(`${server.url}/verify`);
  await page.locator('#verify-file').setInputFiles([files.excerpt]);
  await page.locator('#verify-verdict.ok').waitFor();
  assert.match(await verdict().textContent(), /These 2 entries are signed .* which both parties cosigned\. No trust was given/);
  assert.match(await page.locator('#record-report').textContent(), /countersigned by Helen Brooks \(Western Delegation\) in act 27/);

  await page.locator('#verify-file').setInputFiles([files.second, files.trust, files.record]);
  // The excerpt's verdict was already "ok": wait for the series' own.
  await page.locator('#verify-verdict.ok', { hasText: 'records follow one another' }).waitFor();
  assert.match(await verdict().textContent(), /2 records follow one another \(mtg_record_test_0001 → mtg_series_second_01\)/);
  assert.match(await page.locator('#record-report').textContent(), /in dispute — Irina Sokolova/);

  await page.goto(`${server.url}/verify?excerpt=${encodeURIComponent('https://elsewhere.example/x.json')}`);
  assert.match(await settled(), /Only excerpts from this server are fetched/);
  await page.goto(`${server.url}/verify?excerpt=/no/such/excerpt`);
  assert.match(await settled(), /could not be fetched: the server answered 404/);
  assert.deepEqual(person.errors, []);
});
