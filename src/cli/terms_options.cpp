#include "cli/terms_options.h"

#include <sstream>

namespace parley::cli {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

Expected<Json> find_member(const Json& members, const std::string& ref) {
  const Json* hit = nullptr;
  for (const auto& m : members) {
    if (m["id"] == ref || m["name"] == ref) {
      if (hit) return make_error("invalid_field", "\"" + ref + "\" names more than one member; use the id");
      hit = &m;
    }
  }
  if (!hit) return make_error("invalid_field", "no enrolled member \"" + ref + "\" in either party (see parley members PARTY)");
  return *hit;
}

}  // namespace

Expected<Json> build_proposals(Session& s, const TermsOptions& o, const Json& current,
                               const std::vector<std::string>& parties) {
  Json out = Json::object();
  auto current_value = [&](const char* p) -> Json {
    if (current.is_null()) return nullptr;
    return current["parameters"][p]["value"];
  };
  if (o.title) out["title"] = *o.title;
  if (o.format) out["format"] = *o.format;
  if (o.start) out["start"] = *o.start;
  if (o.duration) out["duration_minutes"] = *o.duration;

  Json members = Json::array();
  if (!o.roster.empty() || !o.interpreters.empty()) {
    for (const auto& p : parties) {
      auto list = s.call("GET", "/api/v1/parties/" + p + "/members");
      if (!list) return list.error();
      for (auto& m : *list) members.push_back(m);
    }
  }
  if (!o.roster.empty()) {
    Json roster = Json::array();
    for (const auto& spec : o.roster) {
      auto colon = spec.rfind(':');
      if (colon == std::string::npos)
        return make_error("invalid_field", "--roster takes MEMBER:ROLE, e.g. \"Anna Petrova:leader\"");
      auto m = find_member(members, spec.substr(0, colon));
      if (!m) return m.error();
      roster.push_back({{"member", (*m)["id"]}, {"party", (*m)["party"]}, {"role", spec.substr(colon + 1)},
                        {"key", (*m)["key"]}});
    }
    out["roster"] = roster;
  }
  if (!o.languages.empty() || !o.interpreters.empty()) {
    Json cur = current_value("languages");
    Json value = cur.is_object() ? cur : Json{{"languages", Json::array()}, {"interpretation", Json::array()}};
    if (!o.languages.empty()) {
      value["languages"] = Json::array();
      for (const auto& l : o.languages)
        for (const auto& tag : split(l, ',')) value["languages"].push_back(tag);
    }
    if (!o.interpreters.empty()) {
      value["interpretation"] = Json::array();
      for (const auto& spec : o.interpreters) {
        auto colon = spec.rfind(':');
        auto dash = colon == std::string::npos ? std::string::npos : spec.find('-', colon);
        if (dash == std::string::npos)
          return make_error("invalid_field", "--interpreter takes MEMBER:LANG-LANG, e.g. \"Ivan Volkov:ru-en\"");
        auto m = find_member(members, spec.substr(0, colon));
        if (!m) return m.error();
        value["interpretation"].push_back(
            {{"interpreter", (*m)["id"]},
             {"pair", {spec.substr(colon + 1, dash - colon - 1), spec.substr(dash + 1)}}});
      }
    }
    out["languages"] = value;
  }
  if (!o.agenda.empty()) {
    Json agenda = Json::array();
    for (const auto& item : o.agenda) agenda.push_back({{"title", item}});
    out["agenda"] = agenda;
  }
  if (o.announce_text || o.announce_at) {
    Json cur = current_value("announcement");
    Json value = cur.is_object() ? cur : Json{{"text", ""}, {"publish", "on_agreement"}};
    if (o.announce_text) value["text"] = *o.announce_text;
    if (o.announce_at) value["publish"] = *o.announce_at;
    out["announcement"] = value;
  }
  if (o.predecessor) out["predecessor"] = *o.predecessor == "none" ? Json(nullptr) : Json(*o.predecessor);
  for (const auto& r : o.raw) {
    auto eq = r.find('=');
    if (eq == std::string::npos) return make_error("invalid_field", "--set takes PARAM=JSON");
    auto v = json::parse_strict(r.substr(eq + 1));
    if (!v) return make_error("invalid_field", "--set " + r.substr(0, eq) + ": " + v.error().message);
    out[r.substr(0, eq)] = *v;
  }
  return out;
}

}  // namespace parley::cli
