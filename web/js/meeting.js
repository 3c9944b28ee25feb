// The negotiation page of one meeting: every parameter with each side's
// latest proposal, its revision, who accepted it and its history; forms to
// counter-propose; accept, sign and withdraw; live updates from the other
// side; export of the signed log.
//
// Concurrency: each act is signed against the meeting as the page shows it
// (acts.js). When the other side got there first the server refuses with
// 409 and the current meeting; the page then says what changed, shows the
// new state, and keeps the person's draft in its form — nothing is applied
// behind their back and nothing they typed is lost.

import { call, explain } from './api.js';
import { accept, propose, signTerms, withdraw } from './acts.js';
import { canonicalize } from './canonical.js';
import { clear, field, h } from './dom.js';
import { sha256Hex } from './encoding.js';
import { Live } from './live.js';
import { RecordSection, openAssurances } from './meeting-record.js';
import { KIND_LABELS } from './record-ui.js';
import { LABELS, PARAMS, STATUS_TEXT, checkText, editor, memberName, partyName, render, statusBadge, summary, termsProblems } from './params.js';
import { inZone } from './time.js';


function append(el, ...children) {
  el.append(...children.filter((c) => c !== null && c !== undefined));
}

// One line per parameter: the whole negotiation at a glance.
function overview(view, ctx) {
  return h('section', { class: 'card', 'aria-labelledby': 'overview-h' }, h('h2', { id: 'overview-h', text: 'At a glance' }),
    h('div', { class: 'table-wrap' }, h('table', { id: 'overview' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Parameter' }), h('th', { scope: 'col', text: 'Current proposal' }),
        h('th', { scope: 'col', text: 'Rev' }), view.parties.map((p) => h('th', { scope: 'col', text: p.name })))),
      h('tbody', {}, PARAMS.map((param) => {
        const p = view.parameters[param];
        return h('tr', { 'data-param': param },
          h('th', { scope: 'row' }, h('a', { href: `#param-${param}`, text: LABELS[param],
            onclick: (ev) => { ev.preventDefault(); document.getElementById(`param-${param}`).scrollIntoView(); } })),
          h('td', { text: p.rev ? summary(param, p.value, ctx) : 'not proposed' }),
          h('td', { text: String(p.rev) }),
          view.parties.map((q) => h('td', { text: p.rev === 0 ? '—' : p.accepted_by.includes(q.id) ? '✓ accepts' : '… not yet' })));
      })))));
}

// `isCurrent()` is false once the person has navigated elsewhere: nothing is
// drawn after that. Returns the page's clean-up.
export async function showMeeting(container, meetingId, me, { say, toast, isCurrent }) {
  let view = null;   // the latest state loaded from the server
  let shown = null;  // the state the page shows: acts are signed on this one
  const members = new Map();
  let meetings = [];
  const editors = new Map();  // param → { form, value() }: open forms survive re-rendering
  let withdrawDraft = null;
  let busy = false;           // an act is on its way: no second one meanwhile
  let closed = false;
  let record = null;          // the record section, once the meeting is announced (meeting-record.js)
  const ctx = { view: () => shown || view, members, me, get meetings() { return meetings; } };
  const canAct = (me.roles || []).includes('negotiator');
  const mine = (party) => party === me.party;

  // Everything is fetched first and assigned at once, and an answer older
  // than what the page already has is dropped (two loads may cross).
  async function load() {
    const next = await call('GET', `/api/v1/meetings/${encodeURIComponent(meetingId)}`);
    const known = new Set([...members.values()].map((m) => m.party));
    const fetched = [];
    for (const p of next.parties.filter((q) => !known.has(q.id)))
      fetched.push(...await call('GET', `/api/v1/parties/${encodeURIComponent(p.id)}/members`));
    const list = await call('GET', '/api/v1/meetings');
    for (const m of fetched) members.set(m.id, m);
    meetings = list;
    if (!view || next.length >= view.length) view = next;
  }

  // The server's answer to a refused act. With `current` (a 409) the meeting
  // moved on: explain what changed and show the new state.
  // `basis` is the meeting as it was when the person acted: live updates
  // may already have redrawn the page, but the explanation is about what
  // changed since they decided.
  async function refused(e, what, basis) {
    const cur = e.body && e.body.current;
    if (!cur) {
      say(`${what} failed: ${explain(e)}`);
      return;
    }
    const before = basis;
    await reload();
    const changes = describeChanges(before, view);
    say(`${what} was not applied: the other delegation acted first. ${changes || 'The meeting changed.'} `
      + 'The page now shows the current state; your draft, if any, is kept below so you can propose it again or accept theirs.', 'warn');
    document.getElementById('notice').dataset.stale = 'true';
  }

  function describeChanges(a, b) {
    const out = [];
    for (const p of PARAMS) {
      const x = a.parameters[p];
      const y = b.parameters[p];
      if (x.rev !== y.rev) {
        const by = y.proposed_by ? `${memberName(ctx, y.proposed_by.member)} (${partyName(ctx, y.proposed_by.party)})` : 'someone';
        out.push(`${by} proposed a new ${LABELS[p].toLowerCase()} (revision ${y.rev}): ${summary(p, y.value, ctx)}.`);
      } else if (x.accepted_by.length !== y.accepted_by.length) {
        out.push(`${LABELS[p]} revision ${y.rev} is now accepted by ${y.accepted_by.map((q) => partyName(ctx, q)).join(' and ')}.`);
      }
    }
    for (const q of Object.keys(b.signatures)) if (!a.signatures[q]) out.push(`${partyName(ctx, q)} signed the terms.`);
    if (b.status !== a.status) out.push(`The meeting is now: ${STATUS_TEXT[b.status]}.`);
    return out.join(' ');
  }

  async function reload() {
    await load();
    await updateRecord();
    await draw();
  }

  // The record opens with the announcement; its section verifies the
  // record in this browser and keeps itself up to date.
  async function updateRecord() {
    if (!record && view.status === 'announced') record = new RecordSection(meetingId, me, { say, toast });
    if (record) await record.update(view);
  }

  // Runs one act at a time, on the state the page shows; every button is
  // disabled while it is on its way, so a double click signs nothing twice.
  async function act(what, fn, after) {
    if (busy) return;
    busy = true;
    say('');
    const basis = shown;
    const paused = [...container.querySelectorAll('button:not(:disabled)')];
    for (const b of paused) b.disabled = true;
    try {
      await fn(basis);
      if (after) after();
      await reload();
      toast(`${what}: done.`);
    } catch (e) {
      if (e.status === 409) await refused(e, what, basis);
      else say(`${what} failed: ${explain(e)}`);
    } finally {
      busy = false;
      for (const b of paused) b.disabled = false;  // those kept across redraws (open forms)
      await draw();
    }
  }

  function sideColumns(p, param) {
    // Each delegation's latest proposal for this parameter.
    return h('div', { class: 'sides' }, shown.parties.map((party) => {
      const last = [...(p.history || [])].reverse().find((x) => x.party === party.id);
      const accepted = p.accepted_by.includes(party.id);
      return h('div', { 'data-party': party.id },
        h('div', {}, h('strong', { text: party.name }), ' ',
          p.rev === 0 ? '' : h('span', { class: `badge ${accepted ? 'yes' : 'no'}`, 'data-accepted': String(accepted),
            text: accepted ? `accepts rev ${p.rev}` : `has not accepted rev ${p.rev}` })),
        last ? h('div', { class: 'muted', text: `Latest proposal: rev ${last.rev} — ${summary(param, last.value, ctx)}` })
          : h('div', { class: 'muted', text: 'No proposal yet' }));
    }));
  }

  function paramCard(param) {
    const p = shown.parameters[param];
    const iAccepted = p.accepted_by.includes(me.party);
    const card = h('section', { class: `card param ${p.agreed ? 'agreed' : 'pending'}`, id: `param-${param}`,
      'data-rev': String(p.rev), 'data-agreed': String(p.agreed), 'aria-labelledby': `param-${param}-h` });
    const header = h('h2', { id: `param-${param}-h` }, LABELS[param], ' ',
      h('span', { class: `badge ${p.agreed ? 'yes' : 'no'}`, text: p.agreed ? 'agreed' : p.rev ? 'open' : 'not proposed' }));
    const meta = p.rev ? h('div', { class: 'meta', text: `Revision ${p.rev}, proposed by ${memberName(ctx, p.proposed_by.member)} `
      + `(${partyName(ctx, p.proposed_by.party)}) on ${inZone(p.proposed_by.at, shown.parties.find((x) => mine(x.id))?.time_zone || 'UTC')}` }) : null;
    const buttons = h('div', {});
    // Until the announcement, terms can still change (a new proposal voids
    // both signatures); after it, only withdrawal.
    if (shown.status === 'negotiating' || shown.status === 'agreed') {
      if (p.rev > 0 && !iAccepted) {
        buttons.append(h('button', { type: 'button', id: `accept-${param}`, disabled: !canAct,
          text: `Accept revision ${p.rev}`,
          onclick: () => act(`Accepting ${LABELS[param].toLowerCase()} revision ${p.rev}`, (basis) => accept(basis, param, p.rev)) }));
      }
      if (!editors.has(param)) {
        buttons.append(h('button', { type: 'button', class: 'secondary', id: `propose-${param}`, disabled: !canAct,
          text: p.rev ? 'Counter-propose' : 'Propose',
          onclick: async () => {
            editors.set(param, makeEditor(param));
            await draw();
            const first = document.querySelector(`#editor-${param} input, #editor-${param} select, #editor-${param} textarea`);
            if (first) first.focus();
          } }));
      }
    }
    const history = p.history && p.history.length ? h('details', { id: `history-${param}` }, h('summary', { text: `History (${p.history.length} revision${p.history.length > 1 ? 's' : ''})` }),
      h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['Rev', 'Proposed by', 'When (UTC)', 'Value'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, p.history.map((x) => h('tr', {},
          h('td', { text: String(x.rev) }),
          h('td', { text: `${memberName(ctx, x.member)} (${partyName(ctx, x.party)})` }),
          h('td', { text: x.at }),
          h('td', { text: summary(param, x.value, ctx) }))))))) : null;
    append(card, header, render(param, p.value, ctx), meta, sideColumns(p, param), buttons);
    // What the previous meeting left open belongs beside this one's agenda.
    if (param === 'agenda' && shown.predecessor_assurances) append(card, openAssurances(shown, !!record));
    if (editors.has(param)) card.append(editors.get(param).form);
    if (history) card.append(history);
    return card;
  }

  function makeEditor(param) {
    const ed = editor(param, shown.parameters[param].value, ctx);
    const submit = h('button', { type: 'submit', id: `submit-${param}`, text: 'Sign and propose' });
    const cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel' });
    const form = h('form', { class: 'editor', id: `editor-${param}`, 'aria-label': `New proposal: ${LABELS[param]}` },
      h('h3', { text: `Your proposal: ${LABELS[param]}` }), ed.el, submit, cancel);
    cancel.addEventListener('click', async () => {
      editors.delete(param);
      await draw();
      document.getElementById(`propose-${param}`)?.focus();
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      let value;
      try {
        value = ed.value();
      } catch (e) {
        say(explain(e));
        return;
      }
      await act(`Proposing a new ${LABELS[param].toLowerCase()}`, (basis) => propose(basis, param, value), () => {
        editors.delete(param);
      });
    });
    return { form, value: ed.value };
  }

  async function termsSection() {
    const sec = h('section', { class: 'card', id: 'terms', 'aria-labelledby': 'terms-h' }, h('h2', { id: 'terms-h', text: 'Terms and signatures' }));
    const sigs = h('ul', { class: 'plain', id: 'signatures' }, shown.parties.map((p) => {
      const s = shown.signatures[p.id];
      return h('li', { 'data-party': p.id, 'data-signed': String(!!s),
        text: s ? `${p.name}: signed by ${memberName(ctx, s.member)} on ${inZone(s.at, 'UTC')}, terms ${s.terms_hash.slice(0, 16)}…`
          : `${p.name}: not signed` });
    }));
    if (!shown.terms) {
      sec.append(h('p', { class: 'muted', text: 'The terms exist once every parameter has a proposal.' }), sigs);
      return sec;
    }
    // The hash is computed here from the terms the page shows, and must
    // equal the server's: the signature covers only this hash.
    const local = await sha256Hex(canonicalize(shown.terms));
    const hashOk = local === shown.terms_hash;
    append(sec,
      h('p', {}, 'Terms hash (SHA-256 of the canonical terms): ', h('code', { id: 'terms-hash', text: local })),
      hashOk ? null : h('p', { class: 'notice error', text: 'The server\'s terms hash differs from the one computed in this browser. Do not sign; report this.' }),
      h('details', { id: 'terms-details' }, h('summary', { text: 'The terms document that is hashed' }),
        h('pre', { class: 'terms', id: 'terms-text', text: JSON.stringify(shown.terms, null, 2) }),
        h('p', { class: 'muted', text: 'The hash is over its canonical form (RFC 8785: keys sorted, no spaces):' }),
        h('pre', { class: 'terms', id: 'terms-canonical', text: canonicalize(shown.terms) })),
      sigs);
    const iSigned = !!shown.signatures[me.party];
    const problems = shown.status === 'negotiating' ? termsProblems(shown.terms, ctx) : [];
    if (problems.length) {
      sec.append(h('div', { class: 'notice warn', id: 'terms-problems' }, h('p', { text: 'These terms cannot be signed yet:' }),
        h('ul', {}, problems.map((t) => h('li', { text: t })))));
    } else if (shown.status === 'negotiating' && shown.all_agreed && !iSigned && hashOk) {
      const preview = { type: 'parley.act/1', meeting: shown.id, base: shown.length, prev: shown.head, kind: 'sign',
        body: { terms_hash: local }, author: me.member, at: '(the moment you click)' };
      sec.append(h('p', { text: 'Every parameter is agreed. Signing commits your delegation to these terms; your browser signs this act with your key:' }),
        h('pre', { class: 'terms', id: 'sign-preview', text: JSON.stringify(preview, null, 1) }),
        h('button', { type: 'button', id: 'sign-terms', disabled: !canAct, text: 'Sign these terms',
          onclick: () => act('Signing the terms', (basis) => signTerms(basis, local)) }));
    } else if (shown.status === 'negotiating' && !shown.all_agreed) {
      sec.append(h('p', { class: 'muted', text: 'Signing opens when both delegations have accepted every parameter.' }));
    }
    return sec;
  }

  function withdrawSection() {
    if (shown.status === 'withdrawn') {
      const w = shown.withdrawal;
      return h('section', { class: 'card', id: 'withdrawal' }, h('h2', { text: 'Withdrawn' }),
        h('p', { text: `${partyName(ctx, w.party)} withdrew on ${inZone(w.at, 'UTC')} (${memberName(ctx, w.member)}): ${w.reason}` }));
    }
    if (!canAct) return null;
    const reason = withdrawDraft || h('textarea', { id: 'withdraw-reason', maxlength: 2000 });
    withdrawDraft = reason;
    const button = h('button', { type: 'submit', class: 'danger', id: 'withdraw', text: 'Withdraw from this meeting' });
    const form = h('form', { 'aria-label': 'Withdraw' }, field('Reason (the other delegation sees it; public if already announced)', reason), button);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      let text;
      try {
        text = checkText(reason.value, 2000, { multiline: true, what: 'The reason' });
      } catch (e) {
        return say(explain(e));
      }
      if (!confirm('Withdraw? This ends the negotiation for both delegations and cannot be undone.')) return;
      act('Withdrawing', (basis) => withdraw(basis, text));
    });
    return h('section', { class: 'card', id: 'withdraw-section' }, h('details', { id: 'withdraw-details' }, h('summary', { text: 'Withdraw…' }), form));
  }

  async function exportLog() {
    try {
      const doc = await call('GET', `/api/v1/meetings/${encodeURIComponent(shown.id)}/export`);
      const blob = new Blob([JSON.stringify(doc, null, 1) + '\n'], { type: 'application/json' });
      const a = h('a', { href: URL.createObjectURL(blob), download: `${shown.id}.parley-log.json` });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    } catch (e) {
      say(`Export failed: ${explain(e)}`);
    }
  }

  let liveState = 'connecting';
  let drawing = Promise.resolve();
  function draw() {
    drawing = drawing.then(drawNow).catch((e) => say(explain(e)));
    return drawing;
  }
  async function drawNow() {
    if (closed || !isCurrent()) return;
    shown = view;
    const focused = document.activeElement && document.activeElement.id;
    // Open <details> (history, terms, withdrawal) stay open across redraws.
    const open = new Set([...container.querySelectorAll('details[open][id]')].map((d) => d.id));
    document.title = `${shown.parameters.title.value || 'Meeting'} — Parley`;
    const waiting = shown.waiting_on.length ? `Waiting on ${shown.waiting_on.map((p) => (mine(p) ? `${partyName(ctx, p)} (you)` : partyName(ctx, p))).join(' and ')}.` : '';
    const head = h('section', { id: 'meeting', 'data-length': String(shown.length), 'data-status': shown.status },
      h('h1', { id: 'meeting-title', tabindex: '-1' }, shown.parameters.title.value || '(untitled)', ' ',
        statusBadge(shown.status, 'meeting-status')),
      h('p', {}, shown.parties.map((p, i) => [i ? ' and ' : '', h('strong', { text: p.name }), ` (${p.time_zone})`]),
        `. Opened by ${memberName(ctx, shown.created_by)} on ${inZone(shown.created_at, 'UTC')}. `,
        h('span', { class: 'muted mono', text: `${shown.id} · ${shown.length} signed acts` })),
      h('p', { id: 'waiting', text: waiting }),
      shown.announce_at ? h('p', { text: `Announcement: ${inZone(shown.announce_at, 'UTC')}.` }) : null,
      h('p', { class: 'muted', id: 'live-state', 'data-state': liveState, 'aria-live': 'polite', text: liveState === 'live' ? 'Live: changes by the other delegation appear here as they happen.'
        : liveState === 'offline' ? 'Live updates interrupted; reconnecting…' : 'Connecting for live updates…' }),
      canAct ? null : h('p', { class: 'notice warn', text: 'You follow this negotiation; only negotiators propose, accept, sign or withdraw.' }),
      shown.status === 'announced' ? h('a', { class: 'button', id: 'go-to-call', href: `/call#${encodeURIComponent(shown.id)}`, text: 'Go to the call' }) : null,
      h('button', { type: 'button', class: 'secondary', id: 'export', text: 'Export the signed log', onclick: exportLog }),
      h('a', { class: 'button secondary', href: '/verify', text: 'Verify an exported log' }));
    const terms = await termsSection();
    if (closed || !isCurrent()) return;
    clear(container, head, record ? record.el : null, overview(shown, ctx), terms, h('div', { id: 'parameters' }, PARAMS.map(paramCard)), withdrawSection());
    for (const id of open) document.getElementById(id)?.setAttribute('open', '');
    if (busy) for (const b of container.querySelectorAll('button')) b.disabled = true;
    if (focused) {
      const el = document.getElementById(focused);
      if (el) el.focus();
    }
  }

  await load();
  await updateRecord();
  await draw();
  if (isCurrent()) document.getElementById('meeting-title')?.focus();

  const live = new Live({
    onAct: async (msg) => {
      if (closed || msg.meeting !== meetingId || msg.seq <= view.length) return;
      const a = msg.envelope.act;
      // A record entry is replayed and checked on the verified record; the
      // rest of the page follows the server's view.
      if (record && msg.seq > record.book.length) await record.onAct(msg);
      await load();
      if (record) record.setView(view);
      else await updateRecord();
      await draw();
      const author = `${memberName(ctx, a.author)} (${partyName(ctx, members.get(a.author)?.party)})`;
      const what = a.kind === 'propose' ? `proposed a new ${LABELS[a.body.param]?.toLowerCase()}`
        : a.kind === 'accept' ? `accepted ${LABELS[a.body.param]?.toLowerCase()} revision ${a.body.rev}`
          : a.kind === 'sign' ? 'signed the terms' : a.kind === 'withdraw' ? 'withdrew'
            : KIND_LABELS[a.kind] ? `recorded: ${KIND_LABELS[a.kind].toLowerCase()}` : a.kind;
      if (a.author !== me.member) toast(`${author} ${what}.`);
    },
    // A cosignature made durable: the checkpoints and FINAL change.
    onCosignature: (msg) => {
      if (closed || msg.meeting !== meetingId || !record) return;
      reload().catch((e) => say(explain(e)));
      if (msg.member !== me.member) toast(`${memberName(ctx, msg.member)} (${partyName(ctx, msg.party)}) cosigned the checkpoint of ${msg.size} acts.`);
    },
    onState: (s) => {
      liveState = s;
      const el = document.getElementById('live-state');
      if (el) el.textContent = s === 'live' ? 'Live: changes by the other delegation appear here as they happen.'
        : s === 'offline' ? 'Live updates interrupted; reconnecting…' : 'Connecting for live updates…';
      if (el) el.dataset.state = s;
    },
    onResync: () => reload().catch((e) => say(explain(e))),
    // Acts between the first load and the subscription are not pushed:
    // the subscription's own state tells whether any happened.
    onSubscribed: (msg) => {
      if (msg.meeting === meetingId && msg.state.length !== view.length) reload().catch((e) => say(explain(e)));
    },
  });
  live.subscribe(meetingId);
  return () => {
    closed = true;
    live.close();
  };
}
