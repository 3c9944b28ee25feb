#include "negotiation/parameters.h"

#include <algorithm>
#include <set>

#include "negotiation/act.h"

namespace parley::negotiation {

bool is_parameter(std::string_view name) {
  return std::find(kParameters.begin(), kParameters.end(), name) != kParameters.end();
}

bool is_clean_text(const json::Json& v, std::size_t min_bytes, std::size_t max_bytes,
                   bool allow_newlines) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() < min_bytes || s.size() > max_bytes) return false;
  for (unsigned char c : s) {
    if (c == 0x7f) return false;
    if (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t'))) return false;
  }
  return true;
}

namespace {

Error invalid(std::string_view param, std::string message) {
  return make_error("invalid_" + std::string(param), std::move(message));
}

// BCP 47-style language tag, restricted: "en", "ru", "zh-Hans", "pt-BR".
bool is_language_tag(const json::Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() < 2 || s.size() > 16) return false;
  std::size_t i = 0;
  while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
  if (i < 2 || i > 3) return false;
  while (i < s.size()) {
    if (s[i++] != '-') return false;
    std::size_t start = i;
    while (i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
    if (i - start < 2 || i - start > 8) return false;
  }
  return true;
}

bool is_party(const ParamContext& ctx, const std::string& p) {
  return p == ctx.parties[0] || p == ctx.parties[1];
}

Status validate_roster(const json::Json& v, const ParamContext& ctx) {
  if (!v.is_array() || v.empty() || v.size() > Limits::kRosterMax)
    return invalid("roster", "roster must be a list of 1 to 100 entries");
  std::set<std::string> seen;
  for (const auto& e : v) {
    if (auto s = require_fields(e, {"member", "party", "role", "key"}, {}, "roster entry"); !s)
      return invalid("roster", s.error().message);
    if (!e["member"].is_string() || !e["party"].is_string() || !e["role"].is_string() ||
        !e["key"].is_string())
      return invalid("roster", "roster entry fields must be strings");
    auto id = e["member"].get<std::string>();
    if (!seen.insert(id).second) return invalid("roster", "member " + id + " is listed twice");
    auto role = parse_role(e["role"].get<std::string>());
    if (!role) return invalid("roster", "unknown role \"" + e["role"].get<std::string>() + "\"");
    const Member* m = ctx.directory->find_member(id);
    if (!m) return invalid("roster", "no enrolled member " + id);
    if (!m->has_role(*role))
      return invalid("roster", "member " + id + " does not hold the role " + e["role"].get<std::string>());
    if (e["party"] != m->party || !is_party(ctx, m->party))
      return invalid("roster", "member " + id + " does not belong to party " +
                                   e["party"].get<std::string>() + " of this meeting");
    auto key = crypto::parse_public_key(e["key"].get<std::string>());
    if (!key || *key != m->key)
      return make_error("key_mismatch", "roster key for " + id +
                                            " is not the member's registered public key");
  }
  // Both delegations need not be present yet: each side proposes its own
  // delegation in turn (the web app's roster editor). Terms are signed only
  // with both present: check_terms_consistent().
  return ok_status();
}

Status validate_languages(const json::Json& v, const ParamContext& ctx) {
  if (auto s = require_fields(v, {"languages", "interpretation"}, {}, "languages"); !s)
    return invalid("languages", s.error().message);
  const auto& langs = v["languages"];
  if (!langs.is_array() || langs.empty() || langs.size() > Limits::kLanguagesMax)
    return invalid("languages", "languages must list 1 to 12 language tags");
  std::set<std::string> set;
  for (const auto& l : langs) {
    if (!is_language_tag(l)) return invalid("languages", "not a language tag: " + l.dump());
    if (!set.insert(l.get<std::string>()).second)
      return invalid("languages", "language listed twice: " + l.get<std::string>());
  }
  const auto& interp = v["interpretation"];
  if (!interp.is_array() || interp.size() > Limits::kRosterMax)
    return invalid("languages", "interpretation must be a list");
  std::set<std::pair<std::string, std::string>> booths;  // (interpreter, pair)
  for (const auto& e : interp) {
    if (auto s = require_fields(e, {"interpreter", "pair"}, {}, "interpretation entry"); !s)
      return invalid("languages", s.error().message);
    if (!e["interpreter"].is_string()) return invalid("languages", "interpreter must be a member id");
    const auto& pair = e["pair"];
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string() ||
        pair[0] == pair[1] || !set.count(pair[0].get<std::string>()) ||
        !set.count(pair[1].get<std::string>()))
      return invalid("languages", "pair must name two different languages of the meeting");
    auto id = e["interpreter"].get<std::string>();
    const Member* m = ctx.directory->find_member(id);
    if (!m || !is_party(ctx, m->party))
      return invalid("languages", "interpreter " + id + " is not a member of either party");
    if (!booths.emplace(id, pair.dump()).second)
      return invalid("languages", "interpreter " + id + " is listed twice for the same pair");
  }
  return ok_status();
}

Status validate_agenda(const json::Json& v) {
  if (!v.is_array() || v.empty() || v.size() > Limits::kAgendaMax)
    return invalid("agenda", "agenda must list 1 to 50 items");
  for (const auto& item : v) {
    if (auto s = require_fields(item, {"title"}, {}, "agenda item"); !s)
      return invalid("agenda", s.error().message);
    if (!is_clean_text(item["title"], 1, Limits::kAgendaItemMax, false))
      return invalid("agenda", "agenda item titles are 1 to 300 bytes of text on one line");
  }
  return ok_status();
}

Status validate_announcement(const json::Json& v) {
  if (auto s = require_fields(v, {"text", "publish"}, {}, "announcement"); !s)
    return invalid("announcement", s.error().message);
  if (!is_clean_text(v["text"], 1, Limits::kAnnouncementMax, true))
    return invalid("announcement", "announcement text is 1 to 5000 bytes");
  const auto& p = v["publish"];
  if (!p.is_string() || (p != "on_agreement" && !parse_utc(p.get<std::string>())))
    return invalid("announcement",
                   "publish must be \"on_agreement\" or an RFC 3339 UTC instant");
  return ok_status();
}

}  // namespace

Status validate_parameter(std::string_view name, const json::Json& v, const ParamContext& ctx) {
  if (name == "title") {
    if (!is_clean_text(v, 1, Limits::kTitleMax, false))
      return invalid(name, "title is 1 to 200 bytes of text on one line");
    return ok_status();
  }
  if (name == "format") {
    if (v != "video") return invalid(name, "the only format is \"video\"");
    return ok_status();
  }
  if (name == "start") {
    auto t = v.is_string() ? parse_utc(v.get<std::string>()) : std::nullopt;
    if (!t) return invalid(name, "start must be an RFC 3339 UTC instant like 2026-12-07T15:00:00Z");
    if (*t <= ctx.at) return invalid(name, "start is in the past");
    if (*t > ctx.at + Limits::kStartHorizon) return invalid(name, "start is more than two years ahead");
    return ok_status();
  }
  if (name == "duration_minutes") {
    if (!v.is_number_integer() || v.get<std::int64_t>() < Limits::kDurationMin ||
        v.get<std::int64_t>() > Limits::kDurationMax)
      return invalid(name, "duration_minutes must be an integer from 5 to 720");
    return ok_status();
  }
  if (name == "roster") return validate_roster(v, ctx);
  if (name == "languages") return validate_languages(v, ctx);
  if (name == "agenda") return validate_agenda(v);
  if (name == "announcement") return validate_announcement(v);
  if (name == "predecessor") {
    // Existence and parties are checked by the service, which sees other meetings.
    if (!v.is_null() && !(v.is_string() && !v.get<std::string>().empty() &&
                          v.get<std::string>().size() <= 64))
      return invalid(name, "predecessor must be a meeting id or null");
    return ok_status();
  }
  return make_error("unknown_parameter", "no parameter named \"" + std::string(name) + "\"");
}

Status check_terms_consistent(const json::Json& t, Seconds at) {
  auto bad = [](std::string m) { return make_error("inconsistent_terms", std::move(m)); };
  auto start = parse_utc(t["start"].get<std::string>());
  if (!start || *start <= at) return bad("the agreed start is already in the past");
  for (const auto& p : t["parties"]) {
    bool present = std::any_of(t["roster"].begin(), t["roster"].end(), [&](const auto& e) { return e["party"] == p; });
    if (!present) return bad("the roster has nobody from party " + p.get<std::string>());
  }
  std::set<std::string> interpreters_on_roster;
  for (const auto& e : t["roster"])
    if (e["role"] == "interpreter") interpreters_on_roster.insert(e["member"].get<std::string>());
  for (const auto& e : t["languages"]["interpretation"]) {
    auto id = e["interpreter"].get<std::string>();
    if (!interpreters_on_roster.count(id))
      return bad("interpreter " + id + " is not on the roster as an interpreter");
  }
  const auto& publish = t["announcement"]["publish"];
  if (publish != "on_agreement" && *parse_utc(publish.get<std::string>()) > *start)
    return bad("the announcement would be published after the meeting starts");
  if (t["predecessor"] == t["meeting"]) return bad("a meeting cannot be its own predecessor");
  return ok_status();
}

}  // namespace parley::negotiation
