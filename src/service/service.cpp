#include "service/service.h"

#include <algorithm>

#include "crypto/hash.h"
#include "tz/zones.h"

namespace parley::service {

using negotiation::Kind;
using negotiation::require_fields;
using negotiation::SignedAct;

namespace {

Error not_found() { return make_error("not_found", "no such resource"); }

bool is_slug(const Json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() < 2 || s.size() > 32 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

Service::Service(std::unique_ptr<store::Store> store, Post post, metrics::Registry& metrics,
                 Config cfg, NowFn now)
    : store_(std::move(store)), post_(std::move(post)), metrics_(metrics), cfg_(std::move(cfg)),
      now_(std::move(now)) {
  metrics_.describe("parley_acts_accepted_total", "counter", "Signed acts appended, by kind");
  metrics_.describe("parley_acts_refused_total", "counter", "Signed acts refused, by kind and error code");
}

Service::~Service() = default;

Status Service::start() {
  auto snap = store_->load();
  if (!snap) return snap.error();
  for (auto& p : snap->parties) {
    directory_.parties.insert(p.id);
    parties_.emplace(p.id, std::move(p));
  }
  for (auto& m : snap->members) {
    keys_in_use_.insert(base64url_encode(m.member.key));
    directory_.members.emplace(m.member.id, std::move(m.member));
  }
  for (auto& i : snap->invitations) invitations_.emplace(i.code_hash, Invitation{std::move(i), false});
  // Replay every log through the same rules as live acts: a store that was
  // edited behind our back is refused at start rather than served.
  for (auto& row : snap->acts) {
    auto& r = meetings_[row.meeting];
    auto parsed = json::parse_strict(row.envelope);
    if (!parsed) return make_error("store_corrupt", "meeting " + row.meeting + ": " + parsed.error().message);
    auto sa = negotiation::parse_signed_act(*parsed);
    if (!sa) return make_error("store_corrupt", "meeting " + row.meeting + ": " + sa.error().message);
    if (auto s = negotiation::verify_act_signature(*sa, directory_); !s)
      return make_error("store_corrupt", "meeting " + row.meeting + " act " + std::to_string(row.seq) +
                                             ": " + s.error().message);
    if (auto s = negotiation::check_act(r.tip, *sa, directory_); !s)
      return make_error("store_corrupt", "meeting " + row.meeting + " act " + std::to_string(row.seq) +
                                             ": " + s.error().message);
    negotiation::apply_act(r.tip, *sa, directory_);
    r.tree.append(as_bytes(json::canonicalize(sa->envelope())));
    r.acts.push_back(std::move(*sa));
    r.received.push_back(row.received_at);
  }
  for (auto& [_, r] : meetings_) {
    r.durable = r.tip;
    r.durable_len = r.acts.size();
  }
  if (auto s = load_cosignatures(snap->cosignatures); !s) return s;
  // Before the writer starts: the store is still this thread's.
  if (auto s = load_log_key(snap->settings); !s) return s;
  writer_ = std::make_unique<Writer>(*store_, post_, metrics_, cfg_.max_batch);
  return ok_status();
}

// ---------------------------------------------------------------- admin

void Service::create_party(const Json& body, Reply done) {
  if (auto s = require_fields(body, {"id", "name", "time_zone"}, {}, "party"); !s) return done(s.error());
  if (!is_slug(body["id"]))
    return done(make_error("invalid_field", "party id: 2 to 32 of a-z, 0-9 and '-', starting with a letter"));
  if (!negotiation::is_clean_text(body["name"], 1, 200, false))
    return done(make_error("invalid_field", "party name: 1 to 200 bytes on one line"));
  if (!body["time_zone"].is_string() || !tz::is_known_zone(body["time_zone"].get<std::string>()))
    return done(make_error("unknown_time_zone", "time_zone must be an IANA zone such as Europe/Moscow"));
  auto id = body["id"].get<std::string>();
  if (parties_.count(id) || pending_parties_.count(id))
    return done(make_error("conflict", "party " + id + " already exists"));
  store::PartyRow row{id, body["name"].get<std::string>(), body["time_zone"].get<std::string>(), now_()};
  pending_parties_.insert(id);
  writer_->submit({row}, [this, row, done = std::move(done)](Status s) {
    pending_parties_.erase(row.id);
    if (!s) return done(s.error());
    directory_.parties.insert(row.id);
    parties_.emplace(row.id, row);
    done(party_json(row.id));
  });
}

void Service::create_invitation(const std::string& party, const Json& body, Reply done) {
  if (!parties_.count(party)) return done(not_found());
  if (auto s = require_fields(body, {"name", "roles"}, {"expires_in_hours"}, "invitation"); !s)
    return done(s.error());
  if (!negotiation::is_clean_text(body["name"], 1, 200, false))
    return done(make_error("invalid_field", "name: 1 to 200 bytes on one line"));
  std::vector<negotiation::Role> roles;
  if (!body["roles"].is_array() || body["roles"].empty() || body["roles"].size() > 5)
    return done(make_error("invalid_field", "roles: a list of 1 to 5 roles"));
  for (const auto& r : body["roles"]) {
    auto role = r.is_string() ? negotiation::parse_role(r.get<std::string>()) : std::nullopt;
    if (!role) return done(make_error("invalid_field", "unknown role " + r.dump()));
    if (std::find(roles.begin(), roles.end(), *role) == roles.end()) roles.push_back(*role);
  }
  std::int64_t hours = 72;
  if (body.contains("expires_in_hours")) {
    if (!body["expires_in_hours"].is_number_integer() || body["expires_in_hours"].get<std::int64_t>() < 1 ||
        body["expires_in_hours"].get<std::int64_t>() > 24 * 30)
      return done(make_error("invalid_field", "expires_in_hours: 1 to 720"));
    hours = body["expires_in_hours"].get<std::int64_t>();
  }
  std::string code = crypto::random_hex(16);
  auto now = now_();
  store::InvitationRow row{crypto::sha256_hex(code), party, body["name"].get<std::string>(), roles,
                           now, now + std::chrono::hours(hours), std::nullopt};
  writer_->submit({row}, [this, row, code, done = std::move(done)](Status s) {
    if (!s) return done(s.error());
    invitations_.emplace(row.code_hash, Invitation{row, false});
    done(Json{{"code", code}, {"party", row.party}, {"name", row.name},
              {"expires_at", format_utc(row.expires_at)}});
  });
}

Json Service::admin_parties() const {
  Json out = Json::array();
  for (const auto& [id, _] : parties_) {
    Json p = party_json(id);
    Json members = Json::array();
    for (const auto& [mid, m] : directory_.members)
      if (m.party == id) members.push_back(negotiation::member_to_json(m));
    p["members"] = members;
    std::int64_t open = 0;
    for (const auto& [_, inv] : invitations_)
      if (inv.row.party == id && !inv.row.used_by && inv.row.expires_at > now_()) ++open;
    p["open_invitations"] = open;
    out.push_back(p);
  }
  return out;
}

// ---------------------------------------------------------------- identities

void Service::enroll(const Json& body, Reply done) {
  if (auto s = require_fields(body, {"code", "public_key", "proof"}, {}, "enrollment"); !s)
    return done(s.error());
  if (!body["code"].is_string() || !body["public_key"].is_string() || !body["proof"].is_string())
    return done(make_error("invalid_field", "code, public_key and proof are strings"));
  auto key = crypto::parse_public_key(body["public_key"].get<std::string>());
  if (!key) return done(make_error("invalid_field", "public_key must be a base64url Ed25519 key"));
  auto sig = crypto::parse_signature(body["proof"].get<std::string>());
  Json proof_doc = {{"type", "parley.enroll/1"}, {"code", body["code"]}, {"public_key", body["public_key"]}};
  if (!sig || !crypto::verify(*key, as_bytes(negotiation::signing_bytes(proof_doc)), *sig))
    return done(make_error("bad_signature", "the proof is not a signature by this key over the enrollment"));
  auto it = invitations_.find(crypto::sha256_hex(body["code"].get<std::string>()));
  // Unknown, used, reserved and expired codes all get the same answer.
  if (it == invitations_.end() || it->second.row.used_by || it->second.reserved ||
      it->second.row.expires_at <= now_())
    return done(make_error("invalid_invitation", "this invitation code is unknown, used or expired"));
  auto key_text = base64url_encode(*key);
  if (keys_in_use_.count(key_text))
    return done(make_error("conflict", "this public key is already registered"));

  store::MemberRow row;
  row.member.id = "mbr_" + crypto::random_hex(10);
  row.member.party = it->second.row.party;
  row.member.name = it->second.row.name;
  row.member.roles = it->second.row.roles;
  row.member.key = *key;
  row.enrolled_at = now_();
  it->second.reserved = true;
  keys_in_use_.insert(key_text);
  std::string code_hash = it->first;
  writer_->submit({store::Enrollment{code_hash, row}},
                  [this, row, code_hash, key_text, done = std::move(done)](Status s) {
                    auto& inv = invitations_.at(code_hash);
                    inv.reserved = false;
                    if (!s) {
                      keys_in_use_.erase(key_text);
                      return done(s.error());
                    }
                    inv.row.used_by = row.member.id;
                    directory_.members.emplace(row.member.id, row.member);
                    done(me(row.member));
                  });
}

Expected<Json> Service::challenge(const Json& body) {
  if (auto s = require_fields(body, {"member"}, {}, "challenge request"); !s) return s.error();
  if (!body["member"].is_string() || body["member"].get<std::string>().size() > 64)
    return make_error("invalid_field", "member must be a member id");
  auto now = now_();
  if (challenges_.size() >= cfg_.max_challenges)
    std::erase_if(challenges_, [&](const auto& kv) { return kv.second.expires <= now; });
  if (challenges_.size() >= cfg_.max_challenges)
    return make_error("unavailable", "too many sign-ins in progress; try again shortly");
  // Issued for unknown members too: the answer must not reveal who is enrolled.
  std::string c = crypto::random_hex(32);
  challenges_[c] = Challenge{body["member"].get<std::string>(), now + cfg_.challenge_ttl};
  return Json{{"challenge", c}, {"expires_at", format_utc(now + cfg_.challenge_ttl)}};
}

Expected<Json> Service::sign_in(const Json& body) {
  if (auto s = require_fields(body, {"member", "challenge", "signature"}, {}, "sign-in"); !s)
    return s.error();
  if (!body["member"].is_string() || !body["challenge"].is_string() || !body["signature"].is_string())
    return make_error("invalid_field", "member, challenge and signature are strings");
  auto failed = make_error("sign_in_failed", "sign-in failed: unknown member, expired challenge or bad signature");
  auto it = challenges_.find(body["challenge"].get<std::string>());
  if (it == challenges_.end()) return failed;
  Challenge c = it->second;
  challenges_.erase(it);  // one use only, whatever the outcome
  auto now = now_();
  if (c.expires <= now || c.member != body["member"]) return failed;
  const Member* m = directory_.find_member(c.member);
  auto sig = crypto::parse_signature(body["signature"].get<std::string>());
  Json doc = {{"type", "parley.signin/1"}, {"member", c.member}, {"challenge", body["challenge"]}};
  if (!m || !sig || !crypto::verify(m->key, as_bytes(negotiation::signing_bytes(doc)), *sig)) return failed;
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires <= now; });
  std::string token = crypto::random_hex(32);
  sessions_[crypto::sha256_hex(token)] = Session{m->id, now + cfg_.session_ttl};
  return Json{{"token", token}, {"expires_at", format_utc(now + cfg_.session_ttl)}, {"member", me(*m)}};
}

std::optional<Member> Service::authenticate(std::string_view token) const {
  if (token.size() != 64) return std::nullopt;
  auto it = sessions_.find(crypto::sha256_hex(token));
  if (it == sessions_.end() || it->second.expires <= now_()) return std::nullopt;
  const Member* m = directory_.find_member(it->second.member);
  return m ? std::optional<Member>(*m) : std::nullopt;
}

// ---------------------------------------------------------------- reads

Json Service::party_json(const std::string& id) const {
  const auto& p = parties_.at(id);
  return {{"id", p.id}, {"name", p.name}, {"time_zone", p.time_zone}};
}

Json Service::me(const Member& m) const {
  Json j = negotiation::member_to_json(m);
  if (parties_.count(m.party)) j["party_info"] = party_json(m.party);
  return j;
}

Json Service::parties() const {
  Json out = Json::array();
  for (const auto& [id, _] : parties_) out.push_back(party_json(id));
  return out;
}

Expected<Json> Service::party_members(const Member&, std::string_view party) const {
  // Delegations and their enrolled members are known to every member: a
  // negotiator needs the other side's keys to propose a roster.
  if (!parties_.count(party)) return not_found();
  Json out = Json::array();
  for (const auto& [_, m] : directory_.members)
    if (m.party == party) out.push_back(negotiation::member_to_json(m));
  return out;
}

const Service::MeetingRecord* Service::visible(const Member& m, std::string_view id) const {
  auto it = meetings_.find(id);
  if (it == meetings_.end() || it->second.durable_len == 0) return nullptr;
  return it->second.durable.has_party(m.party) ? &it->second : nullptr;
}

Json Service::meetings(const Member& m) const {
  Json out = Json::array();
  for (const auto& [id, r] : meetings_) {
    if (!visible(m, id)) continue;
    Json v = meeting_view(r, false);
    Json brief = {{"id", id}, {"status", v["status"]}, {"waiting_on", v["waiting_on"]},
                  {"parties", v["parties"]}, {"length", v["length"]},
                  {"title", v["parameters"]["title"]["value"]}, {"start", v["parameters"]["start"]["value"]}};
    out.push_back(brief);
  }
  return out;
}

Expected<Json> Service::meeting(const Member& m, std::string_view id) const {
  const MeetingRecord* r = visible(m, id);
  if (!r) return not_found();
  return meeting_view(*r);
}

Expected<negotiation::Admitted> Service::admit_to_call(const Member& m, std::string_view id,
                                                       const negotiation::CallWindow& window) const {
  const MeetingRecord* r = visible(m, id);
  if (!r) return not_found();
  return negotiation::admit_to_call(r->durable, m.id, m.key, now_(), window);
}

Expected<Json> Service::export_log(const Member& m, std::string_view id) const {
  const MeetingRecord* r = visible(m, id);
  if (!r) return not_found();
  const auto& st = r->durable;
  Json members = Json::array();
  for (const auto& [_, mem] : directory_.members)
    if (st.has_party(mem.party)) members.push_back(negotiation::member_to_json(mem));
  Json acts = Json::array();
  for (std::size_t i = 0; i < r->durable_len; ++i) acts.push_back(r->acts[i].envelope());
  return Json{{"type", negotiation::kExportType}, {"meeting", st.id},
              {"exported_at", format_utc(now_())},
              {"parties", {party_json(st.parties[0]), party_json(st.parties[1])}},
              {"members", members}, {"acts", acts}};
}

// ---------------------------------------------------------------- writes

void Service::refuse(const Error& e, std::string_view kind) {
  metrics_.inc("parley_acts_refused_total", {{"kind", std::string(kind)}, {"code", e.code}});
}

Status Service::check_predecessor(const negotiation::MeetingState& m, const SignedAct& sa) const {
  const Json* value = nullptr;
  if (sa.act.kind == Kind::create && sa.act.body["proposals"].contains("predecessor"))
    value = &sa.act.body["proposals"]["predecessor"];
  if (sa.act.kind == Kind::propose && sa.act.body["param"] == "predecessor") value = &sa.act.body["value"];
  if (!value || value->is_null()) return ok_status();
  auto parties = sa.act.kind == Kind::create
                     ? std::array<std::string, 2>{directory_.find_member(sa.act.author)->party,
                                                  sa.act.body["counterparty"].get<std::string>()}
                     : m.parties;
  auto it = meetings_.find(value->get<std::string>());
  // The same answer whether the meeting does not exist or is not shared by
  // both parties: no probing of other parties' meetings through this field.
  if (it == meetings_.end() || it->second.durable_len == 0 || it->first == sa.act.meeting ||
      !it->second.durable.has_party(parties[0]) || !it->second.durable.has_party(parties[1]))
    return make_error("invalid_predecessor", "the predecessor must be an earlier meeting of the same two parties");
  return ok_status();
}

void Service::submit_act(const Member& member, const Json& envelope, Reply done) {
  auto sa = negotiation::parse_signed_act(envelope);
  if (!sa) {
    refuse(sa.error(), "unknown");
    return done(sa.error());
  }
  std::string kind(negotiation::kind_name(sa->act.kind));
  auto fail = [&](const Error& e) {
    refuse(e, kind);
    done(e);
  };
  if (sa->act.author != member.id)
    return fail(make_error("author_mismatch", "acts must be authored by the signed-in member"));
  MeetingRecord* rec = nullptr;
  if (auto it = meetings_.find(sa->act.meeting); it != meetings_.end()) rec = &it->second;
  if (sa->act.kind != Kind::create) {
    // Embargo: not a party (or not created) means not found, whatever the act.
    if (!rec || rec->acts.empty() || !rec->tip.has_party(member.party)) return fail(not_found());
  } else if (rec && !rec->acts.empty()) {
    if (!rec->tip.has_party(member.party)) return fail(not_found());
    return fail(make_error("meeting_exists", "a meeting with this id already exists"));
  }
  auto now = now_();
  auto skew = sa->act.at > now ? sa->act.at - now : now - sa->act.at;
  if (skew > cfg_.max_clock_skew)
    return fail(make_error("clock_skew", "the act's time is more than " +
                                             std::to_string(cfg_.max_clock_skew.count()) +
                                             " s from the server's clock (" + format_utc(now) + ")"));
  if (auto s = negotiation::verify_act_signature(*sa, directory_); !s) return fail(s.error());
  static const negotiation::MeetingState kEmpty;
  const auto& tip = rec ? rec->tip : kEmpty;
  if (auto s = negotiation::check_act(tip, *sa, directory_); !s) {
    // Refused because the meeting moved on while acts it lost against are
    // still being committed: answer once they are durable, so that the
    // state the refusal carries (and the client then shows) includes them.
    // Readers never see a pending act; this waits for it instead.
    if (rec && rec->durable_len < rec->acts.size()) {
      Error e = s.error();
      refuse(e, kind);
      writer_->submit({}, [done = std::move(done), e](Status) { done(e); });
      return;
    }
    return fail(s.error());
  }
  if (auto s = check_predecessor(tip, *sa); !s) return fail(s.error());
  if (auto s = check_predecessor_status(tip, *sa); !s) return fail(s.error());

  if (!rec) rec = &meetings_[sa->act.meeting];
  negotiation::apply_act(rec->tip, *sa, directory_);
  std::size_t index = rec->acts.size();
  store::ActRow row{sa->act.meeting, static_cast<std::int64_t>(index + 1),
                    json::canonicalize(sa->envelope()), now};
  rec->acts.push_back(std::move(*sa));
  rec->received.push_back(now);
  std::string meeting = row.meeting;
  writer_->submit({std::move(row)}, [this, meeting, index, kind, member, done = std::move(done)](Status s) {
    commit_act(meeting, index, s);
    if (!s) {
      refuse(s.error(), kind);
      return done(s.error());
    }
    metrics_.inc("parley_acts_accepted_total", {{"kind", kind}});
    done(meeting_view(meetings_.at(meeting), false));
  });
}

void Service::commit_act(const std::string& meeting, std::size_t index, Status status) {
  auto it = meetings_.find(meeting);
  if (it == meetings_.end()) return;  // dropped by an earlier failed commit
  auto& r = it->second;
  if (!status) {
    // Drop this act and everything validated on top of it.
    if (index < r.acts.size()) {
      r.acts.resize(r.durable_len);
      r.received.resize(r.durable_len);
      r.tip = r.durable;
    }
    if (r.acts.empty()) meetings_.erase(meeting);
    return;
  }
  // Commits complete in submission order, so `index` is the next durable act
  // (the store refuses an act whose predecessor is missing).
  if (index != r.durable_len || index >= r.acts.size()) return;
  negotiation::apply_act(r.durable, r.acts[index], directory_);
  r.tree.append(as_bytes(json::canonicalize(r.acts[index].envelope())));
  r.durable_len = index + 1;
  publish(meeting, r.acts[index], r);
}

void Service::publish(const std::string& meeting, const SignedAct& act, const MeetingRecord& r) {
  if (subscriptions_.empty()) return;
  notify(meeting, r,
         Json{{"type", "act"}, {"meeting", meeting}, {"seq", r.durable_len},
              {"envelope", act.envelope()}, {"status", status_name(r.durable.status(now_()))},
              {"head", r.durable.head}});
}

void Service::notify(const std::string& meeting, const MeetingRecord& r, const Json& event) {
  // Copy the listeners first: a listener may unsubscribe while we iterate.
  std::vector<Listener> targets;
  for (const auto& [_, sub] : subscriptions_)
    if (sub.meeting == meeting && r.durable.has_party(sub.party)) targets.push_back(sub.listener);
  for (auto& l : targets) l(event);
}

Expected<std::uint64_t> Service::subscribe(const Member& m, std::string_view meeting, Listener listener) {
  if (!visible(m, meeting)) return not_found();
  auto id = next_subscription_++;
  subscriptions_[id] = Subscription{std::string(meeting), m.party, std::move(listener)};
  return id;
}

void Service::unsubscribe(std::uint64_t id) { subscriptions_.erase(id); }

}  // namespace parley::service
