#include "negotiation/meeting.h"

#include "crypto/hash.h"

namespace parley::negotiation {

std::string_view status_name(MeetingStatus s) {
  static constexpr std::string_view kNames[] = {"negotiating", "agreed", "announced", "withdrawn"};
  return kNames[static_cast<int>(s)];
}

bool MeetingState::all_agreed() const {
  if (params.size() != kParameters.size()) return false;
  for (const auto& [_, p] : params)
    if (!p.agreed()) return false;
  return true;
}

std::optional<json::Json> MeetingState::terms() const {
  if (params.size() != kParameters.size()) return std::nullopt;
  json::Json t = {{"type", kTermsType}, {"meeting", id}, {"parties", parties}};
  for (const auto& [name, p] : params) t[name] = p.current().value;
  return t;
}

std::string MeetingState::terms_hash() const {
  auto t = terms();
  return t ? crypto::sha256_hex(json::canonicalize(*t)) : std::string();
}

std::optional<Seconds> MeetingState::announce_at() const {
  if (!agreed_at) return std::nullopt;
  const auto& publish = params.at("announcement").current().value["publish"];
  if (publish == "on_agreement") return agreed_at;
  auto t = *parse_utc(publish.get<std::string>());
  return std::max(t, *agreed_at);
}

bool MeetingState::announced_by(Seconds now) const {
  if (withdrawal) return withdrawal->after_announcement;
  auto t = announce_at();
  return t && now >= *t;
}

MeetingStatus MeetingState::status(Seconds now) const {
  if (withdrawal) return MeetingStatus::withdrawn;
  if (announced_by(now)) return MeetingStatus::announced;
  if (agreed_at) return MeetingStatus::agreed;
  return MeetingStatus::negotiating;
}

namespace {

Status check_create(const MeetingState& m, const SignedAct& sa, const Member& author,
                    const Directory& dir) {
  const Act& a = sa.act;
  if (m.length != 0) return make_error("meeting_exists", "a meeting with this id already exists");
  if (a.base != 0) return make_error("invalid_field", "create must build on nothing (base 0)");
  if (a.meeting.size() < 8 || a.meeting.size() > 64)
    return make_error("invalid_field", "meeting ids are 8 to 64 characters");
  for (char c : a.meeting)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      return make_error("invalid_field", "meeting ids use letters, digits, '_' and '-'");
  if (auto s = require_fields(a.body, {"counterparty", "proposals"}, {}, "create body"); !s)
    return s.error();
  if (!a.body["counterparty"].is_string())
    return make_error("invalid_field", "counterparty must be a party id");
  auto other = a.body["counterparty"].get<std::string>();
  if (other == author.party) return make_error("invalid_field", "the counterparty is your own party");
  if (!dir.party_exists(other)) return make_error("unknown_party", "no party " + other);
  const auto& props = a.body["proposals"];
  if (!props.is_object()) return make_error("invalid_field", "proposals must be an object");
  if (!props.contains("title")) return make_error("missing_field", "the opening proposals need a title");
  ParamContext ctx{{author.party, other}, a.at, &dir};
  for (const auto& [name, value] : props.items()) {
    if (!is_parameter(name)) return make_error("unknown_parameter", "no parameter named \"" + name + "\"");
    if (auto s = validate_parameter(name, value, ctx); !s) return s;
  }
  return ok_status();
}

}  // namespace

Status check_act(const MeetingState& m, const SignedAct& sa, const Directory& dir) {
  const Act& a = sa.act;
  const Member* author = dir.find_member(a.author);
  if (!author) return make_error("unknown_author", "the act's author is not a registered member");
  if (is_record_kind(a.kind)) return check_record_entry(m, sa, dir);
  if (!author->has_role(Role::negotiator))
    return make_error("role_not_allowed", "only negotiators may propose, accept, sign or withdraw");
  if (a.kind == Kind::create) return check_create(m, sa, *author, dir);

  if (a.meeting != m.id) return make_error("wrong_meeting", "the act names another meeting");
  if (!m.has_party(author->party))
    return make_error("not_a_party", "the author's party is not a party to this meeting");
  if (a.base != m.length || a.prev != m.head)
    return make_error("stale_sequence", "the meeting has changed since base " +
                                            std::to_string(a.base) + "; it is now at " +
                                            std::to_string(m.length));
  // The rules are judged at each act's own time; an act dated before its
  // predecessor could otherwise slip a change in "before" the announcement.
  if (a.at < m.last_at)
    return make_error("time_out_of_order", "the act is dated " + format_utc(a.at) +
                                               ", before the previous act (" + format_utc(m.last_at) + ")");
  if (m.withdrawal) return make_error("meeting_withdrawn", "the meeting has been withdrawn");
  const std::string& party = author->party;

  switch (a.kind) {
    case Kind::create: break;  // handled above
    case Kind::propose: {
      if (m.announced_by(a.at))
        return make_error("meeting_announced", "announced terms can no longer change; withdraw instead");
      if (auto s = require_fields(a.body, {"param", "value"}, {}, "propose body"); !s) return s;
      if (!a.body["param"].is_string()) return make_error("invalid_field", "param must be a string");
      auto name = a.body["param"].get<std::string>();
      if (!is_parameter(name)) return make_error("unknown_parameter", "no parameter named \"" + name + "\"");
      ParamContext ctx{m.parties, a.at, &dir};
      if (auto s = validate_parameter(name, a.body["value"], ctx); !s) return s;
      auto it = m.params.find(name);
      if (it != m.params.end() && it->second.current().value == a.body["value"])
        return make_error("unchanged_value", "the proposed value is already the current proposal");
      return ok_status();
    }
    case Kind::accept: {
      if (m.announced_by(a.at)) return make_error("meeting_announced", "the meeting is already announced");
      if (auto s = require_fields(a.body, {"param", "rev"}, {}, "accept body"); !s) return s;
      if (!a.body["param"].is_string() || !a.body["rev"].is_number_integer())
        return make_error("invalid_field", "accept needs a param name and an integer rev");
      auto name = a.body["param"].get<std::string>();
      auto it = m.params.find(name);
      if (it == m.params.end())
        return make_error("nothing_to_accept", "nobody has proposed \"" + name + "\" yet");
      if (a.body["rev"].get<std::int64_t>() != it->second.rev())
        return make_error("stale_revision", name + " is at revision " +
                                                std::to_string(it->second.rev()));
      if (it->second.accepted_by.count(party))
        return make_error("already_accepted", "your party already accepted this revision");
      return ok_status();
    }
    case Kind::sign: {
      if (m.announced_by(a.at)) return make_error("meeting_announced", "the meeting is already announced");
      if (auto s = require_fields(a.body, {"terms_hash"}, {}, "sign body"); !s) return s;
      if (!m.all_agreed())
        return make_error("not_agreed", "every parameter must be agreed by both parties first");
      if (a.body["terms_hash"] != m.terms_hash())
        return make_error("terms_hash_mismatch", "the signed hash is not the hash of the current terms");
      if (m.signatures.count(party)) return make_error("already_signed", "your party already signed");
      return check_terms_consistent(*m.terms(), a.at);
    }
    case Kind::withdraw: {
      if (auto s = require_fields(a.body, {"reason"}, {}, "withdraw body"); !s) return s;
      if (!is_clean_text(a.body["reason"], 1, Limits::kReasonMax, true))
        return make_error("invalid_field", "a withdrawal needs a reason of 1 to 2000 bytes");
      return ok_status();
    }
    default: break;  // record kinds: check_record_entry
  }
  return make_error("invalid_field", "unknown act kind");
}

void apply_act(MeetingState& m, const SignedAct& sa, const Directory& dir) {
  const Act& a = sa.act;
  ++m.length;
  m.head = sa.hash;
  m.last_at = std::max(m.last_at, a.at);  // entries may be dated a little before the last act
  m.hashes.push_back(sa.hash);
  m.times.push_back(a.at);
  if (is_record_kind(a.kind)) return apply_record_entry(m, sa);
  const std::string party = dir.find_member(a.author)->party;  // checked by check_act
  auto propose = [&](const std::string& name, const json::Json& value) {
    auto& p = m.params[name];
    p.history.push_back(Proposal{static_cast<std::int64_t>(p.history.size()) + 1, value, party,
                                 a.author, a.at, m.length});
    p.accepted_by = {party};  // proposing implies accepting your own proposal
    m.signatures.clear();     // a new proposal voids the signatures
    m.agreed_at.reset();
    m.record.roster.clear();
  };
  switch (a.kind) {
    case Kind::create:
      m.id = a.meeting;
      m.parties = {party, a.body["counterparty"].get<std::string>()};
      m.created_by = a.author;
      m.created_at = a.at;
      for (const auto& [name, value] : a.body["proposals"].items()) propose(name, value);
      break;
    case Kind::propose:
      propose(a.body["param"].get<std::string>(), a.body["value"]);
      break;
    case Kind::accept:
      m.params[a.body["param"].get<std::string>()].accepted_by.insert(party);
      break;
    case Kind::sign:
      m.signatures[party] =
          PartySignature{a.author, a.body["terms_hash"].get<std::string>(), m.length, a.at};
      if (m.signatures.size() == 2) {
        m.agreed_at = a.at;
        cache_roster(m);
      }
      break;
    case Kind::withdraw:
      m.withdrawal = Withdrawal{party, a.author, a.body["reason"].get<std::string>(), a.at,
                                m.announced_by(a.at)};
      break;
    default: break;  // record kinds: apply_record_entry
  }
}

}  // namespace parley::negotiation
