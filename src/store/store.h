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

// A server setting kept with the data, e.g. the log key (docs/record.md
// §Checkpoints of a meeting). Written once; a setting never changes.
struct SettingRow {
  std::string name;
  std::string value;
};

// One member's cosignature of the checkpoint of a meeting's log at `size`:
// the signed-note line "— <key name> <base64(key ID || signature)>", without
// its newline, exactly as the member signed it.
struct CosignatureRow {
  std::string meeting;
  std::int64_t size = 0;  // the checkpoint's tree size, 1 to the log's length
  std::string member;
  std::string line;
  Seconds received_at{};
};

// Marks an invitation used and registers the member, atomically.
struct Enrollment {
  std::string code_hash;
  MemberRow member;
};

using Mutation = std::variant<PartyRow, InvitationRow, Enrollment, ActRow, SettingRow, CosignatureRow>;

struct Snapshot {
  std::vector<PartyRow> parties;
  std::vector<MemberRow> members;
  std::vector<InvitationRow> invitations;
  std::vector<ActRow> acts;  // ordered by meeting, then seq
  std::vector<SettingRow> settings;
  std::vector<CosignatureRow> cosignatures;  // ordered by meeting, size, member
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Expected<Snapshot> load() = 0;
  virtual Status commit(std::span<const Mutation> mutations) = 0;
  virtual std::string describe() const = 0;  // for logs: "sqlite:/var/lib/parley/parley.db"
};

}  // namespace parley::store
