#include "negotiation/record.h"

#include <set>

#include "negotiation/meeting.h"
#include "negotiation/parameters.h"

namespace parley::negotiation {

namespace {

constexpr std::string_view kStatuses[] = {"fulfilled", "in_dispute", "withdrawn"};

// Text limits of docs/record.md §Entries, in bytes.
constexpr std::size_t kNoteMax = 4000;       // minute, statement
constexpr std::size_t kAssuranceMax = 2000;  // assurance text
constexpr std::size_t kScopeMax = 500;
constexpr std::size_t kPublicTextMax = 8000;  // readout, joint statement
constexpr std::size_t kReasonMax = 2000;      // correction reason, status note

Error invalid(std::string message) { return make_error("invalid_field", std::move(message)); }

bool principal(Role r) { return r == Role::leader || r == Role::negotiator; }

std::string_view other_party(const MeetingState& m, std::string_view party) {
  return m.parties[0] == party ? m.parties[1] : m.parties[0];
}

Status need_text(const json::Json& body, const char* field, std::size_t min, std::size_t max) {
  if (!is_clean_text(body[field], min, max, true))
    return invalid(std::string(field) + " must be text of " + std::to_string(min) + " to " +
                   std::to_string(max) + " bytes without control characters");
  return ok_status();
}

Status need_item(const MeetingState& m, const json::Json& item) {
  if (item.is_null()) return ok_status();
  if (!item.is_number_integer() || item.get<std::int64_t>() < 0 ||
      static_cast<std::size_t>(item.get<std::int64_t>()) >= m.record.agenda_items)
    return make_error("invalid_item", "item must be the index of an agenda item of the terms (0 to " +
                                          std::to_string(m.record.agenda_items) + ") or null");
  return ok_status();
}

Status need_until(const json::Json& until, Seconds at) {
  if (until.is_null()) return ok_status();
  auto t = until.is_string() ? parse_utc(until.get<std::string>()) : std::nullopt;
  if (!t) return invalid("until must be an instant like 2027-06-30T00:00:00Z or null");
  if (*t <= at) return invalid("until must be after the entry's time");
  return ok_status();
}

// An earlier record entry named by hash, of one of `kinds`.
Expected<const EntryInfo*> need_entry(const MeetingState& m, const json::Json& ref,
                                      std::initializer_list<Kind> kinds) {
  if (!ref.is_string()) return invalid("an entry is named by the hex SHA-256 of its envelope");
  auto it = m.record.entries.find(ref.get<std::string>());
  if (it == m.record.entries.end())
    return make_error("unknown_entry", "no earlier entry of this meeting has hash " + ref.get<std::string>());
  for (Kind k : kinds)
    if (it->second.kind == k) return &it->second;
  return make_error("wrong_entry_kind", "entry " + ref.get<std::string>() + " is a " +
                                            std::string(kind_name(it->second.kind)));
}

Status need_present(const MeetingState& m, const json::Json& present) {
  if (!present.is_array() || present.empty() || present.size() > Limits::kRosterMax)
    return invalid("present must list 1 to 100 member ids");
  std::set<std::string> seen;
  for (const auto& p : present) {
    if (!p.is_string() || !m.record.roster.count(p.get<std::string>()))
      return make_error("not_on_roster", "present lists " + p.dump() + ", who is not on the signed roster");
    if (!seen.insert(p.get<std::string>()).second) return invalid("present lists " + p.dump() + " twice");
  }
  return ok_status();
}

Error not_allowed(Kind k, const RosterEntry& who) {
  return make_error("role_not_allowed", "a " + std::string(role_name(who.role)) + " may not record a " +
                                            std::string(kind_name(k)));
}

// May `who` record an entry of `kind` for `subject_party`'s side? (For a
// statement the subject is the speaker; see check below.)
bool may_record(Kind kind, const RosterEntry& who) {
  switch (kind) {
    case Kind::session_open:
    case Kind::session_close:
    case Kind::assurance_draft:
    case Kind::assurance_status:
      return principal(who.role) || who.role == Role::rapporteur;
    case Kind::minute:
      return who.role == Role::rapporteur || who.role == Role::negotiator;
    case Kind::assurance:
    case Kind::readout:
    case Kind::joint_statement:
    case Kind::countersign:
      return principal(who.role);
    case Kind::acknowledge:
      return principal(who.role) || who.role == Role::rapporteur;
    case Kind::statement:    // judged against the speaker
    case Kind::correction:   // judged against the corrected entry
      return true;
    default:
      return false;
  }
}

// May `who` correct the entry `e`? Of the same party as its author, with the
// right to record it (a statement: its speaker or their party's rapporteur).
bool may_correct(const MeetingState& m, const EntryInfo& e, const RosterEntry& who) {
  if (e.kind == Kind::statement) {
    const auto& speaker = e.body["speaker"].get_ref<const std::string&>();
    auto sp = m.record.roster.find(speaker);
    return who.member == speaker || (sp != m.record.roster.end() && who.party == sp->second.party &&
                                     who.role == Role::rapporteur);
  }
  return who.party == e.party && may_record(e.kind, who);
}

Status check_body(const MeetingState& m, const SignedAct& sa, const RosterEntry& who) {
  const Act& a = sa.act;
  const json::Json& b = a.body;
  const auto& rec = m.record;
  auto need_session = [&]() -> Status {
    if (!rec.session_open())
      return make_error("no_session", "no session of the talks is open: record a session_open first");
    return ok_status();
  };
  switch (a.kind) {
    case Kind::session_open:
      if (auto s = require_fields(b, {"present"}, {}, "session_open body"); !s) return s;
      if (rec.session_open()) return make_error("session_open", "a session is already open");
      return need_present(m, b["present"]);
    case Kind::session_close:
      if (auto s = require_fields(b, {"present"}, {}, "session_close body"); !s) return s;
      if (!rec.session_open()) return make_error("no_session", "no session is open");
      return need_present(m, b["present"]);
    case Kind::minute:
      if (auto s = require_fields(b, {"item", "text"}, {}, "minute body"); !s) return s;
      if (auto s = need_session(); !s) return s;
      if (auto s = need_item(m, b["item"]); !s) return s;
      return need_text(b, "text", 1, kNoteMax);
    case Kind::statement: {
      if (auto s = require_fields(b, {"speaker", "item", "text"}, {}, "statement body"); !s) return s;
      if (!b["speaker"].is_string()) return invalid("speaker must be a member id");
      auto sp = rec.roster.find(b["speaker"].get<std::string>());
      if (sp == rec.roster.end())
        return make_error("not_on_roster", "the speaker is not on the signed roster");
      if (who.member != sp->second.member &&
          !(who.role == Role::rapporteur && who.party == sp->second.party))
        return make_error("role_not_allowed",
                          "a statement is signed by its speaker or by a rapporteur of the speaker's party");
      if (auto s = need_session(); !s) return s;
      if (auto s = need_item(m, b["item"]); !s) return s;
      return need_text(b, "text", 1, kNoteMax);
    }
    case Kind::assurance_draft:
      if (auto s = require_fields(b, {"giver", "item", "text", "scope", "until"}, {}, "assurance_draft body"); !s)
        return s;
      if (!b["giver"].is_string() || !m.has_party(b["giver"].get<std::string>()))
        return invalid("giver must be one of the meeting's parties");
      if (auto s = need_session(); !s) return s;
      if (auto s = need_item(m, b["item"]); !s) return s;
      if (auto s = need_text(b, "text", 1, kAssuranceMax); !s) return s;
      if (auto s = need_text(b, "scope", 1, kScopeMax); !s) return s;
      return need_until(b["until"], a.at);
    case Kind::assurance: {
      if (auto s = require_fields(b, {"to", "item", "text", "scope", "until", "draft"}, {}, "assurance body"); !s)
        return s;
      if (b["to"] != other_party(m, who.party))
        return invalid("an assurance is given to the other party (" + std::string(other_party(m, who.party)) + ")");
      if (auto s = need_session(); !s) return s;
      if (auto s = need_item(m, b["item"]); !s) return s;
      if (auto s = need_text(b, "text", 1, kAssuranceMax); !s) return s;
      if (auto s = need_text(b, "scope", 1, kScopeMax); !s) return s;
      if (auto s = need_until(b["until"], a.at); !s) return s;
      if (!b["draft"].is_null()) {
        auto d = need_entry(m, b["draft"], {Kind::assurance_draft});
        if (!d) return d.error();
        if ((*d)->body["giver"] != who.party)
          return invalid("the draft names the other party as giver");
        if (rec.drafts_used.count(b["draft"].get<std::string>()))
          return make_error("draft_used", "this draft was already signed as an assurance");
      }
      return ok_status();
    }
    case Kind::acknowledge: {
      if (auto s = require_fields(b, {"assurance"}, {}, "acknowledge body"); !s) return s;
      auto e = need_entry(m, b["assurance"], {Kind::assurance});
      if (!e) return e.error();
      const auto& st = rec.assurances.at(b["assurance"].get<std::string>());
      if (who.party != st.to)
        return make_error("role_not_allowed", "only the receiving party (" + st.to + ") acknowledges an assurance");
      if (!st.acknowledgement.empty())
        return make_error("already_acknowledged", "this assurance was already acknowledged");
      return ok_status();
    }
    case Kind::readout:
      if (auto s = require_fields(b, {"text"}, {}, "readout body"); !s) return s;
      if (rec.readouts.count(who.party))
        return make_error("readout_exists", "your party's readout is recorded; record a correction to change it");
      return need_text(b, "text", 1, kPublicTextMax);
    case Kind::joint_statement:
      if (auto s = require_fields(b, {"text"}, {}, "joint_statement body"); !s) return s;
      for (const auto& [_, counter] : rec.joint)
        if (counter.empty())
          return make_error("joint_statement_open", "a joint statement is waiting for its countersignature");
      return need_text(b, "text", 1, kPublicTextMax);
    case Kind::countersign: {
      if (auto s = require_fields(b, {"statement"}, {}, "countersign body"); !s) return s;
      auto e = need_entry(m, b["statement"], {Kind::joint_statement});
      if (!e) return e.error();
      if ((*e)->party == who.party)
        return make_error("role_not_allowed", "the other party countersigns a joint statement");
      if (!rec.joint.at(b["statement"].get<std::string>()).empty())
        return make_error("already_countersigned", "this joint statement is already countersigned");
      return ok_status();
    }
    case Kind::correction: {
      if (auto s = require_fields(b, {"entry", "text", "reason"}, {}, "correction body"); !s) return s;
      auto e = need_entry(m, b["entry"], {Kind::minute, Kind::statement, Kind::readout});
      if (!e) return e.error();
      if (!may_correct(m, **e, who))
        return make_error("role_not_allowed", "only who may record that " + std::string(kind_name((*e)->kind)) +
                                                  ", of the same party, may correct it");
      if (auto s = need_text(b, "text", 1, (*e)->kind == Kind::readout ? kPublicTextMax : kNoteMax); !s) return s;
      return need_text(b, "reason", 1, kReasonMax);
    }
    case Kind::assurance_status: {
      if (auto s = require_fields(b, {"assurance", "meeting", "status", "note"}, {}, "assurance_status body"); !s)
        return s;
      auto status = b["status"].is_string() ? parse_assurance_status(b["status"].get<std::string>()) : std::nullopt;
      if (!status) return invalid("status must be fulfilled, in_dispute or withdrawn");
      if (!b["assurance"].is_string() || b["assurance"].get<std::string>().size() != 64 ||
          !hex_decode(b["assurance"].get<std::string>()))
        return invalid("assurance must be the hex SHA-256 of an assurance entry");
      if (auto s = need_text(b, "note", 0, kReasonMax); !s) return s;
      if (b["meeting"] == m.id) {
        auto e = need_entry(m, b["assurance"], {Kind::assurance});
        if (!e) return e.error();
        if (*status == AssuranceStatus::withdrawn && !(principal(who.role) && (*e)->party == who.party))
          return make_error("role_not_allowed", "only a principal of the giving party withdraws an assurance");
        return ok_status();
      }
      if (rec.predecessor.empty() || b["meeting"] != rec.predecessor)
        return invalid("meeting must be this meeting or its predecessor in the terms");
      // The giver is known only from the predecessor's log: whoever holds it
      // checks the reference and the right to withdraw (check_predecessor_status).
      return ok_status();
    }
    default:
      return invalid("not a record kind");
  }
}

}  // namespace

std::optional<AssuranceStatus> parse_assurance_status(std::string_view s) {
  for (std::size_t i = 0; i < std::size(kStatuses); ++i)
    if (kStatuses[i] == s) return static_cast<AssuranceStatus>(i);
  return std::nullopt;
}
std::string_view assurance_status_name(AssuranceStatus s) { return kStatuses[static_cast<int>(s)]; }

bool is_record_kind(Kind k) { return k >= Kind::session_open; }

const std::string& RecordState::current_text(const std::string& hash) const {
  auto c = corrected_by.find(hash);
  const auto& e = entries.at(c == corrected_by.end() ? hash : c->second);
  return e.body["text"].get_ref<const std::string&>();
}

std::optional<std::string> cosigner_party(const MeetingState& m, std::string_view member) {
  auto r = m.record.roster.find(member);
  if (r != m.record.roster.end() && (principal(r->second.role) || r->second.role == Role::rapporteur))
    return r->second.party;
  for (const auto& [party, sig] : m.signatures)
    if (sig.member == member) return party;
  return std::nullopt;
}

Status check_predecessor_status(const MeetingState& predecessor, const json::Json& body,
                                const RosterEntry& author) {
  const auto& hash = body["assurance"].get_ref<const std::string&>();
  auto it = predecessor.record.assurances.find(hash);
  if (it == predecessor.record.assurances.end())
    return make_error("unknown_entry", "the predecessor " + predecessor.id + " has no assurance " + hash);
  if (body["status"] == "withdrawn" && !(principal(author.role) && author.party == it->second.giver))
    return make_error("role_not_allowed", "only a principal of the giving party withdraws an assurance");
  return ok_status();
}

bool closed_at(const RecordState& rec, std::int64_t size) {
  bool closed = false;
  for (const auto& session : rec.sessions) {
    if (session.open.seq > size) break;
    closed = session.close && session.close->seq <= size;
  }
  return closed;
}

void cache_roster(MeetingState& m) {
  auto terms = m.terms();
  m.record.roster.clear();
  if (!terms) return;
  for (const auto& e : (*terms)["roster"])
    m.record.roster[e["member"].get<std::string>()] =
        RosterEntry{e["member"].get<std::string>(), e["party"].get<std::string>(),
                    *parse_role(e["role"].get<std::string>()), e["key"].get<std::string>()};
  m.record.agenda_items = (*terms)["agenda"].size();
  const auto& pred = (*terms)["predecessor"];
  m.record.predecessor = pred.is_string() ? pred.get<std::string>() : "";
}

Status check_record_entry(const MeetingState& m, const SignedAct& sa, const Directory& dir) {
  const Act& a = sa.act;
  if (a.meeting != m.id) return make_error("wrong_meeting", "the act names another meeting");
  if (m.withdrawal) return make_error("meeting_withdrawn", "the meeting has been withdrawn");
  if (!m.agreed_at || !m.announced_by(a.at))
    return make_error("not_announced", "the record opens once the meeting is agreed and announced");
  // Looser than a negotiation act: after what the author saw, not at its exact end.
  if (a.base < 1 || a.base > m.length || a.prev != m.hashes[static_cast<std::size_t>(a.base - 1)])
    return make_error("stale_sequence", "an entry's base must name an act of this meeting (1 to " +
                                            std::to_string(m.length) + ") and prev that act's hash");
  // The looser position would let the same signed entry in twice (a replay,
  // or a retry appended again), and references by hash would be ambiguous.
  if (m.record.entries.count(sa.hash))
    return make_error("stale_sequence", "this entry is already in the log (act " +
                                            std::to_string(m.record.entries.find(sa.hash)->second.seq) + "), replayed");
  if (a.at < m.times[static_cast<std::size_t>(a.base - 1)])
    return make_error("time_out_of_order", "the entry is dated before the act it builds on");
  auto who = m.record.roster.find(a.author);
  if (who == m.record.roster.end())
    return make_error("not_on_roster", "only members on the signed roster record entries");
  // The signature was checked with the directory's key; the roster's must be the same.
  const Member* mem = dir.find_member(a.author);
  if (!mem || base64url_encode(mem->key) != who->second.key)
    return make_error("key_changed", "the author's key is not the one on the signed roster");
  if (!may_record(a.kind, who->second)) return not_allowed(a.kind, who->second);
  return check_body(m, sa, who->second);
}

void apply_record_entry(MeetingState& m, const SignedAct& sa) {
  const Act& a = sa.act;
  auto& rec = m.record;
  const auto& who = rec.roster.at(a.author);
  rec.entries[sa.hash] = EntryInfo{m.length, a.kind, a.author, who.party, a.at, a.body};
  rec.order.push_back(sa.hash);
  const json::Json& b = a.body;
  auto present = [&] {
    SessionMark mark{m.length, a.at, {}};
    for (const auto& p : b["present"]) mark.present.push_back(p.get<std::string>());
    return mark;
  };
  switch (a.kind) {
    case Kind::session_open: rec.sessions.push_back(Session{present(), std::nullopt}); break;
    case Kind::session_close: rec.sessions.back().close = present(); break;
    case Kind::assurance:
      rec.assurances[sa.hash] = AssuranceState{who.party, b["to"].get<std::string>(), "", {}};
      if (!b["draft"].is_null()) rec.drafts_used[b["draft"].get<std::string>()] = sa.hash;
      break;
    case Kind::acknowledge: rec.assurances.at(b["assurance"].get<std::string>()).acknowledgement = sa.hash; break;
    case Kind::readout: rec.readouts[who.party] = sa.hash; break;
    case Kind::joint_statement: rec.joint[sa.hash] = ""; break;
    case Kind::countersign: rec.joint[b["statement"].get<std::string>()] = sa.hash; break;
    case Kind::correction: rec.corrected_by[b["entry"].get<std::string>()] = sa.hash; break;
    case Kind::assurance_status: {
      StatusMark mark{sa.hash, *parse_assurance_status(b["status"].get<std::string>()), a.author, a.at};
      if (b["meeting"] == m.id)
        rec.assurances.at(b["assurance"].get<std::string>()).statuses.push_back(mark);
      else
        rec.predecessor_statuses.push_back(sa.hash);
      break;
    }
    default: break;
  }
}

}  // namespace parley::negotiation
