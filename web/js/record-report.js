// The readable report of a verified record, excerpt or series
// (record-verifier.js results) on the "Verify" page: the verdict in words,
// who committed to what and who acknowledged it when, the sessions, the
// published statements, every entry, the checkpoints and their cosigners,
// FINAL or NOT FINAL. Everything from the file enters the page through
// textContent only (dom.js).

import { h, el, timeEl, dlRow } from './dom.js';
import { NEGOTIATION_KINDS } from './meeting-log.js';

// What a refusal means, in words (codes of docs/record.md and docs/api/errors.md).
export const RECORD_MEANING = {
  bad_signature: 'its signature does not verify with the key the file lists for its author: the act, or that key, was changed',
  stale_sequence: 'it does not follow from the acts its author saw: an act was removed, inserted, replayed or reordered',
  role_not_allowed: 'its author\'s role does not allow it (for a record entry, the role on the signed roster)',
  not_on_roster: 'its author (or a member it names) is not on the roster both parties signed',
  not_announced: 'it was recorded before the meeting was announced',
  no_session: 'it needs an open session and none was open',
  session_open: 'it opens a session while one is already open',
  unknown_entry: 'it refers to an entry that is not in this log',
  wrong_entry_kind: 'it refers to an entry of the wrong kind',
  draft_used: 'it gives an assurance from a draft that was already given',
  already_acknowledged: 'it acknowledges an assurance that was already acknowledged',
  readout_exists: 'its party already has a readout (a later version is a correction)',
  joint_statement_open: 'another joint statement is still waiting for its countersignature',
  already_countersigned: 'it countersigns a joint statement that was already countersigned',
  invalid_item: 'it names an agenda item the terms do not have',
  meeting_announced: 'it changes the negotiation after the meeting was announced',
  no_trust: 'no trust was given: the keys in the file itself prove nothing',
  untrusted_key: 'it was signed with a key the trust does not give for that party',
  not_agreed: 'the terms were never signed by both parties',
  not_final: 'the record is not final, though the file claims it (or finality was required)',
  checkpoint_cosigner: 'a checkpoint is cosigned by someone who may not cosign for a party',
  key_changed: 'its author\'s listed key is not the key on the roster both parties signed',
  unknown_author: 'its author is not among the members the file lists',
  wrong_predecessor: 'the records do not follow one another',
  tlog_bad_size: 'a checkpoint covers a number of acts the log does not match',
  tlog_bad_proof: 'a proof has the wrong number of hashes',
  tlog_root_mismatch: 'a tree hash does not match the acts: the log was changed, cut or reordered',
  tlog_bad_index: 'a proof names a position outside the tree',
  tlog_wrong_origin: 'a checkpoint belongs to another meeting\'s log',
  tlog_unsigned: 'a checkpoint lacks a signature it must carry',
  tlog_bad_signature: 'a signature on a checkpoint does not verify',
  tlog_bad_note: 'a checkpoint is not a well-formed signed note',
  tlog_bad_checkpoint: 'a checkpoint is not well formed',
  tlog_too_large: 'a checkpoint is too large',
};

export const KIND_LABEL = {
  session_open: 'Session opened', session_close: 'Session closed', minute: 'Minute', statement: 'Statement',
  assurance_draft: 'Draft assurance', assurance: 'Assurance', acknowledge: 'Acknowledgement', readout: 'Readout',
  joint_statement: 'Joint statement', countersign: 'Countersignature', correction: 'Correction',
  assurance_status: 'Status of an assurance', create: 'Created', propose: 'Proposal', accept: 'Acceptance',
  sign: 'Signature of the terms', withdraw: 'Withdrawal',
};

// "2026-11-29 06:55:16" under a "(UTC)" heading; the exact instant stays in datetime.
export function utcTime(instant) {
  return timeEl(instant, instant.replace('T', ' ').replace(/Z$/, ''));
}

function table(headings, rows, label) {
  const head = h('tr', {}, headings.map((t) => h('th', { scope: 'col', text: t })));
  return h('div', { class: 'table-wrap' }, h('table', { 'aria-label': label }, h('thead', {}, head), h('tbody', {}, rows)));
}

const section = (title, ...children) => h('section', {}, h('h3', { text: title }), children);

function who(e, partyName) {
  return [el('span', e.authorName ?? e.author), h('br'),
    el('span', `${partyName(e.party)}, ${e.role ?? (e.roles ?? []).join(', ')}`, 'muted'),
    e.fingerprint ? [h('br'), h('span', { class: 'mono muted', title: 'Key fingerprint', text: e.fingerprint })] : null];
}

function byLine(e, partyName) {
  return [`${e.authorName} (${partyName(e.party)}, ${e.role}) at `, utcTime(e.at), ' UTC'];
}

function itemText(e, agenda) {
  if (e.item === null || e.item === undefined) return null;
  const title = agenda?.[e.item]?.title;
  return el('div', `Agenda item ${e.item + 1}${typeof title === 'string' ? `: ${title}` : ''}`, 'muted');
}

// What an entry says, at more length than its summary.
function entryBody(e, partyName, agenda) {
  const parts = [];
  const text = (t) => h('div', { class: 'value', text: t });
  switch (e.kind) {
    case 'minute':
    case 'readout':
      parts.push(itemText(e, agenda), text(e.text));
      break;
    case 'statement':
      parts.push(el('div', `${e.speakerName} (${partyName(e.speakerParty)})${e.recordedByRapporteur ? ', recorded by the rapporteur' : ''}:`),
        itemText(e, agenda), text(e.text));
      break;
    case 'assurance':
    case 'assurance_draft':
      parts.push(el('div', e.kind === 'assurance' ? `${partyName(e.giver)} assures ${partyName(e.to)}:` : `Draft for ${partyName(e.giver)} to give:`),
        itemText(e, agenda), text(e.text), el('div', `Scope: ${e.scope}. ${e.until ? `Until ${e.until}.` : 'No time limit.'}`, 'muted'));
      break;
    case 'joint_statement':
      parts.push(text(e.text));
      break;
    default:
      parts.push(text(e.summary ?? e.kind));
  }
  if (e.corrections?.length) {
    const list = h('ul', { class: 'plain' }, e.corrections.map((c) => h('li', {}, `Corrected by `, byLine(c, partyName),
      `: “${c.reason}”`)));
    parts.push(el('div', `Current text after ${e.corrections.length} correction${e.corrections.length > 1 ? 's' : ''}; the original was: “${e.originalText}”`, 'muted'), list);
  }
  return parts;
}

function finalBadge(final) {
  return h('span', { class: `badge ${final ? 'yes' : 'no'}`, text: final ? 'FINAL' : 'NOT FINAL' });
}

// ---------------------------------------------------------------- records

export function recordVerdict(r) {
  if (!r.ok) return null;
  const s = r.record;
  const fc = s.checkpoints.find((c) => c.final);
  return [el('strong', 'Verified. '), finalBadge(r.final),
    ` All ${s.length} acts are signed by the members named in them, chained in order, and follow the rules of the ` +
    `negotiation and of the record; both parties signed the terms with keys the trust gives them; each of the ` +
    `${s.checkpoints.length} checkpoints has the tree hash of the acts it covers and follows from the one before. ` +
    (fc ? `The record is final: both parties cosigned checkpoint ${fc.number} (${fc.size} acts), which covers a closed session.`
      : 'The record is not final: no checkpoint cosigned by both parties covers a closed session with none open.')];
}

// The report of one verified (or partly verified) record into `box`.
export function renderRecord(box, r) {
  const s = r.record;
  const partyName = (id) => s.parties.find((p) => p.id === id)?.name ?? id;
  const agenda = r.terms?.agenda;
  const summary = h('dl');
  dlRow(summary, 'Meeting', el('span', r.meeting, 'mono'), r.terms?.title ? ` — ${r.terms.title}` : '');
  dlRow(summary, 'Status', finalBadge(r.final), r.ok ? '' : ' (as far as the record verified)');
  if (r.termsHash) dlRow(summary, 'Terms hash (signed by both)', el('span', r.termsHash, 'mono'));
  for (const p of s.parties) {
    const sig = r.signatures.find((x) => x.party === p.id);
    const pinned = r.pinned.find((x) => x.party === p.id);
    const trusted = sig && pinned?.keys.includes(sig.key);
    dlRow(summary, `${p.name} (${p.id})`,
      sig ? [`terms signed by ${sig.name} at `, utcTime(sig.at), ` UTC with key `, el('span', sig.key, 'mono'),
        h('span', { class: `badge ${trusted ? 'yes' : 'no'}`, text: trusted ? 'trusted' : 'not in the trust' })]
        : 'has not signed the terms');
  }
  dlRow(summary, 'Acts', `${s.length} verified of ${r.actsInFile} in the file (${s.entries.length} record entries)`);
  dlRow(summary, 'Origin of the log', el('span', r.origin, 'mono'));
  if (r.exportedAt) dlRow(summary, 'Exported at (as the file says)', utcTime(r.exportedAt));
  if (s.withdrawal) dlRow(summary, 'Withdrawn', `by ${s.withdrawal.party} at `, utcTime(s.withdrawal.at), ` UTC: ${s.withdrawal.reason}`);
  box.append(h('article', { class: 'card' }, summary));

  // Who committed to what.
  const statuses = (a) => (a.statuses.length === 0 ? 'no status recorded'
    : h('ul', { class: 'plain' }, a.statuses.map((st) => h('li', {},
      `${st.status.replace('_', ' ')}${st.note ? `: “${st.note}”` : ''} — `, byLine(st, partyName)))));
  const assuranceRow = (a) => h('tr', {},
    h('td', { text: String(a.seq) }),
    h('td', {}, who(a, partyName)),
    h('td', { text: partyName(a.to) }),
    h('td', {}, entryBody(a, partyName, agenda)),
    h('td', { text: a.binding ? 'yes' : 'no (withdrawn)' }),
    h('td', {}, a.acknowledged ? ['as received by ', byLine(a.acknowledged, partyName)] : 'not acknowledged'),
    h('td', {}, statuses(a)));
  box.append(section('Assurances', s.assurances.length === 0 ? el('p', 'No assurance was given.', 'muted')
    : table(['#', 'Given by', 'To', 'What', 'Binds', 'Acknowledged', 'Status'], s.assurances.map(assuranceRow), 'Assurances')));

  box.append(section('Sessions', s.sessions.length === 0 ? el('p', 'No session was recorded.', 'muted')
    : h('ul', { class: 'plain' }, s.sessions.map((x) => h('li', {},
      `Session ${x.number}: opened by `, byLine(x.open, partyName),
      `, present: ${x.open.present.map((p) => p.name).join(', ')}; `,
      x.close ? ['closed by ', byLine(x.close, partyName), `, present: ${x.close.present.map((p) => p.name).join(', ')}.`] : 'still open.')))));

  const published = [
    ...s.readouts.map((e) => h('li', {}, el('strong', `Readout of ${partyName(e.party)}`), ' by ', byLine(e, partyName), entryBody(e, partyName, agenda))),
    ...s.jointStatements.map((e) => h('li', {}, el('strong', 'Joint statement'), ' by ', byLine(e, partyName), entryBody(e, partyName, agenda),
      el('div', e.countersigned ? null : 'Not countersigned: not published.', 'muted'),
      e.countersigned ? h('div', {}, 'Countersigned by ', byLine(e.countersigned, partyName)) : null)),
  ];
  box.append(section('Readouts and joint statements', published.length ? h('ul', { class: 'plain' }, published)
    : el('p', 'None.', 'muted')));

  box.append(section('Every entry', table(['#', 'When (UTC)', 'Who', 'What'], s.entries.map((e) => {
    const tr = h('tr', {}, h('td', { text: String(e.seq) }), h('td', {}, utcTime(e.at)), h('td', {}, who(e, partyName)),
      h('td', {}, el('strong', KIND_LABEL[e.kind] ?? e.kind), entryBody(e, partyName, agenda)));
    tr.dataset.seq = String(e.seq);
    return tr;
  }), 'Entries')));
  const refused = !r.ok && r.acts.at(-1)?.verified === false ? r.acts.at(-1) : null;
  if (refused)
    box.append(el('p', `Act ${refused.seq} (${KIND_LABEL[refused.kind] ?? refused.kind} by ${refused.authorName ?? refused.author}) was refused: ${refused.summary ?? ''}`, 'refused'));

  box.append(section('Checkpoints', s.checkpoints.length === 0 ? el('p', 'No checkpoint verified.', 'muted')
    : table(['#', 'Acts covered', 'Tree hash', 'Cosigned by', 'Final'], s.checkpoints.map((c) => h('tr', {},
      h('td', { text: String(c.number) }), h('td', { text: String(c.size) }), h('td', { class: 'mono', text: c.root }),
      h('td', {}, c.cosigners.length === 0 ? 'nobody' : h('ul', { class: 'plain' }, c.cosigners.map((x) =>
        h('li', {}, `${x.name} (${partyName(x.party)}, ${x.role}) `, h('span', { class: 'mono muted', text: x.fingerprint }))))),
      h('td', {}, c.final ? 'FINAL' : c.both ? (c.sessionOpen ? 'no: a session is open' : 'no: no closed session yet') : 'no: not both parties'))), 'Checkpoints')));

  const negotiation = s.acts.filter((a) => NEGOTIATION_KINDS.includes(a.kind));
  box.append(h('details', {}, h('summary', { text: `The negotiation (${negotiation.length} acts)` }),
    h('ul', { class: 'plain' }, negotiation.map((a) =>
      h('li', {}, `${a.seq}. `, utcTime(a.at), ` UTC ${a.authorName ?? a.author} (${partyName(a.party)}): ${a.summary}`)))));
  box.append(h('details', {}, h('summary', { text: 'Members and keys listed in the file' }),
    table(['Name', 'Party', 'Roles', 'Member id', 'Public key'], r.members.map((m) => h('tr', {},
      h('td', { text: m.name }), h('td', { text: m.party }), h('td', { text: m.roles.join(', ') }),
      h('td', { class: 'mono', text: m.id }), h('td', { class: 'mono', text: m.key }))), 'Members')));
}

// ---------------------------------------------------------------- excerpts

export function excerptVerdict(r) {
  if (!r.ok) return null;
  const c = r.checkpoint;
  const by = c.cosignedBy.length === 2 ? 'both parties' : c.cosignedBy.length === 1 ? `${c.cosignedBy[0]} only` : 'neither party';
  return [el('strong', 'Verified. '),
    `${r.entries.length === 1 ? 'This entry is' : `These ${r.entries.length} entries are`} signed by the members named and ` +
    `included in the log of meeting ${r.meeting} as of its checkpoint of ${c.size} acts, which ${by} cosigned. ` +
    (r.trusted === true ? 'Every signer\'s key is one the trust gives for their party.'
      : 'No trust was given, so the keys are not pinned: compare the fingerprints below with the ones the members show you.')];
}

export function renderExcerpt(box, r) {
  const partyName = (id) => r.parties.find((p) => p.id === id)?.name ?? id;
  const c = r.checkpoint;
  const dl = h('dl');
  dlRow(dl, 'Meeting', el('span', r.meeting, 'mono'));
  dlRow(dl, 'Checkpoint', `${c.size} acts, tree hash `, el('span', c.root, 'mono'));
  dlRow(dl, 'Cosigned by', c.cosigners.length ? c.cosigners.map((x) => `${x.name} (${partyName(x.party)}) ${x.fingerprint}`).join('; ') : 'nobody');
  dlRow(dl, 'Keys', r.trusted === null ? 'not pinned (no trust given)' : r.trusted ? 'pinned by the trust' : 'NOT all in the trust');
  box.append(h('article', { class: 'card' }, dl));
  const row = (e) => h('tr', {},
    h('td', { text: String(e.seq) }),
    h('td', {}, utcTime(e.at)),
    h('td', {}, who(e, partyName), e.trusted === null ? null
      : h('div', {}, h('span', { class: `badge ${e.trusted ? 'yes' : 'no'}`, text: e.trusted ? 'pinned' : 'not pinned' }))),
    h('td', {}, el('strong', KIND_LABEL[e.kind] ?? e.kind), el('div', e.body?.text ?? e.summary, 'value')));
  box.append(section('Entries', table(['#', 'When (UTC)', 'Who', 'What'], r.entries.map(row), 'Excerpt entries')));
  for (const cs of r.countersigned) {
    const st = r.entries.find((e) => e.seq === cs.statement);
    const by = r.entries.find((e) => e.seq === cs.by);
    box.append(el('p', `The joint statement of act ${st.seq} by ${st.authorName} (${partyName(st.party)}) is countersigned by ${by.authorName} (${partyName(by.party)}) in act ${by.seq}: it is published by both parties.`));
  }
}

// ---------------------------------------------------------------- series

export function seriesVerdict(r) {
  if (!r.ok) return null;
  return [el('strong', 'Verified. '),
    `${r.records.length} records follow one another (${r.records.map((x) => x.meeting).join(' → ')}), each verifies, and every status ` +
    'recorded on an earlier meeting\'s assurance names an assurance of that meeting.'];
}

export function renderSeries(box, r) {
  if (r.carried.length) {
    box.append(section('Assurances of earlier meetings and their latest status', table(['Meeting', '#', 'Given by', 'To', 'What', 'Latest status'],
      r.carried.map((c) => h('tr', {}, h('td', { class: 'mono', text: c.meeting }), h('td', { text: String(c.assurance.seq) }),
        h('td', { text: `${c.assurance.authorName} (${c.assurance.giver})` }), h('td', { text: c.assurance.to }),
        h('td', { text: c.assurance.text }),
        h('td', {}, c.latest ? [c.latest.replace('_', ' '), ' — ', byLine(c.statuses.at(-1), (id) => id)] : 'none recorded'))), 'Carried assurances')));
  }
  r.records.forEach((rec, k) => {
    const sec = h('section', { class: 'record' }, h('h2', { text: `Record ${k + 1}: ${rec.meeting ?? 'not a record'}` }));
    if (rec.record) renderRecord(sec, rec);
    else sec.append(el('p', rec.error, 'muted'));
    box.append(sec);
  });
}
