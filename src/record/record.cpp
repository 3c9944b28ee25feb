#include "record/record.h"

#include "crypto/hash.h"
#include "crypto/identity_key.h"
#include "tlog/checkpoint.h"

namespace parley::record {

Expected<std::string> origin_for(std::string_view public_url, std::string_view meeting) {
  auto host = public_url;
  if (auto p = host.find("://"); p != std::string_view::npos) host.remove_prefix(p + 3);
  if (auto p = host.find('/'); p != std::string_view::npos) host = host.substr(0, p);
  if (host.empty()) return make_error("invalid_field", "the public URL has no host");
  return tlog::meeting_origin(meeting, std::string(host) + "/meeting/");
}

std::string cosigner_key_name(std::string_view origin, std::string_view member) {
  return std::string(origin) + "/member/" + std::string(member);
}

std::string cosigner_of(std::string_view key_name, std::string_view origin) {
  std::string prefix = std::string(origin) + "/member/";
  if (key_name.size() <= prefix.size() || key_name.substr(0, prefix.size()) != prefix) return "";
  return std::string(key_name.substr(prefix.size()));
}

bool Trust::trusts(std::string_view party, std::string_view key) const {
  auto it = keys.find(party);
  return it != keys.end() && it->second.count(std::string(key)) > 0;
}

Expected<Trust> parse_trust(const json::Json& doc) {
  auto bad = [](std::string m) { return make_error("invalid_trust", std::move(m)); };
  if (!doc.is_object() || doc.size() != 2 || doc.value("type", json::Json()) != kTrustType ||
      !doc.contains("parties") || !doc["parties"].is_object())
    return bad("a trust file is {\"type\": \"parley.trust/1\", \"parties\": {party: [keys]}}");
  Trust t;
  for (const auto& [party, keys] : doc["parties"].items()) {
    if (!keys.is_array() || keys.empty()) return bad("party " + party + " needs a list of keys");
    for (const auto& k : keys) {
      if (!k.is_string() || !crypto::parse_public_key(k.get<std::string>()))
        return bad("party " + party + ": " + k.dump() + " is not a base64url Ed25519 public key");
      t.keys[party].insert(k.get<std::string>());
    }
  }
  if (t.keys.empty()) return bad("the trust file names no party");
  return t;
}

json::Json trust_to_json(const Trust& t) {
  json::Json parties = json::Json::object();
  for (const auto& [party, keys] : t.keys) parties[party] = json::Json(std::vector<std::string>(keys.begin(), keys.end()));
  return {{"type", kTrustType}, {"parties", parties}};
}

Status add_party_key(Trust& t, std::string_view arg) {
  auto eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return make_error("invalid_trust", "--party-key takes PARTY=KEY");
  auto key = std::string(arg.substr(eq + 1));
  if (!crypto::parse_public_key(key))
    return make_error("invalid_trust", "--party-key " + std::string(arg) + ": not a base64url Ed25519 public key");
  t.keys[std::string(arg.substr(0, eq))].insert(key);
  return ok_status();
}

}  // namespace parley::record
