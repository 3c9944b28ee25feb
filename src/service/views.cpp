// JSON views of a meeting for its members (docs/api/openapi.yaml, Meeting).

#include "crypto/hash.h"
#include "service/service.h"
#include "tz/zones.h"

namespace parley::service {

namespace {

Json local_json(const tz::LocalTime& t) {
  return {{"zone", t.zone}, {"local", t.local}, {"offset", t.offset}, {"abbrev", t.abbrev},
          {"display", t.display}};
}

}  // namespace

Json Service::meeting_view(const MeetingRecord& r, bool with_history) const {
  const auto& m = r.durable;
  auto now = now_();
  Json params = Json::object();
  std::set<std::string> waiting;
  for (auto name : negotiation::kParameters) {
    std::string key(name);
    auto it = m.params.find(key);
    if (it == m.params.end()) {
      params[key] = {{"rev", 0}, {"value", nullptr}, {"accepted_by", Json::array()}, {"agreed", false}};
      if (with_history) params[key]["history"] = Json::array();
      waiting.insert(m.parties.begin(), m.parties.end());  // either side may propose
      continue;
    }
    const auto& p = it->second;
    Json history = Json::array();
    if (with_history)
      for (const auto& h : p.history)
      history.push_back({{"rev", h.rev}, {"value", h.value}, {"party", h.party}, {"member", h.member},
                         {"at", format_utc(h.at)}, {"seq", h.seq}});
    Json accepted = Json::array();
    for (const auto& party : p.accepted_by) accepted.push_back(party);
    const auto& cur = p.current();
    params[key] = {{"rev", p.rev()}, {"value", cur.value}, {"proposed_by", {{"party", cur.party}, {"member", cur.member}, {"at", format_utc(cur.at)}}},
                   {"accepted_by", accepted}, {"agreed", p.agreed()}};
    if (with_history) params[key]["history"] = std::move(history);
    for (const auto& party : m.parties)
      if (!p.accepted_by.count(party)) waiting.insert(party);
  }
  auto status = m.status(now);
  if (status == negotiation::MeetingStatus::negotiating && m.all_agreed())
    for (const auto& party : m.parties)
      if (!m.signatures.count(party)) waiting.insert(party);
  if (status != negotiation::MeetingStatus::negotiating) waiting.clear();

  Json signatures = Json::object();
  for (const auto& [party, s] : m.signatures)
    signatures[party] = {{"member", s.member}, {"terms_hash", s.terms_hash}, {"seq", s.seq},
                         {"at", format_utc(s.at)}};
  Json start_local = Json::array();
  if (auto it = m.params.find("start"); it != m.params.end()) {
    auto t = parse_utc(it->second.current().value.get<std::string>());
    for (const auto& party : m.parties) {
      Json l = local_json(tz::to_local(*t, parties_.at(party).time_zone));
      l["party"] = party;
      start_local.push_back(l);
    }
  }
  Json withdrawal = nullptr;
  if (m.withdrawal)
    withdrawal = {{"party", m.withdrawal->party}, {"member", m.withdrawal->member},
                  {"reason", m.withdrawal->reason}, {"at", format_utc(m.withdrawal->at)},
                  {"after_announcement", m.withdrawal->after_announcement}};
  auto opt_time = [](const std::optional<Seconds>& t) { return t ? Json(format_utc(*t)) : Json(nullptr); };
  auto terms = m.terms();
  Json view{{"id", m.id},
              {"status", negotiation::status_name(status)},
              {"parties", {party_json(m.parties[0]), party_json(m.parties[1])}},
              {"created_by", m.created_by},
              {"created_at", format_utc(m.created_at)},
              {"length", m.length},
              {"head", m.head},
              {"last_at", m.length ? Json(format_utc(m.last_at)) : Json(nullptr)},
              {"parameters", params},
              {"start_local", start_local},
              {"all_agreed", m.all_agreed()},
              {"terms", terms ? *terms : Json(nullptr)},
              {"terms_hash", terms ? Json(crypto::sha256_hex(json::canonicalize(*terms))) : Json(nullptr)},
              {"signatures", signatures},
              {"agreed_at", opt_time(m.agreed_at)},
              {"announce_at", opt_time(m.announce_at())},
              {"withdrawal", withdrawal},
              {"waiting_on", Json(std::vector<std::string>(waiting.begin(), waiting.end()))},
              {"record", record_view(r)}};
  if (terms && (*terms)["predecessor"].is_string())
    view["predecessor_assurances"] = predecessor_assurances(r, (*terms)["predecessor"].get<std::string>());
  return view;
}

}  // namespace parley::service
