// Cases shared by the record tests (record-verifier.test.mjs, and the cross
// test with `parley verify`, record-cross.test.mjs): one per rule of the
// table of docs/record.md §Entries and of positions and times, each an act
// that must be refused, on top of the talks of TestMeeting.talks().

// Each case: what to record before (on top of the talks, which leave no
// session open), the act that must be refused, and its code.
export const present = (...ids) => ({ present: ids.map((i) => `mbr_${i}`) });
export const open = (m) => m.act('Anna', 'session_open', present('east_rapporteur', 'west_rapporteur'));
export const RULES = [
  // Sessions.
  ['session_open while one is open', open, (m) => m.envelope('Rachel', 'session_open', present('west_rapporteur')), 'session_open'],
  ['session_close with none open', null, (m) => m.envelope('Rachel', 'session_close', present('west_rapporteur')), 'no_session'],
  ['session_open by an aide', null, (m) => m.envelope('Pavel', 'session_open', present('east_aide')), 'role_not_allowed'],
  ['session_open by an observer', null, (m) => m.envelope('Tom', 'session_open', present('west_observer')), 'role_not_allowed'],
  ['nobody present', null, (m) => m.envelope('Anna', 'session_open', { present: [] }), 'invalid_field'],
  ['someone present twice', null, (m) => m.envelope('Anna', 'session_open', present('east_aide', 'east_aide')), 'invalid_field'],
  ['present but not on the roster', null, (m) => m.envelope('Anna', 'session_open', present('east_outsider')), 'not_on_roster'],
  ['an unknown field', null, (m) => m.envelope('Anna', 'session_open', { ...present('east_aide'), extra: 1 }), 'unknown_field'],
  // Minutes and statements.
  ['a minute with no session', null, (m) => m.envelope('Anna', 'minute', { item: null, text: 'x' }), 'no_session'],
  ['a minute by a leader', open, (m) => m.envelope('Mikhail', 'minute', { item: null, text: 'x' }), 'role_not_allowed'],
  ['a minute by an aide', open, (m) => m.envelope('Pavel', 'minute', { item: null, text: 'x' }), 'role_not_allowed'],
  ['a minute of 4001 bytes', open, (m) => m.envelope('Anna', 'minute', { item: null, text: 'x'.repeat(4001) }), 'invalid_field'],
  ['a minute with a control character', open, (m) => m.envelope('Anna', 'minute', { item: null, text: 'a\u0007b' }), 'invalid_field'],
  ['a minute on item 2 of 2', open, (m) => m.envelope('Anna', 'minute', { item: 2, text: 'x' }), 'invalid_item'],
  ['a minute on item "0"', open, (m) => m.envelope('Anna', 'minute', { item: '0', text: 'x' }), 'invalid_item'],
  ['a minute without its item', open, (m) => m.envelope('Anna', 'minute', { text: 'x' }), 'missing_field'],
  ['a statement recorded by the other party\'s rapporteur', open,
    (m) => m.envelope('Rachel', 'statement', { speaker: 'mbr_east_negotiator', item: null, text: 'x' }), 'role_not_allowed'],
  ['a statement recorded by an aide for someone else', open,
    (m) => m.envelope('Pavel', 'statement', { speaker: 'mbr_east_negotiator', item: null, text: 'x' }), 'role_not_allowed'],
  ['a statement by a speaker not on the roster', open,
    (m) => m.envelope('Anna', 'statement', { speaker: 'mbr_east_outsider', item: null, text: 'x' }), 'not_on_roster'],
  ['a statement with no session', null, (m) => m.envelope('Tom', 'statement', { speaker: 'mbr_west_observer', item: null, text: 'x' }), 'no_session'],
  // Assurances.
  ['a draft by an aide', open,
    (m) => m.envelope('Pavel', 'assurance_draft', { giver: 'east', item: null, text: 'x', scope: 'y', until: null }), 'role_not_allowed'],
  ['a draft for an unknown giver', open,
    (m) => m.envelope('Anna', 'assurance_draft', { giver: 'north', item: null, text: 'x', scope: 'y', until: null }), 'invalid_field'],
  ['a draft whose time limit is past', open,
    (m) => m.envelope('Anna', 'assurance_draft', { giver: 'east', item: null, text: 'x', scope: 'y', until: '2026-01-01T00:00:00Z' }), 'invalid_field'],
  ['a draft with a scope of 501 bytes', open,
    (m) => m.envelope('Anna', 'assurance_draft', { giver: 'east', item: null, text: 'x', scope: 'y'.repeat(501), until: null }), 'invalid_field'],
  ['an assurance to its own party', open,
    (m) => m.envelope('Irina', 'assurance', { to: 'east', item: null, text: 'x', scope: 'y', until: null, draft: null }), 'invalid_field'],
  ['an assurance with no session', null,
    (m) => m.envelope('Irina', 'assurance', { to: 'west', item: null, text: 'x', scope: 'y', until: null, draft: null }), 'no_session'],
  ['an assurance from a draft already given', open,
    (m, h) => m.envelope('Helen', 'assurance', { to: 'east', item: null, text: 'x', scope: 'y', until: null, draft: h.draft }), 'draft_used'],
  ['an assurance from a draft for the other party', async (m, h) => {
    await open(m);
    h.eastDraft = await m.act('Anna', 'assurance_draft', { giver: 'east', item: null, text: 'x', scope: 'y', until: null });
  }, (m, h) => m.envelope('James', 'assurance', { to: 'east', item: null, text: 'x', scope: 'y', until: null, draft: h.eastDraft }), 'invalid_field'],
  ['an assurance whose draft is a minute', open,
    (m, h) => m.envelope('Irina', 'assurance', { to: 'west', item: null, text: 'x', scope: 'y', until: null, draft: h.minute }), 'wrong_entry_kind'],
  ['an assurance whose draft is unknown', open,
    (m) => m.envelope('Irina', 'assurance', { to: 'west', item: null, text: 'x', scope: 'y', until: null, draft: 'ab'.repeat(32) }), 'unknown_entry'],
  ['an assurance whose draft is not a hash', open,
    (m) => m.envelope('Irina', 'assurance', { to: 'west', item: null, text: 'x', scope: 'y', until: null, draft: 'AB'.repeat(32) }), 'unknown_entry'],
  ['an assurance whose draft is a negotiation act', open,
    (m) => m.envelope('Irina', 'assurance', { to: 'west', item: null, text: 'x', scope: 'y', until: null, draft: m.hashes[0] }), 'unknown_entry'],
  ['a second acknowledgement', null, (m, h) => m.envelope('Anna', 'acknowledge', { assurance: h.assurance }), 'already_acknowledged'],
  ['an acknowledgement by the receiving party\'s aide', async (m, h) => {
    await open(m);
    h.fresh = await m.act('James', 'assurance', { to: 'east', item: null, text: 'x', scope: 'y', until: null, draft: null });
  }, (m, h) => m.envelope('Pavel', 'acknowledge', { assurance: h.fresh }), 'role_not_allowed'],
  ['an acknowledgement of a statement', null, (m, h) => m.envelope('Irina', 'acknowledge', { assurance: h.statement }), 'wrong_entry_kind'],
  // Readouts and joint statements.
  ['a readout by a rapporteur', null, (m) => m.envelope('Anna', 'readout', { text: 'x' }), 'role_not_allowed'],
  ['a second readout of a party', null, (m) => m.envelope('Irina', 'readout', { text: 'x' }), 'readout_exists'],
  ['a joint statement by a rapporteur', null, (m) => m.envelope('Anna', 'joint_statement', { text: 'x' }), 'role_not_allowed'],
  ['a second joint statement while one is open', (m) => m.act('Irina', 'joint_statement', { text: 'first' }),
    (m) => m.envelope('James', 'joint_statement', { text: 'second' }), 'joint_statement_open'],
  ['a countersignature by the same party', async (m, h) => { h.j2 = await m.act('Irina', 'joint_statement', { text: 'again' }); },
    (m, h) => m.envelope('Mikhail', 'countersign', { statement: h.j2 }), 'role_not_allowed'],
  ['a countersignature by the other party\'s rapporteur', async (m, h) => { h.j2 = await m.act('Irina', 'joint_statement', { text: 'again' }); },
    (m, h) => m.envelope('Rachel', 'countersign', { statement: h.j2 }), 'role_not_allowed'],
  ['a second countersignature', null, (m, h) => m.envelope('James', 'countersign', { statement: h.joint }), 'already_countersigned'],
  ['a countersignature of a readout', null, (m, h) => m.envelope('James', 'countersign', { statement: h.readoutEast }), 'wrong_entry_kind'],
  // Corrections.
  ['a correction of east\'s minute by west\'s rapporteur', null,
    (m, h) => m.envelope('Rachel', 'correction', { entry: h.minute, text: 'x', reason: 'y' }), 'role_not_allowed'],
  ['a correction of a readout by a rapporteur', null,
    (m, h) => m.envelope('Anna', 'correction', { entry: h.readoutEast, text: 'x', reason: 'y' }), 'role_not_allowed'],
  ['a correction of the other party\'s readout', null,
    (m, h) => m.envelope('Irina', 'correction', { entry: h.readoutWest, text: 'x', reason: 'y' }), 'role_not_allowed'],
  ['a correction of a statement by the other rapporteur', null,
    (m, h) => m.envelope('Anna', 'correction', { entry: h.statement, text: 'x', reason: 'y' }), 'role_not_allowed'],
  ['a correction of a correction', null, (m, h) => m.envelope('Anna', 'correction', { entry: h.correction, text: 'x', reason: 'y' }), 'wrong_entry_kind'],
  ['a minute corrected to 4001 bytes', null,
    (m, h) => m.envelope('Anna', 'correction', { entry: h.minute, text: 'x'.repeat(4001), reason: 'y' }), 'invalid_field'],
  ['a correction without a reason', null, (m, h) => m.envelope('Anna', 'correction', { entry: h.minute, text: 'x', reason: '' }), 'invalid_field'],
  // Statuses.
  ['a withdrawal by the receiving party', null,
    (m, h) => m.envelope('Irina', 'assurance_status', { assurance: h.assurance, meeting: m.meeting, status: 'withdrawn', note: '' }), 'role_not_allowed'],
  ['a withdrawal by the giving party\'s rapporteur', null,
    (m, h) => m.envelope('Rachel', 'assurance_status', { assurance: h.assurance, meeting: m.meeting, status: 'withdrawn', note: '' }), 'role_not_allowed'],
  ['a status by an aide', null,
    (m, h) => m.envelope('Pavel', 'assurance_status', { assurance: h.assurance, meeting: m.meeting, status: 'in_dispute', note: '' }), 'role_not_allowed'],
  ['a status of another meeting', null,
    (m, h) => m.envelope('Anna', 'assurance_status', { assurance: h.assurance, meeting: 'mtg_somewhere_else', status: 'in_dispute', note: '' }), 'invalid_field'],
  ['an unknown status', null,
    (m, h) => m.envelope('Anna', 'assurance_status', { assurance: h.assurance, meeting: m.meeting, status: 'done', note: '' }), 'invalid_field'],
  ['a status on a minute', null,
    (m, h) => m.envelope('Anna', 'assurance_status', { assurance: h.minute, meeting: m.meeting, status: 'in_dispute', note: '' }), 'wrong_entry_kind'],
  // Position and time.
  ['an entry built on more acts than there are', null,
    (m) => m.envelope('Irina', 'readout', { text: 'x' }, { base: m.length + 1, prev: m.head }), 'stale_sequence'],
  ['an entry whose prev is not act base', null,
    (m) => m.envelope('Helen', 'joint_statement', { text: 'x' }, { base: 20, prev: m.hashes[20] }), 'stale_sequence'],
  ['an entry dated before the act it built on', null,
    (m) => m.envelope('Irina', 'joint_statement', { text: 'x' }, { at: m.acts[12].act.at }), 'time_out_of_order'],
  ['an entry dated before the announcement', null,
    (m) => m.envelope('Irina', 'joint_statement', { text: 'x' }, { at: '2026-11-01T09:00:00Z', base: 1 }), 'not_announced'],
  ['a status withdrawn by a non-principal of the giver', null,
    (m, h) => m.envelope('Tom', 'assurance_status', { assurance: h.assurance, meeting: m.meeting, status: 'withdrawn', note: '' }), 'role_not_allowed'],
  ['an entry of another meeting', null,
    (m) => m.envelope('Irina', 'joint_statement', { text: 'x' }, { meeting: 'mtg_record_test_0002' }), 'wrong_meeting'],
  // The negotiation once the record has begun.
  ['a proposal after the first entry', null, (m) => m.envelope('Irina', 'propose', { param: 'duration_minutes', value: 60 }), 'meeting_announced'],
  ['an entry after a withdrawal', (m) => m.act('James', 'withdraw', { reason: 'Circumstances changed.' }),
    (m) => m.envelope('Irina', 'joint_statement', { text: 'x' }), 'meeting_withdrawn'],
];

