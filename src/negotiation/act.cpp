#include "negotiation/act.h"

#include <algorithm>

#include "crypto/hash.h"

namespace parley::negotiation {

namespace {
constexpr std::string_view kRoles[] = {"negotiator", "leader", "aide", "interpreter", "observer", "rapporteur"};
constexpr std::string_view kKinds[] = {"create",         "propose",       "accept",          "sign",
                                       "withdraw",       "session_open",  "session_close",   "minute",
                                       "statement",      "assurance_draft", "assurance",     "acknowledge",
                                       "readout",        "joint_statement", "countersign",   "correction",
                                       "assurance_status"};
}  // namespace

std::optional<Role> parse_role(std::string_view s) {
  for (std::size_t i = 0; i < std::size(kRoles); ++i)
    if (kRoles[i] == s) return static_cast<Role>(i);
  return std::nullopt;
}
std::string_view role_name(Role r) { return kRoles[static_cast<int>(r)]; }

std::optional<Kind> parse_kind(std::string_view s) {
  for (std::size_t i = 0; i < std::size(kKinds); ++i)
    if (kKinds[i] == s) return static_cast<Kind>(i);
  return std::nullopt;
}
std::string_view kind_name(Kind k) { return kKinds[static_cast<int>(k)]; }

Status require_fields(const json::Json& obj, std::initializer_list<std::string_view> required,
                      std::initializer_list<std::string_view> optional, std::string_view what) {
  if (!obj.is_object()) return make_error("invalid_field", std::string(what) + " must be an object");
  for (auto name : required)
    if (!obj.contains(std::string(name)))
      return make_error("missing_field", std::string(what) + " lacks \"" + std::string(name) + "\"");
  for (const auto& [key, _] : obj.items()) {
    bool known = std::find(required.begin(), required.end(), key) != required.end() ||
                 std::find(optional.begin(), optional.end(), key) != optional.end();
    if (!known) return make_error("unknown_field", std::string(what) + " has unknown field \"" + key + "\"");
  }
  return ok_status();
}

json::Json act_to_json(const Act& a) {
  return json::Json{{"type", kActType},     {"meeting", a.meeting},
                    {"base", a.base},       {"prev", a.prev},
                    {"kind", kind_name(a.kind)}, {"body", a.body},
                    {"author", a.author},   {"at", format_utc(a.at)}};
}

json::Json SignedAct::envelope() const {
  return json::Json{{"act", act_json}, {"signature", signature}};
}

std::string signing_bytes(const json::Json& doc) { return json::canonicalize(doc); }

Expected<SignedAct> parse_signed_act(const json::Json& env) {
  if (auto s = require_fields(env, {"act", "signature"}, {}, "envelope"); !s) return s.error();
  const auto& a = env["act"];
  if (auto s = require_fields(a, {"type", "meeting", "base", "prev", "kind", "body", "author", "at"},
                              {}, "act");
      !s)
    return s.error();
  auto bad = [](std::string m) { return make_error("invalid_field", std::move(m)); };
  if (!a["type"].is_string() || a["type"] != kActType) return bad("act.type must be \"parley.act/1\"");
  if (!a["meeting"].is_string() || a["meeting"].get<std::string>().size() > 64)
    return bad("act.meeting must be a meeting id");
  if (!a["base"].is_number_integer() || a["base"].get<std::int64_t>() < 0)
    return bad("act.base must be a non-negative integer");
  if (!a["prev"].is_string()) return bad("act.prev must be a string");
  if (!a["kind"].is_string()) return bad("act.kind must be a string");
  if (!a["body"].is_object()) return bad("act.body must be an object");
  if (!a["author"].is_string()) return bad("act.author must be a member id");
  if (!a["at"].is_string()) return bad("act.at must be an RFC 3339 UTC instant");
  if (!env["signature"].is_string()) return bad("signature must be a string");

  SignedAct out;
  out.act.meeting = a["meeting"].get<std::string>();
  out.act.base = a["base"].get<std::int64_t>();
  out.act.prev = a["prev"].get<std::string>();
  auto kind = parse_kind(a["kind"].get<std::string>());
  if (!kind) return bad("act.kind is not a known kind of act (docs/protocol.md, docs/record.md)");
  out.act.kind = *kind;
  out.act.body = a["body"];
  out.act.author = a["author"].get<std::string>();
  auto at = parse_utc(a["at"].get<std::string>());
  if (!at) return bad("act.at must be an RFC 3339 UTC instant like 2026-12-07T15:00:00Z");
  out.act.at = *at;
  if ((out.act.base == 0) != out.act.prev.empty())
    return bad("act.prev must be empty exactly when act.base is 0");
  if (!out.act.prev.empty() && (out.act.prev.size() != 64 || !hex_decode(out.act.prev)))
    return bad("act.prev must be a lowercase hex SHA-256");
  out.act_json = a;
  out.signature = env["signature"].get<std::string>();
  out.hash = crypto::sha256_hex(json::canonicalize(out.envelope()));
  return out;
}

SignedAct sign_act(const Act& act, const crypto::SecretKey& key) {
  SignedAct out;
  out.act = act;
  out.act_json = act_to_json(act);
  auto sig = key.sign(as_bytes(json::canonicalize(out.act_json)));
  out.signature = base64url_encode(sig);
  out.hash = crypto::sha256_hex(json::canonicalize(out.envelope()));
  return out;
}

Status verify_act_signature(const SignedAct& sa, const Directory& dir) {
  const Member* author = dir.find_member(sa.act.author);
  if (!author) return make_error("unknown_author", "the act's author is not a registered member");
  auto sig = crypto::parse_signature(sa.signature);
  if (!sig) return make_error("bad_signature", "signature is not 64 bytes of base64url");
  if (!crypto::verify(author->key, as_bytes(json::canonicalize(sa.act_json)), *sig))
    return make_error("bad_signature", "signature does not verify with the author's registered key");
  return ok_status();
}

}  // namespace parley::negotiation
