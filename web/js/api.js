// The member API (docs/api/openapi.yaml) as the web app uses it: a session
// token in sessionStorage (gone when the tab closes), signed in again with
// the identity key whenever the server no longer knows the token, and every
// refusal turned into an ApiError whose text a person can read.

import { loadIdentity, signDocument } from './identity.js';

const TOKEN = 'parley.session';

// What each refusal means to the person at the keyboard (docs/api/errors.md).
const EXPLAIN = {
  stale_sequence: 'The other side acted first; the page now shows the meeting as it is.',
  stale_revision: 'That proposal has been replaced by a newer one; look at the new value before accepting.',
  already_accepted: 'Your delegation has already accepted this proposal.',
  already_signed: 'Your delegation has already signed these terms.',
  meeting_withdrawn: 'This meeting has been withdrawn; nothing more can be done on it.',
  meeting_announced: 'This meeting is already announced; it can only be withdrawn now.',
  not_agreed: 'Not every parameter is agreed by both delegations yet.',
  terms_hash_mismatch: 'The terms changed while you were signing; read them again before signing.',
  role_not_allowed: 'Your role does not allow this: only negotiators negotiate, and the record follows each member\'s role on the signed roster.',
  invalid_invitation: 'This invitation code is unknown, already used or expired. Ask your delegation\'s operator for a new one.',
  conflict: 'This key or invitation is already registered.',
  sign_in_failed: 'Signing in failed. If this browser\'s key was replaced, enroll again with a new invitation.',
  clock_skew: 'This computer\'s clock is too far from the server\'s. Correct the clock and try again.',
  time_out_of_order: 'This computer\'s clock is behind the last step of the negotiation. Correct the clock and try again.',
  key_mismatch: 'A roster entry carries a key that is not the member\'s registered key.',
  unchanged_value: 'That is already the current proposal.',
  inconsistent_terms: 'The terms do not hold together yet (see the notice above the signatures); counter-propose what is missing.',
  not_found: 'Not found, or not shared with your delegation.',
  // The record of the talks (docs/record.md §Entries, §Routes).
  not_announced: 'The record opens once the meeting is signed by both delegations and announced.',
  not_on_roster: 'Only members on the signed roster record entries.',
  key_changed: 'Your key is not the one on the signed roster.',
  no_session: 'No session of the talks is open: open the session first.',
  session_open: 'A session is already open.',
  invalid_item: 'That agenda item is not in the signed terms.',
  unknown_entry: 'The entry this refers to is not in this meeting\'s record.',
  wrong_entry_kind: 'The entry this refers to is of another kind.',
  draft_used: 'This draft has already been signed as an assurance.',
  already_acknowledged: 'This assurance has already been acknowledged.',
  readout_exists: 'Your delegation\'s readout is already published; record a correction to change it.',
  joint_statement_open: 'A joint statement is still waiting for its countersignature.',
  already_countersigned: 'This joint statement is already countersigned.',
  checkpoint_mismatch: 'That checkpoint is not one the server issued for this meeting.',
  invalid_field: 'The server refused the form\'s content.',
  store_unavailable: 'The server could not store this safely; nothing was changed. Try again shortly.',
  unavailable: 'The server is busy; try again shortly.',
  network: 'The server cannot be reached. Check the connection; nothing was changed.',
};

export class ApiError extends Error {
  constructor(status, code, message, body) {
    const explained = EXPLAIN[code];
    super(explained && explained !== message ? `${explained} (${message})` : message);
    this.status = status;
    this.code = code;
    this.detail = message;
    this.body = body;
  }
}

export function explain(e) {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

export function sessionToken() {
  return sessionStorage.getItem(TOKEN);
}

async function raw(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', EXPLAIN.network, null);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, 'bad_response', `The server answered ${res.status} with something that is not JSON.`, null);
  }
  if (!res.ok) {
    const err = json && json.error ? json.error : { code: `http_${res.status}`, message: `HTTP ${res.status}` };
    throw new ApiError(res.status, err.code, err.message, json);
  }
  return json;
}

export async function signIn() {
  const id = await loadIdentity();
  if (!id) throw new ApiError(0, 'no_identity', 'This browser holds no Parley identity yet: enroll first.', null);
  const { challenge } = await raw('POST', '/api/v1/auth/challenge', { member: id.member });
  const signature = await signDocument(id.privateKey, { type: 'parley.signin/1', member: id.member, challenge });
  const session = await raw('POST', '/api/v1/auth/session', { member: id.member, challenge, signature });
  sessionStorage.setItem(TOKEN, session.token);
  return session.token;
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
}

// A member request. Meeting routes answer 404 rather than 401 without a valid
// session (the embargo), so both mean "sign in again and retry once".
export async function call(method, path, body) {
  let token = sessionToken() || (await signIn());
  try {
    return await raw(method, path, body, token);
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 404)) throw e;
    const fresh = await signIn();
    if (fresh === token) throw e;
    token = fresh;
    return raw(method, path, body, token);
  }
}

export const publicGet = (path) => raw('GET', path);
export const publicPost = (path, body) => raw('POST', path, body);
