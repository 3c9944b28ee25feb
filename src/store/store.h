#pragma once
// Storage behind one interface. The domain and the service speak only in
// these rows and mutations; SQLite (sqlite_store.h) is the embedded default
// and a PostgreSQL store can implement the same interface later.
//
// Contract: commit() applies all of its mutations in one transaction and
// returns only once they are durable (they survive a kill -9 or power loss
// of the server process), or applies none of them.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "negotiation/directory.h"

namespace parley::store {

struct PartyRow {
  std::string id;
  std::string name;
  std::string time_zone;
  Seconds created_at{};
};

struct MemberRow {
  negotiation::Member member;
  Seconds enrolled_at{};
};

struct InvitationRow {
  std::string code_hash;  // SHA-256 of the one-time code; the code itself is never stored
  std::string party;
  std::string name;
  std::vector<negotiation::Role> roles;
  Seconds created_at{};
  Seconds expires_at{};
  std::optional<std::string> used_by;
};

struct ActRow {
  std::string meeting;
  std::int64_t seq = 0;   // 1-based position in the meeting's log
  std::string envelope;   // canonical JSON of the signed envelope
  Seconds received_at{};
};

// Marks an invitation used and registers the member, atomically.
struct Enrollment {
  std::string code_hash;
  MemberRow member;
};

using Mutation = std::variant<PartyRow, InvitationRow, Enrollment, ActRow>;

struct Snapshot {
  std::vector<PartyRow> parties;
  std::vector<MemberRow> members;
  std::vector<InvitationRow> invitations;
  std::vector<ActRow> acts;  // ordered by meeting, then seq
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Expected<Snapshot> load() = 0;
  virtual Status commit(std::span<const Mutation> mutations) = 0;
  virtual std::string describe() const = 0;  // for logs: "sqlite:/var/lib/parley/parley.db"
};

}  // namespace parley::store
