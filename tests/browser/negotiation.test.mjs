// Two delegations negotiate a meeting in two browsers, from enrollment to
// both signatures and the public announcement; a third browser, never
// enrolled, sees nothing of the meeting until it is announced.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ARTIFACTS, PARLEY, Person, Server, enrollInBrowser } from './harness.mjs';

let server;
let east;  // Irina Sokolova, east's negotiator, in Chromium
let west;  // James Carter, west's negotiator, in Chromium
let outsider;  // an unenrolled browser
const TITLE = 'Leaders\u2019 video call on strategic stability';

before(async () => {
  server = await new Server().start();
  server.party('east', 'Eastern Delegation', 'Europe/Moscow');
  server.party('west', 'Western Delegation', 'America/New_York');
  // Members who use the CLI: they only need to exist for the roster.
  server.cli('mikhail').enroll('east', 'Mikhail Orlov', 'leader');
  server.cli('olga').enroll('east', 'Olga Ivanova', 'interpreter');
  server.cli('helen').enroll('west', 'Helen Brooks', 'leader');
  [east, west, outsider] = await Promise.all([Person.open('east'), Person.open('west'), Person.open('outsider')]);
});

after(async () => {
  for (const p of [east, west, outsider]) if (p) await p.close();
  if (server) {
    const code = await server.stop();
    assert.equal(code, 0, 'parleyd exits cleanly');
  }
});

function dateIn(days, hour) {
  const d = new Date(Date.now() + days * 86400e3);
  return `${d.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00`;
}

async function propose(person, param, fill) {
  const { page } = person;
  await page.click(`#propose-${param}`);
  const form = page.locator(`#editor-${param}`);
  await form.waitFor();
  await fill(form, page);
  const rev = Number(await page.locator(`#param-${param}`).getAttribute('data-rev'));
  await page.click(`#submit-${param}`);
  await page.locator(`#param-${param}[data-rev="${rev + 1}"]`).waitFor();
  await page.locator(`#editor-${param}`).waitFor({ state: 'detached' });
}

async function acceptAll(person, params) {
  for (const param of params) {
    await person.page.click(`#accept-${param}`);
    await person.page.locator(`#accept-${param}`).waitFor({ state: 'detached' });
  }
}

function unlabelledControls(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => {
      const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      return !(labelled || (el.tagName === 'BUTTON' && el.textContent.trim()));
    }).map((el) => el.outerHTML.slice(0, 160)));
}

// Everything a non-member can fetch without a session.
async function publicSurface(person) {
  const { page } = person;
  const bodies = [];
  for (const p of ['/', '/app', '/announcements', '/verify', '/public/announcements', '/public/announcements.atom',
    '/js/app.js', '/js/meeting.js', '/js/announcements.js', '/css/parley.css']) {
    const r = await page.request.get(server.url + p);
    bodies.push(`${p} ${r.status()}\n${await r.text()}`);
  }
  await page.goto(`${server.url}/announcements`);
  await page.waitForLoadState('networkidle');
  bodies.push(await page.content());
  return bodies.join('\n');
}

test('two delegations negotiate, sign and announce in the browser', async () => {
  // --- enrollment, each in its own browser with its own key
  const eastCode = server.invite('east', 'Irina Sokolova', 'negotiator');
  const westCode = server.invite('west', 'James Carter', 'negotiator');
  await east.page.goto(`${server.url}/app`);
  await east.page.locator('#enroll-form').waitFor();
  await east.shot('enroll.png');
  const eastId = await enrollInBrowser(east, server, eastCode);
  const westId = await enrollInBrowser(west, server, westCode);
  assert.match(eastId, /^mbr_[0-9a-f]{20}$/);
  assert.notEqual(eastId, westId);

  // The key is non-extractable: not even the page can read it.
  const extractable = await east.page.evaluate(async () => {
    const { loadIdentity } = await import('/js/identity.js');
    const id = await loadIdentity();
    return [id.privateKey.extractable, id.privateKey.algorithm.name];
  });
  assert.deepEqual(extractable, [false, 'Ed25519']);

  // --- east opens the negotiation
  await east.page.goto(`${server.url}/app#/new`);
  await east.page.getByLabel('Title').fill(TITLE);
  await east.page.getByLabel('Other delegation').selectOption('west');
  await east.page.locator('#new-start').fill(dateIn(9, 18));
  await east.page.locator('#new-duration').fill('90');
  await east.page.getByRole('button', { name: 'Open the negotiation' }).click();
  await east.page.locator('#meeting').waitFor();
  const meetingId = /#\/meeting\/(.+)$/.exec(east.page.url())[1];

  await propose(east, 'roster', async (form) => {
    for (const name of ['Irina Sokolova', 'Mikhail Orlov', 'Olga Ivanova']) await form.getByRole('checkbox', { name }).check();
  });
  await propose(east, 'languages', async (form) => {
    await form.getByLabel('Languages of the meeting').fill('ru, en');
    await form.getByRole('button', { name: 'Add an interpreter' }).click();
    await form.getByLabel('Interpreter 1', { exact: true }).selectOption({ label: 'Olga Ivanova (Eastern Delegation)' });
    await form.getByLabel('Interpreter 1: first language').fill('ru');
    await form.getByLabel('Interpreter 1: second language').fill('en');
  });
  await propose(east, 'agenda', async (form) => {
    await form.locator('input').first().fill('Strategic stability');
    for (const item of ['Arms control verification', 'Opening statements']) {
      await form.getByRole('button', { name: 'Add an item' }).click();
      await form.locator('input').last().fill(item);
    }
    // Reorder: "Opening statements" goes first, with the keyboard.
    const last = form.locator('li.agenda-item').last();
    await last.getByRole('button', { name: 'Move item 3 up' }).focus();
    await east.page.keyboard.press('Enter');
    await form.getByRole('button', { name: 'Move item 2 up' }).click();
  });
  assert.deepEqual(await east.page.locator('#param-agenda ol.value li').allTextContents(),
    ['Opening statements', 'Strategic stability', 'Arms control verification']);
  await propose(east, 'announcement', async (form) => {
    await form.getByLabel('Announcement text').fill('The leaders will hold talks by video on strategic stability.');
  });
  await propose(east, 'predecessor', async (form) => {
    await form.getByLabel('Builds on the earlier meeting').selectOption('');
  });
  // format was in the opening act; nothing left unproposed.
  for (const p of ['title', 'format', 'start', 'duration_minutes']) {
    assert.equal(await east.page.locator(`#param-${p}`).getAttribute('data-rev'), '1', p);
  }

  // --- the outsider: nothing of the meeting anywhere it can look
  const seen = await publicSurface(outsider);
  assert.ok(!seen.includes(meetingId) && !seen.includes('strategic stability') && !seen.includes('Strategic stability'),
    'an unannounced meeting is invisible to a non-member');
  for (const p of [`/api/v1/meetings/${meetingId}`, `/api/v1/meetings/${meetingId}/export`, `/public/meetings/${meetingId}.ics`]) {
    const r = await outsider.page.request.get(server.url + p);
    assert.equal(r.status(), 404, p);
  }
  await outsider.page.goto(`${server.url}/app`);
  await outsider.page.locator('#enroll-form').waitFor();

  // --- west sees the meeting waiting on it and counters
  await west.page.goto(`${server.url}/app#/meetings`);
  const row = west.page.locator(`tr[data-meeting="${meetingId}"]`);
  await row.waitFor();
  assert.match(await row.locator('.waiting').textContent(), /Western Delegation \(you\)/);
  await west.shot('meetings.png');
  await row.getByRole('link').click();
  await west.page.locator('#meeting').waitFor();
  await west.page.locator('#live-state[data-state="live"]').waitFor();
  await east.page.locator('#live-state[data-state="live"]').waitFor();

  // Counter 1: the start, typed in New York time; the preview shows both zones.
  await propose(west, 'start', async (form, page) => {
    await form.getByLabel('Time zone you type in').selectOption('America/New_York');
    await form.getByLabel('New start').fill(dateIn(10, 10));
    const preview = await page.locator('#edit-start-preview').textContent();
    assert.match(preview, /Eastern Delegation: .*GMT\+3/);
    assert.match(preview, /Western Delegation: .*10:00/);
  });
  // East sees it without reloading.
  await east.page.locator('#param-start[data-rev="2"]').waitFor();
  assert.match(await east.page.locator('#param-start .value').textContent(), /America\/New_York/);

  // Counter 2: west adds its own delegation to the roster.
  await propose(west, 'roster', async (form) => {
    await form.getByRole('checkbox', { name: 'James Carter' }).check();
    await form.getByRole('checkbox', { name: 'Helen Brooks' }).check();
  });
  // Counter 3: one more agenda item.
  await propose(west, 'agenda', async (form) => {
    await form.getByRole('button', { name: 'Add an item' }).click();
    await form.locator('input').last().fill('Next steps');
  });
  await east.page.locator('#param-agenda[data-rev="2"]').waitFor();
  await west.shot('negotiation-west.png');

  // Every control, editors open, has an accessible name.
  for (const param of ['title', 'start', 'duration_minutes', 'roster', 'languages', 'agenda', 'announcement', 'predecessor'])
    await east.page.click(`#propose-${param}`);
  assert.deepEqual(await unlabelledControls(east.page), []);
  await east.shot('negotiation-editors.png');
  while (await east.page.locator('form.editor').count())
    await east.page.locator('form.editor').first().getByRole('button', { name: 'Cancel' }).click();

  await acceptAll(west, ['title', 'format', 'duration_minutes', 'languages', 'announcement', 'predecessor']);
  await east.page.locator('#param-predecessor[data-agreed="true"]').waitFor();
  await acceptAll(east, ['start', 'roster', 'agenda']);
  await west.page.locator('#param-agenda[data-agreed="true"]').waitFor();
  await east.page.locator('#sign-terms').waitFor();
  await east.page.locator('#terms details').first().click();
  await east.shot('negotiation.png');
  await east.page.evaluate(() => { document.getElementById('toast').replaceChildren(); window.scrollTo(0, 0); });
  await east.shot('negotiation-window.png', { fullPage: false });

  // --- both sign the same hash, computed in each browser
  const eastHash = await east.page.locator('#terms-hash').textContent();
  await west.page.locator('#sign-terms').waitFor();
  assert.equal(await west.page.locator('#terms-hash').textContent(), eastHash);
  await east.page.click('#sign-terms');
  await west.page.locator('#signatures li[data-party="east"][data-signed="true"]').waitFor();
  await west.page.click('#sign-terms');
  await east.page.locator('#meeting-status[data-status="announced"]').waitFor();
  await west.page.locator('#meeting-status[data-status="announced"]').waitFor();
  await east.shot('negotiation-signed.png');

  // --- public: the page and the feed
  await outsider.page.goto(`${server.url}/announcements`);
  const card = outsider.page.locator(`article[data-meeting="${meetingId}"]`);
  await card.waitFor();
  const text = await card.textContent();
  assert.ok(text.includes(TITLE), 'title on the public page');
  assert.match(text, /Europe\/Moscow|GMT\+3|Moscow/);
  assert.match(text, /America\/New_York|New York|GMT-5|EST/);
  assert.ok(text.includes('Opening statements') && text.includes('Next steps'), 'agenda on the public page');
  await outsider.shot('announcements.png');
  await outsider.shot('announcements-window.png', { fullPage: false });
  const feed = await (await outsider.page.request.get(`${server.url}/public/announcements.atom`)).text();
  assert.ok(feed.includes(meetingId) && feed.includes('strategic stability'), 'announced in the Atom feed');
  const ics = await outsider.page.request.get(`${server.url}/public/meetings/${meetingId}.ics`);
  assert.equal(ics.status(), 200);

  // --- export in the browser, verify with the C++ verifier (parley verify)
  const [download] = await Promise.all([east.page.waitForEvent('download'), east.page.click('#export')]);
  const file = path.join(ARTIFACTS, 'negotiation-export.json');
  await download.saveAs(file);
  const verdict = JSON.parse(execFileSync(PARLEY, ['--json', 'verify', file], { encoding: 'utf8' }));
  assert.equal(verdict.verified, true);
  assert.equal(verdict.agreed, true);
  assert.equal(verdict.terms_hash, eastHash);

  // ... and in the browser's own verifier page.
  await outsider.page.goto(`${server.url}/verify`);
  await outsider.page.locator('#verify-file').setInputFiles(file);
  await outsider.page.locator('#verify-verdict.ok, #verify-verdict .ok').first().waitFor();
  assert.match(await outsider.page.locator('#verify-signatures').textContent(), /Irina Sokolova/);
  await outsider.shot('verify.png');

  for (const p of [east, west, outsider]) assert.deepEqual(p.errors, [], `${p.name}: no script errors`);
});

test('the pages work on a phone-sized screen', async () => {
  const phone = await Person.open('phone', { viewport: { width: 390, height: 844 } });
  try {
    await phone.page.goto(`${server.url}/announcements`);
    await phone.page.locator('article').first().waitFor();
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling (overflow ${overflow}px)`);
    await phone.shot('announcements-phone.png');
    await phone.page.goto(`${server.url}/app`);
    await phone.page.locator('#enroll-form').waitFor();
    // Keyboard: Tab reaches the code field and focus is visible.
    await phone.page.keyboard.press('Tab');
    const outline = await phone.page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
    await phone.shot('enroll-phone.png');
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.close();
  }
});
