#include "negotiation/log_verifier.h"

namespace parley::negotiation {

json::Json member_to_json(const Member& m) {
  json::Json roles = json::Json::array();
  for (auto r : m.roles) roles.push_back(role_name(r));
  return {{"id", m.id}, {"party", m.party}, {"name", m.name}, {"roles", roles},
          {"key", base64url_encode(m.key)}};
}

Expected<Member> member_from_json(const json::Json& j) {
  if (auto s = require_fields(j, {"id", "party", "name", "roles", "key"}, {}, "member"); !s)
    return s.error();
  if (!j["id"].is_string() || !j["party"].is_string() || !j["name"].is_string() ||
      !j["roles"].is_array() || !j["key"].is_string())
    return make_error("invalid_field", "member fields have the wrong types");
  Member m;
  m.id = j["id"].get<std::string>();
  m.party = j["party"].get<std::string>();
  m.name = j["name"].get<std::string>();
  for (const auto& r : j["roles"]) {
    auto role = r.is_string() ? parse_role(r.get<std::string>()) : std::nullopt;
    if (!role) return make_error("invalid_field", "unknown role " + r.dump());
    m.roles.push_back(*role);
  }
  auto key = crypto::parse_public_key(j["key"].get<std::string>());
  if (!key) return make_error("invalid_field", "member key is not a base64url Ed25519 key");
  m.key = *key;
  return m;
}

Expected<VerifiedLog> verify_export(const json::Json& x) {
  if (auto s = require_fields(x, {"type", "meeting", "exported_at", "parties", "members", "acts"},
                              {}, "export");
      !s)
    return s.error();
  if (x["type"] != kExportType) return make_error("invalid_field", "not a parley.export/1 document");
  return verify_acts(x);
}

Expected<VerifiedLog> verify_acts(const json::Json& x, const ActObserver& observe) {
  if (!x["meeting"].is_string() || !x["parties"].is_array() || !x["members"].is_array() ||
      !x["acts"].is_array() || x["acts"].empty())
    return make_error("invalid_field", "export fields have the wrong types");

  VerifiedLog out;
  out.meeting = x["meeting"].get<std::string>();
  out.parties = x["parties"];
  for (const auto& p : x["parties"]) {
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string())
      return make_error("invalid_field", "party entries need an id");
    out.directory.parties.insert(p["id"].get<std::string>());
  }
  for (const auto& mj : x["members"]) {
    auto m = member_from_json(mj);
    if (!m) return m.error();
    out.directory.members.emplace(m->id, std::move(*m));
  }
  std::int64_t n = 0;
  for (const auto& env : x["acts"]) {
    ++n;
    auto fail = [&](const Error& e) {
      return make_error(e.code, "act " + std::to_string(n) + ": " + e.message + " [" + e.code + "]");
    };
    auto sa = parse_signed_act(env);
    if (!sa) return fail(sa.error());
    if (sa->act.meeting != out.meeting) return fail(make_error("wrong_meeting", "names another meeting"));
    if (n == 1 && sa->act.kind != Kind::create)
      return fail(make_error("invalid_field", "the first act must be create"));
    if (auto s = verify_act_signature(*sa, out.directory); !s) return fail(s.error());
    if (auto s = check_act(out.state, *sa, out.directory); !s) return fail(s.error());
    apply_act(out.state, *sa, out.directory);
    if (observe) observe(*sa, env);
    out.acts.push_back(std::move(*sa));
  }
  return out;
}

}  // namespace parley::negotiation
