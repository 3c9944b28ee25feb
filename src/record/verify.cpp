#include "record/verify.h"

#include "common/encoding.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle_tree.h"
#include "tlog/proof.h"

namespace parley::record {

namespace {

using negotiation::Kind;
using negotiation::MeetingState;
using negotiation::SignedAct;

Error at_checkpoint(std::size_t n, const Error& e) {
  return make_error(e.code, "checkpoint " + std::to_string(n) + ": " + e.message + " [" + e.code + "]");
}

Expected<std::vector<tlog::Hash>> parse_path(const json::Json& j, std::string_view what) {
  auto bad = make_error("invalid_field", std::string(what) + " must be a list of at most 64 hex SHA-256 hashes");
  if (!j.is_array() || j.size() > 64) return bad;
  std::vector<tlog::Hash> out;
  out.reserve(j.size());
  for (const auto& h : j) {
    auto bytes = h.is_string() && h.get_ref<const std::string&>().size() == 64
                     ? hex_decode(h.get_ref<const std::string&>())
                     : std::nullopt;
    if (!bytes) return bad;
    tlog::Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    out.push_back(hash);
  }
  return out;
}

std::string key_text(const negotiation::Member& m) { return base64url_encode(m.key); }

// The key a cosigner signs with: their roster key (or, for a terms signer
// not on the roster, their listed key).
std::string cosigner_key(const MeetingState& st, const negotiation::MapDirectory& dir, const std::string& member) {
  auto r = st.record.roster.find(member);
  if (r != st.record.roster.end()) return r->second.key;
  const auto* m = dir.find_member(member);
  return m ? key_text(*m) : "";
}

// Verifies the cosignature lines of a checkpoint note whose cosigners are
// known through `party_of` and `key_of`; lines of unknown key names are
// ignored (the spec keeps them), lines of the log checked with `log_key`.
struct NoteCheck {
  std::string origin;
  std::optional<crypto::PublicKey> log_key;
  std::function<std::optional<std::string>(const std::string&)> party_of;
  std::function<std::string(const std::string&)> key_of;
};

Expected<CheckpointResult> open_note(const std::string& text, const NoteCheck& check) {
  auto note = tlog::SignedNote::parse(text);
  if (!note) return note.error();
  auto cp = tlog::parse_checkpoint(note->text());
  if (!cp) return cp.error();
  if (cp->origin != check.origin)
    return make_error("tlog_wrong_origin", "the checkpoint is of " + cp->origin + ", not " + check.origin);
  CheckpointResult out;
  out.size = cp->size;
  out.root = cp->root;
  std::set<std::string> seen;
  for (const auto& sig : note->signatures()) {
    if (!seen.insert(sig.key_name).second) continue;  // verify() checks every line of a key at once
    if (sig.key_name == check.origin) {
      if (!check.log_key) continue;
      auto v = tlog::NoteVerifier::ed25519(check.origin, *check.log_key);
      if (!v) return v.error();
      if (auto s = note->verify(*v); !s) return make_error(s.error().code, "the log's signature: " + s.error().message);
      out.log_signed = true;
      continue;
    }
    auto member = cosigner_of(sig.key_name, check.origin);
    if (member.empty()) continue;
    auto party = check.party_of(member);
    if (!party) return make_error("checkpoint_cosigner", member + " may not cosign for a party of this meeting");
    auto key = crypto::parse_public_key(check.key_of(member));
    if (!key) return make_error("checkpoint_cosigner", "no key for cosigner " + member);
    auto v = tlog::NoteVerifier::ed25519(sig.key_name, *key);
    if (!v) return v.error();
    if (auto s = note->verify(*v); !s)
      return make_error(s.error().code == "tlog_unsigned" ? "tlog_bad_signature" : s.error().code,
                        "the cosignature of " + member + " is not by their key on the roster");
    out.cosigners.push_back(member);
    out.parties.insert(*party);
  }
  return out;
}

// "<host>/meeting/<meeting>", a valid key name (docs/record.md §Checkpoints of a meeting).
Status check_origin(const std::string& origin, const std::string& meeting) {
  std::string suffix = "/meeting/" + meeting;
  auto prefix = origin.substr(0, origin.size() - std::min(origin.size(), meeting.size()));
  if (origin.size() <= suffix.size() || !origin.ends_with(suffix) || !tlog::meeting_origin(meeting, prefix))
    return make_error("invalid_field", "origin must be <host>/meeting/" + meeting);
  return ok_status();
}

Status check_trust(const negotiation::VerifiedLog& log, const Trust& trust) {
  const auto& st = log.state;
  if (trust.empty())
    return make_error("no_trust", "give the parties' keys (--trust FILE or --party-key PARTY=KEY): keys taken "
                                  "from the record itself prove nothing");
  if (st.signatures.size() != 2 || !st.agreed_at)
    return make_error("not_agreed", "the record's terms are not signed by both parties");
  for (const auto& party : st.parties) {
    const auto& sig = st.signatures.at(party);
    const auto* m = log.directory.find_member(sig.member);
    if (!m || !trust.trusts(party, key_text(*m)))
      return make_error("untrusted_key", "the terms were signed for " + party + " by " + sig.member +
                                             " with a key the trust does not give for " + party);
  }
  return ok_status();
}

}  // namespace

Expected<VerifiedRecord> verify_record(const json::Json& doc, const VerifyOptions& options) {
  if (auto s = negotiation::require_fields(doc, {"type", "meeting", "exported_at", "origin", "log_key", "parties",
                                                 "members", "acts", "checkpoints", "final"},
                                           {}, "record");
      !s)
    return s.error();
  if (doc["type"] != kRecordType) return make_error("invalid_field", "not a parley.record/1 document");
  if (!doc["origin"].is_string() || !doc["log_key"].is_string() || !doc["checkpoints"].is_array() ||
      !doc["final"].is_boolean())
    return make_error("invalid_field", "record fields have the wrong types");
  auto log_key = crypto::parse_public_key(doc["log_key"].get<std::string>());
  if (!log_key) return make_error("invalid_field", "log_key is not a base64url Ed25519 public key");

  VerifiedRecord out;
  tlog::MerkleTree tree;
  auto log = negotiation::verify_acts(doc, [&](const SignedAct&, const json::Json& envelope) {
    tree.append(as_bytes(json::canonicalize(envelope)));
  });
  if (!log) return log.error();
  out.log = std::move(*log);
  out.origin = doc["origin"].get<std::string>();
  out.log_key = doc["log_key"].get<std::string>();
  const auto& st = out.log.state;
  if (auto s = check_origin(out.origin, out.log.meeting); !s) return s.error();
  if (auto s = check_trust(out.log, options.trust); !s) return s.error();

  NoteCheck check{out.origin, *log_key,
                  [&](const std::string& m) { return negotiation::cosigner_party(st, m); },
                  [&](const std::string& m) { return cosigner_key(st, out.log.directory, m); }};
  std::uint64_t prev_size = 0;
  tlog::Hash prev_root = tlog::empty_root();
  std::size_t n = 0;
  for (const auto& c : doc["checkpoints"]) {
    ++n;
    auto fail = [&](const Error& e) { return at_checkpoint(n, e); };
    if (auto s = negotiation::require_fields(c, {"note", "consistency"}, {}, "checkpoint"); !s) return fail(s.error());
    if (!c["note"].is_string()) return fail(make_error("invalid_field", "note must be the signed note's text"));
    auto cp = open_note(c["note"].get<std::string>(), check);
    if (!cp) return fail(cp.error());
    if (!cp->log_signed) return fail(make_error("tlog_unsigned", "not signed by the log's key"));
    if (cp->size <= prev_size || cp->size > tree.size())
      return fail(make_error("tlog_bad_size", "size " + std::to_string(cp->size) + " must grow from the previous "
                                              "checkpoint's and not exceed the " + std::to_string(tree.size()) + " acts"));
    if (cp->root != *tree.root(cp->size))
      return fail(make_error("tlog_root_mismatch", "its root is not the tree hash of the first " +
                                                       std::to_string(cp->size) + " acts"));
    auto path = parse_path(c["consistency"], "consistency");
    if (!path) return fail(path.error());
    if (auto ps = tlog::verify_consistency(prev_size, cp->size, prev_root, cp->root, *path); ps != tlog::ProofStatus::ok)
      return fail(make_error(tlog::proof_error(ps).code, "its consistency proof from size " +
                                                            std::to_string(prev_size) + " does not verify"));
    prev_size = cp->size;
    prev_root = cp->root;
    if (!out.final_checkpoint && cp->both_parties() &&
        negotiation::closed_at(st.record, static_cast<std::int64_t>(cp->size)))
      out.final_checkpoint = out.checkpoints.size();
    out.checkpoints.push_back(std::move(*cp));
  }
  if ((doc["final"].get<bool>() || options.require_final) && !out.final())
    return make_error("not_final", "the record is not final: no checkpoint cosigned by both parties covers a "
                                   "closed session" + std::string(doc["final"].get<bool>() ? ", though the file claims it" : ""));
  return out;
}

Status verify_series(std::span<const VerifiedRecord> records) {
  for (std::size_t i = 1; i < records.size(); ++i) {
    const auto& prev = records[i - 1].log.state;
    const auto& cur = records[i].log.state;
    auto fail = [&](std::string code, std::string m) {
      return make_error(code, "record " + std::to_string(i + 1) + ": " + m + " [" + code + "]");
    };
    if (cur.record.predecessor != prev.id)
      return fail("wrong_predecessor", cur.id + " names " + (cur.record.predecessor.empty() ? "no predecessor" : cur.record.predecessor) +
                                           ", not " + prev.id);
    for (const auto& hash : cur.record.predecessor_statuses) {
      const auto& e = cur.record.entries.at(hash);
      if (auto s = negotiation::check_predecessor_status(prev, e.body, cur.record.roster.at(e.author)); !s)
        return fail(s.error().code, "act " + std::to_string(e.seq) + ": " + s.error().message);
    }
  }
  return ok_status();
}

// ------------------------------------------------------------------ excerpts

Expected<VerifiedExcerpt> verify_excerpt(const json::Json& doc, const Trust& trust) {
  if (auto s = negotiation::require_fields(doc, {"type", "meeting", "origin", "parties", "members", "entries", "checkpoint"},
                                           {}, "excerpt");
      !s)
    return s.error();
  if (doc["type"] != kExcerptType) return make_error("invalid_field", "not a parley.excerpt/1 document");
  if (!doc["meeting"].is_string() || !doc["origin"].is_string() || !doc["parties"].is_array() ||
      doc["parties"].size() != 2 || !doc["members"].is_array() || !doc["entries"].is_array() ||
      doc["entries"].empty() || doc["entries"].size() > 16 || !doc["checkpoint"].is_string())
    return make_error("invalid_field", "excerpt fields have the wrong types");
  VerifiedExcerpt out;
  out.meeting = doc["meeting"].get<std::string>();
  out.origin = doc["origin"].get<std::string>();
  if (auto s = check_origin(out.origin, out.meeting); !s) return s.error();
  out.parties = doc["parties"];
  std::set<std::string> parties;
  for (const auto& p : doc["parties"]) {
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string())
      return make_error("invalid_field", "party entries need an id");
    parties.insert(p["id"].get<std::string>());
  }
  for (const auto& mj : doc["members"]) {
    auto m = negotiation::member_from_json(mj);
    if (!m) return m.error();
    if (!parties.count(m->party)) return make_error("invalid_field", "member " + m->id + " is of neither party");
    out.members.members.emplace(m->id, std::move(*m));
  }
  out.pinned = !trust.empty();
  auto trusted = [&](const negotiation::Member& m) { return trust.trusts(m.party, key_text(m)); };
  NoteCheck check{out.origin, std::nullopt,
                  [&](const std::string& id) -> std::optional<std::string> {
                    const auto* m = out.members.find_member(id);
                    if (!m) return std::nullopt;
                    return m->party;
                  },
                  [&](const std::string& id) { return key_text(*out.members.find_member(id)); }};
  auto cp = open_note(doc["checkpoint"].get<std::string>(), check);
  if (!cp) return at_checkpoint(1, cp.error());
  if (cp->parties.empty())
    return at_checkpoint(1, make_error("checkpoint_cosigner", "cosigned by neither party"));
  for (const auto& id : cp->cosigners)
    if (out.pinned && !trusted(*out.members.find_member(id)))
      return at_checkpoint(1, make_error("untrusted_key", "cosigner " + id + "'s key is not trusted for their party"));
  out.checkpoint = *cp;
  std::size_t n = 0;
  for (const auto& e : doc["entries"]) {
    ++n;
    auto fail = [&](const Error& err) {
      return make_error(err.code, "entry " + std::to_string(n) + ": " + err.message + " [" + err.code + "]");
    };
    if (auto s = negotiation::require_fields(e, {"envelope", "index", "proof"}, {}, "excerpt entry"); !s) return fail(s.error());
    auto sa = negotiation::parse_signed_act(e["envelope"]);
    if (!sa) return fail(sa.error());
    if (sa->act.meeting != out.meeting) return fail(make_error("wrong_meeting", "names another meeting"));
    if (auto s = negotiation::verify_act_signature(*sa, out.members); !s) return fail(s.error());
    if (out.pinned && !trusted(*out.members.find_member(sa->act.author)))
      return fail(make_error("untrusted_key", "the signer's key is not trusted for their party"));
    if (!e["index"].is_number_integer() || e["index"].get<std::int64_t>() < 0)
      return fail(make_error("invalid_field", "index must be a leaf index"));
    auto index = e["index"].get<std::uint64_t>();
    auto path = parse_path(e["proof"], "proof");
    if (!path) return fail(path.error());
    auto leaf = tlog::leaf_hash(as_bytes(json::canonicalize(e["envelope"])));
    if (auto ps = tlog::verify_inclusion(index, cp->size, leaf, *path, cp->root); ps != tlog::ProofStatus::ok)
      return fail(make_error(tlog::proof_error(ps).code, "its inclusion proof as entry " + std::to_string(index) +
                                                           " of the checkpoint's " + std::to_string(cp->size) +
                                                           " does not verify"));
    out.entries.push_back(std::move(*sa));
    out.indexes.push_back(index);
  }
  return out;
}

}  // namespace parley::record
