#pragma once
// Builds a whole meeting's record in memory, as two delegations and the
// server would: members with fresh Ed25519 keys, the negotiation to signed
// and announced terms, record entries, the server's checkpoints and the
// parties' cosignatures, and the parley.record/1 document. Every act goes
// through verify -> check_act -> apply_act as in the server. Used by the
// record tests, the fuzz seeds and bench/record_bench (no gtest here).

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "crypto/identity_key.h"
#include "negotiation/log_verifier.h"
#include "negotiation/meeting.h"
#include "record/record.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle_tree.h"

namespace parley::record::test {

using json::Json;
using negotiation::Kind;
using negotiation::Role;
using namespace std::chrono_literals;

inline constexpr const char* kEast = "east";
inline constexpr const char* kWest = "west";

class RecordBuilder {
 public:
  explicit RecordBuilder(std::string meeting_id = "mtg-record-0001", std::string predecessor = "")
      : meeting(std::move(meeting_id)), predecessor_(std::move(predecessor)) {
    add("e-neg", kEast, "Irina Negotiator", {Role::negotiator});
    add("e-lead", kEast, "Mikhail Leader", {Role::leader});
    add("e-rap", kEast, "Olga Rapporteur", {Role::rapporteur});
    add("e-aide", kEast, "Pavel Aide", {Role::aide});
    add("w-neg", kWest, "James Negotiator", {Role::negotiator});
    add("w-lead", kWest, "Helen Leader", {Role::leader});
    add("w-rap", kWest, "Sarah Rapporteur", {Role::rapporteur});
    add("w-off", kWest, "Tom Off-roster", {Role::aide});  // enrolled, not on the roster
  }

  // The same people (same keys) for a later meeting of the series.
  RecordBuilder successor(std::string meeting_id) const {
    RecordBuilder b(std::move(meeting_id), meeting);
    b.dir = dir;
    for (const auto& [id, k] : keys) b.keys.insert_or_assign(id, *crypto::SecretKey::from_seed(k.seed()));
    b.log_key = *crypto::SecretKey::from_seed(log_key.seed());
    b.clock = clock + 24h * 30;
    return b;
  }

  void add(const std::string& id, const std::string& party, const std::string& name, std::vector<Role> roles) {
    auto key = crypto::SecretKey::generate();
    dir.parties.insert(party);
    dir.members[id] = negotiation::Member{id, party, name, std::move(roles), key.public_key()};
    keys.insert_or_assign(id, std::move(key));
  }
  std::string key_of(const std::string& id) const { return base64url_encode(dir.find_member(id)->key); }

  Json roster_entry(const std::string& id, const std::string& role) const {
    return {{"member", id}, {"party", dir.find_member(id)->party}, {"role", role}, {"key", key_of(id)}};
  }

  // Signs an act at the end of the log as `author` and submits it; throws
  // std::runtime_error("<code>: <message>") when refused.
  const negotiation::SignedAct& act(const std::string& author, Kind kind, Json body) {
    auto sa = sign(author, kind, std::move(body));
    if (auto s = submit(sa); !s) throw std::runtime_error(s.error().code + ": " + s.error().message);
    return log.back();
  }
  negotiation::SignedAct sign(const std::string& author, Kind kind, Json body, const std::string* as_key = nullptr) {
    clock += 1s;
    negotiation::Act a;
    a.meeting = meeting;
    a.base = state.length;
    a.prev = state.head;
    a.kind = kind;
    a.body = std::move(body);
    a.author = author;
    a.at = clock;
    return negotiation::sign_act(a, keys.at(as_key ? *as_key : author));
  }
  Status submit(const negotiation::SignedAct& sa) {
    if (auto s = negotiation::verify_act_signature(sa, dir); !s) return s;
    if (auto s = negotiation::check_act(state, sa, dir); !s) return s;
    negotiation::apply_act(state, sa, dir);
    log.push_back(sa);
    tree.append(as_bytes(json::canonicalize(sa.envelope())));
    return ok_status();
  }

  // Negotiates to signed terms published on agreement: the record is open.
  void agree() {
    Json roster = Json::array({roster_entry("e-neg", "negotiator"), roster_entry("e-lead", "leader"),
                               roster_entry("e-rap", "rapporteur"), roster_entry("e-aide", "aide"),
                               roster_entry("w-neg", "negotiator"), roster_entry("w-lead", "leader"),
                               roster_entry("w-rap", "rapporteur")});
    Json proposals = {
        {"title", "Talks on the northern strait"},
        {"format", "video"},
        {"start", format_utc(clock + 24h * 7)},
        {"duration_minutes", 120},
        {"roster", roster},
        {"languages", {{"languages", Json::array({"en"})}, {"interpretation", Json::array()}}},
        {"agenda", Json::array({{{"title", "Security guarantees"}}, {{"title", "Arms control"}}})},
        {"announcement", {{"text", "The delegations will hold talks by video."}, {"publish", "on_agreement"}}},
        {"predecessor", predecessor_.empty() ? Json(nullptr) : Json(predecessor_)},
    };
    act("e-neg", Kind::create, {{"counterparty", kWest}, {"proposals", proposals}});
    for (const auto& [name, _] : proposals.items()) act("w-neg", Kind::accept, {{"param", name}, {"rev", 1}});
    act("e-neg", Kind::sign, {{"terms_hash", state.terms_hash()}});
    act("w-neg", Kind::sign, {{"terms_hash", state.terms_hash()}});
  }

  std::string hash_of_last() const { return log.back().hash; }

  // A typical session: open, minutes, an assurance drafted, given and
  // acknowledged, a statement, close. Returns the assurance's hash.
  std::string hold_session() {
    act("e-rap", Kind::session_open, {{"present", Json::array({"e-lead", "e-rap", "w-lead", "w-rap"})}});
    act("e-rap", Kind::minute, {{"item", 0}, {"text", "The East opened on security guarantees."}});
    act("w-rap", Kind::statement, {{"speaker", "w-lead"}, {"item", 0}, {"text", "We hear your concerns."}});
    act("w-rap", Kind::assurance_draft,
        {{"giver", kEast}, {"item", 0}, {"text", "No exercises within 50 km of the strait."},
         {"scope", "Naval exercises"}, {"until", format_utc(clock + 24h * 180)}});
    auto draft = hash_of_last();
    act("e-lead", Kind::assurance, {{"to", kWest}, {"item", 0}, {"text", "No exercises within 50 km of the strait."},
                                    {"scope", "Naval exercises"}, {"until", format_utc(clock + 24h * 180)}, {"draft", draft}});
    auto assurance = hash_of_last();
    act("w-lead", Kind::acknowledge, {{"assurance", assurance}});
    act("e-rap", Kind::session_close, {{"present", Json::array({"e-lead", "e-rap", "w-lead", "w-rap"})}});
    return assurance;
  }

  std::string origin() const { return *record::origin_for("http://127.0.0.1:8080", meeting); }

  // The server's checkpoint of the first `size` acts, cosigned by `cosigners`.
  std::string checkpoint(std::uint64_t size, const std::vector<std::string>& cosigners) const {
    tlog::Checkpoint c{origin(), size, *tree.root(size), {}};
    auto note = tlog::sign_checkpoint(c, origin(), log_key);
    for (const auto& m : cosigners) note = tlog::cosign_checkpoint(*note, cosigner_key_name(origin(), m), keys.at(m));
    return *note;
  }
  // Adds a checkpoint of the log as it is now.
  void add_checkpoint(const std::vector<std::string>& cosigners) {
    checkpoints.push_back({state.length, checkpoint(static_cast<std::uint64_t>(state.length), cosigners)});
  }

  static Json hexes(const std::vector<tlog::Hash>& path) {
    Json out = Json::array();
    for (const auto& h : path) out.push_back(hex_encode(h));
    return out;
  }

  Json record_json(bool final_claim) const {
    Json members = Json::array();
    for (const auto& [_, m] : dir.members) members.push_back(negotiation::member_to_json(m));
    Json acts = Json::array();
    for (const auto& sa : log) acts.push_back(sa.envelope());
    Json cps = Json::array();
    std::uint64_t prev = 0;
    for (const auto& [size, note] : checkpoints) {
      auto size64 = static_cast<std::uint64_t>(size);
      cps.push_back({{"note", note}, {"consistency", hexes(*tree.consistency_proof(prev, size64))}});
      prev = size64;
    }
    return {{"type", kRecordType},
            {"meeting", meeting},
            {"exported_at", format_utc(clock)},
            {"origin", origin()},
            {"log_key", base64url_encode(log_key.public_key())},
            {"parties", Json::array({{{"id", kEast}, {"name", "Eastern Delegation"}, {"time_zone", "Europe/Moscow"}},
                                     {{"id", kWest}, {"name", "Western Delegation"}, {"time_zone", "America/New_York"}}})},
            {"members", members},
            {"acts", acts},
            {"checkpoints", cps},
            {"final", final_claim}};
  }

  // An excerpt of act `index` (0-based) against the last checkpoint.
  Json excerpt_json(std::size_t index) const {
    const auto& [size, note] = checkpoints.back();
    std::set<std::string> who = {log[index].act.author, "e-neg", "e-rap", "w-rap", "e-lead", "w-lead"};
    Json members = Json::array();
    for (const auto& id : who) members.push_back(negotiation::member_to_json(*dir.find_member(id)));
    return {{"type", kExcerptType},
            {"meeting", meeting},
            {"origin", origin()},
            {"parties", record_json(false)["parties"]},
            {"members", members},
            {"entries", Json::array({{{"envelope", log[index].envelope()},
                                      {"index", index},
                                      {"proof", hexes(*tree.inclusion_proof(index, static_cast<std::uint64_t>(size)))}}})},
            {"checkpoint", note}};
  }

  Trust trust() const {
    Trust t;
    t.keys[kEast].insert(key_of("e-neg"));
    t.keys[kWest].insert(key_of("w-neg"));
    return t;
  }

  negotiation::MapDirectory dir;
  std::map<std::string, crypto::SecretKey> keys;
  crypto::SecretKey log_key = crypto::SecretKey::generate();
  std::string meeting;
  negotiation::MeetingState state;
  std::vector<negotiation::SignedAct> log;
  tlog::MerkleTree tree;
  std::vector<std::pair<std::int64_t, std::string>> checkpoints;  // size, note
  Seconds clock = parse_utc("2026-03-02T09:00:00Z").value();

 private:
  std::string predecessor_;
};

}  // namespace parley::record::test
