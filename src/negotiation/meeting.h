#pragma once
// A meeting's state, derived from its log of signed acts and nothing else.
//
// Rules (docs/protocol.md has the full table):
//  - a parameter is agreed when both parties accepted its current revision;
//    proposing implies accepting your own proposal;
//  - when all parameters are agreed each party's negotiator signs the hash of
//    the canonical terms document; both signatures make the meeting agreed;
//  - a new proposal voids the signatures;
//  - once the announcement moment has passed (judged at each act's own time,
//    so that replaying a log offline gives the same answers) only withdrawal
//    is possible; withdrawal ends the negotiation.

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "negotiation/act.h"
#include "negotiation/parameters.h"
#include "negotiation/record.h"

namespace parley::negotiation {

struct Proposal {
  std::int64_t rev = 0;
  json::Json value;
  std::string party;
  std::string member;
  Seconds at{};
  std::int64_t seq = 0;  // position of the act in the log, 1-based
};

struct ParamState {
  std::vector<Proposal> history;   // rev i is history[i-1]
  std::set<std::string> accepted_by;  // parties that accepted the current revision
  const Proposal& current() const { return history.back(); }
  std::int64_t rev() const { return static_cast<std::int64_t>(history.size()); }
  bool agreed() const { return accepted_by.size() == 2; }
};

struct PartySignature {
  std::string member;
  std::string terms_hash;
  std::int64_t seq = 0;
  Seconds at{};
};

struct Withdrawal {
  std::string party;
  std::string member;
  std::string reason;
  Seconds at{};
  bool after_announcement = false;
};

enum class MeetingStatus { negotiating, agreed, announced, withdrawn };
std::string_view status_name(MeetingStatus s);

struct MeetingState {
  std::string id;
  std::array<std::string, 2> parties;  // [initiator, counterparty]
  std::string created_by;
  Seconds created_at{};
  std::map<std::string, ParamState> params;  // only parameters proposed so far
  std::map<std::string, PartySignature> signatures;  // by party, on the current terms
  std::optional<Seconds> agreed_at;
  std::optional<Withdrawal> withdrawal;
  std::int64_t length = 0;  // acts applied
  std::string head;         // hash of the last act
  Seconds last_at{};        // signed time of the last act: acts may not go back in time
  std::vector<std::string> hashes;  // of every act, in log order (an entry's prev names one)
  std::vector<Seconds> times;       // and their signed times
  RecordState record;               // the record of the talks (negotiation/record.h)

  bool has_party(std::string_view p) const { return parties[0] == p || parties[1] == p; }
  bool all_agreed() const;
  // The canonical terms document, once every parameter has a proposal.
  std::optional<json::Json> terms() const;
  std::string terms_hash() const;  // "" until terms() exists
  std::optional<Seconds> announce_at() const;  // set once agreed
  bool announced_by(Seconds now) const;
  MeetingStatus status(Seconds now) const;
};

// The state rules for one act whose signature was already verified.
// Precondition for create: `m` is a fresh MeetingState.
Status check_act(const MeetingState& m, const SignedAct& a, const Directory& dir);
// Precondition: check_act(m, a, dir) succeeded.
void apply_act(MeetingState& m, const SignedAct& a, const Directory& dir);

inline constexpr std::string_view kTermsType = "parley.terms/1";

}  // namespace parley::negotiation
