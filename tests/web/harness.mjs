// Real parleyd and parley CLI processes for the web tests that need real
// signed exports (verifier.test.mjs, e2ee-keys.test.mjs): a server on port 0
// in a temporary data directory, people enrolled with their own CLI
// profiles, and a meeting negotiated to agreement.
//
// PARLEY_BUILD: the build folder holding src/app/parleyd and src/app/parley
// (default build/release).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { fromBase64url } from '../../web/js/encoding.js';
import { signDocument } from '../../web/js/identity.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILD = process.env.PARLEY_BUILD || path.join(HERE, '..', '..', 'build', 'release');
const PARLEYD = path.resolve(BUILD, 'src', 'app', 'parleyd');
const PARLEY = path.resolve(BUILD, 'src', 'app', 'parley');

export function inDays(days, hour = 15) {
  const d = new Date(Date.now() + days * 86400e3);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString().replace('.000Z', 'Z');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// parleyd on port 0 in a temporary data directory; the URL is read from its
// log line "event=listening url=…" (as tests/process/harness.py does).
export class Server {
  constructor() {
    this.tmp = mkdtempSync(path.join(tmpdir(), 'parley-web-test-'));
    this.dataDir = path.join(this.tmp, 'data');
    this.logPath = path.join(this.tmp, 'parleyd.log');
  }

  async start() {
    this.logFd = openSync(this.logPath, 'a');
    this.proc = spawn(PARLEYD, ['--data-dir', this.dataDir, '--port', '0'], { stdio: ['ignore', this.logFd, this.logFd] });
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    const deadline = Date.now() + 30e3;
    while (Date.now() < deadline) {
      const m = [...readFileSync(this.logPath, 'utf8').matchAll(/event=listening url=(\S+)/g)];
      if (m.length) {
        this.url = m[m.length - 1][1];
        return this;
      }
      if (this.proc.exitCode !== null) throw new Error('parleyd exited: ' + readFileSync(this.logPath, 'utf8'));
      await sleep(20);
    }
    throw new Error('parleyd did not start: ' + readFileSync(this.logPath, 'utf8'));
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await this.exited;
    }
    if (this.logFd !== undefined) closeSync(this.logFd);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

export function run(args) {
  const p = spawnSync(PARLEY, args, { encoding: 'utf8', timeout: 60e3 });
  if (p.error) throw p.error;
  return p;
}

function must(args) {
  const p = run(args);
  if (p.status !== 0) throw new Error(`parley ${args.join(' ')} failed (${p.status}):\n${p.stdout}\n${p.stderr}`);
  return p;
}

export function admin(server, ...args) {
  return JSON.parse(must(['--json', 'admin', '--server', server.url, '--data-dir', server.dataDir, ...args]).stdout);
}

// RFC 8410 PKCS #8 wrapping of a 32-byte Ed25519 seed, for WebCrypto's importKey.
const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
  0x04, 0x22, 0x04, 0x20]);

// One person's `parley` with its own profile.
export class Person {
  constructor(server, configDir, profile) {
    this.server = server;
    this.profileDir = path.join(configDir, profile);
    this.base = ['--config-dir', configDir, '--profile', profile];
  }

  run(...args) {
    return must([...this.base, ...args]);
  }

  json(...args) {
    return JSON.parse(must([...this.base, '--json', ...args]).stdout);
  }

  enroll(party, name, ...roles) {
    const inv = admin(this.server, 'invite', '--party', party, '--name', name, ...roles.flatMap((r) => ['--role', r]));
    const out = this.json('enroll', '--server', this.server.url, '--code', inv.code);
    this.id = out.id;
    this.key = out.key;
    this.name = name;
    return this;
  }

  // sign(doc) with this person's identity key, as the browser's identity.js
  // signs: the CLI's key file (identity.key, {seed, public_key}) imported
  // into WebCrypto as a non-extractable key.
  async signer() {
    const file = JSON.parse(readFileSync(path.join(this.profileDir, 'identity.key'), 'utf8'));
    const seed = fromBase64url(file.seed);
    const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.length + seed.length);
    pkcs8.set(PKCS8_ED25519_PREFIX);
    pkcs8.set(seed, PKCS8_ED25519_PREFIX.length);
    const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
    return (doc) => signDocument(key, doc);
  }
}

// Timers under a test's control (the key manager's retention of a past
// epoch's keys): pass clock.setTimeout / clearTimeout, then advance(ms).
export class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.nextId = 1;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.now + ms, fn });
      return id;
    };
    this.clearTimeout = (id) => this.timers.delete(id);
  }

  advance(ms) {
    this.now += ms;
    for (const [id, t] of [...this.timers]) {
      if (t.at > this.now) continue;
      this.timers.delete(id);
      t.fn();
    }
  }
}
