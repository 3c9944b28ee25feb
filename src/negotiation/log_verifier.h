#pragma once
// The exported negotiation log and its offline verification.
//
// Export format (docs/protocol.md §Export):
//   { "type": "parley.export/1", "meeting": id, "exported_at": instant,
//     "parties": [ {"id","name","time_zone"} x2 ],
//     "members": [ {"id","party","name","roles","key"} ... ],
//     "acts": [ envelope, ... ] }
// Verification needs nothing but this file: every act's signature is checked
// against the listed member keys, the hash chain (base/prev) is followed, and
// the negotiation rules are replayed to derive the final state.

#include <functional>
#include <map>
#include <set>
#include <vector>

#include "negotiation/meeting.h"

namespace parley::negotiation {

class MapDirectory : public Directory {
 public:
  const Member* find_member(std::string_view id) const override {
    auto it = members.find(id);
    return it == members.end() ? nullptr : &it->second;
  }
  bool party_exists(std::string_view id) const override { return parties.count(id) > 0; }

  std::map<std::string, Member, std::less<>> members;
  std::set<std::string, std::less<>> parties;
};

json::Json member_to_json(const Member& m);
Expected<Member> member_from_json(const json::Json& j);

inline constexpr std::string_view kExportType = "parley.export/1";

struct VerifiedLog {
  std::string meeting;
  MeetingState state;
  std::vector<SignedAct> acts;
  MapDirectory directory;
  json::Json parties;  // as exported
};

// Fails with "act N: <reason>" naming the first act that does not verify.
Expected<VerifiedLog> verify_export(const json::Json& exported);

// The common part of an export and a record (docs/record.md): the fields
// meeting, parties, members and acts of `doc` (already checked to be there),
// verified as verify_export does. `observe` sees each act once it is
// verified and applied, with its envelope as given.
using ActObserver = std::function<void(const SignedAct&, const json::Json& envelope)>;
Expected<VerifiedLog> verify_acts(const json::Json& doc, const ActObserver& observe = {});

}  // namespace parley::negotiation
