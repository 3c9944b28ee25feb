// The public announcements page: GET /public/announcements (no session;
// docs/api/openapi.yaml, schema Announcement) shown as one card per meeting,
// newest first. Every value from the server reaches the page through
// textContent; links are built from the meeting id, not taken from the data.

import { dlRow, el, h, timeEl } from './dom.js';
import { durationText, inZone, languageName } from './time.js';
import { verifyExcerpt } from './record-verifier.js';

const $ = (sel) => document.querySelector(sel);

function link(href, text) {
  return h('a', { href, text });
}

// The order the server documents: by publication, or by withdrawal for a
// withdrawn meeting; newest first. Instants are fixed width: string order is time order.
function newsAt(a) {
  return a.withdrawal?.at ?? a.published_at;
}

// Announcement text: blank lines separate paragraphs, single newlines break lines.
function textBlocks(text) {
  return text.split(/\n\s*\n/).map((para) => {
    const p = el('p');
    para.split('\n').forEach((line, i) => {
      if (i) p.append(el('br'));
      p.append(document.createTextNode(line));
    });
    return p;
  });
}

function card(a) {
  const art = el('article', null, 'card');
  art.dataset.meeting = a.id;
  const h = el('h2', a.title);
  if (a.status === 'withdrawn') h.append(' ', el('span', 'withdrawn', 'badge withdrawn'));
  art.append(h);

  const partyName = (id) => a.parties.find((p) => p.id === id)?.name ?? id;
  if (a.withdrawal) {
    const w = el('p', `This meeting was withdrawn by ${partyName(a.withdrawal.party)} on `, 'notice error');
    w.append(timeEl(a.withdrawal.at, inZone(a.withdrawal.at, 'UTC')), `: ${a.withdrawal.reason}`);
    art.append(w);
  }

  const text = el('section', null, 'announcement-text');
  text.append(...textBlocks(a.text));
  art.append(text);

  const dl = el('dl');
  dlRow(dl, 'Parties', a.parties.map((p) => p.name).join(' and '));
  dlRow(dl, 'Starts (UTC)', timeEl(a.start, inZone(a.start, 'UTC')));
  for (const p of a.parties) {
    const local = p.start_display ?? inZone(a.start, p.time_zone);
    dlRow(dl, `Starts for ${p.name}`, `${local} `, el('span', `(${p.time_zone})`, 'muted'));
  }
  dlRow(dl, 'Duration', `${durationText(a.duration_minutes)}, ending `, timeEl(a.end, inZone(a.end, 'UTC')));
  const agenda = el('ol', null, 'agenda');
  for (const item of a.agenda) agenda.append(el('li', item));
  dlRow(dl, 'Agenda', agenda);
  dlRow(dl, 'Languages', a.languages.map(languageName).join(', '));
  if (a.predecessor) dlRow(dl, 'Follows meeting', el('span', a.predecessor, 'mono'));
  dlRow(dl, 'Announced', timeEl(a.published_at, inZone(a.published_at, 'UTC')));
  dlRow(dl, 'Terms hash (SHA-256)', el('span', a.terms_hash, 'mono'));
  art.append(dl);


  const links = el('p');
  links.append(link(`/public/meetings/${encodeURIComponent(a.id)}.ics`, 'Add to calendar (.ics)'), ' · ',
    link('/public/announcements.atom', 'Atom feed'));
  art.append(links);
  if (a.status !== 'withdrawn' || a.withdrawal?.after_announcement) {
    const pubs = el('section', null, 'publications');  // (h is the heading here)
    pubs.setAttribute('aria-label', `Readouts and joint statements of ${a.title}`);
    art.append(pubs);
    showPublications(a, pubs);
  }
  return art;
}

// --- Readouts and joint statements (docs/record.md §Routes, public)

// A meeting's publications, and the excerpt of one of them: the verify
// page fetches that excerpt (verify?excerpt=<path on this server>) and
// checks it in the reader's browser.
export function publicationsPath(meeting) {
  return `/public/meetings/${encodeURIComponent(meeting)}/publications`;
}
export function verifyLink(meeting, hash) {
  return `/verify?excerpt=${encodeURIComponent(`${publicationsPath(meeting)}/${hash}/excerpt`)}`;
}

const PUBLICATION_LABELS = { readout: 'Readout', correction: 'Corrected readout', joint_statement: 'Joint statement' };

// Fetches a meeting's publications and lists them: who published what and
// when, with its proof checked here at once, and a link to check it on the
// verify page. A meeting without any shows nothing.
async function showPublications(a, box) {
  let list;
  try {
    const res = await fetch(publicationsPath(a.id), { headers: { Accept: 'application/json' } });
    if (!res.ok) return;
    list = (await res.json()).publications;
  } catch {
    return;  // nothing published, or the server cannot say: the card stays as it is
  }
  if (!Array.isArray(list) || list.length === 0) return;
  const partyName = (id) => a.parties.find((p) => p.id === id)?.name ?? id;
  const items = list.map((p) => {
    const status = el('span', 'checking the proof…', 'muted');
    const byName = (id) => p.excerpt?.members?.find((m) => m.id === id)?.name ?? id;
    const li = h('li', { class: 'publication', 'data-kind': p.kind, 'data-hash': p.hash },
      h('strong', { text: `${PUBLICATION_LABELS[p.kind] || p.kind}` }),
      p.kind === 'joint_statement' ? ` of ${a.parties.map((x) => x.name).join(' and ')}` : ` of ${partyName(p.party)}`,
      `, signed by ${byName(p.author)} on `, timeEl(p.at, inZone(p.at, 'UTC')),
      h('div', { class: 'publication-text' }, ...textBlocks(p.text)),
      p.reason ? h('div', { class: 'muted', text: `Reason for the correction: ${p.reason}` }) : null,
      h('div', {}, link(verifyLink(a.id, p.hash), 'Verify'), ' · ', status));
    verifyExcerpt(JSON.stringify(p.excerpt)).then((r) => {
      status.textContent = r.ok ? `✓ signatures and proof check out (checkpoint of ${r.checkpoint.size} acts, cosigned by ${r.checkpoint.cosignedBy.length} of 2 parties)`
        : `✗ the proof does not check out: ${r.error}`;
      status.className = r.ok ? 'verified' : 'notice error';
      li.dataset.verified = String(r.ok);
    }).catch(() => { status.textContent = 'the proof could not be checked in this browser'; });
    return li;
  });
  box.append(h('h3', { text: 'Readouts and joint statements' }), h('ul', { class: 'plain' }, items));
}

function showStatus(kind, text) {
  const s = $('#announcements-status');
  s.className = `notice ${kind}`.trim();
  s.textContent = text;
}

async function load() {
  let list;
  try {
    const res = await fetch('/public/announcements', { headers: { Accept: 'application/json' } });
    const body = await res.text();
    let data = null;
    try {
      data = JSON.parse(body);
    } catch {
      data = null;
    }
    if (!res.ok) {
      const why = data?.error?.message ?? `the server answered ${res.status} ${res.statusText}`.trim();
      throw new Error(why);
    }
    if (!Array.isArray(data)) throw new Error('the server\'s answer is not a list of announcements');
    list = data;
  } catch (e) {
    const why = e instanceof TypeError ? 'the server cannot be reached' : e.message;
    showStatus('error', `The announcements could not be loaded: ${why}. Reload the page to try again.`);
    return;
  }
  const box = $('#announcements');
  box.replaceChildren();
  if (list.length === 0) {
    showStatus('', 'Nothing has been announced yet.');
    return;
  }
  const sorted = list.map((a, i) => [a, i])
    .sort(([a, i], [b, j]) => (newsAt(a) < newsAt(b) ? 1 : newsAt(a) > newsAt(b) ? -1 : i - j))
    .map(([a]) => a);
  const shown = [];
  let broken = 0;
  for (const a of sorted) {
    try {
      shown.push(card(a));
    } catch {
      broken += 1;  // an entry not in the documented shape: skip it, say so below
    }
  }
  box.append(...shown);
  let text = shown.length === 1 ? '1 meeting announced.' : `${shown.length} meetings announced.`;
  if (broken) text += ` ${broken} could not be shown.`;
  showStatus('', text);
}

load();
