// The record section of the meeting page (docs/record.md; docs/web.md §The
// record on the meeting page): the entries as this browser verified them,
// the assurances with their acknowledgement and statuses, each party's
// readout, joint statements and their countersignature, the checkpoint
// both parties cosign (and FINAL), export and print, and the predecessor's
// open assurances with a form to record their status.
//
// The section owns its element and its forms: meeting.js places it in each
// redraw, and what someone is typing survives the redraws.

import { explain } from './api.js';
import * as acts from './acts.js';
import { clear, field, h } from './dom.js';
import { CosignRefused, RecordBook, cosign, download, queueStep, readForm, remembered } from './record.js';
import { TEXT_LIMITS, cosignerParty, may, mayCosign, mayCorrect } from './record-roles.js';
import { KIND_LABELS, STATUS_LABELS, assuranceFacts, entryItem, textArea, when, who } from './record-ui.js';

export class RecordSection {
  // me: the identity; say/toast: the page's notice and toast.
  constructor(meeting, me, { say, toast }) {
    this.meeting = meeting;
    this.me = me;
    this.say = say;
    this.toast = toast;
    this.book = new RecordBook(meeting, me);
    this.view = null;           // the server's meeting view (meeting.js keeps it fresh)
    this.busy = false;
    this.refusal = null;        // the last refusal to cosign, shown until a cosignature succeeds
    this.error = null;          // why the record cannot be shown
    this.forms = new Map();     // key → {form, ...}: kept across redraws
    this.el = h('section', { class: 'card record', id: 'record', 'aria-labelledby': 'record-h' });
  }

  // Loads (or reloads) the verified record; `view` is the meeting as the
  // server shows it (for the cosigners it holds and the predecessor's
  // assurances). Redraws.
  async update(view) {
    if (view) this.view = view;
    try {
      await this.book.refresh();
      this.error = null;
    } catch (e) {
      this.error = explain(e);
    }
    this.draw();
  }

  // The server's view changed (the predecessor's assurances carry their
  // statuses, the cosigners it holds): redraw with it.
  setView(view) {
    this.view = view;
    this.draw();
  }

  async onAct(msg) {
    try {
      if (await this.book.apply(msg)) this.draw();
    } catch (e) {
      this.error = explain(e);
      this.draw();
    }
  }

  // One signed step at a time (record.js, queueStep).
  act(what, fn, after) {
    return queueStep(this, what, fn, after, (message) => this.toast(message));
  }

  read(fn) {
    return readForm(this, fn);
  }


  // A form made once per key and kept.
  form(key, make) {
    if (!this.forms.has(key)) this.forms.set(key, make());
    return this.forms.get(key).form;
  }

  async cosignNow(size = null) {
    if (this.busy) return;
    this.busy = true;
    this.say('');
    this.draw();
    try {
      const answer = await cosign(this.meeting, this.me, { size });
      this.refusal = null;
      await this.book.refresh();
      this.toast(answer.final ? `Checkpoint of ${answer.size} acts cosigned: the record is FINAL.` : `Checkpoint of ${answer.size} acts cosigned.`);
    } catch (e) {
      if (e instanceof CosignRefused) this.refusal = e;
      else this.say(`Cosigning failed: ${explain(e)}`);
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  async exportRecord() {
    try {
      const { doc } = this.book;
      // The file is the server's document as fetched and verified here.
      download(doc, `${this.meeting}.parley-record.json`);
    } catch (e) {
      this.say(`Export failed: ${explain(e)}`);
    }
  }

  zone() {
    return this.view?.parties.find((p) => p.id === this.me.party)?.time_zone || 'UTC';
  }

  draw() {
    const log = this.book.log;
    const parts = [h('h2', { id: 'record-h', text: 'Record of the talks' })];
    if (this.error) parts.push(h('p', { class: 'notice error', id: 'record-error', text: this.error }));
    if (!log) {
      parts.push(h('p', { class: 'muted', text: this.error ? 'The record is not shown: it did not verify in this browser.' : 'Loading the record…' }));
      clear(this.el, parts);
      return;
    }
    const r = this.book.rosterEntry;
    const zone = this.zone();
    parts.push(
      h('p', { class: 'muted', id: 'record-verified' }, `Verified in this browser: ${log.length} signed acts, ${log.entries.length} of them record entries; every signature and rule checked against the signed roster. `,
        r ? `You take part as ${who(log, this.me.member)}.` : 'You are not on the signed roster: you follow the record.'),
      this.checkpointBox(log),
      h('div', { class: 'record-actions' },
        h('button', { type: 'button', class: 'secondary', id: 'record-export', text: 'Download the record (JSON)', onclick: () => this.exportRecord() }),
        h('a', { class: 'button secondary', id: 'record-print', href: `/record-print#${encodeURIComponent(this.meeting)}`, target: '_blank', text: 'Print the record' })),
      this.sessionsBox(log, zone),
      this.assurancesBox(log, r, zone),
      this.readoutsBox(log, r, zone),
      this.jointBox(log, r, zone),
      this.predecessorBox(log),
      this.entriesBox(log, r, zone));
    clear(this.el, parts);
    this.el.dataset.length = String(log.length);
    this.el.dataset.entries = String(log.entries.length);
    // Kept forms follow the busy state both ways; fresh buttons are made enabled.
    for (const { form } of this.forms.values()) for (const b of form.querySelectorAll('button')) b.disabled = this.busy;
    if (this.busy) for (const b of this.el.querySelectorAll('button')) b.disabled = true;
  }

  // The checkpoints as verified here, who cosigned, FINAL, and the button.
  checkpointBox(log) {
    const cps = this.book.checkpoints;
    const latest = cps.at(-1);
    const final = this.book.final;
    const byParty = new Map();  // party → largest size it cosigned
    for (const c of cps) for (const s of c.cosigners || []) byParty.set(s.party, Math.max(byParty.get(s.party) || 0, c.size));
    const mine = remembered(this.meeting, this.me.member).cosigned;
    const canCosign = this.view && mayCosign(this.view, this.me.member);
    const box = h('section', { id: 'record-checkpoint', class: 'checkpoint', 'data-final': String(final), 'aria-labelledby': 'record-checkpoint-h' },
      h('h3', { id: 'record-checkpoint-h' }, 'Checkpoint ', h('span', { class: `badge ${final ? 'yes final' : 'no'}`, id: 'record-final', text: final ? 'FINAL' : 'not final' })),
      h('p', { text: latest ? `The server's latest checkpoint covers ${latest.size} acts (root ${latest.root.slice(0, 16)}…), cosigned by ${latest.cosigners.length ? latest.cosigners.map((c) => `${c.name} (${log.partyName(c.party)}, ${c.fingerprint})`).join(', ') : 'nobody yet'}.` : 'No checkpoint yet.' }),
      h('ul', { class: 'plain', id: 'record-cosigned' }, log.parties.map((p) => h('li', { 'data-party': p, 'data-size': String(byParty.get(p) || 0),
        text: byParty.has(p) ? `${log.partyName(p)}: cosigned the checkpoint of ${byParty.get(p)} acts` : `${log.partyName(p)}: has not cosigned yet` }))),
      h('p', { class: 'muted', text: final ? 'Both parties cosigned a checkpoint that covers a closed session: the record of the talks is final. Later entries (readouts, joint statements, acknowledgements, statuses) are covered by later checkpoints.'
        : 'The record is final once both parties cosign a checkpoint covering a closed session.' }));
    if (this.refusal) {
      box.append(h('div', { class: 'notice error', id: 'cosign-refused', role: 'alert', 'data-code': this.refusal.code, 'data-forked': String(this.refusal.forked) },
        h('strong', { text: this.refusal.forked ? 'Not cosigned. ' : 'Not cosigned: ' }), this.refusal.message));
    }
    if (canCosign) {
      const party = cosignerParty(this.view, this.me.member);
      const done = mine && latest && mine.size >= latest.size;
      // A checkpoint the other party cosigned while later entries came in:
      // cosigning that same one is what makes the record final.
      const theirs = [...cps].reverse().find((c) => c !== latest && !c.cosignedBy.includes(party)
        && c.cosignedBy.length > 0 && (!mine || c.size > mine.size));
      box.append(...[
        mine ? h('p', { class: 'muted', id: 'my-cosignature', text: `You last cosigned the checkpoint of ${mine.size} acts from this browser.` }) : null,
        h('button', { type: 'button', id: 'cosign', disabled: !!done, text: done ? 'You cosigned the latest checkpoint' : `Check and cosign for ${log.partyName(party)}`,
          onclick: () => this.cosignNow() }),
        theirs ? h('button', { type: 'button', class: 'secondary', id: 'cosign-theirs', 'data-size': String(theirs.size),
          text: `Check and cosign the checkpoint of ${theirs.size} acts that ${theirs.cosignedBy.map((p) => log.partyName(p)).join(' and ')} cosigned`,
          onclick: () => this.cosignNow(theirs.size) }) : null,
        h('p', { class: 'muted', text: 'Before signing, this browser checks that the checkpoint is the tree of the acts it verified, and that it extends every checkpoint it has seen and the one you last cosigned.' }),
      ].filter(Boolean));
    }
    return box;
  }

  sessionsBox(log, zone) {
    return h('section', { id: 'record-sessions', 'aria-labelledby': 'record-sessions-h' },
      h('h3', { id: 'record-sessions-h', text: 'Sessions' }),
      log.sessions.length ? h('ul', { class: 'plain' }, log.sessions.map((s) => h('li', { 'data-closed': String(!!s.close) },
        `Session ${s.number}: opened `, when(s.open.at, zone), ` by ${who(log, s.open.author)}`,
        s.close ? [', closed ', when(s.close.at, zone), ` by ${who(log, s.close.author)}; present at the end: ${s.close.body.present.map((m) => log.memberName(m)).join(', ')}`] : ' — open')))
        : h('p', { class: 'muted', text: 'No session yet: sessions are opened and closed from the call.' }));
  }

  assurancesBox(log, r, zone) {
    return h('section', { id: 'record-assurances', 'aria-labelledby': 'record-assurances-h' },
      h('h3', { id: 'record-assurances-h', text: 'Assurances' }),
      log.assurances.length ? log.assurances.map((a) => {
        const statuses = ['fulfilled', 'in_dispute', 'withdrawn'].filter((s) => may.status(r, s, a.giver));
        return h('article', { class: 'assurance card', 'data-hash': a.hash, 'data-acknowledged': String(!!a.acknowledged), 'data-status': a.status || '' },
          h('p', { class: 'assurance-text' }, h('strong', { text: `${log.partyName(a.giver)} assures ${log.partyName(a.to)}: ` }), a.text,
            a.binding ? null : h('span', { class: 'badge no', text: ' withdrawn' })),
          assuranceFacts(log, a, zone),
          !a.acknowledged && may.acknowledge(r, a.to)
            ? h('button', { type: 'button', class: 'acknowledge', 'data-hash': a.hash, text: 'Acknowledge receipt',
              onclick: () => this.act('The acknowledgement', (basis) => acts.acknowledge(basis, a.hash)) }) : null,
          statuses.length ? this.statusForm(`status-${a.hash}`, statuses, (v) => ({ assurance: a.hash, meeting: this.meeting, ...v })) : null);
      }) : h('p', { class: 'muted', text: 'No assurance has been given.' }));
  }

  // A status form (fulfilled / in dispute / withdrawn, and a note).
  statusForm(key, statuses, body) {
    return this.form(key, () => {
      const sel = h('select', { id: `${key}-status` }, statuses.map((s) => h('option', { value: s, text: STATUS_LABELS[s] })));
      const note = textArea('Note (optional)', TEXT_LIMITS.reason, { id: `${key}-note`, optional: true });
      const form = h('form', { class: 'status-form', id: `${key}-form`, 'aria-label': 'Record a status' },
        field('Status', sel), note.el, h('button', { type: 'submit', class: 'secondary', text: 'Sign and record the status' }));
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const v = this.read(() => ({ status: sel.value, note: note.value() }));
        if (v) this.act('The status', (basis) => acts.assuranceStatus(basis, body(v)), note.clear);
      });
      return { form };
    });
  }

  readoutsBox(log, r, zone) {
    const sec = h('section', { id: 'record-readouts', 'aria-labelledby': 'record-readouts-h' },
      h('h3', { id: 'record-readouts-h', text: 'Readouts' }),
      h('p', { class: 'muted', text: 'Each delegation publishes its own readout of the talks; it appears on the public announcements page with a proof anyone can verify.' }));
    for (const party of log.parties) {
      const ro = log.readouts.find((x) => x.party === party);
      const box = h('div', { class: 'readout', 'data-party': party, 'data-published': String(!!ro) },
        h('h4', { text: log.partyName(party) }));
      if (ro) {
        box.append(h('p', { class: 'readout-text', text: ro.text }),
          h('p', { class: 'muted' }, `Signed by ${who(log, ro.author)} `, when(ro.at, zone),
            ro.corrections.length ? ` · corrected ${ro.corrections.length} time${ro.corrections.length > 1 ? 's' : ''}` : ''));
        if (mayCorrect(this.view, r, ro)) box.append(this.correctionForm(`correct-${ro.hash}`, ro, TEXT_LIMITS.public, 'Correct our readout'));
      } else if (r && r.party === party && may.readout(r)) {
        box.append(this.form('readout', () => {
          const text = textArea('Our readout', TEXT_LIMITS.public, { id: 'readout-text', hint: 'Public once signed: up to 8000 bytes.' });
          const form = h('form', { id: 'readout-form', 'aria-label': 'Publish our readout' }, text.el,
            h('button', { type: 'submit', id: 'readout-submit', text: 'Sign and publish our readout' }));
          form.addEventListener('submit', (ev) => {
            ev.preventDefault();
            const v = this.read(() => text.value());
            if (v && confirm('Publish this readout? It becomes public and cannot be removed, only corrected.'))
              this.act('The readout', (basis) => acts.readout(basis, v), text.clear);
          });
          return { form };
        }));
      } else {
        box.append(h('p', { class: 'muted', text: 'Not published yet.' }));
      }
      sec.append(box);
    }
    return sec;
  }

  // A correction form in a <details>, both kept across redraws (open or
  // not, with what is typed).
  correctionForm(key, entry, max, label) {
    return this.form(key, () => {
      const text = textArea('Corrected text', max, { id: `${key}-text` });
      text.control.value = entry.text;
      const reason = textArea('Reason for the correction', TEXT_LIMITS.reason, { id: `${key}-reason` });
      const f = h('form', { id: `${key}-form`, 'aria-label': label }, text.el, reason.el,
        h('button', { type: 'submit', class: 'secondary', text: 'Sign the correction' }));
      f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const v = this.read(() => ({ text: text.value(), reason: reason.value() }));
        if (v) this.act('The correction', (basis) => acts.correct(basis, entry.hash, v.text, v.reason), () => this.forms.delete(key));
      });
      return { form: h('details', { id: `${key}-details` }, h('summary', { text: label }), f) };
    });
  }

  jointBox(log, r, zone) {
    const sec = h('section', { id: 'record-joint', 'aria-labelledby': 'record-joint-h' },
      h('h3', { id: 'record-joint-h', text: 'Joint statements' }),
      h('p', { class: 'muted', text: 'A joint statement is proposed by a leader or negotiator of one delegation and published when one of the other countersigns it.' }));
    for (const j of log.jointStatements) {
      sec.append(h('article', { class: 'joint card', 'data-hash': j.hash, 'data-countersigned': String(!!j.countersigned) },
        h('p', { class: 'joint-text', text: j.text }),
        h('p', { class: 'muted' }, `Proposed by ${who(log, j.author)} `, when(j.at, zone), ' · ',
          j.countersigned ? ['countersigned by ', who(log, j.countersigned.author), ' ', when(j.countersigned.at, zone)] : 'waiting for the other delegation\'s countersignature'),
        !j.countersigned && may.countersign(r, j.party)
          ? h('button', { type: 'button', class: 'countersign', 'data-hash': j.hash, text: 'Countersign this joint statement',
            onclick: () => {
              if (confirm('Countersign? The joint statement becomes public in both delegations\' names.'))
                this.act('The countersignature', (basis) => acts.countersign(basis, j.hash));
            } }) : null));
    }
    if (!log.jointStatements.length) sec.append(h('p', { class: 'muted', text: 'None yet.' }));
    if (may.joint(r) && !log.openJointStatement) {
      sec.append(this.form('joint', () => {
        const text = textArea('Proposed joint statement', TEXT_LIMITS.public, { id: 'joint-text', hint: 'Up to 8000 bytes; public once countersigned.' });
        const form = h('form', { id: 'joint-form', 'aria-label': 'Propose a joint statement' }, text.el,
          h('button', { type: 'submit', id: 'joint-submit', text: 'Sign and propose the joint statement' }));
        form.addEventListener('submit', (ev) => {
          ev.preventDefault();
          const v = this.read(() => text.value());
          if (v) this.act('The joint statement', (basis) => acts.jointStatement(basis, v), text.clear);
        });
        return { form };
      }));
    }
    return sec;
  }

  // The predecessor's assurances (as the server gives them, from the
  // predecessor's log): each with its latest status, and a form to record a
  // status in this meeting's record, linked to the original by its hash.
  predecessorBox(log) {
    const list = this.view && this.view.predecessor_assurances;
    const pred = log.predecessor();
    if (!pred || !Array.isArray(list)) return null;
    const r = this.book.rosterEntry;
    const latest = (a) => (a.statuses.length ? a.statuses.at(-1).status : null);
    const open = list.filter((a) => !['fulfilled', 'withdrawn'].includes(latest(a)));
    const settled = list.filter((a) => !open.includes(a));
    const card = (a) => {
      const statuses = ['fulfilled', 'in_dispute', 'withdrawn'].filter((s) => may.status(r, s, a.giver));
      return h('article', { class: 'predecessor-assurance card', 'data-hash': a.hash, 'data-status': latest(a) || '' },
        h('p', {}, h('strong', { text: `${log.partyName(a.giver)} assured ${log.partyName(a.to)}: ` }), a.text),
        h('ul', { class: 'plain' },
          h('li', { text: `Scope: ${a.scope}` }),
          h('li', { text: a.until ? `Until: ${a.until}` : 'No time limit' }),
          h('li', { text: a.acknowledged ? 'Acknowledged by the receiving delegation' : 'Not acknowledged' }),
          h('li', { class: 'mono', text: `Entry ${a.hash}` }),
          a.statuses.map((s) => h('li', { class: 'status', 'data-status': s.status },
            `Status: ${STATUS_LABELS[s.status] || s.status}, recorded ${s.at} by ${log.memberName(s.author)} in ${s.meeting === this.meeting ? 'this meeting' : `meeting ${s.meeting}`}`))),
        statuses.length ? this.statusForm(`pstatus-${a.hash}`, statuses, (v) => ({ assurance: a.hash, meeting: pred, ...v })) : null);
    };
    return h('section', { id: 'record-predecessor', 'aria-labelledby': 'record-predecessor-h' },
      h('h3', { id: 'record-predecessor-h', text: 'Open assurances from the previous meeting' }),
      h('p', { class: 'muted' }, 'Given in ', h('a', { href: `#/meeting/${pred}`, text: pred }),
        '. Record here whether each was fulfilled, is in dispute, or was withdrawn by its giver; the status names the original entry by its hash.'),
      open.length ? open.map(card) : h('p', { class: 'muted', text: 'No open assurance.' }),
      settled.length ? h('details', { id: 'record-predecessor-settled' }, h('summary', { text: `Settled (${settled.length})` }), settled.map(card)) : null);
  }

  entriesBox(log, r, zone) {
    return h('section', { id: 'record-entries', 'aria-labelledby': 'record-entries-h' },
      h('h3', { id: 'record-entries-h', text: `All entries (${log.entries.length})` }),
      log.entries.length ? h('ol', { class: 'plain entries' }, log.entries.map((e) => {
        const li = entryItem(log, e, zone);
        if ((e.kind === 'minute' || e.kind === 'statement') && mayCorrect(this.view, r, e))
          li.append(this.correctionForm(`correct-${e.hash}`, e, TEXT_LIMITS.note, `Correct this ${KIND_LABELS[e.kind].toLowerCase()}`));
        return li;
      })) : h('p', { class: 'muted', text: 'Nothing recorded yet.' }));
  }
}

const latestStatus = (a) => (a.statuses.length ? a.statuses.at(-1).status : null);

// The predecessor's assurances not yet fulfilled or withdrawn, read-only,
// for the agenda card of the negotiation page (the meeting view's
// predecessor_assurances, as the server gives them from the predecessor's
// log). `recordShown`: the record section below has the status forms.
export function openAssurances(view, recordShown) {
  const open = view.predecessor_assurances.filter((a) => !['fulfilled', 'withdrawn'].includes(latestStatus(a)));
  const name = (id) => view.parties.find((p) => p.id === id)?.name || id;
  return h('div', { class: 'predecessor-open', id: 'agenda-predecessor' },
    h('h3', { text: `Open assurances from the previous meeting (${open.length})` }),
    open.length ? h('ul', { class: 'plain' }, open.map((a) => h('li', { 'data-hash': a.hash },
      h('strong', { text: `${name(a.giver)} to ${name(a.to)}: ` }), a.text,
      h('span', { class: 'muted', text: ` — ${a.until ? `until ${a.until}` : 'no time limit'}${latestStatus(a) ? `; ${STATUS_LABELS[latestStatus(a)]}` : ''}` }))))
      : h('p', { class: 'muted', text: 'None: every assurance of the previous meeting is settled.' }),
    open.length ? h('p', { class: 'muted', text: recordShown ? 'Record their status in the record of the talks above.'
      : 'Once this meeting is announced, either delegation can record their status (fulfilled, in dispute, withdrawn) in its record.' }) : null);
}
