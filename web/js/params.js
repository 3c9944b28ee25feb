// The nine parameters of a meeting's terms (docs/protocol.md §Parameters):
// how each value is shown to people, and a form that fits each one for
// counter-proposals. Forms check what the server will check where they can,
// so that mistakes are explained before anything is signed; the server
// remains the judge.

import { h, field } from './dom.js';
import { durationText, inZone, instantToLocal, languageName, localToInstant, wallTimeNote } from './time.js';

export const PARAMS = ['title', 'format', 'start', 'duration_minutes', 'roster', 'languages', 'agenda',
  'announcement', 'predecessor'];

export const LABELS = {
  title: 'Title', format: 'Format', start: 'Start', duration_minutes: 'Duration', roster: 'Roster',
  languages: 'Languages and interpretation', agenda: 'Agenda', announcement: 'Announcement', predecessor: 'Predecessor meeting',
};

export const STATUS_TEXT = {
  negotiating: 'Negotiating',
  agreed: 'Agreed, not yet announced',
  announced: 'Announced',
  withdrawn: 'Withdrawn',
};

export function statusBadge(status, id) {
  return h('span', { class: `badge ${status}`, id, 'data-status': status, text: STATUS_TEXT[status] || status });
}

const ROLES = ['negotiator', 'leader', 'aide', 'interpreter', 'observer', 'rapporteur'];
// ctx: { view(), members: Map id → member, me: identity, meetings: [brief] }
export function memberName(ctx, id) {
  const m = ctx.members.get(id);
  return m ? m.name : id;
}
export function partyName(ctx, id) {
  const p = ctx.view().parties.find((x) => x.id === id);
  return p ? p.name : id;
}

// What check_terms_consistent() (negotiation/parameters.cpp) will refuse
// when the terms are signed, checked before anyone is invited to sign.
export function termsProblems(terms, ctx) {
  const out = [];
  const name = (id) => partyName(ctx, id);
  for (const p of terms.parties)
    if (!terms.roster.some((e) => e.party === p)) out.push(`The roster has nobody from ${name(p)}: that delegation adds its members with a counter-proposal.`);
  for (const i of terms.languages.interpretation)
    if (!terms.roster.some((e) => e.member === i.interpreter && e.role === 'interpreter'))
      out.push(`${memberName(ctx, i.interpreter)} interprets but is not on the roster as an interpreter.`);
  if (Date.parse(terms.start) <= Date.now()) out.push('The agreed start is already in the past.');
  if (terms.announcement.publish !== 'on_agreement' && terms.announcement.publish > terms.start)
    out.push('The announcement would be published after the meeting starts.');
  return out;
}

// A short one-line summary (history tables, notices).
export function summary(param, v, ctx) {
  if (v === null || v === undefined) return param === 'predecessor' ? 'none' : '—';
  switch (param) {
    case 'start': {
      const hm = (zone) => {
        try {
          return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(v));
        } catch {
          return `(${zone})`;
        }
      };
      return `${v.slice(0, 10)} ${v.slice(11, 16)} UTC (${ctx.view().parties.map((p) => `${p.name} ${hm(p.time_zone)}`).join(', ')})`;
    }
    case 'duration_minutes': return `${v} min`;
    case 'roster': return v.map((e) => `${memberName(ctx, e.member)} (${e.role})`).join(', ');
    case 'languages': return v.languages.join(', ') + (v.interpretation.length ? `; ${v.interpretation.length} interpreter assignment(s)` : '');
    case 'agenda': return v.map((i, n) => `${n + 1}. ${i.title}`).join(' ');
    case 'announcement': return `${v.publish === 'on_agreement' ? 'on agreement' : `at ${v.publish}`}: ${v.text.slice(0, 80)}`;
    default: return String(v);
  }
}

// The full rendering of a value.
export function render(param, v, ctx) {
  if (v === null || v === undefined) {
    if (param === 'predecessor') return h('div', { class: 'value', text: 'None' });
    return h('div', { class: 'value muted', text: 'Not proposed yet' });
  }
  const view = ctx.view();
  switch (param) {
    case 'start':
      return h('div', { class: 'value' },
        h('div', { text: `${inZone(v, 'UTC')}` }),
        view.parties.map((p) => h('div', { class: 'muted', text: `${p.name}: ${inZone(v, p.time_zone)} (${p.time_zone})` })));
    case 'duration_minutes':
      return h('div', { class: 'value', text: durationText(v) });
    case 'format':
      return h('div', { class: 'value', text: v === 'video' ? 'Video call' : v });
    case 'roster':
      return h('div', { class: 'value' }, view.parties.map((p) => {
        const rows = v.filter((e) => e.party === p.id);
        return h('div', {}, h('strong', { text: `${p.name}: ` }),
          rows.length ? rows.map((e, i) => [i ? ', ' : '', `${memberName(ctx, e.member)} (${e.role})`])
            : h('span', { class: 'muted', text: 'not yet proposed' }));
      }));
    case 'languages':
      return h('div', { class: 'value' },
        h('div', { text: v.languages.map(languageName).join(', ') }),
        v.interpretation.length ? h('ul', { class: 'plain' }, v.interpretation.map((i) => h('li', {
          text: `${memberName(ctx, i.interpreter)} interprets ${i.pair[0]} ↔ ${i.pair[1]}` })))
          : h('div', { class: 'muted', text: 'No interpreters' }));
    case 'agenda':
      return h('ol', { class: 'value agenda' }, v.map((i) => h('li', { text: i.title })));
    case 'announcement':
      return h('div', { class: 'value' },
        h('div', { class: 'muted', text: v.publish === 'on_agreement' ? 'Published as soon as both delegations sign'
          : `Published at ${inZone(v.publish, 'UTC')}` }),
        h('div', { text: v.text }));
    case 'predecessor': {
      const m = ctx.meetings.find((x) => x.id === v);
      return h('div', { class: 'value' }, h('a', { href: `#/meeting/${v}`, text: m ? `${m.title} (${v})` : v }));
    }
    default:
      return h('div', { class: 'value', text: String(v) });
  }
}

function fail(text) {
  throw new Error(text);
}

// The server's rule for free text (negotiation/parameters.cpp is_clean_text):
// 1..maxBytes bytes of UTF-8 — not characters: Cyrillic takes two bytes,
// Chinese three — and no control characters other than newline and tab
// where several lines are allowed. Returns the trimmed text or throws.
export function checkText(value, maxBytes, { multiline = false, what = 'The text' } = {}) {
  const t = value.trim();
  if (!t) fail(`${what} cannot be empty.`);
  const bytes = new TextEncoder().encode(t).length;
  if (bytes > maxBytes) fail(`${what} is too long: ${bytes} bytes, at most ${maxBytes} (accented letters and Cyrillic take two bytes each, Chinese three).`);
  // eslint-disable-next-line no-control-regex
  const bad = multiline ? /[\x00-\x08\x0b-\x1f\x7f]/ : /[\x00-\x1f\x7f]/;
  if (bad.test(t)) fail(`${what} contains a control character${multiline ? '' : ' or a line break'}; remove it.`);
  return t;
}

// A form for a new proposal, pre-filled with the current value.
// Returns { el, value() } where value() returns the JSON value or throws
// an Error that says what to fix.
export function editor(param, current, ctx) {
  const view = ctx.view();
  const id = (s) => `edit-${param}-${s}`;
  switch (param) {
    case 'title': {
      const input = h('input', { type: 'text', id: id('value'), maxlength: 200, value: current || '' });
      return { el: field('New title', input, 'One line, up to 200 bytes.'), value: () => checkText(input.value, 200, { what: 'The title' }) };
    }
    case 'format': {
      const sel = h('select', { id: id('value') }, h('option', { value: 'video', text: 'Video call' }));
      return { el: field('Format', sel, 'Parley meetings are held by video.'), value: () => sel.value };
    }
    case 'start': {
      const zones = [...view.parties.map((p) => ({ zone: p.time_zone, label: `${p.name} time (${p.time_zone})` })), { zone: 'UTC', label: 'UTC' }];
      const own = view.parties.find((p) => p.id === ctx.me.party);
      const zoneSel = h('select', { id: id('zone') }, zones.map((z) => h('option', { value: z.zone, text: z.label })));
      if (own) zoneSel.value = own.time_zone;
      const local = h('input', { type: 'datetime-local', id: id('value'), step: 60 });
      const preview = h('div', { class: 'muted', id: id('preview'), 'aria-live': 'polite' });
      if (current) {
        try {
          local.value = instantToLocal(current, zoneSel.value);
        } catch {
          zoneSel.value = 'UTC';  // a zone this browser does not know
          local.value = instantToLocal(current, 'UTC');
        }
      }
      const instant = () => localToInstant(local.value, zoneSel.value);
      const update = () => {
        const t = instant();
        const note = wallTimeNote(local.value, zoneSel.value);
        preview.replaceChildren(...(t ? [
          note === 'skipped' ? h('div', { class: 'notice warn', text: 'That time does not exist in this zone (the clocks jump forward); it is read as the time below.' }) : null,
          note === 'repeated' ? h('div', { class: 'notice warn', text: 'That time occurs twice in this zone (the clocks go back); the first is meant.' }) : null,
          h('div', { text: `UTC: ${inZone(t, 'UTC')}` }),
          ...view.parties.map((p) => h('div', { text: `${p.name}: ${inZone(t, p.time_zone)}` }))].filter(Boolean) : [h('div', { text: 'Choose a date and time.' })]));
      };
      let shownZone = zoneSel.value;
      zoneSel.addEventListener('change', () => {
        // Keep the same instant when the person switches the zone they type in.
        const t = localToInstant(local.value, shownZone);
        shownZone = zoneSel.value;
        if (t) local.value = instantToLocal(t, shownZone);
        update();
      });
      local.addEventListener('input', update);
      update();
      return {
        el: h('div', {}, field('Time zone you type in', zoneSel), field('New start', local), preview),
        value: () => {
          const t = instant() || fail('Choose the date and time of the start.');
          if (Date.parse(t) <= Date.now()) fail('The start must be in the future.');
          return t;
        },
      };
    }
    case 'duration_minutes': {
      const input = h('input', { type: 'number', id: id('value'), min: 5, max: 720, step: 5, value: current || 60 });
      return {
        el: field('Duration in minutes', input, '5 to 720 minutes.'),
        value: () => {
          const n = Number(input.value);
          if (!Number.isInteger(n) || n < 5 || n > 720) fail('The duration is a whole number of minutes from 5 to 720.');
          return n;
        },
      };
    }
    case 'roster': return rosterEditor(current, ctx, id);
    case 'languages': return languagesEditor(current, ctx, id);
    case 'agenda': return agendaEditor(current, id);
    case 'announcement': {
      const text = h('textarea', { id: id('text'), maxlength: 5000 });
      text.value = current ? current.text : '';
      const own = view.parties.find((p) => p.id === ctx.me.party) || { time_zone: 'UTC' };
      const onAgreement = h('input', { type: 'radio', name: id('when'), id: id('on-agreement'), value: 'on_agreement' });
      const atTime = h('input', { type: 'radio', name: id('when'), id: id('at'), value: 'at' });
      const when = h('input', { type: 'datetime-local', id: id('publish'), step: 60 });
      if (!current || current.publish === 'on_agreement') onAgreement.checked = true;
      else {
        atTime.checked = true;
        when.value = instantToLocal(current.publish, own.time_zone);
      }
      return {
        el: h('div', {}, field('Announcement text', text, 'What the public page and the feed will say; up to 5000 bytes.'),
          h('fieldset', {}, h('legend', { text: 'When it is published' }),
            h('div', {}, onAgreement, h('label', { for: onAgreement.id, class: 'inline', text: ' As soon as both delegations sign' })),
            h('div', {}, atTime, h('label', { for: atTime.id, class: 'inline', text: ` At a set moment (${own.time_zone}), not before agreement` })),
            field(`Publication moment (${own.time_zone})`, when))),
        value: () => {
          const t = checkText(text.value, 5000, { multiline: true, what: 'The announcement text' });
          if (onAgreement.checked) return { text: t, publish: 'on_agreement' };
          const at = localToInstant(when.value, own.time_zone) || fail('Choose when the announcement is published.');
          return { text: t, publish: at };
        },
      };
    }
    case 'predecessor': {
      const sel = h('select', { id: id('value') }, h('option', { value: '', text: 'None' }),
        ctx.meetings.filter((m) => m.id !== view.id
          && m.parties.every((p) => view.parties.some((q) => q.id === p.id)))
          .map((m) => h('option', { value: m.id, text: `${m.title || '(untitled)'} — ${m.id}` })));
      sel.value = current || '';
      return { el: field('Builds on the earlier meeting', sel, 'Only meetings between the same two delegations.'), value: () => sel.value || null };
    }
    default:
      return { el: h('p', { text: 'This parameter cannot be edited here.' }), value: () => fail('Unknown parameter.') };
  }
}

// Each delegation edits its own delegation; the other side's entries are
// carried over as they stand in the current proposal (it accepts or
// counters with its own).
function rosterEditor(current, ctx, id) {
  const view = ctx.view();
  const mine = new Map((current || []).filter((e) => e.party === ctx.me.party).map((e) => [e.member, e.role]));
  const own = [...ctx.members.values()].filter((m) => m.party === ctx.me.party);
  const rows = own.map((m) => {
    const box = h('input', { type: 'checkbox', id: id(`in-${m.id}`), checked: mine.has(m.id), 'data-member': m.id });
    const role = h('select', { id: id(`role-${m.id}`), 'aria-label': `Role of ${m.name}` },
      m.roles.filter((r) => ROLES.includes(r)).map((r) => h('option', { value: r, text: r })));
    if (mine.has(m.id)) role.value = mine.get(m.id);
    return { m, box, role, el: h('tr', {}, h('td', {}, box, h('label', { for: box.id, class: 'inline', text: ` ${m.name}` })), h('td', {}, role)) };
  });
  const others = () => (ctx.view().parameters.roster.value || []).filter((e) => e.party !== ctx.me.party);
  const otherList = others();
  return {
    el: h('div', {},
      h('fieldset', {}, h('legend', { text: `Your delegation (${view.parties.find((p) => p.id === ctx.me.party)?.name || ctx.me.party})` }),
        own.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'Member' }), h('th', { text: 'Role in this meeting' }))),
          h('tbody', {}, rows.map((r) => r.el))) : h('p', { text: 'Nobody of your delegation is enrolled yet.' })),
      h('div', { class: 'muted' }, h('strong', { text: 'Other delegation, as currently proposed: ' }),
        otherList.length ? otherList.map((e) => `${memberName(ctx, e.member)} (${e.role})`).join(', ') : 'none yet — they add their own.')),
    value: () => {
      const chosen = rows.filter((r) => r.box.checked).map((r) => ({ member: r.m.id, party: r.m.party, role: r.role.value, key: r.m.key }));
      if (chosen.length === 0) fail('Choose at least one member of your delegation.');
      const all = [];
      for (const p of ctx.view().parties) all.push(...(p.id === ctx.me.party ? chosen : others().filter((e) => e.party === p.id)));
      return all;
    },
  };
}

const TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

function languagesEditor(current, ctx, id) {
  const cur = current || { languages: [], interpretation: [] };
  const tags = h('input', { type: 'text', id: id('tags'), value: cur.languages.join(', '), spellcheck: 'false' });
  const list = h('tbody', {});
  const interpreters = [...ctx.members.values()].filter((m) => m.roles.includes('interpreter'));
  let n = 0;
  const addRow = (entry) => {
    n += 1;
    const who = h('select', { id: id(`interp-${n}`), 'aria-label': `Interpreter ${n}` },
      interpreters.map((m) => h('option', { value: m.id, text: `${m.name} (${partyName(ctx, m.party)})` })));
    const a = h('input', { type: 'text', id: id(`from-${n}`), 'aria-label': `Interpreter ${n}: first language`, size: 6, value: entry ? entry.pair[0] : '' });
    const b = h('input', { type: 'text', id: id(`to-${n}`), 'aria-label': `Interpreter ${n}: second language`, size: 6, value: entry ? entry.pair[1] : '' });
    if (entry) who.value = entry.interpreter;
    const remove = h('button', { type: 'button', class: 'secondary small', text: 'Remove', 'aria-label': `Remove interpreter ${n}` });
    const row = h('tr', { class: 'interp-row' }, h('td', {}, who), h('td', {}, a, ' ↔ ', b), h('td', {}, remove));
    remove.addEventListener('click', () => row.remove());
    row.read = () => ({ interpreter: who.value, pair: [a.value.trim(), b.value.trim()] });
    list.append(row);
  };
  cur.interpretation.forEach(addRow);
  const add = h('button', { type: 'button', class: 'secondary small', id: id('add-interpreter'), text: 'Add an interpreter', disabled: interpreters.length === 0 });
  add.addEventListener('click', () => addRow(null));
  return {
    el: h('div', {}, field('Languages of the meeting', tags, 'Language tags separated by commas, e.g. "ru, en".'),
      h('fieldset', {}, h('legend', { text: 'Interpretation' }),
        interpreters.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'Interpreter' }), h('th', { text: 'Language pair' }), h('th', {}, h('span', { class: 'visually-hidden', text: 'Remove' })))), list)
          : h('p', { class: 'muted', text: 'No enrolled member of either delegation holds the interpreter role.' }),
        add)),
    value: () => {
      const languages = tags.value.split(',').map((t) => t.trim()).filter(Boolean);
      if (languages.length === 0 || languages.length > 12) fail('Name 1 to 12 languages.');
      for (const t of languages) if (!TAG.test(t) || t.length > 16) fail(`"${t}" is not a language tag (like en, ru, zh-Hans).`);
      if (new Set(languages).size !== languages.length) fail('A language is listed twice.');
      const interpretation = [...list.querySelectorAll('tr.interp-row')].map((r) => r.read());
      for (const i of interpretation) {
        if (!languages.includes(i.pair[0]) || !languages.includes(i.pair[1]) || i.pair[0] === i.pair[1])
          fail(`${memberName(ctx, i.interpreter)}'s pair must be two different languages of the meeting.`);
      }
      return { languages, interpretation };
    },
  };
}

function agendaEditor(current, id) {
  const list = h('ol', { class: 'agenda-editor', id: id('items') });
  let n = 0;
  // Labels name each item by its place, so that a screen reader says
  // "Move item 2 up" rather than the same words on every row.
  const renumber = () => [...list.children].forEach((li, i) => {
    li.parts.label.textContent = `Agenda item ${i + 1}`;
    li.parts.up.setAttribute('aria-label', `Move item ${i + 1} up`);
    li.parts.down.setAttribute('aria-label', `Move item ${i + 1} down`);
    li.parts.remove.setAttribute('aria-label', `Remove item ${i + 1}`);
  });
  const addItem = (text) => {
    n += 1;
    const input = h('input', { type: 'text', id: id(`item-${n}`), maxlength: 300, value: text || '' });
    const up = h('button', { type: 'button', class: 'secondary small', text: '↑' });
    const down = h('button', { type: 'button', class: 'secondary small', text: '↓' });
    const remove = h('button', { type: 'button', class: 'secondary small', text: 'Remove' });
    const label = h('label', { for: input.id, class: 'visually-hidden' });
    const li = h('li', { class: 'agenda-item' }, label, input, up, down, remove);
    up.addEventListener('click', () => { if (li.previousElementSibling) li.previousElementSibling.before(li); renumber(); up.focus(); });
    down.addEventListener('click', () => { if (li.nextElementSibling) li.nextElementSibling.after(li); renumber(); down.focus(); });
    remove.addEventListener('click', () => {
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      renumber();
      (next ? next.querySelector('input') : add).focus();
    });
    li.parts = { label, up, down, remove };
    list.append(li);
    renumber();
    return input;
  };
  (current || []).forEach((i) => addItem(i.title));
  if (!current) addItem('');
  const add = h('button', { type: 'button', class: 'secondary small', id: id('add'), text: 'Add an item' });
  add.addEventListener('click', () => addItem('').focus());
  return {
    el: h('fieldset', {}, h('legend', { text: 'Agenda items, in order' }), list, add),
    value: () => {
      const items = [...list.querySelectorAll('input')].filter((i) => i.value.trim())
        .map((i, k) => checkText(i.value, 300, { what: `Agenda item ${k + 1}` }));
      if (items.length === 0 || items.length > 50) fail('The agenda has 1 to 50 items.');
      return items.map((title) => ({ title }));
    },
  };
}
