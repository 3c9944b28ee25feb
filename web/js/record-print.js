// The printable record (/record-print#<meeting>): the record of the talks
// as this browser fetched and verified it, laid out for paper — each entry
// with its kind, signer, party, role, time, short key fingerprint and text;
// the assurances; the final checkpoint (or the latest) with its cosigners.
// The same content as `parley record export --html` (docs/record.md §The
// exported record). Nothing here is trusted that did not verify: a record
// that fails verification is not printed, and the failure is shown.

import { explain } from './api.js';
import { h } from './dom.js';
import { loadIdentity } from './identity.js';
import { download, loadRecord } from './record.js';
import { KIND_LABELS, STATUS_LABELS, itemLabel, textOf } from './record-ui.js';

const $ = (id) => document.getElementById(id);
const meeting = decodeURIComponent(location.hash.slice(1));

function say(text, kind = 'error') {
  $('notice').className = `notice ${kind}`;
  $('notice').textContent = text;
}

function table(caption, head, rows, id) {
  return h('table', { class: 'print-table', id },
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, head.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows));
}

function render(doc, report) {
  const state = report.state;
  const log = state.log;
  const roster = log.signedRoster() || new Map();
  const role = (m) => roster.get(m)?.role || '—';
  const title = log.params.get('title')?.value || meeting;
  const latest = state.checkpoints.at(-1) || null;
  const shown = state.finalCheckpoint || [...state.checkpoints].reverse().find((c) => c.both) || latest;
  const final = !!state.finalCheckpoint;
  document.title = `Record: ${title} — Parley`;

  const entryRows = log.entries.map((e) => h('tr', { 'data-kind': e.kind, 'data-seq': String(e.seq) },
    h('td', { text: String(e.seq) }),
    h('td', { text: KIND_LABELS[e.kind] || e.kind }),
    h('td', { text: e.authorName }),
    h('td', { text: log.partyName(e.party) }),
    h('td', { text: e.role }),
    h('td', {}, h('time', { datetime: e.at, text: e.at.replace('T', ' ').replace('Z', ' UTC') })),
    h('td', { class: 'fp', text: e.fingerprint }),
    h('td', { class: 'entry-text' }, textOf(log, e),
      e.corrections && e.corrections.length
        ? h('div', { class: 'muted', text: `Corrected (acts ${e.corrections.map((c) => c.seq).join(', ')}); the original: ${e.originalText}` }) : null)));

  const assuranceRows = log.assurances.map((a) => h('tr', { 'data-hash': a.hash },
    h('td', { text: String(a.seq) }),
    h('td', { text: `${log.partyName(a.giver)} → ${log.partyName(a.to)}` }),
    h('td', { text: `${a.text} (scope: ${a.scope}; ${a.until ? `until ${a.until}` : 'no time limit'}; ${itemLabel(log, a.item)})` }),
    h('td', { text: a.binding ? 'binding' : 'withdrawn' }),
    h('td', { text: a.acknowledged ? `${a.acknowledged.authorName}, ${a.acknowledged.at}` : 'not acknowledged' }),
    h('td', { text: a.statuses.map((s) => `${STATUS_LABELS[s.body.status]} (${s.authorName}, ${s.at})`).join('; ') || '—' })));

  return h('div', {},
    h('h1', { id: 'print-title' }, `Record of the talks: ${title} `,
      h('span', { class: `badge ${final ? 'yes' : 'no'}`, id: 'print-final', 'data-final': String(final), text: final ? 'FINAL' : 'NOT FINAL' })),
    h('dl', { class: 'print-facts' },
      h('dt', { text: 'Meeting' }), h('dd', { class: 'mono', text: doc.meeting }),
      h('dt', { text: 'Parties' }), h('dd', { text: doc.parties.map((p) => `${p.name} (${p.id}, ${p.time_zone})`).join(' and ') }),
      h('dt', { text: 'Terms hash' }), h('dd', { class: 'mono', text: report.termsHash || '—' }),
      h('dt', { text: 'Log' }), h('dd', { class: 'mono', text: `${doc.origin} · ${log.length} signed acts · log key ${doc.log_key}` }),
      h('dt', { text: 'Exported' }), h('dd', { text: doc.exported_at }),
      h('dt', { text: 'Verified' }), h('dd', { id: 'print-verified', text: `in this browser on ${new Date().toISOString().slice(0, 19)}Z: every signature, rule and checkpoint. Compare the fingerprints with the members' own.` })),
    h('h2', { text: 'Signed roster' }),
    table('Members on the signed roster', ['Name', 'Party', 'Role', 'Key fingerprint'],
      [...roster.values()].map((m) => h('tr', {}, h('td', { text: log.memberName(m.member) }), h('td', { text: log.partyName(m.party) }),
        h('td', { text: m.role }), h('td', { class: 'fp', text: m.fingerprint || '' }))), 'print-roster'),
    h('h2', { text: 'Entries' }),
    table('Every entry of the record, in order', ['Act', 'Kind', 'Signer', 'Party', 'Role', 'Time (UTC)', 'Fingerprint', 'Text'], entryRows, 'print-entries'),
    log.assurances.length ? [h('h2', { text: 'Assurances' }),
      table('Assurances, their acknowledgement and statuses', ['Act', 'Given', 'Assurance', 'Binds', 'Acknowledged', 'Statuses'], assuranceRows, 'print-assurances')] : null,
    h('h2', { text: final ? 'Final checkpoint' : 'Checkpoint' }),
    shown ? h('section', { id: 'print-checkpoint', 'data-size': String(shown.size), 'data-final': String(!!shown.final) },
      h('p', { text: `Checkpoint ${shown.number}: the first ${shown.size} acts, root ${shown.root}. ${shown.final ? 'Cosigned by both parties and covering a closed session: it makes the record final.'
        : shown.both ? 'Cosigned by both parties.' : 'Not cosigned by both parties.'}` }),
      table('Cosigners', ['Name', 'Party', 'Role', 'Key fingerprint'], shown.cosigners.map((c) => h('tr', {},
        h('td', { text: c.name }), h('td', { text: log.partyName(c.party) }), h('td', { text: c.role }), h('td', { class: 'fp', text: c.fingerprint }))), 'print-cosigners'),
      h('pre', { class: 'terms checkpoint-note', text: shown.note })) : h('p', { text: 'No checkpoint.' }));
}

async function main() {
  if (!meeting) return say('No meeting given: open this page from the meeting\'s page.');
  if (!(await loadIdentity())) return say('This browser holds no Parley identity: the record is for members of the meeting.');
  const { doc, report } = await loadRecord(meeting);
  if (!report.ok) {
    $('record-print').replaceChildren(h('p', { text: 'Nothing is printed: the record does not verify in this browser.' }));
    return say(`The record does not verify: ${report.error}`);
  }
  $('record-print').replaceChildren(render(doc, report));
  $('print').disabled = false;
  $('download').disabled = false;
  $('print').addEventListener('click', () => window.print());
  $('download').addEventListener('click', () => download(doc, `${meeting}.parley-record.json`));
  document.body.dataset.ready = 'true';
}

main().catch((e) => say(explain(e)));
