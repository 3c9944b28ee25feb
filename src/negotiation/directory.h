#pragma once
// The members the negotiation rules need to know: who they are, which party
// they belong to, their roles and their registered public key. The server
// fills it from its store; the offline verifier from an exported log.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/identity_key.h"

namespace parley::negotiation {

// rapporteur: the member of a delegation who keeps its record (docs/record.md).
enum class Role { negotiator, leader, aide, interpreter, observer, rapporteur };

std::optional<Role> parse_role(std::string_view s);
std::string_view role_name(Role r);

struct Member {
  std::string id;
  std::string party;
  std::string name;
  std::vector<Role> roles;
  crypto::PublicKey key{};
  bool has_role(Role r) const { return std::find(roles.begin(), roles.end(), r) != roles.end(); }
};

class Directory {
 public:
  virtual ~Directory() = default;
  virtual const Member* find_member(std::string_view id) const = 0;
  virtual bool party_exists(std::string_view id) const = 0;
};

}  // namespace parley::negotiation
