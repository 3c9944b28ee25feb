#include "cli/output.h"

#include <iomanip>

#include "tz/zones.h"

namespace parley::cli {

using json::Json;

namespace {

std::string who(const Names& names, const Json& id) {
  auto it = names.find(id.get<std::string>());
  return it == names.end() ? id.get<std::string>() : it->second;
}

}  // namespace

std::string value_summary(const std::string& param, const Json& v, const Names& names) {
  if (v.is_null()) return param == "predecessor" ? "none" : "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>()) + (param == "duration_minutes" ? " min" : "");
  if (param == "roster") {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ", ") + who(names, e["member"]) + " (" + e["party"].get<std::string>() + ", " + e["role"].get<std::string>() + ")";
    return s;
  }
  if (param == "languages") {
    std::string s;
    for (const auto& l : v["languages"]) s += (s.empty() ? "" : ", ") + l.get<std::string>();
    for (const auto& i : v["interpretation"])
      s += "; " + who(names, i["interpreter"]) + " " + i["pair"][0].get<std::string>() + "<->" + i["pair"][1].get<std::string>();
    return s;
  }
  if (param == "agenda") {
    std::string s;
    int n = 0;
    for (const auto& i : v) s += (s.empty() ? "" : " ") + std::to_string(++n) + ". " + i["title"].get<std::string>();
    return s;
  }
  if (param == "announcement")
    return "[" + v["publish"].get<std::string>() + "] " + v["text"].get<std::string>();
  return v.dump();
}

void print_meeting(std::ostream& out, const Json& m, const Names& names) {
  auto title = m["parameters"]["title"]["value"];
  out << "Meeting " << m["id"].get<std::string>() << "  \"" << (title.is_string() ? title.get<std::string>() : "") << "\"\n";
  out << "Status: " << m["status"].get<std::string>() << "   acts: " << m["length"].get<std::int64_t>() << "\n";
  out << "Parties:";
  for (const auto& p : m["parties"])
    out << "  " << p["id"].get<std::string>() << " (" << p["name"].get<std::string>() << ", " << p["time_zone"].get<std::string>() << ")";
  out << "\n";
  if (!m["start_local"].empty()) {
    out << "Start: " << m["parameters"]["start"]["value"].get<std::string>() << "\n";
    for (const auto& l : m["start_local"])
      out << "  for " << l["party"].get<std::string>() << ": " << l["display"].get<std::string>() << "  [" << l["zone"].get<std::string>() << "]\n";
  }
  std::string a = m["parties"][0]["id"].get<std::string>(), b = m["parties"][1]["id"].get<std::string>();
  out << "\n" << std::left << std::setw(18) << "parameter" << std::setw(5) << "rev" << std::setw(14) << "proposed by"
      << std::setw(10) << a.substr(0, 9) << std::setw(10) << b.substr(0, 9) << "value\n";
  for (const auto& [name, p] : m["parameters"].items()) {
    auto accepted = [&](const std::string& party) {
      for (const auto& x : p["accepted_by"]) if (x == party) return "yes";
      return p["rev"] == 0 ? "-" : "no";
    };
    std::string by = p.contains("proposed_by") ? p["proposed_by"]["party"].get<std::string>() : "-";
    std::string value = value_summary(name, p["value"], names);
    if (value.size() > 70) value = value.substr(0, 67) + "...";
    out << std::setw(18) << name << std::setw(5) << p["rev"].get<std::int64_t>() << std::setw(14) << by
        << std::setw(10) << accepted(a) << std::setw(10) << accepted(b) << value << "\n";
  }
  out << "\n";
  const auto& roster = m["parameters"]["roster"]["value"];
  if (!names.empty() && roster.is_array()) {
    out << "Roster (revision " << m["parameters"]["roster"]["rev"].get<std::int64_t>() << "):\n";
    for (const auto& e : roster)
      out << "  " << std::setw(26) << who(names, e["member"]) << std::setw(9) << e["party"].get<std::string>()
          << std::setw(13) << e["role"].get<std::string>() << "key " << e["key"].get<std::string>() << "\n";
    out << "\n";
  }
  if (!m["terms_hash"].is_null()) out << "Terms hash: " << m["terms_hash"].get<std::string>() << (m["all_agreed"].get<bool>() ? "  (all parameters agreed)" : "") << "\n";
  for (const auto& [party, s] : m["signatures"].items())
    out << "Signed by " << party << ": " << who(names, s["member"]) << " at " << s["at"].get<std::string>() << "\n";
  if (!m["agreed_at"].is_null()) out << "Agreed at: " << m["agreed_at"].get<std::string>() << "\n";
  if (!m["announce_at"].is_null()) out << "Announcement: " << m["announce_at"].get<std::string>() << "\n";
  if (!m["withdrawal"].is_null())
    out << "Withdrawn by " << m["withdrawal"]["party"].get<std::string>() << " at " << m["withdrawal"]["at"].get<std::string>()
        << ": " << m["withdrawal"]["reason"].get<std::string>() << "\n";
  if (!m["waiting_on"].empty()) {
    out << "Waiting on:";
    for (const auto& w : m["waiting_on"]) out << " " << w.get<std::string>();
    out << "\n";
  }
}

void print_meeting_list(std::ostream& out, const Json& list) {
  if (list.empty()) {
    out << "No meetings.\n";
    return;
  }
  for (const auto& m : list) {
    out << std::left << std::setw(30) << m["id"].get<std::string>() << std::setw(13) << m["status"].get<std::string>()
        << std::setw(22) << (m["start"].is_string() ? m["start"].get<std::string>() : "-")
        << (m["title"].is_string() ? m["title"].get<std::string>() : "");
    if (!m["waiting_on"].empty()) {
      out << "  (waiting on";
      for (const auto& w : m["waiting_on"]) out << " " << w.get<std::string>();
      out << ")";
    }
    out << "\n";
  }
}

void print_verified(std::ostream& out, const negotiation::VerifiedLog& log) {
  using negotiation::Kind;
  out << "Log of meeting " << log.meeting << ": " << log.acts.size() << " acts, every signature and link verified.\n";
  std::int64_t n = 0;
  for (const auto& sa : log.acts) {
    const auto& a = sa.act;
    const auto* m = log.directory.find_member(a.author);
    out << std::right << std::setw(4) << ++n << "  " << format_utc(a.at) << "  " << std::left << std::setw(9)
        << m->party << std::setw(24) << (m->name + " ") << std::setw(9) << negotiation::kind_name(a.kind);
    switch (a.kind) {
      case Kind::create: out << "with " << a.body["counterparty"].get<std::string>(); break;
      case Kind::propose: {
        Names names;
        for (const auto& [id, mem] : log.directory.members) names[id] = mem.name;
        auto v = value_summary(a.body["param"].get<std::string>(), a.body["value"], names);
        if (v.size() > 60) v = v.substr(0, 57) + "...";
        out << a.body["param"].get<std::string>() << " = " << v;
        break;
      }
      case Kind::accept: out << a.body["param"].get<std::string>() << " rev " << a.body["rev"].get<std::int64_t>(); break;
      case Kind::sign: out << "terms " << a.body["terms_hash"].get<std::string>(); break;
      case Kind::withdraw: out << "reason: " << a.body["reason"].get<std::string>(); break;
      default: out << "(record entry: verify the record with parley verify for its meaning)"; break;
    }
    out << "\n";
  }
  const auto& st = log.state;
  out << "\nParties: " << st.parties[0] << ", " << st.parties[1] << "\n";
  if (st.agreed_at) {
    out << "Agreed: both parties signed terms " << st.terms_hash() << " (" << format_utc(*st.agreed_at) << ")\n";
  } else {
    out << "Not agreed: " << st.signatures.size() << " of 2 signatures on the current terms\n";
  }
  for (const auto& [party, s] : st.signatures) {
    const auto* m = log.directory.find_member(s.member);
    out << "  " << party << ": " << m->name << " (" << s.member << ", key " << base64url_encode(m->key) << ")\n";
  }
  if (st.withdrawal) out << "Withdrawn by " << st.withdrawal->party << ": " << st.withdrawal->reason << "\n";
}

}  // namespace parley::cli
