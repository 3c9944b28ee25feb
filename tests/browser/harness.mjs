// Browser-test harness: starts the real parleyd on an ephemeral port in a
// temporary data directory, drives its admin side and other members with
// the real `parley` CLI, and opens Debian's Chromium through playwright-core
// with one persistent profile per person (so each has its own IndexedDB and
// its own key). Flags as in the project's testing notes.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
export const BUILD = path.resolve(process.env.PARLEY_BUILD || path.join(ROOT, 'build', 'release'));
export const PARLEYD = path.join(BUILD, 'src', 'app', 'parleyd');
export const PARLEY = path.join(BUILD, 'src', 'app', 'parley');
export const ARTIFACTS = path.join(BUILD, 'test-artifacts', 'browser');
fs.mkdirSync(ARTIFACTS, { recursive: true });

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection'];

export function utc(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
export function inDays(days, hour = 15) {
  const d = new Date(Date.now() + days * 86400e3);
  d.setUTCHours(hour, 0, 0, 0);
  return utc(d);
}

export class Server {
  // `extraArgs`: more parleyd flags (e.g. --media-sample-payloads).
  constructor(extraArgs = []) {
    this.extraArgs = extraArgs;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-browser-'));
    this.dataDir = path.join(this.tmp, 'data');
    this.logPath = path.join(this.tmp, 'parleyd.log');
    this.configDir = path.join(this.tmp, 'cli');
  }

  // `port` 0: any free port (the first start); a restart passes the port
  // it had, so that pages keep their address.
  async start(port = 0) {
    const log = fs.openSync(this.logPath, 'a');
    const from = fs.statSync(this.logPath).size;  // this start's lines only
    this.proc = spawn(PARLEYD, ['--data-dir', this.dataDir, '--port', String(port), ...this.extraArgs], { stdio: ['ignore', log, log] });
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const m = /event=listening url=(\S+)/.exec(fs.readFileSync(this.logPath).subarray(from).toString('utf8'));
      if (m) {
        this.url = m[1];
        return this;
      }
      if (this.proc.exitCode !== null) throw new Error(`parleyd exited:\n${fs.readFileSync(this.logPath, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`parleyd did not start:\n${fs.readFileSync(this.logPath, 'utf8')}`);
  }

  // GET on the local admin API with the server's admin token.
  async adminGet(pathname) {
    const token = fs.readFileSync(path.join(this.dataDir, 'admin.token'), 'utf8').trim();
    const res = await fetch(`${this.url}${pathname}`, { headers: { Authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET ${pathname}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  // Ends the parleyd process (SIGTERM) and keeps its data; start(port) again.
  async stopProcess() {
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await done;
    }
    return this.proc ? this.proc.exitCode : null;
  }

  async stop() {
    const code = await this.stopProcess();
    fs.rmSync(this.tmp, { recursive: true, force: true });
    return code;
  }

  log() {
    return fs.readFileSync(this.logPath, 'utf8');
  }

  admin(...args) {
    const out = execFileSync(PARLEY, ['--json', 'admin', '--server', this.url, '--data-dir', this.dataDir, ...args],
      { encoding: 'utf8' });
    return JSON.parse(out);
  }

  party(id, name, zone) {
    return this.admin('create-party', '--id', id, '--name', name, '--time-zone', zone);
  }

  invite(party, name, ...roles) {
    return this.admin('invite', '--party', party, '--name', name, ...roles.flatMap((r) => ['--role', r])).code;
  }

  // A member who uses the CLI rather than a browser.
  cli(profile) {
    return new Cli(this, profile);
  }
}

export class Cli {
  constructor(server, profile) {
    this.server = server;
    this.profile = profile;
  }

  run(args, { json = true, input } = {}) {
    const out = execFileSync(PARLEY, ['--config-dir', this.server.configDir, '--profile', this.profile,
      ...(json ? ['--json'] : []), ...args], { encoding: 'utf8', input });
    return json ? JSON.parse(out) : out;
  }

  enroll(party, name, ...roles) {
    const code = this.server.invite(party, name, ...roles);
    const me = this.run(['enroll', '--server', this.server.url, '--code', code]);
    this.member = me.id;
    return me;
  }
}

// One person's browser: a persistent Chromium profile of their own.
export class Person {
  static async open(name, { viewport = { width: 1280, height: 800 } } = {}) {
    const p = new Person();
    p.name = name;
    p.dir = fs.mkdtempSync(path.join(os.tmpdir(), `parley-chromium-${name}-`));
    p.context = await chromium.launchPersistentContext(p.dir, {
      executablePath: process.env.PARLEY_CHROMIUM || '/usr/bin/chromium',
      headless: true, args: CHROMIUM_ARGS, viewport, acceptDownloads: true,
    });
    p.page = p.context.pages()[0] || (await p.context.newPage());
    p.page.setDefaultTimeout(15000);
    p.errors = [];
    p.page.on('pageerror', (e) => p.errors.push(`pageerror: ${e.message}`));
    p.page.on('console', (m) => {
      // Chromium logs every non-2xx fetch; refusals the page handles are not errors.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) p.errors.push(`console: ${m.text()}`);
      if (process.env.PARLEY_TEST_CONSOLE) console.log(`[${name}] ${m.text()}`);
    });
    return p;
  }

  // Full-page screenshot, or only what fits the window with { fullPage: false }.
  async shot(file, { fullPage = true } = {}) {
    await this.page.screenshot({ path: path.join(ARTIFACTS, file), fullPage });
  }

  async close() {
    await this.context.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// Enrolls through the page with an invitation code; returns the member id.
export async function enrollInBrowser(person, server, code) {
  const { page } = person;
  await page.goto(`${server.url}/app`);
  await page.getByLabel('Invitation code').fill(code);
  await page.getByRole('button', { name: 'Create my key and enroll' }).click();
  await page.locator('#notice.ok').waitFor();
  await page.goto(`${server.url}/app#/identity`);
  const id = await page.locator('td.mono').first().textContent();
  return id.trim();
}

// --- Calls

// Opens a browser for each person and enrolls them through the page:
// `list` is [[key, party, name, role]]; resolves to {key: Person}.
// A started parleyd (with `extraArgs`) holding the two delegations, east and
// west, each with a negotiator enrolled through the CLI (Irina Sokolova,
// James Carter). Returns { server, eastNeg, westNeg }.
export async function twoDelegations(extraArgs = []) {
  const server = await new Server(extraArgs).start();
  server.party('east', 'Eastern Delegation', 'Europe/Moscow');
  server.party('west', 'Western Delegation', 'America/New_York');
  const eastNeg = server.cli('east-neg');
  eastNeg.enroll('east', 'Irina Sokolova', 'negotiator');
  const westNeg = server.cli('west-neg');
  westNeg.enroll('west', 'James Carter', 'negotiator');
  return { server, eastNeg, westNeg };
}

export async function enrollPeople(server, prefix, list) {
  const people = {};
  await Promise.all(list.map(async ([key]) => { people[key] = await Person.open(`${prefix}-${key}`); }));
  for (const [key, party, name, role] of list) {
    people[key].member = await enrollInBrowser(people[key], server, server.invite(party, name, role));
  }
  return people;
}

// A meeting between east and west, negotiated with the CLI to the signed
// and announced state, starting in five minutes (so its call is open) with
// `roster` (['Name:role', …]) on it; `extra` adds create options (e.g. an
// interpreter). Returns its id.
export function agreedCall(eastNeg, westNeg, title, roster, extra = []) {
  const start = new Date(Date.now() + 5 * 60e3);
  start.setUTCSeconds(0, 0);
  const created = eastNeg.run(['create', '--with', 'west', '--title', title, '--start', utc(start), '--duration', '60',
    ...roster.flatMap((r) => ['--roster', r]), '--language', 'ru,en', '--agenda', 'Opening',
    '--announce-text', 'The leaders will talk by video.', '--announce-at', 'on_agreement', '--set', 'format="video"',
    '--predecessor', 'none', ...extra]);
  westNeg.run(['accept', created.id, '--all']);
  eastNeg.run(['sign', created.id]);
  westNeg.run(['sign', created.id]);
  return created.id;
}

// Opens the call page of `meeting` (with `query`, e.g. '?transform=streams'),
// waits for the camera preview, joins, and waits until in the call.
export async function joinCall(server, meeting, person, query = '') {
  const { page } = person;
  await page.goto(`${server.url}/call${query}#${meeting}`);
  await page.waitForFunction(() => document.getElementById('preview').srcObject);
  await page.click('#join');
  await page.locator('#in-call').waitFor();
}

// What `person`'s page shows it receives from `from` (the tile's getStats
// figures): video frames decoded and audio packets.
export async function tileReceived(person, from) {
  const tile = person.page.locator(`.tile[data-member="${from.member}"]`);
  if (!(await tile.count())) return { frames: 0, audio: 0 };
  return {
    frames: Number((await tile.getAttribute('data-frames-decoded')) || 0),
    audio: Number((await tile.getAttribute('data-audio-packets')) || 0),
  };
}

// Fills a field of a section that redraws itself on live events (the record
// panels): a redraw that moves the kept form while Playwright types takes
// the focus and the text with it, so the value is read back and the fill
// made again until it holds.
export async function fillSteady(locator, text) {
  for (let i = 0; i < 5; i++) {
    await locator.fill(text);
    if ((await locator.inputValue()) === text) return;
  }
  throw new Error(`the field would not keep its text: ${text.slice(0, 40)}`);
}

// Polls `fn` until it returns true, for at most `ms`; then fails with `what`,
// the last thing `fn` returned (what it saw instead) and what `diagnose()`
// (async, optional) says of the pages and the server.
export async function waitUntil(fn, what, { ms = 30000, every = 250, diagnose = null } = {}) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last === true) return;
    await new Promise((r) => setTimeout(r, every));
  }
  assert.fail(`${what}: ${JSON.stringify(last)}${diagnose ? `\n${await diagnose()}` : ''}`);
}

// The last lines of the server's log, without the HTTP requests.
export function serverTail(server, n = 10) {
  return server.log().split('\n').filter((l) => !l.includes('event=http')).slice(-n).join('\n');
}
