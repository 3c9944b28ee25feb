#pragma once
// The record of the talks as files and checkpoints (docs/record.md): names
// shared by the server that issues checkpoints and records, the clients that
// cosign them, and the offline verifier.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "json/canonical.h"

namespace parley::record {

inline constexpr std::string_view kRecordType = "parley.record/1";
inline constexpr std::string_view kExcerptType = "parley.excerpt/1";
inline constexpr std::string_view kTrustType = "parley.trust/1";

// "<host>/meeting/<meeting id>", <host> being the host (and port) of the
// server's public URL ("http://127.0.0.1:8080" gives "127.0.0.1:8080").
Expected<std::string> origin_for(std::string_view public_url, std::string_view meeting);

// The key name a member cosigns a checkpoint under: "<origin>/member/<id>".
std::string cosigner_key_name(std::string_view origin, std::string_view member);
// The member id in a cosigner key name of `origin`, or "" if it is not one.
std::string cosigner_of(std::string_view key_name, std::string_view origin);

// The keys each party vouches for (docs/record.md §Verification).
struct Trust {
  std::map<std::string, std::set<std::string>, std::less<>> keys;  // party -> base64url keys
  bool empty() const { return keys.empty(); }
  bool trusts(std::string_view party, std::string_view key) const;
};
// {"type": "parley.trust/1", "parties": {"<party>": ["<key>", ...]}}
Expected<Trust> parse_trust(const json::Json& doc);
json::Json trust_to_json(const Trust& t);
// "PARTY=KEY", as given to --party-key.
Status add_party_key(Trust& t, std::string_view arg);

}  // namespace parley::record
