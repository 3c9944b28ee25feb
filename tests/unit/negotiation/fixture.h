#pragma once
// Shared test fixture for the negotiation rules: two delegations and a third
// party, each member with a freshly generated Ed25519 key, and a meeting
// driven act by act through verify -> check_act -> apply_act exactly as the
// server and the offline verifier do.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "crypto/identity_key.h"
#include "json/json_printer.h"
#include "negotiation/act.h"
#include "negotiation/log_verifier.h"
#include "negotiation/meeting.h"

namespace parley::negotiation::test {

using json::Json;
using namespace std::chrono_literals;

inline Seconds utc(std::string_view s) {
  return parse_utc(s).value();
}

// "ok" or the error code: compares readably in EXPECT_EQ.
template <class T>
std::string code(const Expected<T>& e) {
  return e ? "ok" : e.error().code;
}

inline constexpr const char* kAtlantis = "atlantis";
inline constexpr const char* kLemuria = "lemuria";
inline constexpr const char* kMu = "mu";  // a third party, no part in the meeting

class NegotiationTest : public ::testing::Test {
 protected:
  NegotiationTest() {
    add_member("m-alice", kAtlantis, "Alice", {Role::negotiator});
    add_member("m-arthur", kAtlantis, "Arthur", {Role::leader, Role::negotiator});
    add_member("m-anna", kAtlantis, "Anna", {Role::leader});
    add_member("m-ivan", kAtlantis, "Ivan", {Role::interpreter});
    add_member("m-bob", kLemuria, "Bob", {Role::negotiator});
    add_member("m-olga", kLemuria, "Olga", {Role::observer});
    add_member("m-mike", kMu, "Mike", {Role::negotiator});
  }

  void add_member(const std::string& id, const std::string& party, const std::string& name,
                  std::vector<Role> roles) {
    auto key = crypto::SecretKey::generate();
    dir.parties.insert(party);
    dir.members[id] = Member{id, party, name, std::move(roles), key.public_key()};
    keys.emplace(id, std::move(key));
  }

  std::string key_of(const std::string& member) const {
    return crypto::encode(dir.find_member(member)->key);
  }

  // --- Parameter values that pass validation --------------------------------

  Json roster_entry(const std::string& member, const std::string& role) const {
    return {{"member", member},
            {"party", dir.find_member(member)->party},
            {"role", role},
            {"key", key_of(member)}};
  }

  // Every parameter, with the announcement published on agreement.
  Json full_terms() const {
    return {
        {"title", "Fishing rights in the northern strait"},
        {"format", "video"},
        {"start", "2026-02-01T15:00:00Z"},
        {"duration_minutes", 90},
        {"roster",
         Json::array({roster_entry("m-alice", "negotiator"), roster_entry("m-ivan", "interpreter"),
                      roster_entry("m-bob", "negotiator")})},
        {"languages",
         {{"languages", Json::array({"en", "ru"})},
          {"interpretation",
           Json::array({{{"interpreter", "m-ivan"}, {"pair", Json::array({"en", "ru"})}}})}}},
        {"agenda", Json::array({{{"title", "Quotas"}}, {{"title", "Inspections"}}})},
        {"announcement",
         {{"text", "The delegations will meet.\nDetails follow."}, {"publish", "on_agreement"}}},
        {"predecessor", nullptr},
    };
  }

  Json opening_proposals() const {
    auto t = full_terms();
    return {{"title", t["title"]},
            {"format", t["format"]},
            {"start", t["start"]},
            {"duration_minutes", t["duration_minutes"]}};
  }

  // --- Acts ------------------------------------------------------------------

  // An act at the end of the meeting's current log, one minute after the last.
  SignedAct make(const std::string& author, Kind kind, Json body) {
    clock += 1min;
    Act a;
    a.meeting = meeting;
    a.base = state.length;
    a.prev = state.head;
    a.kind = kind;
    a.body = std::move(body);
    a.author = author;
    a.at = clock;
    return sign_act(a, keys.at(author));
  }

  // What the server does with an act: signature, rules, then apply.
  Status submit(const SignedAct& sa) {
    if (auto s = verify_act_signature(sa, dir); !s) return s;
    if (auto s = check_act(state, sa, dir); !s) return s;
    apply_act(state, sa, dir);
    log.push_back(sa);
    return ok_status();
  }

  Status create(const std::string& author, const std::string& counterparty, Json proposals) {
    return submit(make(author, Kind::create,
                       {{"counterparty", counterparty}, {"proposals", std::move(proposals)}}));
  }
  Status create() { return create("m-alice", kLemuria, opening_proposals()); }
  Status propose(const std::string& author, const std::string& param, Json value) {
    return submit(make(author, Kind::propose, {{"param", param}, {"value", std::move(value)}}));
  }
  Status accept(const std::string& author, const std::string& param, std::int64_t rev) {
    return submit(make(author, Kind::accept, {{"param", param}, {"rev", rev}}));
  }
  Status accept_current(const std::string& author, const std::string& param) {
    return accept(author, param, state.params.at(param).rev());
  }
  Status sign(const std::string& author, const std::string& terms_hash) {
    return submit(make(author, Kind::sign, {{"terms_hash", terms_hash}}));
  }
  Status sign(const std::string& author) { return sign(author, state.terms_hash()); }
  Status withdraw(const std::string& author, const std::string& reason) {
    return submit(make(author, Kind::withdraw, {{"reason", reason}}));
  }

  // Creates the meeting, proposes the remaining parameters from `terms`
  // (Alice) and has Bob accept every one: all parameters agreed, unsigned.
  void agree_everything(const Json& terms) {
    ASSERT_EQ(code(create()), "ok");
    for (const auto& [name, value] : terms.items()) {
      if (!state.params.count(name) || state.params.at(name).current().value != value) {
        ASSERT_EQ(code(propose("m-alice", name, value)), "ok") << name;
      }
    }
    for (const auto& [name, p] : state.params) {
      if (!p.accepted_by.count(kLemuria)) {
        ASSERT_EQ(code(accept_current("m-bob", name)), "ok") << name;
      }
    }
    ASSERT_TRUE(state.all_agreed());
  }
  void agree_everything() { agree_everything(full_terms()); }

  // The export document (log_verifier.h) for the session so far.
  Json export_json() const {
    Json members = Json::array();
    for (const auto& [_, m] : dir.members) members.push_back(member_to_json(m));
    Json acts = Json::array();
    for (const auto& sa : log) acts.push_back(sa.envelope());
    return {
        {"type", kExportType},
        {"meeting", meeting},
        {"exported_at", format_utc(clock)},
        {"parties",
         Json::array({{{"id", kAtlantis}, {"name", "Atlantis"}, {"time_zone", "Europe/Moscow"}},
                      {{"id", kLemuria}, {"name", "Lemuria"}, {"time_zone", "America/New_York"}}})},
        {"members", members},
        {"acts", acts}};
  }

  MapDirectory dir;
  std::map<std::string, crypto::SecretKey> keys;  // each member's own device
  std::string meeting = "meet-0001";
  MeetingState state;
  std::vector<SignedAct> log;
  Seconds clock = utc("2026-01-10T12:00:00Z");
};

}  // namespace parley::negotiation::test
