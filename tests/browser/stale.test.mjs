// Both delegations change the same parameter at the same moment. One act
// wins; the other is refused as stale, and the loser's page says what the
// other side changed, shows the new state and keeps the draft — which can
// then be proposed on top. Nothing is lost silently.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Person, Server, enrollInBrowser } from './harness.mjs';

let server;
let east;
let west;

before(async () => {
  server = await new Server().start();
  server.party('east', 'Eastern Delegation', 'Europe/Moscow');
  server.party('west', 'Western Delegation', 'America/New_York');
  [east, west] = await Promise.all([Person.open('east-stale'), Person.open('west-stale')]);
});

after(async () => {
  for (const p of [east, west]) if (p) await p.close();
  if (server) assert.equal(await server.stop(), 0);
});

// Holds each person's next act submission until every one of them has
// sent theirs, then lets them all through at once.
async function holdUntilBoth(people, action) {
  let release;
  const all = new Promise((r) => { release = r; });
  let waiting = 0;
  const pattern = `${server.url}/api/v1/meetings/*/acts`;
  const passed = [];
  const handler = (route) => {
    if (++waiting === people.length) release();
    const p = all.then(() => route.continue());
    passed.push(p);
    return p;
  };
  for (const p of people) await p.page.route(pattern, handler, { times: 1 });
  await action();
  await all;
  await Promise.all(passed);
}

async function openEditor(person, param, value) {
  await person.page.click(`#propose-${param}`);
  await person.page.locator(`#edit-${param}-value`).fill(value);
}

test('simultaneous changes to one parameter: one wins, the other is explained and kept', async () => {
  await enrollInBrowser(east, server, server.invite('east', 'Irina Sokolova', 'negotiator'));
  await enrollInBrowser(west, server, server.invite('west', 'James Carter', 'negotiator'));
  await east.page.goto(`${server.url}/app#/new`);
  await east.page.getByLabel('Title').fill('Preparatory call');
  await east.page.getByLabel('Other delegation').selectOption('west');
  await east.page.getByRole('button', { name: 'Open the negotiation' }).click();
  await east.page.locator('#meeting').waitFor();
  const url = east.page.url();
  await west.page.goto(url);
  await west.page.locator('#meeting[data-length="1"]').waitFor();
  for (const p of [east, west]) await p.page.locator('#live-state[data-state="live"]').waitFor();

  // Round 1: both change the title at once.
  await openEditor(east, 'title', 'Preparatory call of the delegations');
  await openEditor(west, 'title', 'Preparatory video call');
  // Both acts are signed on the same state and held until both are on their
  // way, so that the race is real every time, not only on a slow machine.
  await holdUntilBoth([east, west], async () => {
    await Promise.all([east.page.click('#submit-title'), west.page.click('#submit-title')]);
  });
  for (const p of [east, west]) await p.page.locator('#param-title[data-rev="2"]').waitFor();
  await Promise.race([east, west].map((p) => p.page.locator('#notice[data-stale="true"]').waitFor()));

  const outcome = [];
  for (const p of [east, west]) {
    const notice = p.page.locator('#notice');
    const stale = (await notice.getAttribute('data-stale')) === 'true';
    outcome.push({ p, stale, notice: await notice.textContent() });
  }
  assert.equal(outcome.filter((o) => o.stale).length, 1, 'exactly one side is told its change was overtaken');
  const loser = outcome.find((o) => o.stale);
  const winner = outcome.find((o) => !o.stale);
  const winnerTitle = winner.p === east ? 'Preparatory call of the delegations' : 'Preparatory video call';
  const loserTitle = winner.p === east ? 'Preparatory video call' : 'Preparatory call of the delegations';
  assert.match(loser.notice, /not applied/);
  assert.match(loser.notice, /title \(revision 2\)/);
  assert.ok(loser.notice.includes(winnerTitle), 'the notice names the other side\'s value');
  // The loser sees the new state and still has its draft.
  assert.equal(await loser.p.page.locator('#param-title .value').textContent(), winnerTitle);
  assert.equal(await loser.p.page.locator('#edit-title-value').inputValue(), loserTitle);
  await loser.p.shot('stale-notice.png');

  // The loser proposes its draft on top: revision 3, seen by both.
  await loser.p.page.click('#submit-title');
  for (const p of [east, west]) await p.page.locator('#param-title[data-rev="3"]').waitFor();
  assert.equal(await winner.p.page.locator('#param-title .value').textContent(), loserTitle);

  // Round 2: one side accepts revision 3 while the other replaces it.
  const acceptor = winner.p;
  const proposer = loser.p;
  await openEditor(proposer, 'duration_minutes', '45');
  await acceptor.page.locator('#accept-title').waitFor();
  await holdUntilBoth([acceptor, proposer], async () => {
    await Promise.all([acceptor.page.click('#accept-title'), proposer.page.click('#submit-duration_minutes')]);
  });
  // Either both acts landed (in some order, each on the state its author
  // saw) or one was refused as stale and its author was told.
  const settled = async () => {
    const lengths = [];
    const told = [];
    for (const p of [acceptor, proposer]) {
      lengths.push(Number(await p.page.locator('#meeting').getAttribute('data-length')));
      if ((await p.page.locator('#notice').getAttribute('data-stale')) === 'true') told.push(p.name);
    }
    return { lengths, told, done: lengths.every((l) => l === 5) || (told.length === 1 && lengths.every((l) => l === 4)) };
  };
  let state = await settled();
  for (let i = 0; i < 100 && !state.done; i++) {
    await new Promise((r) => setTimeout(r, 100));
    state = await settled();
  }
  assert.ok(state.done, JSON.stringify(state));

  // The history shows every revision of the title: nothing was dropped.
  const history = await east.page.locator('#param-title details tbody tr').allTextContents();
  assert.equal(history.length, 3);
  assert.deepEqual([east.errors, west.errors], [[], []]);
});
