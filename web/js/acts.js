// Building, signing and sending acts (docs/protocol.md §Acts). An act is
// signed at the end of the exact history the page shows: base = the
// meeting's length, prev = its head. If the other side acted in between,
// the server refuses it (stale_sequence) and returns the meeting as it now
// is; the caller shows what changed and nothing is applied twice.

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
