// Who may record what (docs/record.md §Entries, the table): the author's
// entry on the signed roster decides, never the directory's roles. The
// server judges every entry by the same rules (negotiation/record.cpp); the
// pages use these only to offer a person the forms their role allows.

export const PRINCIPAL_ROLES = new Set(['leader', 'negotiator']);

// The roster entry {member, party, role, key} of `member` in the agreed
// terms of the meeting view, or null (not on the roster, or no terms).
export function rosterEntry(view, member) {
  const roster = view && view.terms && Array.isArray(view.terms.roster) ? view.terms.roster : [];
  return roster.find((e) => e.member === member) || null;
}

export function otherParty(view, party) {
  const p = view.parties.find((x) => x.id !== party);
  return p ? p.id : null;
}

const principal = (r) => !!r && PRINCIPAL_ROLES.has(r.role);
const rapporteur = (r) => !!r && r.role === 'rapporteur';

// What the roster entry `r` may record, kind by kind. Rules that depend on
// other entries (a session open, an assurance's parties) are the caller's.
export const may = {
  session: (r) => principal(r) || rapporteur(r),
  minute: (r) => !!r && (r.role === 'rapporteur' || r.role === 'negotiator'),
  // Anyone on the roster for themselves; a rapporteur for a member of their party.
  statementFor: (r, speaker) => !!r && !!speaker && (r.member === speaker.member || (rapporteur(r) && r.party === speaker.party)),
  draft: (r) => principal(r) || rapporteur(r),
  assure: (r, giver) => principal(r) && r.party === giver,
  acknowledge: (r, to) => (principal(r) || rapporteur(r)) && r.party === to,
  readout: (r) => principal(r),
  joint: (r) => principal(r),
  countersign: (r, authorParty) => principal(r) && r.party !== authorParty,
  status: (r, status, giver) => (status === 'withdrawn' ? principal(r) && r.party === giver : principal(r) || rapporteur(r)),
};

// A correction is made by whoever may record the corrected entry, of the same
// party as its author; a statement by its speaker or their party's rapporteur.
export function mayCorrect(view, r, entry) {
  if (!r) return false;
  if (entry.kind === 'statement') {
    const speaker = rosterEntry(view, entry.body.speaker);
    return r.member === entry.body.speaker || (rapporteur(r) && !!speaker && speaker.party === r.party);
  }
  if (r.party !== entry.party) return false;
  if (entry.kind === 'minute') return may.minute(r);
  if (entry.kind === 'readout') return may.readout(r);
  return false;
}

// Who may cosign a checkpoint for a party: a principal or rapporteur on the
// roster, or the member who signed the terms for their party.
export function mayCosign(view, member) {
  const r = rosterEntry(view, member);
  if (principal(r) || rapporteur(r)) return true;
  return Object.values(view.signatures || {}).some((s) => s.member === member);
}

// The party a cosigner speaks for (see mayCosign), or null.
export function cosignerParty(view, member) {
  const r = rosterEntry(view, member);
  if (principal(r) || rapporteur(r)) return r.party;
  for (const [party, s] of Object.entries(view.signatures || {})) if (s.member === member) return party;
  return null;
}

export const TEXT_LIMITS = {
  note: 4000,        // minute, statement
  assurance: 2000,
  scope: 500,
  public: 8000,      // readout, joint statement
  reason: 2000,      // correction reason, status note
};
