// Pieces of the record's pages shared by the call panel (call-record.js),
// the meeting page (meeting-record.js) and the printable record
// (record-print.js): how an entry, an assurance and a form field look.
// Everything is drawn from the record *as this browser replayed and
// verified it* (a MeetingLog of meeting-log.js, through record.js), never
// from the server's word alone. The log's entry objects carry the derived
// fields used here: authorName, party, role, fingerprint, the current
// text after corrections, acknowledged, statuses, countersigned, usedBy.

import { field, h } from './dom.js';
import { checkText } from './params.js';
import { inZone, isInstant, localToInstant } from './time.js';

export const KIND_LABELS = {
  session_open: 'Session opened',
  session_close: 'Session closed',
  minute: 'Minute',
  statement: 'Statement',
  assurance_draft: 'Draft assurance',
  assurance: 'Assurance',
  acknowledge: 'Acknowledgement',
  readout: 'Readout',
  joint_statement: 'Joint statement',
  countersign: 'Countersignature',
  correction: 'Correction',
  assurance_status: 'Assurance status',
};

export const STATUS_LABELS = { fulfilled: 'fulfilled', in_dispute: 'in dispute', withdrawn: 'withdrawn by the giver' };

export function itemLabel(log, item) {
  if (item === null || item === undefined) return 'no agenda item';
  const t = log.itemTitle(item);
  return t === null ? `item ${item + 1}` : `item ${item + 1}: ${t}`;
}

// "Helen Brooks (Western Delegation, leader)".
export function who(log, member) {
  const r = log.signedRoster()?.get(member);
  return r ? `${log.memberName(member)} (${log.partyName(r.party)}, ${r.role})` : log.memberName(member);
}

export function when(instant, zone = 'UTC') {
  return h('time', { datetime: instant, text: inZone(instant, zone) });
}

// What an entry says, in one paragraph.
export function textOf(log, e) {
  switch (e.kind) {
    case 'session_open':
    case 'session_close':
      return `Session ${e.session ?? ''} ${e.kind === 'session_open' ? 'opened' : 'closed'}; present: ${e.body.present.map((m) => log.memberName(m)).join(', ')}`;
    case 'minute': return `${itemLabel(log, e.body.item)} — ${e.text}`;
    case 'statement':
      return `${log.memberName(e.body.speaker)}${e.body.speaker !== e.author ? ' (recorded by the rapporteur)' : ''}, ${itemLabel(log, e.body.item)} — ${e.text}`;
    case 'assurance_draft': return `For ${log.partyName(e.body.giver)} to give: ${e.body.text} (scope: ${e.body.scope}${e.body.until ? `; until ${e.body.until}` : ''})`;
    case 'assurance': return `${log.partyName(e.party)} assures ${log.partyName(e.body.to)}: ${e.body.text} (scope: ${e.body.scope}${e.body.until ? `; until ${e.body.until}` : ''})`;
    default: return e.summary || '';
  }
}

// An entry as a list item: kind, signer, time, fingerprint, text.
export function entryItem(log, e, zone) {
  return h('li', { class: `entry entry-${e.kind}`, 'data-kind': e.kind, 'data-hash': e.hash, 'data-seq': String(e.seq) },
    h('strong', { text: KIND_LABELS[e.kind] || e.kind }), ` (act ${e.seq}) · `,
    who(log, e.author), ' · ', when(e.at, zone), ' · ',
    h('span', { class: 'fp', title: 'Short fingerprint of the signer\'s key on the signed roster', text: e.fingerprint }),
    h('div', { class: 'entry-text', text: textOf(log, e) }),
    e.corrections && e.corrections.length ? h('div', { class: 'muted', text: `Corrected ${e.corrections.length} time${e.corrections.length > 1 ? 's' : ''} (latest: ${e.corrections.at(-1).reason}); the text shown is the latest.` }) : null);
}

// An assurance with its acknowledgement and statuses.
export function assuranceFacts(log, a, zone) {
  const ack = a.acknowledged;
  return h('ul', { class: 'plain assurance-facts' },
    h('li', {}, `Given by ${log.partyName(a.giver)} to ${log.partyName(a.to)}, signed by ${who(log, a.author)} `, when(a.at, zone),
      ' · ', h('span', { class: 'fp', text: a.fingerprint })),
    h('li', { text: `Scope: ${a.scope}` }),
    h('li', { text: a.until ? `Until: ${inZone(a.until, 'UTC')}` : 'No time limit' }),
    h('li', { text: `Agenda: ${itemLabel(log, a.item)}` }),
    h('li', { class: 'ack', 'data-acknowledged': String(!!ack) }, ack
      ? ['Acknowledged by ', who(log, ack.author), ' ', when(ack.at, zone), ' (received as recorded, not agreed)']
      : `Not yet acknowledged by ${log.partyName(a.to)}`),
    a.statuses.map((s) => h('li', { class: 'status', 'data-status': s.body.status },
      `Status: ${STATUS_LABELS[s.body.status]}, recorded by ${who(log, s.author)} `, when(s.at, zone),
      s.body.note ? ` — ${s.body.note}` : '')));
}

// --- Form fields

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

// A <select> of the terms' agenda items, with "no item".
export function itemSelect(log, id = nextId('item')) {
  const sel = h('select', { id }, h('option', { value: '', text: 'No agenda item' }),
    log.agenda().map((t, i) => h('option', { value: String(i), text: `${i + 1}. ${t.title}` })));
  return { el: field('Agenda item', sel), value: () => (sel.value === '' ? null : Number(sel.value)), control: sel };
}

export function textArea(label, maxBytes, { id = nextId('text'), hint, what = label, optional = false } = {}) {
  const ta = h('textarea', { id, maxlength: maxBytes });
  return {
    el: field(label, ta, hint || `Up to ${maxBytes} bytes.`),
    value: () => (optional && !ta.value.trim() ? '' : checkText(ta.value, maxBytes, { multiline: true, what })),
    control: ta,
    clear: () => { ta.value = ''; },
  };
}

// An optional time limit, typed in UTC; null when left empty.
export function untilInput(id = nextId('until')) {
  const input = h('input', { type: 'datetime-local', id, step: 60 });
  return {
    el: field('Valid until (UTC, optional)', input, 'Leave empty for an assurance without a time limit.'),
    value: () => {
      if (!input.value) return null;
      const t = localToInstant(input.value, 'UTC');
      if (!t || !isInstant(t)) throw new Error('Choose a valid date and time for the time limit, or leave it empty.');
      if (Date.parse(t) <= Date.now()) throw new Error('The time limit must be in the future.');
      return t;
    },
    control: input,
    clear: () => { input.value = ''; },
  };
}
