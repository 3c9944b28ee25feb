// The members' web app: one page, views chosen by the URL fragment.
//   #/enroll              first visit: enroll with an invitation code
//   #/meetings            the member's meetings and what each waits on
//   #/new                 open a negotiation
//   #/meeting/<id>        the negotiation page (meeting.js)
//   #/identity            this browser's key; sign out; forget the key
// Every failure is shown in words in #notice; nothing is left to the console.

import { call, explain, publicPost, signOut } from './api.js';
import { forgetIdentity, generateKeyPair, loadIdentity, saveIdentity, signDocument } from './identity.js';
import { createMeeting } from './acts.js';
import { clear, field, h } from './dom.js';
import { inZone, localToInstant } from './time.js';
import { showMeeting } from './meeting.js';
import { checkText, statusBadge } from './params.js';

const view = document.getElementById('view');
const notice = document.getElementById('notice');
const who = document.getElementById('who');
let teardown = null;  // the current view's clean-up (live connection, timers)
let flash = null;     // a message to show on the next view

function say(text, kind = 'error') {
  delete notice.dataset.stale;
  notice.className = `notice ${kind}`;
  notice.textContent = text;
  if (text) notice.scrollIntoView({ block: 'nearest' });
}

function toast(text) {
  const t = document.getElementById('toast');
  const item = h('div', { class: 'notice ok', text });
  t.append(item);
  while (t.children.length > 3) t.firstElementChild.remove();
  setTimeout(() => item.remove(), 6000);
}

let routeSeq = 0;    // which navigation is current: an older one draws nothing

async function route() {
  view.removeAttribute('data-loading');  // the app runs: boot.js stays quiet
  const seq = ++routeSeq;
  const isCurrent = () => seq === routeSeq;
  if (teardown) teardown();
  teardown = null;
  say(flash ? flash.text : '', flash ? flash.kind : 'error');
  flash = null;
  const hash = location.hash || '#/meetings';
  const identity = await loadIdentity().catch((e) => {
    say(explain(e));
    return null;
  });
  if (!isCurrent()) return;
  who.textContent = identity ? `${identity.name} · ${identity.partyName || identity.party}` : 'Not enrolled';
  try {
    if (!identity && hash !== '#/enroll') {
      location.hash = '#/enroll';
      return;
    }
    if (hash === '#/enroll') return renderEnroll(identity);
    if (hash === '#/identity') return renderIdentity(identity);
    if (hash === '#/new') return await renderNew(identity, isCurrent);
    const m = /^#\/meeting\/([A-Za-z0-9_-]{1,64})$/.exec(hash);
    if (m) {
      const close = await showMeeting(view, m[1], identity, { say, toast, isCurrent });
      if (isCurrent()) teardown = close;
      else close();
      return;
    }
    let shown = await renderMeetings(identity, isCurrent, '');
    if (!isCurrent()) return;
    view.querySelector('h1')?.focus();
    // The list refreshes itself (new meetings, changes by the other side),
    // and redraws only when something changed.
    const timer = setInterval(async () => {
      try {
        shown = await renderMeetings(identity, isCurrent, shown);
      } catch (e) {
        if (isCurrent()) say(explain(e));
      }
    }, 15000);
    teardown = () => clearInterval(timer);
  } catch (e) {
    if (!isCurrent()) return;
    clear(view, h('p', { class: 'muted', text: 'This page could not be shown.' }));
    say(explain(e));
  }
}

// A form whose submission runs `fn` once at a time; a failure is shown in words.
function onSubmit(form, button, fn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    say('');
    try {
      await fn();
    } catch (e) {
      say(explain(e));
    } finally {
      button.disabled = false;
    }
  });
}

function renderEnroll(identity) {
  document.title = 'Enroll — Parley';
  const code = h('input', { type: 'text', name: 'code', autocomplete: 'off', spellcheck: 'false', required: true,
    id: 'enroll-code' });
  const button = h('button', { type: 'submit', text: 'Create my key and enroll' });
  const form = h('form', { class: 'card', id: 'enroll-form' },
    h('h1', { text: 'Enroll' }),
    h('p', { text: 'Your delegation\'s operator gave you a one-time invitation code. This browser will create your '
      + 'signing key: the private half never leaves the browser and cannot be copied out of it, even by this page. '
      + 'Only the public half is sent to the server.' }),
    identity ? h('p', { class: 'notice warn', text: `This browser already holds the identity of ${identity.name}. `
      + 'Enrolling again replaces it here.' }) : null,
    field('Invitation code', code, '32 hexadecimal characters, as the operator gave it.'),
    button);
  onSubmit(form, button, async () => {
    const value = code.value.trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(value)) throw new Error('An invitation code is 32 hexadecimal characters (0-9, a-f).');
    const pair = await generateKeyPair();
    const proof = await signDocument(pair.privateKey, { type: 'parley.enroll/1', code: value, public_key: pair.publicKey });
    const member = await publicPost('/api/v1/enroll', { code: value, public_key: pair.publicKey, proof });
    await saveIdentity({ privateKey: pair.privateKey, publicKey: pair.publicKey, member: member.id,
      party: member.party, name: member.name, roles: member.roles, enrolledAt: new Date().toISOString() });
    signOut();
    const me = await call('GET', '/api/v1/me');
    const id = await loadIdentity();
    id.partyName = me.party_info ? me.party_info.name : me.party;
    await saveIdentity(id);
    flash = { text: `Enrolled as ${member.name} (${id.partyName}). Your key is in this browser only.`, kind: 'ok' };
    location.hash = '#/meetings';
  });
  clear(view, form);
  code.focus();
}

function renderIdentity(identity) {
  document.title = 'My identity — Parley';
  const forget = h('button', { type: 'button', class: 'danger', text: 'Forget this key in this browser' });
  forget.addEventListener('click', async () => {
    if (!confirm('Forget the key? You will need a new invitation to act from this browser again.')) return;
    await forgetIdentity();
    signOut();
    location.hash = '#/enroll';
  });
  const out = h('button', { type: 'button', class: 'secondary', text: 'Sign out of this tab' });
  out.addEventListener('click', () => {
    signOut();
    say('Signed out. The next request signs in again with your key.', 'ok');
  });
  clear(view, h('section', { class: 'card' },
    h('h1', { text: 'My identity' }),
    h('table', {},
      h('tr', {}, h('th', { scope: 'row', text: 'Name' }), h('td', { text: identity.name })),
      h('tr', {}, h('th', { scope: 'row', text: 'Member id' }), h('td', { class: 'mono', text: identity.member })),
      h('tr', {}, h('th', { scope: 'row', text: 'Delegation' }), h('td', { text: identity.partyName || identity.party })),
      h('tr', {}, h('th', { scope: 'row', text: 'Roles' }), h('td', { text: (identity.roles || []).join(', ') })),
      h('tr', {}, h('th', { scope: 'row', text: 'Public key' }), h('td', { class: 'mono', id: 'my-key', text: identity.publicKey }))),
    h('p', { class: 'muted', text: 'Read your public key to the other delegation over a channel the server does not '
      + 'carry (a call, a letter): the roster in the signed terms pins it, and exported logs can be checked against it.' }),
    out, forget));
}

// Draws the list unless it equals `before` (its JSON); returns what it drew.
async function renderMeetings(identity, isCurrent, before) {
  const list = await call('GET', '/api/v1/meetings');
  const now = JSON.stringify(list);
  if (!isCurrent() || now === before) return before;
  document.title = 'Meetings — Parley';
  const parties = new Map();
  for (const m of list) for (const p of m.parties) parties.set(p.id, p);
  const name = (id) => (parties.get(id) ? parties.get(id).name : id);
  // Open negotiations first, then by start, soonest first (no start: last).
  list.sort((a, b) => (b.status === 'negotiating') - (a.status === 'negotiating') || (a.start || '~').localeCompare(b.start || '~'));
  const rows = list.map((m) => {
    const waiting = m.waiting_on.length === 0 ? '—'
      : m.waiting_on.map((p) => (p === identity.party ? `${name(p)} (you)` : name(p))).join(' and ');
    return h('tr', { 'data-meeting': m.id },
      h('td', {}, h('a', { href: `#/meeting/${m.id}`, text: m.title || '(untitled)' })),
      h('td', {}, statusBadge(m.status)),
      h('td', { text: m.start ? inZone(m.start, parties.get(identity.party)?.time_zone || 'UTC') : 'not proposed' }),
      h('td', { text: m.parties.map((p) => p.name).join(' · ') }),
      h('td', { class: 'waiting', text: waiting }));
  });
  const canAct = (identity.roles || []).includes('negotiator');
  clear(view,
    h('h1', { text: 'Meetings', tabindex: '-1' }),
    canAct ? h('a', { class: 'button', href: '#/new', id: 'new-meeting', text: 'Open a new negotiation' })
      : h('p', { class: 'muted', text: 'Only negotiators open negotiations; you can follow them here.' }),
    list.length === 0 ? h('p', { class: 'card', text: 'No meetings yet for your delegation.' })
      : h('div', { class: 'card table-wrap' }, h('table', { id: 'meetings' },
        h('caption', { class: 'muted', text: 'Meetings of your delegation, open negotiations first' }),
        h('thead', {}, h('tr', {}, ['Title', 'State', 'Start (your zone)', 'Parties', 'Waiting on'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, rows))));
  return now;
}

async function renderNew(identity, isCurrent) {
  document.title = 'New negotiation — Parley';
  const parties = (await call('GET', '/api/v1/parties')).filter((p) => p.id !== identity.party);
  const title = h('input', { type: 'text', id: 'new-title', maxlength: 200, required: true });
  const counter = h('select', { id: 'new-counterparty', required: true },
    parties.map((p) => h('option', { value: p.id, text: `${p.name} (${p.time_zone})` })));
  const start = h('input', { type: 'datetime-local', id: 'new-start' });
  const duration = h('input', { type: 'number', id: 'new-duration', min: 5, max: 720, step: 5, value: 60 });
  const button = h('button', { type: 'submit', text: 'Open the negotiation' });
  const myZone = (await call('GET', '/api/v1/me')).party_info?.time_zone || 'UTC';
  if (!isCurrent()) return;
  const form = h('form', { class: 'card', id: 'new-form' },
    h('h1', { text: 'Open a new negotiation' }),
    h('p', { class: 'muted', text: 'You sign the opening proposals; the other delegation sees the meeting as soon as it is created. '
      + 'Every other term is proposed on the negotiation page.' }),
    field('Title', title, 'One line, up to 200 bytes.'),
    field('Other delegation', counter),
    field(`Proposed start (${myZone}, optional)`, start),
    field('Proposed duration in minutes', duration, '5 to 720.'),
    button);
  onSubmit(form, button, async () => {
    const proposals = { title: checkText(title.value, 200, { what: 'The title' }), format: 'video' };
    if (start.value) proposals.start = localToInstant(start.value, myZone);
    const d = Number(duration.value);
    if (duration.value) {
      if (!Number.isInteger(d) || d < 5 || d > 720) throw new Error('The duration is a whole number of minutes from 5 to 720.');
      proposals.duration_minutes = d;
    }
    const m = await createMeeting(counter.value, proposals);
    location.hash = `#/meeting/${m.id}`;
  });
  if (parties.length === 0) clear(view, h('p', { class: 'card', text: 'No other delegation is registered yet.' }));
  else clear(view, form);
  title.focus();
}

window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (ev) => say(explain(ev.reason)));
window.addEventListener('error', (ev) => say(`Something went wrong in this page: ${ev.message}. Reload it and check the meeting's state before acting again.`));
route();
