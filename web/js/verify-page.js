// The "Verify" page: dropped or chosen files are checked in this browser
// and shown as a verdict and a report. An exported negotiation log
// (verifier.js) shows its acts and the signatures on the terms; a record of
// the talks, an excerpt, or several records of a series (record-verifier.js,
// report in record-report.js) show who committed to what, who acknowledged
// it when, the checkpoints and FINAL or NOT FINAL. The trust (the parties'
// keys) comes from a trust file dropped with them or chosen apart, or from
// keys pasted as PARTY=KEY. verify?excerpt=<URL on this server> fetches an
// excerpt (the announcements page links to them). Everything from a file
// reaches the page through textContent only.

import { dlRow, el, timeEl } from './dom.js';
import { verifyExport } from './verifier.js';
import { verifyRecord, verifyExcerpt, verifySeries, parseTrust, trustFromPairs, mergeTrusts } from './record-verifier.js';
import {
  RECORD_MEANING, recordVerdict, renderRecord, excerptVerdict, renderExcerpt, seriesVerdict, renderSeries,
} from './record-report.js';

const MAX_FILE_BYTES = 64 * 1024 * 1024;

// What a refusal means, in words (codes as in docs/api/errors.md).
const MEANING = {
  bad_signature: 'its signature does not verify with the key the file lists for its author: the act, or that key, was changed',
  stale_sequence: 'it does not follow on from the act before it: an act was removed, inserted or reordered',
  unknown_author: 'its author is not among the members the file lists',
  role_not_allowed: 'its author is not a negotiator, and only negotiators may act',
  not_a_party: 'its author belongs to neither party of the meeting',
  wrong_meeting: 'it belongs to another meeting',
  time_out_of_order: 'it is dated before the act that precedes it',
  stale_revision: 'it accepts a revision that was no longer the current one',
  already_accepted: 'it accepts a proposal the author\'s party had already accepted',
  already_signed: 'the author\'s party had already signed these terms',
  not_agreed: 'it signs terms that were not yet agreed by both parties',
  terms_hash_mismatch: 'the hash it signs is not the hash of the terms as negotiated',
  meeting_withdrawn: 'it comes after the meeting was withdrawn',
  meeting_exists: 'it creates the meeting a second time',
  unchanged_value: 'it proposes the value that was already on the table',
  nothing_to_accept: 'it accepts something nobody had proposed',
  unknown_parameter: 'it names a parameter Parley does not have',
  unknown_party: 'it names a counterparty the file does not list',
  invalid_field: 'a field has the wrong form',
  missing_field: 'a required field is missing',
  unknown_field: 'it carries a field Parley does not know',
};

const NOT_JSON = new Set(['invalid_json', 'duplicate_key', 'unsafe_number', 'non_ascii_key', 'too_deep', 'payload_too_large']);

const $ = (sel) => document.querySelector(sel);

// "2026-11-29 06:55:16" under a "(UTC)" heading; the exact instant stays in datetime.
function utcTime(instant) {
  return timeEl(instant, instant.replace('T', ' ').replace(/Z$/, ''));
}

function setVerdict(kind, parts) {
  const v = $('#verify-verdict');
  v.className = `notice ${kind}`.trim();
  v.replaceChildren(...parts.map((p) => (typeof p === 'string' ? document.createTextNode(p) : p)));
}

function detailOf(error) {
  // "act 3: the act builds on … [stale_sequence]" → "the act builds on …"
  return error.replace(/^act \d+: /, '').replace(/^not a valid export: /, '').replace(/ \[[a-z_]+\]$/, '');
}

function verdictParts(r) {
  if (!r.ok) {
    const m = /^act (\d+): /.exec(r.error);
    if (m) {
      const meaning = MEANING[r.code] ?? 'it breaks a rule of the protocol';
      return ['error', [el('strong', 'This log does NOT verify.'),
        ` Act ${m[1]} is refused: ${meaning} (${detailOf(r.error)}; code ${r.code}). ` +
        (m[1] === '1' ? 'Nothing in this file can be trusted.'
          : `The ${Number(m[1]) - 1} acts before it verified; nothing from act ${m[1]} on can be trusted.`)]];
    }
    if (NOT_JSON.has(r.code))
      return ['error', [el('strong', 'This file is not JSON that Parley accepts.'), ` ${detailOf(r.error)} (code ${r.code}).`]];
    if (r.code === 'unsupported')
      return ['error', [el('strong', 'This browser cannot check the signatures.'),
        ' It lacks Ed25519 in WebCrypto; use a current Chromium, Firefox or Safari, or run parley verify.']];
    return ['error', [el('strong', 'This file is not an exported Parley log.'),
      ` ${detailOf(r.error)} (code ${r.code}). Export the meeting with parley export or from its page.`]];
  }
  const name = (id) => r.parties.find((p) => p.id === id)?.name ?? id;
  let state;
  if (r.agreed) state = `Both parties signed the terms (hash ${r.termsHash.slice(0, 12)}…).`;
  else if (r.signatures.length === 1) state = `Only ${name(r.signatures[0].party)} has signed the current terms; the meeting is not agreed.`;
  else state = 'Neither party has signed the current terms; the meeting is not agreed.';
  const parts = [el('strong', 'Verified.'),
    ` All ${r.acts.length} acts are validly signed by the members the file lists, chained in order, and follow the negotiation rules. ${state}`];
  if (r.withdrawal)
    parts.push(` The meeting was then withdrawn by ${name(r.withdrawal.party)} (${r.withdrawal.name}) ` +
      `at ${r.withdrawal.at}: “${r.withdrawal.reason}”.`);
  return ['ok', parts];
}

function renderMeeting(r) {
  const dl = $('#verify-meeting');
  dl.replaceChildren();
  dlRow(dl, 'Meeting id', el('span', r.meeting, 'mono'));
  r.parties.forEach((p, i) => {
    dlRow(dl, i === 0 ? 'Initiating party' : 'Counterparty',
      `${p.name} `, el('span', `(${p.id}, ${p.timeZone ?? 'no time zone'})`, 'muted'));
  });
  dlRow(dl, 'Acts in the file', String(r.actsInFile));
  dlRow(dl, 'Acts verified', String(r.acts.filter((a) => a.verified).length));
  if (r.head) dlRow(dl, 'Hash of the last verified act', el('span', r.head, 'mono'));
  if (r.exportedAt) dlRow(dl, 'Exported at (as the file says)', utcTime(r.exportedAt));
  if (r.withdrawal)
    dlRow(dl, 'Withdrawn', `by ${r.withdrawal.name} (${r.withdrawal.party}) at `, utcTime(r.withdrawal.at),
      ` UTC: ${r.withdrawal.reason}`);
}

function renderActs(r) {
  const partyName = (id) => r.parties.find((p) => p.id === id)?.name ?? id;
  const body = $('#verify-acts tbody');
  body.replaceChildren();
  for (const a of r.acts) {
    const tr = el('tr');
    tr.dataset.seq = String(a.seq);
    tr.append(el('td', String(a.seq)));
    const when = el('td');
    when.append(utcTime(a.at));
    tr.append(when);
    const who = el('td');
    who.append(el('span', a.authorName ?? a.author));
    who.append(el('br'), el('span', a.party ? partyName(a.party) : 'not a listed member', 'muted'));
    tr.append(who);
    const what = el('td', a.summary ?? a.kind);
    if (!a.verified) {
      what.append(el('br'), el('strong', `Refused: ${MEANING[r.code] ?? r.code} [${r.code}]`));
      tr.className = 'refused';
    }
    tr.append(what);
    const sig = a.signatureOk === true ? '✓ valid' : a.signatureOk === false ? '✗ invalid' : '— not checked';
    tr.append(el('td', sig));
    body.append(tr);
  }
}

function renderSignatures(r) {
  const box = $('#verify-signatures');
  box.replaceChildren();
  if (!r.ok)
    box.append(el('p', 'As far as the log verified, that is up to the act before the refused one:', 'muted'));
  if (r.termsHash) {
    const p = el('p', 'Hash of the current terms: ');
    p.append(el('span', r.termsHash, 'mono'));
    box.append(p);
  } else {
    box.append(el('p', 'Not every parameter has been proposed yet, so there are no terms to sign.', 'muted'));
  }
  if (r.signatures.length === 0) {
    box.append(el('p', 'Neither party has signed the current terms.'));
    return;
  }
  const wrap = el('div', null, 'table-wrap');
  const table = el('table');
  const head = el('tr');
  for (const h of ['Party', 'Signed by', 'Signer\'s public key', 'Terms hash signed', 'At (UTC)']) {
    const th = el('th', h);
    th.scope = 'col';
    head.append(th);
  }
  table.append(el('thead'));
  table.tHead.append(head);
  const tbody = el('tbody');
  for (const party of r.parties) {
    const s = r.signatures.find((x) => x.party === party.id);
    const tr = el('tr');
    tr.dataset.party = party.id;
    tr.append(el('td', party.name));
    if (!s) {
      const td = el('td', 'has not signed the current terms');
      td.colSpan = 4;
      tr.append(td);
    } else {
      const who = el('td', s.name);
      who.append(el('br'), el('span', s.member, 'mono muted'));
      tr.append(who, el('td', s.key, 'mono'), el('td', s.termsHash, 'mono'));
      const at = el('td');
      at.append(utcTime(s.at));
      tr.append(at);
    }
    tbody.append(tr);
  }
  table.append(tbody);
  wrap.append(table);
  box.append(wrap);
  box.append(el('p', 'Compare each signer\'s key with the key that member shows in their own Parley ' +
    '(parley whoami, or their page) before relying on these signatures.', 'muted'));
}

function renderMembers(r) {
  const body = $('#verify-members tbody');
  body.replaceChildren();
  for (const m of r.members) {
    const tr = el('tr');
    tr.append(el('td', m.name), el('td', m.party), el('td', m.roles.join(', ')), el('td', m.id, 'mono'), el('td', m.key, 'mono'));
    body.append(tr);
  }
}

function showFailure(message) {
  $('#verify-result').hidden = true;
  $('#record-report').hidden = true;
  setVerdict('error', [el('strong', 'The file could not be checked.'), ` ${message}`]);
}

// A refused record, excerpt or series, in words: which act or checkpoint, and why.
function recordFailure(r, what) {
  const m = /^(?:record (\d+): )?(act|checkpoint|entry|final|trust)\b ?(\d+)?/.exec(r.error ?? '');
  const meaning = RECORD_MEANING[r.code] ?? MEANING[r.code] ?? 'it breaks a rule of the protocol';
  const detail = r.error.replace(/^record \d+: /, '').replace(/ \[[a-z_0-9]+\]$/, '');
  if (r.code === 'no_trust')
    return ['warn', [el('strong', `The ${what} is not verified: no trust was given.`),
      ' Its signatures and checkpoints are consistent (see below), but the parties\' keys come from the file itself. ' +
      'Give the trust below: a trust file (parley record pin) or each party\'s key as PARTY=KEY, then verify again.']];
  if (NOT_JSON.has(r.code))
    return ['error', [el('strong', 'This file is not JSON that Parley accepts.'), ` ${detail} (code ${r.code}).`]];
  if (r.code === 'unsupported')
    return ['error', [el('strong', 'This browser cannot check the signatures.'),
      ' It lacks Ed25519 in WebCrypto; use a current Chromium, Firefox or Safari, or run parley verify.']];
  const where = { act: `Act ${m?.[3]} is refused`, entry: `Entry ${m?.[3]} of the excerpt is refused`,
    checkpoint: `Checkpoint ${m?.[3] ?? ''} is refused`, final: 'Its claim to be final is refused' }[m?.[2]] ?? 'It is refused';
  return ['error', [el('strong', `This ${what} does NOT verify${m?.[1] ? ` (record ${m[1]})` : ''}.`),
    ` ${where.trim()}: ${meaning} (${detail}; code ${r.code}).`]];
}

function showRecordResult(r) {
  $('#verify-result').hidden = true;
  const box = $('#record-report');
  box.replaceChildren();
  const what = r.type === 'series' ? 'series of records' : r.type;
  const verdict = r.type === 'record' ? recordVerdict(r) : r.type === 'excerpt' ? excerptVerdict(r) : seriesVerdict(r);
  if (verdict) setVerdict('ok', verdict);
  else {
    const [kind, parts] = recordFailure(r, what);
    setVerdict(kind, parts);
  }
  if (r.type === 'record' && r.record) renderRecord(box, r);
  else if (r.type === 'excerpt' && r.ok) renderExcerpt(box, r);
  else if (r.type === 'series') renderSeries(box, r);
  box.hidden = box.childElementCount === 0;
}

function showExport(r) {
  $('#record-report').hidden = true;
  const [kind, parts] = verdictParts(r);
  setVerdict(kind, parts);
  if (r.meeting === null) return;  // not an export at all: nothing more to show
  renderMeeting(r);
  renderActs(r);
  renderSignatures(r);
  renderMembers(r);
  $('#verify-result').hidden = false;
}

// The type a file says it is, without judging it yet (the verifiers parse strictly).
function typeOf(text) {
  try {
    const t = JSON.parse(text)?.type;
    return { 'parley.export/1': 'export', 'parley.record/1': 'record', 'parley.excerpt/1': 'excerpt', 'parley.trust/1': 'trust' }[t] ?? null;
  } catch {
    return null;
  }
}

let checking = 0;          // only the last check may show its result
let lastDocs = [];         // the files last checked (not trust files), to verify again with another trust
let trustDocs = [];        // trust files given, dropped with the others or chosen apart

// The trust from the trust files and the pasted keys; null when none is given.
function currentTrust() {
  const trusts = trustDocs.map((d) => parseTrust(d.bytes));
  const pasted = $('#verify-party-keys').value.trim();
  if (pasted) trusts.push(trustFromPairs(pasted));
  return trusts.length ? mergeTrusts(...trusts) : null;
}

async function readFiles(files) {
  const out = [];
  for (const file of files) {
    if (file.size > MAX_FILE_BYTES) throw new Error(`${file.name} is larger than 64 MiB.`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    out.push({ name: file.name, bytes, type: typeOf(new TextDecoder().decode(bytes)) });
  }
  return out;
}

async function check(docs) {
  const mine = ++checking;
  const trustFiles = docs.filter((d) => d.type === 'trust');
  if (trustFiles.length) {
    trustDocs = trustFiles;
    $('#verify-trust-status').textContent = `Trust: ${trustFiles.map((d) => d.name).join(', ')}.`;
  }
  const others = docs.filter((d) => d.type !== 'trust');
  if (others.length === 0) {
    if (lastDocs.length && trustFiles.length) return check(lastDocs);
    setVerdict('', [trustFiles.length ? 'Trust loaded. Now choose the record or excerpt to verify.' : 'Nothing to verify.']);
    return;
  }
  lastDocs = others;
  $('#verify-result').hidden = true;
  $('#record-report').hidden = true;
  setVerdict('', [`Checking ${others.map((d) => d.name).join(', ')}…`]);
  let trust;
  try {
    trust = currentTrust();
  } catch (e) {
    showFailure(`The trust could not be read: ${e.message}`);
    return;
  }
  const types = new Set(others.map((d) => d.type));
  try {
    let r;
    if (others.length === 1 && others[0].type !== 'record' && others[0].type !== 'excerpt') {
      r = await verifyExport(others[0].bytes);
      if (mine === checking) showExport(r);
      return;
    }
    if (others.length === 1 && others[0].type === 'excerpt') r = await verifyExcerpt(others[0].bytes, { trust });
    else if (others.length === 1) r = await verifyRecord(others[0].bytes, { trust });
    else if (types.size === 1 && types.has('record')) r = await verifySeries(others.map((d) => d.bytes), { trust, reorder: true });
    else {
      showFailure('Several files can only be records of one series (with trust files). Choose one export or excerpt at a time.');
      return;
    }
    if (mine === checking) showRecordResult(r);
  } catch (e) {
    if (mine === checking) showFailure(`Verification stopped unexpectedly: ${e.message}`);
  }
}

async function checkFiles(files) {
  if (!files || files.length === 0) return;
  let docs;
  try {
    docs = await readFiles(files);
  } catch (e) {
    showFailure(e.message);
    return;
  }
  await check(docs);
}

// verify?excerpt=<URL>: an excerpt on this server (the public announcements page links to them).
async function checkLinkedExcerpt() {
  const param = new URLSearchParams(location.search).get('excerpt');
  if (!param) return;
  let url;
  try {
    url = new URL(param, location.href);
  } catch {
    showFailure('The excerpt\'s address is not a URL.');
    return;
  }
  if (url.origin !== location.origin) {
    showFailure(`Only excerpts from this server are fetched (${location.origin}); download it and choose the file instead.`);
    return;
  }
  setVerdict('', [`Fetching the excerpt ${url.pathname}…`]);
  try {
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`the server answered ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_FILE_BYTES) throw new Error('it is larger than 64 MiB');
    await check([{ name: url.pathname.split('/').pop() || 'excerpt', bytes, type: typeOf(new TextDecoder().decode(bytes)) }]);
  } catch (e) {
    showFailure(`The excerpt could not be fetched: ${e.message}.`);
  }
}

function init() {
  const input = $('#verify-file');
  const zone = $('#verify-drop');
  input.addEventListener('change', () => checkFiles(input.files));
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    checkFiles(e.dataTransfer.files);
  });
  const trustInput = $('#verify-trust-file');
  trustInput.addEventListener('change', async () => {
    try {
      const docs = await readFiles(trustInput.files);
      trustDocs = docs;
      $('#verify-trust-status').textContent = docs.length ? `Trust: ${docs.map((d) => d.name).join(', ')}.` : '';
      if (lastDocs.length) await check(lastDocs);
    } catch (e) {
      showFailure(e.message);
    }
  });
  $('#verify-again').addEventListener('click', () => {
    if (lastDocs.length) check(lastDocs);
    else setVerdict('', ['Choose a file to verify first.']);
  });
  // A file dropped beside the zone must not make the browser open it instead.
  for (const type of ['dragover', 'drop']) window.addEventListener(type, (e) => e.preventDefault());
  checkLinkedExcerpt();
}

init();
