#include "act_world.h"

#include <cstdio>
#include <cstdlib>

namespace parley::fuzz {

using json::Json;
using negotiation::Kind;
using negotiation::MeetingState;
using negotiation::Role;
using negotiation::SignedAct;

namespace {

// 2026-01-10T12:00:00Z: the fixed acts are dated from here, a minute apart.
constexpr Seconds kEpoch =
    std::chrono::sys_days{std::chrono::year{2026} / 1 / 10} + std::chrono::hours{12};

void add_member(World& w, const std::string& id, const std::string& party,
                std::vector<Role> roles) {
  std::uint8_t seed[crypto::kSeedBytes];
  for (std::size_t i = 0; i < sizeof seed; ++i)
    seed[i] = static_cast<std::uint8_t>(w.keys.size() * 37 + i);
  auto key = crypto::SecretKey::from_seed(seed).value();
  w.dir.parties.insert(party);
  w.dir.members[id] =
      negotiation::Member{id, party, id.substr(2), std::move(roles), key.public_key()};
  w.keys.emplace(id, std::move(key));
}

Json roster_entry(const World& w, const std::string& member, const std::string& role) {
  const auto* m = w.dir.find_member(member);
  return {{"member", member}, {"party", m->party}, {"role", role}, {"key", crypto::encode(m->key)}};
}

// Applies an act that must pass; the world is wrong otherwise.
void must_apply(const World& w, MeetingState& m, const SignedAct& sa) {
  auto sig = negotiation::verify_act_signature(sa, w.dir);
  auto rules = negotiation::check_act(m, sa, w.dir);
  if (!sig || !rules) {
    std::fprintf(stderr, "act_world: fixed act %lld refused: %s\n",
                 static_cast<long long>(m.length + 1),
                 (!sig ? sig.error() : rules.error()).message.c_str());
    std::abort();
  }
  negotiation::apply_act(m, sa, w.dir);
}

World build() {
  World w;
  add_member(w, "m-alice", "atlantis", {Role::negotiator});
  add_member(w, "m-anna", "atlantis", {Role::leader});
  add_member(w, "m-ivan", "atlantis", {Role::interpreter});
  add_member(w, "m-bob", "lemuria", {Role::negotiator, Role::leader});
  add_member(w, "m-olga", "lemuria", {Role::observer});
  add_member(w, "m-mike", "mu", {Role::negotiator});

  MeetingState m;
  must_apply(w, m,
             w.make(m, "m-alice", Kind::create,
                    {{"counterparty", "lemuria"}, {"proposals", w.opening_proposals()}}));
  must_apply(w, m,
             w.make(m, "m-bob", Kind::propose, {{"param", "duration_minutes"}, {"value", 120}}));
  w.opening = m;

  must_apply(w, m, w.make(m, "m-alice", Kind::accept, {{"param", "duration_minutes"}, {"rev", 2}}));
  auto terms = w.full_terms();
  for (const auto& [name, value] : terms.items())
    if (!m.params.count(name))
      must_apply(w, m, w.make(m, "m-alice", Kind::propose, {{"param", name}, {"value", value}}));
  for (const auto& [name, p] : m.params)
    if (!p.agreed())
      must_apply(w, m, w.make(m, "m-bob", Kind::accept, {{"param", name}, {"rev", p.rev()}}));
  must_apply(w, m, w.make(m, "m-alice", Kind::sign, {{"terms_hash", m.terms_hash()}}));
  w.ready = m;

  must_apply(w, m, w.make(m, "m-bob", Kind::sign, {{"terms_hash", m.terms_hash()}}));
  w.announced = m;
  return w;
}

}  // namespace

SignedAct World::make(const MeetingState& state, const std::string& author, Kind kind, Json body,
                      int minutes) const {
  negotiation::Act a;
  a.meeting = kMeeting;
  a.base = state.length;
  a.prev = state.head;
  a.kind = kind;
  a.body = std::move(body);
  a.author = author;
  a.at = kEpoch + std::chrono::minutes(state.length + minutes);
  return negotiation::sign_act(a, keys.at(author));
}

Json World::full_terms() const {
  return {
      {"title", "Fishing rights in the northern strait"},
      {"format", "video"},
      {"start", "2026-02-01T15:00:00Z"},
      {"duration_minutes", 90},
      {"roster", Json::array({roster_entry(*this, "m-alice", "negotiator"),
                              roster_entry(*this, "m-ivan", "interpreter"),
                              roster_entry(*this, "m-bob", "negotiator")})},
      {"languages",
       {{"languages", Json::array({"en", "ru"})},
        {"interpretation",
         Json::array({{{"interpreter", "m-ivan"}, {"pair", Json::array({"en", "ru"})}}})}}},
      {"agenda", Json::array({{{"title", "Quotas"}}, {{"title", "Inspections"}}})},
      {"announcement", {{"text", "The delegations will meet."}, {"publish", "on_agreement"}}},
      {"predecessor", nullptr},
  };
}

Json World::opening_proposals() const {
  auto t = full_terms();
  return {{"title", t["title"]},
          {"format", t["format"]},
          {"start", t["start"]},
          {"duration_minutes", t["duration_minutes"]}};
}

const World& world() {
  static const World w = build();
  return w;
}

}  // namespace parley::fuzz
