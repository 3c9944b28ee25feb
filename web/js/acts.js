// Building, signing and sending acts (docs/protocol.md §Acts). An act is
// signed at the end of the exact history the page shows: base = the
// meeting's length, prev = its head. If the other side acted in between,
// the server refuses it (stale_sequence) and returns the meeting as it now
// is; the caller shows what changed and nothing is applied twice.
//
// Record entries (docs/record.md §Entries) are acts too, signed the same way
// on the same view; the server accepts them after other entries arrived
// meanwhile (base need only name an act the author saw), so two rapporteurs
// typing at once do not refuse each other.

import { call } from './api.js';
import { loadIdentity, signDocument } from './identity.js';
import { randomHex } from './encoding.js';
import { formatUtcInstant } from './time.js';

// The signed time: now, but never earlier than the meeting's last act (a
// clock a little behind the other side's must not make the act refused).
function actTime(view) {
  const now = formatUtcInstant(new Date());
  return view && view.last_at && view.last_at > now ? view.last_at : now;
}

async function signed(view, meeting, kind, body) {
  const id = await loadIdentity();
  if (!id) throw new Error('This browser holds no Parley identity: enroll first.');
  const act = {
    type: 'parley.act/1',
    meeting,
    base: view ? view.length : 0,
    prev: view && view.length ? view.head : '',
    kind,
    body,
    author: id.member,
    at: actTime(view),
  };
  return { act, signature: await signDocument(id.privateKey, act) };
}

export function newMeetingId() {
  return `mtg_${randomHex(12)}`;
}

export async function createMeeting(counterparty, proposals) {
  const meeting = newMeetingId();
  const envelope = await signed(null, meeting, 'create', { counterparty, proposals });
  return call('POST', '/api/v1/meetings', envelope);
}

export async function submit(view, kind, body) {
  const envelope = await signed(view, view.id, kind, body);
  return call('POST', `/api/v1/meetings/${encodeURIComponent(view.id)}/acts`, envelope);
}

export const propose = (view, param, value) => submit(view, 'propose', { param, value });
export const accept = (view, param, rev) => submit(view, 'accept', { param, rev });
export const signTerms = (view, termsHash) => submit(view, 'sign', { terms_hash: termsHash });
export const withdraw = (view, reason) => submit(view, 'withdraw', { reason });

// The record of the talks: one function per entry kind, the body exactly as
// docs/record.md's table gives it. Hashes name earlier entries.
export const recordEntry = (view, kind, body) => submit(view, kind, body);
export const openSession = (view, present) => submit(view, 'session_open', { present });
export const closeSession = (view, present) => submit(view, 'session_close', { present });
export const minute = (view, item, text) => submit(view, 'minute', { item, text });
export const statement = (view, speaker, item, text) => submit(view, 'statement', { speaker, item, text });
export const draftAssurance = (view, { giver, item, text, scope, until }) =>
  submit(view, 'assurance_draft', { giver, item, text, scope, until });
export const giveAssurance = (view, { to, item, text, scope, until, draft }) =>
  submit(view, 'assurance', { to, item, text, scope, until, draft });
export const acknowledge = (view, assurance) => submit(view, 'acknowledge', { assurance });
export const readout = (view, text) => submit(view, 'readout', { text });
export const jointStatement = (view, text) => submit(view, 'joint_statement', { text });
export const countersign = (view, statementHash) => submit(view, 'countersign', { statement: statementHash });
export const correct = (view, entry, text, reason) => submit(view, 'correction', { entry, text, reason });
export const assuranceStatus = (view, { assurance, meeting, status, note }) =>
  submit(view, 'assurance_status', { assurance, meeting, status, note });
