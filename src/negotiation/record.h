#pragma once
// The record of the talks (docs/record.md §Entries): minutes, statements,
// assurances and their acknowledgements, readouts, joint statements, session
// marks, corrections and assurance statuses, as signed acts in the meeting's
// own log after the negotiation. This file holds the state replaying them
// gives and the rules for each kind; check_act/apply_act (meeting.h) call
// them for every record kind, so the server and the offline verifier judge a
// log by the same code.
//
// Who may record what is decided by the author's entry on the signed roster
// (the agreed terms), never by the server's directory: the roster is what
// both parties signed.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "negotiation/act.h"

namespace parley::negotiation {

struct MeetingState;

struct RosterEntry {
  std::string member;
  std::string party;
  Role role = Role::observer;
  std::string key;  // base64url, as signed in the terms
};

// One record entry, by the hash of its envelope.
struct EntryInfo {
  std::int64_t seq = 0;  // 1-based position in the log
  Kind kind = Kind::minute;
  std::string author;
  std::string party;  // the author's party on the roster
  Seconds at{};
  json::Json body;
};

struct SessionMark {
  std::int64_t seq = 0;
  Seconds at{};
  std::vector<std::string> present;
};

struct Session {
  SessionMark open;
  std::optional<SessionMark> close;
};

enum class AssuranceStatus { fulfilled, in_dispute, withdrawn };
std::optional<AssuranceStatus> parse_assurance_status(std::string_view s);
std::string_view assurance_status_name(AssuranceStatus s);

struct StatusMark {
  std::string entry;  // hash of the assurance_status entry
  AssuranceStatus status = AssuranceStatus::fulfilled;
  std::string author;
  Seconds at{};
};

struct AssuranceState {
  std::string giver;
  std::string to;
  std::string acknowledgement;  // hash of the acknowledge entry, "" until acknowledged
  std::vector<StatusMark> statuses;  // recorded in this meeting, in log order
};

struct RecordState {
  // Filled when both parties sign the terms (emptied by a later proposal):
  // the roster by member id and the number of agenda items.
  std::map<std::string, RosterEntry, std::less<>> roster;
  std::size_t agenda_items = 0;
  std::string predecessor;  // "" for none

  std::map<std::string, EntryInfo, std::less<>> entries;  // every record entry, by hash
  std::vector<std::string> order;                         // their hashes in log order
  std::vector<Session> sessions;
  bool session_open() const { return !sessions.empty() && !sessions.back().close; }
  std::map<std::string, std::string, std::less<>> drafts_used;  // draft hash -> assurance hash
  std::map<std::string, AssuranceState, std::less<>> assurances;  // by hash
  std::map<std::string, std::string, std::less<>> readouts;       // party -> readout hash
  std::map<std::string, std::string, std::less<>> joint;          // joint statement -> countersign ("" open)
  std::map<std::string, std::string, std::less<>> corrected_by;   // entry -> latest correction
  // Statuses naming an assurance of the predecessor: checked against the
  // predecessor's log by whoever holds it (the service, a series verify).
  std::vector<std::string> predecessor_statuses;  // hashes of those entries

  // The current text of a minute, statement or readout (its latest correction's).
  const std::string& current_text(const std::string& hash) const;
};

bool is_record_kind(Kind k);

// Who may cosign a checkpoint of this meeting for a party: a principal or
// rapporteur on the signed roster, or the negotiator who signed the terms
// for their party. Returns the party, or nullopt.
std::optional<std::string> cosigner_party(const MeetingState& m, std::string_view member);

// Called by check_act/apply_act for record kinds (after the signature was
// verified with the directory's key for the author).
Status check_record_entry(const MeetingState& m, const SignedAct& a, const Directory& dir);
void apply_record_entry(MeetingState& m, const SignedAct& a);

// An assurance_status entry of `m` naming an assurance of its predecessor,
// judged against the predecessor's state (the service holds it; offline, a
// series verify): the hash must name an assurance there, and "withdrawn"
// needs a principal of its giving party. Errors: unknown_entry,
// role_not_allowed.
Status check_predecessor_status(const MeetingState& predecessor, const json::Json& body,
                                const RosterEntry& author);

// Whether the first `size` acts hold a closed session with none open after
// it: a checkpoint of that size cosigned by both parties makes the record
// final (docs/record.md §Checkpoints of a meeting).
bool closed_at(const RecordState& record, std::int64_t size);

// Fills m.record's roster cache from the terms (when both parties signed).
void cache_roster(MeetingState& m);

}  // namespace parley::negotiation
