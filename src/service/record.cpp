// The record of the talks on the server (docs/record.md §Checkpoints of a
// meeting, §Routes, §The exported record, §Excerpts): the log key, the
// checkpoints the server signs over each meeting's Merkle tree, the parties'
// cosignatures, the exported record, excerpts and the public publications.
//
// The rules of the entries themselves are negotiation/record.h's; the tree,
// proofs and notes are tlog's. What is decided here is only what needs the
// server's own state: its key, the cosignatures it holds, and other meetings
// (a predecessor's assurances).

#include "record/record.h"

#include <algorithm>

#include "service/service.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/text.h"

namespace parley::service {

using negotiation::Kind;
using negotiation::SignedAct;

namespace {

constexpr std::string_view kLogKeySetting = "log_key";
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // "— ", signed-note
// A note carries at most NoteLimits::max_signatures lines (64), one of them
// the server's: more cosigners than that could not be shown in one note.
constexpr std::size_t kMaxCosigners = tlog::NoteLimits{}.max_signatures - 1;

Error not_found() {
  return make_error("not_found", "no such resource");
}

std::string hex(const tlog::Hash& h) {
  return hex_encode(h);
}

Json hex_list(const std::vector<tlog::Hash>& hashes) {
  Json out = Json::array();
  for (const auto& h : hashes) out.push_back(hex(h));
  return out;
}

// The key a member signs with: the one on the signed roster, else (a
// negotiator who signed the terms without being on the roster) the
// registered one, which signed their `sign` act.
std::optional<crypto::PublicKey> cosigner_key(const negotiation::MeetingState& m,
                                              const negotiation::Directory& dir,
                                              std::string_view member) {
  if (auto it = m.record.roster.find(member); it != m.record.roster.end())
    return crypto::parse_public_key(it->second.key);
  if (const auto* mem = dir.find_member(member)) return mem->key;
  return std::nullopt;
}

std::string line_prefix(const std::string& origin, std::string_view member) {
  return std::string(kSignaturePrefix) + record::cosigner_key_name(origin, member) + " ";
}

}  // namespace

// ---------------------------------------------------------------- start-up

Status Service::load_log_key(const std::vector<store::SettingRow>& settings) {
  for (const auto& s : settings) {
    if (s.name != kLogKeySetting) continue;
    auto seed = base64url_decode(s.value);
    auto key = seed ? crypto::SecretKey::from_seed(*seed) : std::nullopt;
    if (!key) return make_error("store_corrupt", "the stored log key is not an Ed25519 seed");
    log_key_ = std::move(*key);
    return ok_status();
  }
  // First start: make the key and make it durable before any checkpoint is
  // signed with it, so that a restart never signs with another one.
  auto key = crypto::SecretKey::generate();
  store::SettingRow row{std::string(kLogKeySetting), base64url_encode(key.seed())};
  if (auto s = store_->commit(std::vector<store::Mutation>{row}); !s) return s;
  log_key_ = std::move(key);
  return ok_status();
}

Status Service::load_cosignatures(std::vector<store::CosignatureRow>& rows) {
  // The lines themselves are checked when served (their key names depend on
  // the public URL, known only once the server listens); here only that they
  // name a member and a size the log has.
  for (auto& row : rows) {
    auto it = meetings_.find(row.meeting);
    if (it == meetings_.end() || row.size < 1 ||
        static_cast<std::size_t>(row.size) > it->second.durable_len ||
        !directory_.find_member(row.member) || !row.line.starts_with(kSignaturePrefix))
      return make_error("store_corrupt", "a cosignature of meeting " + row.meeting + " at size " +
                                             std::to_string(row.size) +
                                             " names no stored act or member");
    it->second.cosignatures[row.size][row.member] = std::move(row.line);
  }
  return ok_status();
}

// ---------------------------------------------------------------- checkpoints

Expected<std::string> Service::origin(std::string_view id) const {
  return record::origin_for(cfg_.public_url, id);
}

std::map<std::string, std::string> Service::cosigners_at(const MeetingRecord& r,
                                                         const std::string& origin,
                                                         std::int64_t size) const {
  std::map<std::string, std::string> out;
  auto it = r.cosignatures.find(size);
  if (it == r.cosignatures.end()) return out;
  // A line stored under another origin (the public URL changed) signs other
  // text: it is not a cosignature of these checkpoints.
  // Cosigners committing at once could pass the count in cosign() together:
  // a served note never carries more lines than one note may.
  for (const auto& [member, line] : it->second)
    if (out.size() < kMaxCosigners && line.starts_with(line_prefix(origin, member)) &&
        negotiation::cosigner_party(r.durable, member))
      out.emplace(member, line);
  return out;
}

Expected<std::string> Service::checkpoint_note(const MeetingRecord& r, const std::string& origin,
                                               std::int64_t size) const {
  auto root = r.tree.root(static_cast<std::uint64_t>(size));
  if (!root) return root.error();
  tlog::Checkpoint c{origin, static_cast<std::uint64_t>(size), *root, {}};
  auto note = tlog::sign_checkpoint(c, origin, *log_key_);
  if (!note) return note.error();
  for (const auto& [_, line] : cosigners_at(r, origin, size)) *note += line + "\n";
  return note;
}

std::set<std::string> Service::cosigning_parties(const MeetingRecord& r, const std::string& origin,
                                                 std::int64_t size) const {
  std::set<std::string> parties;
  for (const auto& [member, _] : cosigners_at(r, origin, size))
    if (auto party = negotiation::cosigner_party(r.durable, member)) parties.insert(*party);
  return parties;
}

bool Service::is_final(const MeetingRecord& r, const std::string& origin) const {
  for (const auto& [size, _] : r.cosignatures)
    if (cosigning_parties(r, origin, size).size() == 2 &&
        negotiation::closed_at(r.durable.record, size))
      return true;
  return false;
}

std::int64_t Service::excerpt_size(const MeetingRecord& r, const std::string& origin,
                                   std::int64_t min_size) const {
  // The latest checkpoint both parties cosigned, else the latest one party
  // cosigned (an excerpt verifies against it and says so), else the log's.
  std::int64_t one_party = 0;
  for (auto it = r.cosignatures.rbegin(); it != r.cosignatures.rend() && it->first >= min_size;
       ++it) {
    auto parties = cosigning_parties(r, origin, it->first).size();
    if (parties == 2) return it->first;
    if (parties == 1 && one_party == 0) one_party = it->first;
  }
  return one_party ? one_party : static_cast<std::int64_t>(r.durable_len);
}

Expected<Json> Service::checkpoint(const Member& m, std::string_view id,
                                   std::optional<std::int64_t> from) const {
  const MeetingRecord* r = visible(m, id);
  if (!r) return not_found();
  auto size = static_cast<std::int64_t>(r->durable_len);
  if (from && (*from < 1 || *from > size))
    return make_error("invalid_field",
                      "from must be a checkpoint size from 1 to " + std::to_string(size));
  auto o = origin(id);
  if (!o) return o.error();
  auto note = checkpoint_note(*r, *o, size);
  if (!note) return note.error();
  Json consistency = Json::array();
  if (from) {
    auto proof = r->tree.consistency_proof(static_cast<std::uint64_t>(*from),
                                           static_cast<std::uint64_t>(size));
    if (!proof) return proof.error();
    consistency = hex_list(*proof);
  }
  return Json{{"checkpoint", *note},
              {"size", size},
              {"root", hex(r->tree.root())},
              {"consistency", consistency}};
}

void Service::cosign(const Member& m, std::string_view id, const Json& body, Reply done) {
  if (!visible(m, id)) return done(not_found());
  MeetingRecord& r = meetings_.find(id)->second;
  if (auto s = negotiation::require_fields(body, {"checkpoint"}, {}, "cosignature"); !s)
    return done(s.error());
  if (!body["checkpoint"].is_string())
    return done(make_error("invalid_field", "checkpoint must be the text of a signed note"));
  auto note = tlog::SignedNote::parse(body["checkpoint"].get_ref<const std::string&>());
  if (!note)
    return done(make_error("invalid_field",
                           "checkpoint: " + note.error().message + " [" + note.error().code + "]"));
  auto cp = tlog::parse_checkpoint(note->text());
  if (!cp)
    return done(make_error("invalid_field",
                           "checkpoint: " + cp.error().message + " [" + cp.error().code + "]"));
  auto o = origin(id);
  if (!o) return done(o.error());
  // The text must be exactly one the server issues: its origin, a size the
  // durable log has, that size's root, and no extension lines.
  const auto size = static_cast<std::int64_t>(cp->size);
  bool issued =
      cp->origin == *o && cp->size >= 1 && cp->size <= r.tree.size() && cp->extensions.empty();
  if (issued) {
    auto root = r.tree.root(cp->size);
    issued = root && *root == cp->root;
  }
  if (!issued)
    return done(make_error("checkpoint_mismatch",
                           "not a checkpoint of this meeting's log: the server's log of " +
                               std::string(id) + " at size " + std::to_string(cp->size) +
                               " has another origin or root"));
  // Before the announcement the terms (and with them the roster that says
  // who may cosign) can still change: a cosignature then could be judged by
  // a roster that no longer names its signer.
  if (!r.durable.agreed_at || !r.durable.announced_by(now_()))
    return done(make_error("not_announced",
                           "checkpoints are cosigned once the meeting is agreed and announced"));
  auto party = negotiation::cosigner_party(r.durable, m.id);
  if (!party)
    return done(
        make_error("role_not_allowed",
                   "a checkpoint is cosigned by a principal or rapporteur on the roster, or by a "
                   "negotiator who signed the terms"));
  const std::string name = record::cosigner_key_name(*o, m.id);
  auto key = cosigner_key(r.durable, directory_, m.id);
  if (!key)
    return done(make_error("bad_signature", "no key to check " + m.id + "'s signature with"));
  auto verifier = tlog::NoteVerifier::ed25519(name, *key);
  if (!verifier) return done(verifier.error());
  if (auto s = note->verify(*verifier); !s)
    return done(
        make_error("bad_signature", "the cosignature line of " + name + ": " + s.error().message));
  // Only the member's own line is kept; the others in the note are ignored.
  std::string line;
  for (const auto& sig : note->signatures()) {
    if (sig.key_name != name || sig.key_id != verifier->key_id) continue;
    Bytes raw{static_cast<std::uint8_t>(sig.key_id >> 24),
              static_cast<std::uint8_t>(sig.key_id >> 16),
              static_cast<std::uint8_t>(sig.key_id >> 8), static_cast<std::uint8_t>(sig.key_id)};
    raw.insert(raw.end(), sig.signature.begin(), sig.signature.end());
    line = std::string(kSignaturePrefix) + name + " " + tlog::base64_encode(raw);
    break;
  }
  auto held = cosigners_at(r, *o, size);
  std::string meeting(id);
  auto answer = [this, meeting, size](const std::string& origin) -> Expected<Json> {
    const auto& rec = meetings_.at(meeting);
    auto merged = checkpoint_note(rec, origin, size);
    if (!merged) return merged.error();
    return Json{{"checkpoint", *merged}, {"final", is_final(rec, origin)}};
  };
  if (auto it = held.find(m.id); it != held.end() && it->second == line) return done(answer(*o));
  if (!held.count(m.id) && held.size() >= kMaxCosigners)
    return done(make_error("conflict", "this checkpoint already carries " +
                                           std::to_string(kMaxCosigners) +
                                           " cosignatures, as many as one note can"));
  store::CosignatureRow row{meeting, size, m.id, line, now_()};
  writer_->submit(
      {row}, [this, row, party = *party, origin = *o, answer, done = std::move(done)](Status s) {
        if (!s) return done(s.error());
        auto it = meetings_.find(row.meeting);
        if (it == meetings_.end()) return done(make_error("internal", "the meeting is gone"));
        it->second.cosignatures[row.size][row.member] = row.line;
        notify(row.meeting, it->second,
               Json{{"type", "cosignature"},
                    {"meeting", row.meeting},
                    {"size", row.size},
                    {"member", row.member},
                    {"party", party}});
        done(answer(origin));
      });
}

// ---------------------------------------------------------------- exports

Expected<Json> Service::record(const Member& m, std::string_view id) const {
  const MeetingRecord* r = visible(m, id);
  if (!r) return not_found();
  auto o = origin(id);
  if (!o) return o.error();
  // The export's parties, members and acts, with the checkpoints.
  auto doc = export_log(m, id);
  if (!doc) return doc.error();
  // Every size that holds a cosignature, then the current one, each with the
  // consistency proof from the one before.
  std::vector<std::int64_t> sizes;
  for (const auto& [size, _] : r->cosignatures)
    if (!cosigners_at(*r, *o, size).empty()) sizes.push_back(size);
  const auto current = static_cast<std::int64_t>(r->durable_len);
  if (sizes.empty() || sizes.back() != current) sizes.push_back(current);
  Json checkpoints = Json::array();
  std::int64_t previous = 0;
  for (auto size : sizes) {
    auto note = checkpoint_note(*r, *o, size);
    if (!note) return note.error();
    Json consistency = Json::array();
    if (previous > 0) {
      auto proof = r->tree.consistency_proof(static_cast<std::uint64_t>(previous),
                                             static_cast<std::uint64_t>(size));
      if (!proof) return proof.error();
      consistency = hex_list(*proof);
    }
    checkpoints.push_back({{"note", *note}, {"consistency", consistency}});
    previous = size;
  }
  (*doc)["type"] = record::kRecordType;
  (*doc)["origin"] = *o;
  (*doc)["log_key"] = base64url_encode(log_key_->public_key());
  (*doc)["checkpoints"] = std::move(checkpoints);
  (*doc)["final"] = is_final(*r, *o);
  return doc;
}

Expected<Json> Service::excerpt_of(const MeetingRecord& r, std::vector<std::size_t> indices) const {
  const auto& st = r.durable;
  auto o = origin(st.id);
  if (!o) return o.error();
  std::sort(indices.begin(), indices.end());
  auto size = excerpt_size(r, *o, static_cast<std::int64_t>(indices.back()) + 1);
  auto note = checkpoint_note(r, *o, size);
  if (!note) return note.error();
  std::set<std::string> signers;
  Json entries = Json::array();
  for (auto i : indices) {
    auto proof = r.tree.inclusion_proof(i, static_cast<std::uint64_t>(size));
    if (!proof) return proof.error();
    entries.push_back(
        {{"envelope", r.acts[i].envelope()}, {"index", i}, {"proof", hex_list(*proof)}});
    signers.insert(r.acts[i].act.author);
  }
  for (const auto& [member, _] : cosigners_at(r, *o, size)) signers.insert(member);
  Json members = Json::array();
  for (const auto& id : signers)
    if (const auto* mem = directory_.find_member(id))
      members.push_back(negotiation::member_to_json(*mem));
  return Json{{"type", record::kExcerptType},
              {"meeting", st.id},
              {"origin", *o},
              {"parties", {party_json(st.parties[0]), party_json(st.parties[1])}},
              {"members", members},
              {"entries", entries},
              {"checkpoint", *note}};
}

namespace {

// The position of a durable act by hash, if any.
std::optional<std::size_t> index_of(const negotiation::MeetingState& st, std::string_view hash) {
  auto it = std::find(st.hashes.begin(), st.hashes.end(), hash);
  if (it == st.hashes.end()) return std::nullopt;
  return static_cast<std::size_t>(it - st.hashes.begin());
}

// A joint statement and its countersignature prove each other: an excerpt of
// either holds both (docs/record.md §Excerpts).
std::vector<std::size_t> excerpt_indices(const negotiation::MeetingState& st, std::size_t index) {
  std::vector<std::size_t> out{index};
  const auto& rec = st.record;
  auto e = rec.entries.find(st.hashes[index]);
  if (e == rec.entries.end()) return out;
  std::string other;
  if (e->second.kind == Kind::joint_statement)
    other = rec.joint.count(e->first) ? rec.joint.at(e->first) : "";
  if (e->second.kind == Kind::countersign) other = e->second.body["statement"].get<std::string>();
  if (!other.empty())
    if (auto i = index_of(st, other)) out.push_back(*i);
  return out;
}

}  // namespace

Expected<Json> Service::excerpt(const Member& m, std::string_view id, std::string_view hash) const {
  const MeetingRecord* r = visible(m, id);
  if (!r) return not_found();
  auto index = index_of(r->durable, hash);
  if (!index)
    return make_error("not_found", "this meeting's log has no act with hash " + std::string(hash));
  return excerpt_of(*r, excerpt_indices(r->durable, *index));
}

Expected<Json> Service::publications(std::string_view id) const {
  auto it = meetings_.find(id);
  if (it == meetings_.end() || it->second.durable_len == 0 ||
      !it->second.durable.announced_by(now_()))
    return not_found();
  const MeetingRecord& r = it->second;
  const auto& rec = r.durable.record;
  Json items = Json::array();
  for (const auto& hash : rec.order) {
    const auto& e = rec.entries.at(hash);
    Json item = {{"kind", std::string(negotiation::kind_name(e.kind))},
                 {"hash", hash},
                 {"seq", e.seq},
                 {"party", e.party},
                 {"author", e.author},
                 {"at", format_utc(e.at)}};
    if (e.kind == Kind::readout) {
      item["text"] = e.body["text"];
    } else if (e.kind == Kind::correction) {
      // Each correction of a readout is published as it was signed; the
      // latest gives the readout's current text.
      auto target = rec.entries.find(e.body["entry"].get<std::string>());
      if (target == rec.entries.end() || target->second.kind != Kind::readout) continue;
      item["text"] = e.body["text"];
      item["reason"] = e.body["reason"];
      item["corrects"] = target->first;
    } else if (e.kind == Kind::joint_statement) {
      auto j = rec.joint.find(hash);
      if (j == rec.joint.end() || j->second.empty()) continue;  // published once countersigned
      item["text"] = e.body["text"];
      item["countersign"] = j->second;
    } else {
      continue;
    }
    auto ex = excerpt_of(r, excerpt_indices(r.durable, static_cast<std::size_t>(e.seq - 1)));
    if (!ex) return ex.error();
    item["excerpt"] = std::move(*ex);
    items.push_back(std::move(item));
  }
  return Json{{"meeting", std::string(id)}, {"publications", items}};
}

Expected<Json> Service::publication_excerpt(std::string_view id, std::string_view hash) const {
  auto all = publications(id);
  if (!all) return all.error();
  for (const auto& item : (*all)["publications"])
    if (item["hash"] == hash) return item["excerpt"];
  return make_error("not_found", "no published text of this meeting has hash " + std::string(hash));
}

// ---------------------------------------------------------------- views

Json Service::record_view(const MeetingRecord& r) const {
  const auto& rec = r.durable.record;
  Json sessions = Json::array();
  for (const auto& s : rec.sessions)
    sessions.push_back(
        {{"open_seq", s.open.seq}, {"close_seq", s.close ? Json(s.close->seq) : Json(nullptr)}});
  Json cosigned = Json::object();
  for (const auto& party : r.durable.parties) cosigned[party] = 0;
  bool final = false;
  if (auto o = origin(r.durable.id); o && log_key_) {
    for (const auto& [size, _] : r.cosignatures)
      for (const auto& party : cosigning_parties(r, *o, size))
        cosigned[party] = size;  // ascending sizes
    final = is_final(r, *o);
  }
  return Json{{"entries", rec.order.size()}, {"session_open", rec.session_open()},
              {"sessions", sessions},        {"checkpoint_size", r.durable_len},
              {"cosigned", cosigned},        {"final", final}};
}

Json Service::predecessor_assurances(const MeetingRecord& r, const std::string& predecessor) const {
  Json out = Json::array();
  auto it = meetings_.find(predecessor);
  if (it == meetings_.end() || it->second.durable_len == 0) return out;
  const auto& pred = it->second.durable.record;
  const auto& here = r.durable.record;
  for (const auto& hash : pred.order) {
    auto a = pred.assurances.find(hash);
    if (a == pred.assurances.end()) continue;
    const auto& e = pred.entries.at(hash);
    struct Mark {
      Seconds at;
      Json json;
    };
    std::vector<Mark> marks;
    for (const auto& s : a->second.statuses)
      marks.push_back({s.at,
                       {{"status", std::string(negotiation::assurance_status_name(s.status))},
                        {"meeting", predecessor},
                        {"author", s.author},
                        {"at", format_utc(s.at)},
                        {"entry", s.entry}}});
    for (const auto& h : here.predecessor_statuses) {
      const auto& s = here.entries.at(h);
      if (s.body["assurance"] != hash) continue;
      marks.push_back({s.at,
                       {{"status", s.body["status"]},
                        {"meeting", r.durable.id},
                        {"author", s.author},
                        {"at", format_utc(s.at)},
                        {"entry", h}}});
    }
    std::stable_sort(marks.begin(), marks.end(),
                     [](const Mark& x, const Mark& y) { return x.at < y.at; });
    Json statuses = Json::array();
    for (auto& mk : marks) statuses.push_back(std::move(mk.json));
    out.push_back({{"hash", hash},
                   {"seq", e.seq},
                   {"giver", a->second.giver},
                   {"to", a->second.to},
                   {"text", e.body["text"]},
                   {"scope", e.body["scope"]},
                   {"until", e.body["until"]},
                   {"acknowledged", !a->second.acknowledgement.empty()},
                   {"statuses", statuses}});
  }
  return out;
}

// ---------------------------------------------------------------- writes

Status Service::check_predecessor_status(const negotiation::MeetingState& tip,
                                         const SignedAct& sa) const {
  // negotiation::check_act has already made sure that a status naming
  // another meeting names the predecessor of the signed terms, which is a
  // meeting of the same two parties (check_predecessor): no embargo to keep.
  if (sa.act.kind != Kind::assurance_status || sa.act.body["meeting"] == sa.act.meeting)
    return ok_status();
  const auto& pred_id = sa.act.body["meeting"].get_ref<const std::string&>();
  auto it = meetings_.find(pred_id);
  if (it == meetings_.end() || it->second.durable_len == 0)
    return make_error("unknown_entry", "the predecessor " + pred_id + " has no log on this server");
  return negotiation::check_predecessor_status(it->second.durable, sa.act.body,
                                               tip.record.roster.at(sa.act.author));
}

}  // namespace parley::service
