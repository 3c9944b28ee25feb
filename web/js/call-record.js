// The record panel of the call page (docs/record.md §Entries; docs/web.md
// §The record in the call): open and close the session with those present,
// minutes against agenda items, statements, assurances from draft to
// signature to acknowledgement. Each entry is signed in this browser
// (acts.js) on the history it verified (record.js RecordBook), and the
// other side's appear through the live channel's act push, each replayed
// and checked before it is shown.
//
// Only what the member's roster role allows is offered (record-roles.js);
// the server judges every entry by the same rules. Forms are built once and
// kept in a box that is never redrawn, so what someone is typing, and the
// focus, survive the other side's entries arriving.

import { explain } from './api.js';
import * as acts from './acts.js';
import { clear, field, h } from './dom.js';
import { RecordBook, queueStep, readForm } from './record.js';
import { TEXT_LIMITS, may } from './record-roles.js';
import { KIND_LABELS, entryItem, itemLabel, itemSelect, textArea, untilInput, when, who } from './record-ui.js';

export class RecordPanel {
  // container: the panel's <section>; meeting: its id; me: the identity;
  // present(): member ids of the call's current participants.
  constructor(container, meeting, me, { present }) {
    this.container = container;
    this.meeting = meeting;
    this.me = me;
    this.present = present;
    this.book = new RecordBook(meeting, me);
    this.busy = false;
    this.forms = {};
    this.formsBox = null;
    this.status = h('div', { class: 'notice', id: 'record-notice', role: 'status', 'aria-live': 'polite' });
  }

  say(text, kind = 'error') {
    this.status.className = `notice ${kind}`;
    this.status.textContent = text;
  }

  async start() {
    this.container.hidden = false;
    try {
      await this.book.refresh();
    } catch (e) {
      clear(this.container, h('h2', { id: 'record-h', text: 'Record of the talks' }), this.status);
      this.say(`The record cannot be shown: ${explain(e)}`);
      return;
    }
    this.buildForms();
    this.draw();
  }

  // A pushed act of this meeting (live channel).
  async onAct(msg) {
    if (msg.meeting !== this.meeting || !this.book.log) return;
    try {
      if (!(await this.book.apply(msg))) return;
    } catch (e) {
      this.say(explain(e));
      return;
    }
    this.draw();
    const a = msg.envelope.act;
    if (a.author !== this.me.member && KIND_LABELS[a.kind])
      this.say(`${who(this.book.log, a.author)}: ${KIND_LABELS[a.kind].toLowerCase()} recorded.`, 'ok');
  }

  async refresh() {
    try {
      await this.book.refresh();
      this.draw();
    } catch (e) {
      this.say(`The record could not be reloaded: ${explain(e)}`);
    }
  }

  // One entry at a time (record.js, queueStep).
  act(what, fn, after) {
    return queueStep(this, what, fn, after, (message) => this.say(message, 'ok'));
  }

  read(fn) {
    return readForm(this, fn);
  }

  buildForms() {
    const log = this.book.log;
    const r = this.book.rosterEntry;
    const roster = log.signedRoster() || new Map();
    if (may.minute(r)) {
      const item = itemSelect(log, 'minute-item');
      const text = textArea('Minute', TEXT_LIMITS.note, { id: 'minute-text' });
      const form = h('form', { id: 'minute-form', class: 'record-form', 'aria-label': 'Add a minute' },
        h('h3', { text: 'Minute' }), item.el, text.el,
        h('button', { type: 'submit', id: 'minute-submit', text: 'Sign and add the minute' }));
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const v = this.read(() => ({ item: item.value(), text: text.value() }));
        if (v) this.act('The minute', (basis) => acts.minute(basis, v.item, v.text), text.clear);
      });
      this.forms.minute = form;
    }
    // A statement: one's own, or, for a rapporteur, one of their party's members.
    const speakers = [...roster.values()].filter((s) => may.statementFor(r, s));
    if (speakers.length) {
      const speaker = h('select', { id: 'statement-speaker' }, speakers.map((s) =>
        h('option', { value: s.member, text: s.member === this.me.member ? `${log.memberName(s.member)} (you)` : log.memberName(s.member) })));
      const item = itemSelect(log, 'statement-item');
      const text = textArea('Statement', TEXT_LIMITS.note, { id: 'statement-text' });
      const form = h('form', { id: 'statement-form', class: 'record-form', 'aria-label': 'Record a statement' },
        h('h3', { text: 'Statement' }),
        field('Speaker', speaker, speakers.length > 1 ? 'As your delegation\'s rapporteur you may record a statement for its speaker.' : undefined),
        item.el, text.el, h('button', { type: 'submit', id: 'statement-submit', text: 'Sign and add the statement' }));
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const v = this.read(() => ({ speaker: speaker.value, item: item.value(), text: text.value() }));
        if (v) this.act('The statement', (basis) => acts.statement(basis, v.speaker, v.item, v.text), text.clear);
      });
      this.forms.statement = form;
    }
    // An assurance: drafted by a rapporteur or principal of either side, for
    // the giver's principal to sign; a principal may also sign one directly
    // for their own party.
    if (may.draft(r)) {
      const giver = h('select', { id: 'assurance-giver' }, log.parties.map((p) => h('option', { value: p, text: log.partyName(p) })));
      giver.value = r.party;
      const item = itemSelect(log, 'assurance-item');
      const text = textArea('What is assured', TEXT_LIMITS.assurance, { id: 'assurance-text' });
      const scope = textArea('Scope', TEXT_LIMITS.scope, { id: 'assurance-scope', hint: 'To what and whom it applies; up to 500 bytes.' });
      const until = untilInput('assurance-until');
      const sign = h('button', { type: 'button', id: 'assurance-sign', class: 'secondary', text: 'Sign it now as our assurance' });
      const values = () => ({ giver: giver.value, item: item.value(), text: text.value(), scope: scope.value(), until: until.value() });
      const done = () => { text.clear(); scope.clear(); until.clear(); };
      const showSign = () => { sign.hidden = !may.assure(r, giver.value); };
      giver.addEventListener('change', showSign);
      showSign();
      const form = h('form', { id: 'assurance-form', class: 'record-form', 'aria-label': 'Draft an assurance' },
        h('h3', { text: 'Assurance' }),
        h('p', { class: 'muted', text: 'A draft binds nobody: a leader or negotiator of the giving delegation signs it, then the other side acknowledges it.' }),
        field('Given by', giver), item.el, text.el, scope.el, until.el,
        h('button', { type: 'submit', id: 'assurance-draft', text: 'Propose this draft' }), sign);
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const v = this.read(values);
        if (v) this.act('The draft assurance', (basis) => acts.draftAssurance(basis, v), done);
      });
      sign.addEventListener('click', () => {
        const v = this.read(values);
        if (!v) return;
        const to = log.parties.find((p) => p !== v.giver);
        this.act('The assurance', (basis) => acts.giveAssurance(basis, { to, item: v.item, text: v.text, scope: v.scope, until: v.until, draft: null }), done);
      });
      this.forms.assurance = form;
    }
  }

  sessionBox(log, r, zone) {
    const open = log.openSession;
    const box = h('div', { id: 'record-session', class: 'record-session', 'data-open': String(!!open) });
    box.append(h('p', {}, h('strong', { text: open ? `Session ${open.number} open` : 'No session open' }),
      open ? [' since ', when(open.open.at, zone), ` · present at the opening: ${open.open.body.present.map((m) => log.memberName(m)).join(', ')}`]
        : log.sessions.length ? ` · ${log.sessions.length} session${log.sessions.length > 1 ? 's' : ''} recorded` : ''));
    if (may.session(r)) {
      const roster = log.signedRoster();
      const present = () => this.present().filter((m) => roster.has(m));
      box.append(open
        ? h('button', { type: 'button', id: 'session-close', text: 'Close the session',
          onclick: () => this.act('Closing the session', (basis) => acts.closeSession(basis, present())) })
        : h('button', { type: 'button', id: 'session-open', text: 'Open the session',
          onclick: () => this.act('Opening the session', (basis) => acts.openSession(basis, present())) }),
      h('span', { class: 'muted', text: ` Recorded as present: the call's participants now (${present().map((m) => log.memberName(m)).join(', ') || 'nobody'}).` }));
    }
    return box;
  }

  // Drafts waiting for the giver's signature.
  draftsBox(log, r) {
    const drafts = log.drafts.filter((d) => d.usedBy === null);
    if (!drafts.length) return null;
    return h('section', { id: 'record-drafts', 'aria-labelledby': 'record-drafts-h' },
      h('h3', { id: 'record-drafts-h', text: 'Drafts waiting for a signature' }),
      h('ul', { class: 'plain' }, drafts.map((d) => h('li', { class: 'draft', 'data-hash': d.hash },
        h('strong', { text: `For ${log.partyName(d.giver)} to give: ` }), d.text,
        h('div', { class: 'muted', text: `Scope: ${d.scope} · ${d.until ? `until ${d.until}` : 'no time limit'} · ${itemLabel(log, d.item)} · drafted by ${who(log, d.author)}` }),
        may.assure(r, d.giver)
          ? h('button', { type: 'button', class: 'sign-draft', 'data-hash': d.hash, text: 'Sign this assurance', disabled: !log.openSession,
            onclick: () => this.act('Signing the assurance', (basis) => acts.giveAssurance(basis, {
              to: log.parties.find((p) => p !== d.giver), item: d.item, text: d.text, scope: d.scope, until: d.until, draft: d.hash })) })
          : h('div', { class: 'muted', text: `Waiting for a leader or negotiator of ${log.partyName(d.giver)} to sign it.` })))));
  }

  // Assurances, newest first: those given to the member's party can be acknowledged.
  assurancesBox(log, r, zone) {
    if (!log.assurances.length) return null;
    return h('section', { id: 'record-assurances', 'aria-labelledby': 'record-assurances-h' },
      h('h3', { id: 'record-assurances-h', text: 'Assurances' }),
      h('ul', { class: 'plain' }, [...log.assurances].reverse().map((a) => h('li', { class: 'assurance', 'data-hash': a.hash, 'data-acknowledged': String(!!a.acknowledged) },
        h('strong', { text: `${log.partyName(a.giver)} assures ${log.partyName(a.to)}: ` }), a.text,
        h('div', { class: 'muted' }, `Signed by ${who(log, a.author)} `, when(a.at, zone), ` · scope: ${a.scope}`),
        a.acknowledged
          ? h('div', { class: 'ack' }, `Acknowledged by ${who(log, a.acknowledged.author)} `, when(a.acknowledged.at, zone))
          : may.acknowledge(r, a.to)
            ? h('button', { type: 'button', class: 'acknowledge', 'data-hash': a.hash, text: 'Acknowledge receipt',
              onclick: () => this.act('The acknowledgement', (basis) => acts.acknowledge(basis, a.hash)) })
            : h('div', { class: 'muted', text: `Waiting for ${log.partyName(a.to)} to acknowledge it.` })))));
  }

  draw() {
    const log = this.book.log;
    if (!log) return;
    const r = this.book.rosterEntry;
    const zone = this.me.party ? (log.partyById.get(this.me.party)?.time_zone || 'UTC') : 'UTC';
    const open = !!log.openSession;
    if (!this.formsBox) {
      this.top = h('div', { id: 'record-top' });
      this.formsBox = h('div', { class: 'record-forms', id: 'record-forms' }, Object.values(this.forms));
      this.bottom = h('div', { id: 'record-bottom' });
      clear(this.container,
        h('h2', { id: 'record-h', text: 'Record of the talks' }),
        h('p', { class: 'muted', text: r ? `You record as ${who(log, this.me.member)}. Every entry is signed with your key; anyone holding the record can check it.`
          : 'You are not on the signed roster: you can follow the record but not add to it.' }),
        this.status, this.top, this.formsBox, this.bottom);
    }
    for (const f of Object.values(this.forms)) for (const b of f.querySelectorAll('button')) b.disabled = !open || this.busy;
    const recent = log.entries.slice(-12).reverse();
    clear(this.top, this.sessionBox(log, r, zone), this.draftsBox(log, r), this.assurancesBox(log, r, zone),
      open ? null : h('p', { class: 'muted', id: 'record-needs-session', text: 'Minutes, statements and assurances are recorded while a session is open.' }));
    clear(this.bottom, h('section', { id: 'record-feed', 'aria-labelledby': 'record-feed-h' },
      h('h3', { id: 'record-feed-h', text: `Latest entries (${log.entries.length} in the record)` }),
      recent.length ? h('ol', { class: 'plain entries' }, recent.map((e) => entryItem(log, e, zone)))
        : h('p', { class: 'muted', text: 'Nothing recorded yet.' })));
    if (this.busy) for (const b of this.container.querySelectorAll('button')) b.disabled = true;
    this.container.dataset.length = String(log.length);
    this.container.dataset.entries = String(log.entries.length);
    this.container.dataset.session = open ? 'open' : 'closed';
  }
}
