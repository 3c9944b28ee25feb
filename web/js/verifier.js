// Offline verification of an exported negotiation log (parley.export/1,
// docs/protocol.md §Export) in the browser, with nothing but the file. The
// acts themselves are replayed by meeting-log.js (MeetingLog), which
// record-verifier.js shares; this module checks the export document around
// them.
//
// What verifyExport() checks, in this order:
//  1. The text is JSON inside Parley's safe subset (§Canonical JSON):
//     parseStrict() for duplicate keys and non-integer numbers, then ASCII
//     object keys, no lone surrogates, nesting at most 64 levels (the limit
//     `parley verify` uses).
//  2. The document has exactly the fields type, meeting, exported_at,
//     parties, members, acts; type is "parley.export/1"; two parties with
//     string id, name, time_zone; every member is exactly
//     {id, party, name, roles, key} with known roles and a 32-byte base64url
//     key, each id once; acts is a non-empty array.
//  3. For each act, in log order (meeting-log.js says in which order):
//     - envelope shape: exactly {act, signature}; act exactly type, meeting,
//       base, prev, kind, body, author, at with their types; prev is ""
//       exactly when base is 0, otherwise lowercase hex SHA-256; at is
//       YYYY-MM-DDTHH:MM:SSZ and a real date from 1970 on;
//     - it names the exported meeting (wrong_meeting);
//     - the first act is create with base 0; a later create is refused
//       (meeting_exists); every later negotiation act has base = number of
//       acts before it and prev = hex SHA-256 of canonicalize({act,
//       signature}) of the previous envelope (stale_sequence);
//     - at is not earlier than the previous act's (time_out_of_order);
//     - the author is a listed member (unknown_author) holding the
//       negotiator role (role_not_allowed) of one of the meeting's two
//       parties (not_a_party);
//     - the Ed25519 signature over canonicalize(act) verifies with the key
//       the file lists for the author (bad_signature);
//     - the negotiation rules (§Rules per kind), replayed on the state so
//       far: nothing after a withdrawal (meeting_withdrawn); create's body is
//       {counterparty, proposals} with a well-formed meeting id, the other
//       listed party as counterparty, a title and only known parameters;
//       propose names a known parameter and changes its value (canonical
//       forms compared; unchanged_value); accept names a proposed parameter
//       (nothing_to_accept), its current revision (stale_revision), not yet
//       accepted by the author's party (already_accepted); sign needs all
//       nine parameters proposed and agreed by both parties (not_agreed),
//       the hash of the current terms document (terms_hash_mismatch), and a
//       party that has not signed yet (already_signed); withdraw needs a
//       reason of 1–2000 bytes of text; once the meeting is announced (at
//       the act's own time) or has a record entry, only a withdrawal
//       (meeting_announced);
//     - record entries (docs/record.md §Entries: the log of an announced
//       meeting holds them after the negotiation) by their own rules, with
//       the key listed for the author, which must be the signed roster's.
//     State: parties are [creator's party, counterparty]; each proposal is a
//     new revision accepted by the proposer's party only and voids both
//     signatures; the meeting is agreed when both parties signed the current
//     terms.
//
// What it leaves to `parley verify` (negotiation::verify_export, which runs
// the server's own rules):
//  - per-parameter value rules: title and agenda lengths, format "video",
//    start after the act's time and within two years, duration 5–720,
//    roster entries (enrolled members, roles held, keys matching the members'
//    keys: key_mismatch), language tags and interpreters, announcement text
//    and publish instant (the invalid_<parameter> codes);
//  - consistency of the terms at signing (inconsistent_terms).
// And what no offline check can establish (§What it cannot check): member
// keys and roles come from the file, i.e. from the server that exported it;
// a truncated log verifies (every prefix of a valid log is valid); whether
// the predecessor exists; clock skew; exported_at, party names and zones are
// informational.
//
// The result names the first bad act as "act N: … [code]" and still lists the
// acts verified before it, followed by the bad act itself (verified: false).
// Both verifiers refuse the same logs for the rules checked here, but may name
// a different code or act: the author's role and party are judged here before
// the signature (the order of §Rules per kind), so an act re-attributed to a
// non-negotiator is role_not_allowed here and bad_signature in `parley verify`;
// and a swapped key of a member on the roster fails there at the create act
// (key_mismatch), here at that member's first act (bad_signature).

import {
  MeetingLog, Refusal, refuse, requireFields, parseText, checkParties, checkMembers, ed25519Available, PARAMETERS,
  isInstant,
} from './meeting-log.js';

export { PARAMETERS, isInstant };

function checkDocument(doc) {
  requireFields(doc, ['type', 'meeting', 'exported_at', 'parties', 'members', 'acts'], 'the export');
  if (doc.type !== 'parley.export/1') refuse('invalid_field', 'this is not a parley.export/1 document');
  if (typeof doc.meeting !== 'string') refuse('invalid_field', 'meeting must be a string');
  if (typeof doc.exported_at !== 'string') refuse('invalid_field', 'exported_at must be a string');
  checkParties(doc.parties);
  const members = checkMembers(doc.members);
  if (!Array.isArray(doc.acts) || doc.acts.length === 0) refuse('invalid_field', 'acts must be a non-empty array');
  return members;
}

// Verifies the text (a string) or bytes (UTF-8) of an exported log. Never
// throws for bad input; resolves to
//   { ok, code, error,                 // error: "act N: … [code]" or "not a valid export: … [code]"
//     meeting, exportedAt, actsInFile,
//     parties: [{id, name, timeZone}],  // [initiator, counterparty] once the create act verified
//     members: [{id, party, name, roles, key}],
//     acts: [{seq, kind, author, authorName, party, at, summary, hash, signatureOk, verified}],
//     head, agreed, termsHash,         // as far as the log verified; termsHash null until all nine are proposed
//     terms,                           // the terms document termsHash is the hash of (a copy), or null;
//                                      // terms.roster is the roster in its signed order (e2ee-keys.js)
//     signatures: [{party, member, name, key, termsHash, at}],
//     withdrawal: {party, member, name, reason, at} | null }
// On failure, acts holds the verified acts and then the refused one
// (verified: false; signatureOk null when its signature could not be checked).
export async function verifyExport(text) {
  const result = {
    ok: false, error: null, code: null, meeting: null, exportedAt: null, actsInFile: 0, parties: [], members: [], acts: [],
    head: '', agreed: false, termsHash: null, terms: null, signatures: [], withdrawal: null,
  };
  let doc;
  let members;
  try {
    doc = parseText(text);
    members = checkDocument(doc);
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    result.code = e.code;
    result.error = `not a valid export: ${e.message} [${e.code}]`;
    return result;
  }
  if (!(globalThis.crypto?.subtle && await ed25519Available())) {
    result.code = 'unsupported';
    result.error = 'this browser cannot check Ed25519 signatures; use a current Chromium, Firefox or Safari, ' +
      'or `parley verify` [unsupported]';
    return result;
  }

  result.meeting = doc.meeting;
  result.exportedAt = doc.exported_at;
  result.actsInFile = doc.acts.length;
  result.members = doc.members.map((m) => ({ id: m.id, party: m.party, name: m.name, roles: [...m.roles], key: m.key }));
  const log = new MeetingLog({ meeting: doc.meeting, parties: doc.parties, members });
  const refused = await log.appendAll(doc.acts);
  const actView = (a) => ({
    seq: a.seq, kind: a.kind, author: a.author, authorName: a.authorName, party: a.party, role: a.role, at: a.at,
    summary: a.summary, hash: a.hash, signatureOk: a.signatureOk, verified: a.verified,
  });
  result.acts = log.acts.map(actView);
  if (!refused.ok) {
    if (refused.act) result.acts.push(actView(refused.act));
    result.code = refused.code;
    result.error = refused.error;
  }
  Object.assign(result, await exportState(log, doc, members));
  result.ok = result.error === null;
  return result;
}

// The negotiation as far as the log verified, in the shape verifyExport()
// gives it (also used for records by record-verifier.js).
export async function exportState(log, doc, members) {
  const partyById = new Map(doc.parties.map((p) => [p.id, p]));
  const order = log.parties.length ? log.parties : doc.parties.map((p) => p.id);
  const terms = log.termsDocument();
  const w = log.withdrawal;
  return {
    parties: order.map((id) => {
      const p = partyById.get(id);
      return { id, name: p?.name ?? id, timeZone: p?.time_zone ?? null };
    }),
    head: log.head,
    termsHash: await log.termsHash(),
    terms: terms === null ? null : structuredClone(terms),
    agreed: log.agreed,
    signatures: order.filter((p) => log.signatures.has(p)).map((p) => {
      const s = log.signatures.get(p);
      const m = members.get(s.member);
      return { party: p, member: s.member, name: m.name, key: m.key, termsHash: s.termsHash, at: s.at, seq: s.seq };
    }),
    withdrawal: w && { party: w.party, member: w.member, name: members.get(w.member).name, reason: w.reason, at: w.at },
  };
}
