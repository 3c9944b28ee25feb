// The browser's record verifier (web/js/record-verifier.js) against the C++
// one (`parley verify`, src/record): the same records, excerpts and series,
// built here in JavaScript, must be accepted or refused by both, with the
// same code at the same act, entry or checkpoint.
//
// Records exported by parleyd itself are not used yet: the server's record
// routes (GET …/record, …/excerpt, cosignatures) had not landed when this
// test was written; when they do, a real export belongs here too.
//
// Run: node --test tests/web/record-cross.test.mjs   (PARLEY_BUILD: the build
// folder holding src/app/parley; default build/release). Skipped when that
// parley does not verify records.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { verifyRecord, verifyExcerpt, verifySeries, parseTrust } from '../../web/js/record-verifier.js';
import { TestMeeting } from './record-builder.mjs';
import { RULES, open } from './record-cases.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUILD = process.env.PARLEY_BUILD || path.join(HERE, '..', '..', 'build', 'release');
const PARLEY = path.resolve(BUILD, 'src', 'app', 'parley');
const supported = existsSync(PARLEY) &&
  /--trust/.test(spawnSync(PARLEY, ['verify', '--help'], { encoding: 'utf8' }).stdout ?? '');
const skip = supported ? false : `${PARLEY} does not verify records`;

const dir = mkdtempSync(path.join(tmpdir(), 'parley-record-cross-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(doc) {
  const f = path.join(dir, `f${++files}.json`);
  writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return f;
}

// Codes `parley verify` states in words only.
const WORDED = [[/give the parties' keys/, 'no_trust'], [/is not final/, 'not_final'], [/the trust does not give/, 'untrusted_key']];

// `parley verify` on files: {ok, code, where} where `where` is "act 12",
// "checkpoint 2", "entry 1", "record 2: act 13" or null.
function parleyVerify(docs, { trust, requireFinal = false } = {}) {
  const args = ['verify', ...docs.map(file)];
  if (trust) args.push('--trust', file(trust));
  if (requireFinal) args.push('--require-final');
  const p = spawnSync(PARLEY, args, { encoding: 'utf8' });
  if (p.status === 0) return { ok: true, code: null, where: null };
  assert.equal(p.status, 4, `parley verify: ${p.stdout}${p.stderr}`);
  const m = /DOES NOT VERIFY: [^:]*: (?:((?:record \d+: )?(?:act|checkpoint|entry) \d+): )?(.*)$/m.exec(p.stderr);
  assert.ok(m, `unexpected parley verify output: ${p.stderr}`);
  const codes = [...m[2].matchAll(/\[([a-z_0-9]+)\]/g)].map((x) => x[1]).filter((c) => c !== 'verify_failed');
  const code = codes.at(-1) ?? WORDED.find(([re]) => re.test(m[2]))?.[1] ?? 'verify_failed';
  return { ok: false, code, where: m[1] ?? null, text: p.stderr.trim() };
}

// The same in JavaScript, in the same terms.
function jsVerdict(r) {
  if (r.ok) return { ok: true, code: null, where: null };
  const m = /^((?:record \d+: )?(?:act|checkpoint|entry) \d+): /.exec(r.error);
  return { ok: false, code: r.code, where: m ? m[1] : null, text: r.error };
}

function agree(js, cpp, what) {
  assert.equal(js.ok, cpp.ok, `${what}: JavaScript ${js.text ?? 'accepts'}, parley verify ${cpp.text ?? 'accepts'}`);
  assert.equal(js.code, cpp.code, `${what}: JavaScript ${js.text}, parley verify ${cpp.text}`);
  assert.equal(js.where, cpp.where, `${what}: JavaScript ${js.text}, parley verify ${cpp.text}`);
}

async function bothOnRecord(doc, m, what, { trust = m.trust(), requireFinal = false } = {}) {
  const js = jsVerdict(await verifyRecord(JSON.stringify(doc), { trust: trust && parseTrust(trust), requireFinal }));
  const cpp = parleyVerify([doc], { trust, requireFinal });
  agree(js, cpp, what);
  return js;
}

async function talksRecord(m, options) {
  return m.record([{ size: 13, cosigners: ['Anna'] }, { size: 23, cosigners: ['Anna', 'James'] },
    { size: m.length, cosigners: ['Irina', 'Rachel'] }], options ?? { final: true });
}

test('a record of the talks: both accept it; both refuse it without trust', { skip }, async () => {
  const m = await TestMeeting.create();
  await m.talks();
  const doc = await talksRecord(m);
  assert.equal((await bothOnRecord(doc, m, 'the talks')).ok, true);
  const json = spawnSync(PARLEY, ['--json', 'verify', file(doc), '--trust', file(m.trust())], { encoding: 'utf8' });
  const c = JSON.parse(json.stdout);
  const r = await verifyRecord(JSON.stringify(doc), { trust: parseTrust(m.trust()) });
  assert.deepEqual([c.acts, c.entries, c.checkpoints, c.final, c.terms_hash],
    [r.record.length, r.record.entries.length, r.record.checkpoints.length, r.final, r.termsHash]);
  await bothOnRecord(doc, m, 'no trust', { trust: null });
  const other = m.trust();
  other.parties.west = [m.who('Oleg').key];
  const untrusted = await verifyRecord(JSON.stringify(doc), { trust: parseTrust(other) });
  const cpp = parleyVerify([doc], { trust: other });
  assert.deepEqual([untrusted.code, cpp.code], ['untrusted_key', 'untrusted_key']);
});

test('every rule of the table of entries: the same code at the same act', { skip }, async () => {
  for (const [what, before, make] of RULES) {
    const m = await TestMeeting.create();
    const h = await m.talks();
    if (before) await before(m, h);
    m.push(await make(m, h));
    await bothOnRecord(await m.record(), m, what);
  }
});

test('tampering: every changed act, removed and swapped entries, checkpoints', { skip }, async () => {
  const m = await TestMeeting.create();
  await m.talks();
  const doc = await talksRecord(m);
  const variant = async (what, fn, options) => {
    const copy = structuredClone(doc);
    await fn(copy);
    await bothOnRecord(copy, m, what, options);
  };
  for (let i = 0; i < doc.acts.length; i++)
    await variant(`act ${i + 1} re-signed wrongly`, (d) => { d.acts[i].signature = (d.acts[i].signature[0] === 'A' ? 'B' : 'A') + d.acts[i].signature.slice(1); });
  await variant('a removed entry', (d) => d.acts.splice(15, 1));
  await variant('the last entry removed', (d) => d.acts.pop());
  await variant('two entries swapped', (d) => { [d.acts[14], d.acts[15]] = [d.acts[15], d.acts[14]]; });
  await variant('claimed final with one side only', async (d) => {
    d.checkpoints = (await m.record([{ size: 23, cosigners: ['Anna'] }])).checkpoints;
  });
  await variant('not final, --require-final', async (d) => {
    d.checkpoints = (await m.record([{ size: 23, cosigners: ['Anna'] }])).checkpoints;
    d.final = false;
  }, { requireFinal: true });
  await variant('a final record saying it is not', (d) => { d.final = false; });
  await variant('another history at the first checkpoint', async (d) => {
    const fork = await TestMeeting.create();
    await fork.act('Anna', 'session_open', { present: ['mbr_east_rapporteur'] });
    d.checkpoints[0] = await m.checkpoint(13, ['Anna'], null, { root: fork.root(13) });
  });
  await variant('a truncated consistency proof', (d) => { d.checkpoints[1].consistency.pop(); });
  await variant('a consistency proof from another size', async (d) => { d.checkpoints[1].consistency = (await m.checkpoint(23, [], 11)).consistency; });
  await variant('checkpoints swapped', (d) => { [d.checkpoints[0], d.checkpoints[1]] = [d.checkpoints[1], d.checkpoints[0]]; });
  await variant('a checkpoint beyond the log', async (d) => { d.checkpoints.push(await m.checkpoint(29, [], 28)); });
  await variant('cosigned by an aide', async (d) => { d.checkpoints[0] = await m.checkpoint(13, ['Pavel']); });
  await variant('cosigned by someone not on the roster', async (d) => { d.checkpoints[0] = await m.checkpoint(13, ['Oleg']); });
  await variant('a damaged cosignature', (d) => {
    d.checkpoints[1].note = d.checkpoints[1].note.replace(/(\/member\/mbr_west_negotiator \S{20})(.)/, (_, p, c) => p + (c === 'A' ? 'B' : 'A'));
  });
  await variant('without the log\'s signature', (d) => { d.checkpoints[1].note = d.checkpoints[1].note.replace(/\n\n— [^\n]*\n/, '\n\n'); });
  await variant('of another log', async (d) => {
    const other = await TestMeeting.create({ meeting: 'mtg_record_test_other' });
    d.checkpoints[0] = await other.checkpoint(13, ['Anna']);
  });
});

test('concurrent entries and withdrawals the rules allow are accepted by both', { skip }, async () => {
  const m = await TestMeeting.create();
  const h = await m.talks();
  const base = m.length;
  await open(m);
  await m.act('Anna', 'minute', { item: 0, text: 'East minute' }, { base: base + 1, at: m.nextAt(120) });
  await m.act('Rachel', 'minute', { item: 1, text: 'West minute' }, { base: base + 1, at: m.acts[base].act.at });
  await m.act('Helen', 'assurance_status', { assurance: h.assurance, meeting: m.meeting, status: 'withdrawn', note: 'Superseded.' });
  await m.act('James', 'withdraw', { reason: 'Circumstances changed.' });
  assert.equal((await bothOnRecord(await m.record([{ size: m.length, cosigners: ['Anna', 'Rachel'] }]), m, 'allowed')).ok, true);
});

test('excerpts: both accept one, and refuse it tampered', { skip }, async () => {
  const m = await TestMeeting.create();
  await m.talks();
  const ex = await m.excerpt([25, 26], m.length, ['Irina', 'James']);
  const both = async (what, fn, trust = m.trust()) => {
    const copy = structuredClone(ex);
    await fn(copy);
    const js = jsVerdict(await verifyExcerpt(JSON.stringify(copy), { trust: trust && parseTrust(trust) }));
    agree(js, parleyVerify([copy], { trust }), what);
  };
  await both('as made', () => {});
  await both('as made, no trust', () => {}, null);
  await both('a changed entry', (d) => { d.entries[0].envelope.act.body.text += '!'; });
  await both('a wrong index', (d) => { d.entries[0].index = 24; });
  await both('an index beyond the tree', (d) => { d.entries[0].index = 28; });
  await both('a truncated path', (d) => { d.entries[1].proof.pop(); });
  await both('a damaged cosignature', (d) => {
    d.checkpoint = d.checkpoint.replace(/(mbr_west_negotiator \S{20})(.)/, (_, p, c) => p + (c === 'A' ? 'B' : 'A'));
  });
  const other = m.trust();
  other.parties.west = [m.who('James').key];
  await both('an untrusted signer', () => {}, other);
});

test('series: both follow predecessors and their assurances', { skip }, async () => {
  const first = await TestMeeting.create({ meeting: 'mtg_series_first_001' });
  const h1 = await first.talks();
  const make = async (body) => {
    const s = await TestMeeting.create({ meeting: 'mtg_series_second_01', predecessor: first.meeting, t0: '2026-12-20T09:00:00Z',
      start: '2027-01-15T15:00:00Z' });
    await s.act('Irina', 'assurance_status', body);
    return s.record();
  };
  const one = await first.record();
  const trust = first.trust();
  const both = async (what, docs) => {
    const js = jsVerdict(await verifySeries(docs.map((d) => JSON.stringify(d)), { trust: parseTrust(trust) }));
    agree(js, parleyVerify(docs, { trust }), what);
  };
  await both('in order', [one, await make({ assurance: h1.assurance, meeting: first.meeting, status: 'in_dispute', note: '' })]);
  await both('reversed', [await make({ assurance: h1.assurance, meeting: first.meeting, status: 'in_dispute', note: '' }), one]);
  await both('an unknown assurance', [one, await make({ assurance: 'cd'.repeat(32), meeting: first.meeting, status: 'fulfilled', note: '' })]);
  await both('a minute as assurance', [one, await make({ assurance: h1.minute, meeting: first.meeting, status: 'fulfilled', note: '' })]);
  await both('withdrawn by the receiver', [one, await make({ assurance: h1.assurance, meeting: first.meeting, status: 'withdrawn', note: '' })]);
});

// Where the two verifiers once differed: both now refuse a replayed entry and
// verify a one-sided excerpt, saying so.
test('a replayed entry (the same envelope appended twice)', { skip }, async () => {
  const m = await TestMeeting.create();
  await m.talks();
  const doc = await m.record();
  doc.acts.push(structuredClone(doc.acts.at(-1)));
  await bothOnRecord(doc, m, 'a replayed status');
});

test('an excerpt cosigned by one party only', { skip }, async () => {
  const m = await TestMeeting.create();
  await m.talks();
  const ex = await m.excerpt([25], m.length, ['Anna']);
  agree(jsVerdict(await verifyExcerpt(JSON.stringify(ex), { trust: parseTrust(m.trust()) })),
    parleyVerify([ex], { trust: m.trust() }), 'one-sided excerpt');
});
