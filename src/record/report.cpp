// The human forms of a verified record: the plain-text report `parley
// verify` prints, and the printable page `parley record export --html`
// writes. Both are built from one list of lines per entry (describe()), so
// the two never say different things.

#include <algorithm>
#include <sstream>

#include "common/encoding.h"
#include "crypto/hash.h"
#include "record/verify.h"

namespace parley::record {

namespace {

using negotiation::Kind;
using negotiation::MeetingState;

struct Described {
  std::int64_t seq = 0;
  std::string kind;      // a heading: "Minute", "ASSURANCE", ...
  std::string at;
  std::string signer;    // "Name (party, role)"
  std::string fingerprint;
  std::vector<std::string> lines;  // what the entry says, and what became of it
};

class Describer {
 public:
  explicit Describer(const VerifiedRecord& r) : r_(r), st_(r.log.state), rec_(st_.record) {
    if (auto terms = st_.terms()) agenda_ = (*terms)["agenda"];
  }

  std::string name(const std::string& member) const {
    const auto* m = r_.log.directory.find_member(member);
    return m ? m->name : member;
  }
  std::string who(const std::string& member) const {
    auto it = rec_.roster.find(member);
    if (it == rec_.roster.end()) return name(member);
    return name(member) + " (" + it->second.party + ", " + std::string(negotiation::role_name(it->second.role)) + ")";
  }
  std::string fingerprint(const std::string& member) const {
    auto it = rec_.roster.find(member);
    if (it != rec_.roster.end()) return crypto::key_fingerprint(it->second.key);
    const auto* m = r_.log.directory.find_member(member);
    return m ? crypto::key_fingerprint(base64url_encode(m->key)) : "";
  }
  std::string item(const json::Json& i) const {
    if (i.is_null() || !agenda_.is_array() || i.get<std::size_t>() >= agenda_.size()) return "";
    return " on item " + std::to_string(i.get<std::size_t>() + 1) + ", \"" + agenda_[i.get<std::size_t>()]["title"].get<std::string>() + "\"";
  }
  std::string seq_of(const std::string& hash) const {
    auto it = rec_.entries.find(hash);
    return it == rec_.entries.end() ? hash.substr(0, 12) : "#" + std::to_string(it->second.seq);
  }
  std::string names(const std::vector<std::string>& members) const {
    std::string out;
    for (const auto& m : members) out += (out.empty() ? "" : ", ") + name(m);
    return out;
  }

  Described describe(const std::string& hash) const {
    const auto& e = rec_.entries.at(hash);
    const auto& b = e.body;
    Described d{e.seq, "", format_utc(e.at), who(e.author), fingerprint(e.author), {}};
    auto text = [&](const char* f) { d.lines.push_back(b[f].get<std::string>()); };
    auto corrected = [&] {
      if (auto c = rec_.corrected_by.find(hash); c != rec_.corrected_by.end())
        d.lines.push_back("(corrected by " + seq_of(c->second) + ")");
    };
    switch (e.kind) {
      case Kind::session_open: d.kind = "Session opened"; d.lines.push_back("present: " + names(present(b))); break;
      case Kind::session_close: d.kind = "Session closed"; d.lines.push_back("present: " + names(present(b))); break;
      case Kind::minute: d.kind = "Minute" + item(b["item"]); text("text"); corrected(); break;
      case Kind::statement:
        d.kind = "Statement by " + who(b["speaker"].get<std::string>()) + item(b["item"]);
        if (b["speaker"] != e.author) d.kind += ", recorded by their rapporteur";
        text("text");
        corrected();
        break;
      case Kind::assurance_draft:
        d.kind = "Assurance drafted for " + b["giver"].get<std::string>() + " to sign" + item(b["item"]);
        text("text");
        if (auto u = rec_.drafts_used.find(hash); u != rec_.drafts_used.end()) d.lines.push_back("(signed as " + seq_of(u->second) + ")");
        break;
      case Kind::assurance: describe_assurance(hash, e, d); break;
      case Kind::acknowledge:
        d.kind = "Acknowledgement of " + seq_of(b["assurance"].get<std::string>());
        d.lines.push_back("received as recorded (which is not agreement)");
        break;
      case Kind::readout: d.kind = "Readout of " + e.party; text("text"); corrected(); break;
      case Kind::joint_statement: {
        d.kind = "Joint statement";
        text("text");
        const auto& c = rec_.joint.at(hash);
        d.lines.push_back(c.empty() ? "NOT countersigned: not published" : "countersigned by " + seq_of(c));
        break;
      }
      case Kind::countersign: d.kind = "Countersignature of " + seq_of(b["statement"].get<std::string>()); break;
      case Kind::correction:
        d.kind = "Correction of " + seq_of(b["entry"].get<std::string>());
        text("text");
        d.lines.push_back("reason: " + b["reason"].get<std::string>());
        break;
      case Kind::assurance_status:
        d.kind = "Status of assurance " + (b["meeting"] == st_.id ? seq_of(b["assurance"].get<std::string>())
                                                                  : b["assurance"].get<std::string>().substr(0, 12) + "… of " + b["meeting"].get<std::string>());
        d.lines.push_back(b["status"].get<std::string>() + (b["note"].get<std::string>().empty() ? "" : ": " + b["note"].get<std::string>()));
        break;
      default: break;
    }
    return d;
  }

  void describe_assurance(const std::string& hash, const negotiation::EntryInfo& e, Described& d) const {
    const auto& b = e.body;
    const auto& st = rec_.assurances.at(hash);
    d.kind = "ASSURANCE by " + st.giver + " to " + st.to + item(b["item"]);
    d.lines.push_back(b["text"].get<std::string>());
    d.lines.push_back("scope: " + b["scope"].get<std::string>());
    d.lines.push_back(b["until"].is_null() ? "no time limit" : "until " + b["until"].get<std::string>());
    bool withdrawn = std::any_of(st.statuses.begin(), st.statuses.end(), [](const auto& s) {
      return s.status == negotiation::AssuranceStatus::withdrawn;
    });
    d.lines.push_back(withdrawn ? "NO LONGER BINDING: withdrawn by " + st.giver + " (see its status below)"
                                : "binding: signed by a principal of " + st.giver);
    if (!b["draft"].is_null()) d.lines.push_back("from the draft " + seq_of(b["draft"].get<std::string>()));
    if (st.acknowledgement.empty()) {
      d.lines.push_back("NOT acknowledged by " + st.to);
    } else {
      const auto& a = rec_.entries.at(st.acknowledgement);
      d.lines.push_back("acknowledged by " + who(a.author) + " at " + format_utc(a.at) + " (" +
                        seq_of(st.acknowledgement) + ")");
    }
    for (const auto& s : st.statuses)
      d.lines.push_back("status " + std::string(negotiation::assurance_status_name(s.status)) + " by " + who(s.author) +
                        " at " + format_utc(s.at) + " (" + seq_of(s.entry) + ")");
  }

  static std::vector<std::string> present(const json::Json& b) {
    std::vector<std::string> out;
    for (const auto& p : b["present"]) out.push_back(p.get<std::string>());
    return out;
  }

  std::vector<Described> all() const {
    std::vector<Described> out;
    for (const auto& h : rec_.order) out.push_back(describe(h));
    return out;
  }

  std::string checkpoint_line(std::size_t i) const {
    const auto& c = r_.checkpoints[i];
    std::string out = "checkpoint " + std::to_string(i + 1) + ": " + std::to_string(c.size) + " acts, root " +
                      hex_encode(c.root).substr(0, 16) + "…";
    out += c.cosigners.empty() ? ", cosigned by nobody" : ", cosigned by " + names(c.cosigners);
    if (r_.final_checkpoint == i) out += " — FINAL";
    return out;
  }

  std::string terms_line() const {
    std::string out = "terms " + st_.terms_hash() + ", signed by";
    for (const auto& party : st_.parties) {
      const auto& sig = st_.signatures.at(party);
      out += " " + who(sig.member) + " [" + fingerprint(sig.member) + "]";
      if (party != st_.parties[1]) out += " and";
    }
    return out;
  }

  std::string title() const {
    auto terms = st_.terms();
    return terms ? (*terms)["title"].get<std::string>() : st_.id;
  }

 private:
  const VerifiedRecord& r_;
  const MeetingState& st_;
  const negotiation::RecordState& rec_;
  json::Json agenda_;
};

// Every line of an entry's text indented under its heading: a text holding
// newlines cannot pass for another entry or a verdict in the report.
std::string indented(const std::string& text) {
  std::string out = "    ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

}  // namespace

std::string report_text(const VerifiedRecord& r, const VerifiedRecord* predecessor) {
  Describer d(r);
  std::ostringstream o;
  o << "Record of " << r.log.meeting << ": \"" << d.title() << "\"\n"
    << d.terms_line() << " (keys pinned by the trust)\n"
    << r.log.acts.size() << " acts in the log, " << r.log.state.record.order.size() << " of them record entries\n\n";
  for (const auto& e : d.all()) {
    o << "#" << e.seq << "  " << e.at << "  " << e.kind << "\n    signed by " << e.signer << " [" << e.fingerprint << "]\n";
    for (const auto& l : e.lines) o << indented(l) << "\n";
  }
  if (predecessor) {
    const auto& pst = predecessor->log.state;
    o << "\nAssurances of the predecessor " << pst.id << ":\n";
    Describer pd(*predecessor);
    for (const auto& h : pst.record.order) {
      if (pst.record.entries.at(h).kind != Kind::assurance) continue;
      auto desc = pd.describe(h);
      o << "  " << pst.id << " #" << desc.seq << " " << desc.kind << ": " << desc.lines.front() << "\n";
      bool any = false;
      for (const auto& sh : r.log.state.record.predecessor_statuses) {
        const auto& s = r.log.state.record.entries.at(sh);
        if (s.body["assurance"] != h) continue;
        o << "    " << s.body["status"].get<std::string>() << " (#" << s.seq << ", " << d.who(s.author) << ", "
          << format_utc(s.at) << ")\n";
        any = true;
      }
      if (!any) o << "    no status recorded in " << r.log.meeting << "\n";
    }
  }
  o << "\n";
  for (std::size_t i = 0; i < r.checkpoints.size(); ++i) o << d.checkpoint_line(i) << "\n";
  const std::uint64_t covered = r.checkpoints.empty() ? 0 : r.checkpoints.back().size;
  if (covered < r.log.acts.size())
    o << "acts " << covered + 1 << " to " << r.log.acts.size() << " are not covered by any checkpoint yet\n";
  o << (r.final() ? "FINAL: both parties cosigned the log after the session closed\n"
                  : "NOT FINAL: no checkpoint cosigned by both parties covers a closed session\n");
  return o.str();
}

std::string report_html(const VerifiedRecord& r) {
  Describer d(r);
  std::ostringstream o;
  o << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Record of "
    << markup_escape(d.title()) << "</title>\n<style>\n"
    << "body{font:11pt/1.4 Georgia,serif;margin:2em;color:#111}h1{font-size:16pt}"
    << "table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #999;padding:.4em;vertical-align:top;text-align:left}"
    << ".fp,.mono{font-family:monospace;font-size:9pt}td div{white-space:pre-wrap}.kind{font-weight:bold}.final{font-weight:bold}"
    << "tr{page-break-inside:avoid}@media print{body{margin:0}}\n</style></head><body>\n"
    << "<h1>Record of the talks: " << markup_escape(d.title()) << "</h1>\n"
    << "<p class=\"mono\">meeting " << markup_escape(r.log.meeting) << "<br>" << markup_escape(d.terms_line()) << "</p>\n"
    << "<table><thead><tr><th>#</th><th>Time (UTC)</th><th>Entry</th><th>Signed by</th><th>Key</th></tr></thead><tbody>\n";
  for (const auto& e : d.all()) {
    o << "<tr><td>" << e.seq << "</td><td class=\"mono\">" << markup_escape(e.at) << "</td><td><div class=\"kind\">"
      << markup_escape(e.kind) << "</div>";
    for (const auto& l : e.lines) o << "<div>" << markup_escape(l) << "</div>";
    o << "</td><td>" << markup_escape(e.signer) << "</td><td class=\"fp\">" << markup_escape(e.fingerprint) << "</td></tr>\n";
  }
  o << "</tbody></table>\n<h2>Checkpoints</h2>\n<ul>\n";
  for (std::size_t i = 0; i < r.checkpoints.size(); ++i) o << "<li class=\"mono\">" << markup_escape(d.checkpoint_line(i)) << "</li>\n";
  o << "</ul>\n<p class=\"final\">"
    << (r.final() ? "FINAL: both parties cosigned the log after the session closed."
                  : "NOT FINAL: no checkpoint cosigned by both parties covers a closed session.")
    << "</p>\n<p>Verify this record offline with <code>parley verify</code> and the parties' keys.</p>\n</body></html>\n";
  return o.str();
}

std::string excerpt_report(const VerifiedExcerpt& e) {
  std::ostringstream o;
  o << "Excerpt of the record of " << e.meeting << " (" << e.origin << ")\n";
  for (std::size_t i = 0; i < e.entries.size(); ++i) {
    const auto& a = e.entries[i].act;
    const auto* m = e.members.find_member(a.author);
    o << "entry " << e.indexes[i] + 1 << ": " << negotiation::kind_name(a.kind) << " at " << format_utc(a.at)
      << " signed by " << m->name << " (" << m->party << ") [" << crypto::key_fingerprint(base64url_encode(m->key)) << "]\n";
    if (a.body.contains("text") && a.body["text"].is_string()) o << indented(a.body["text"].get<std::string>()) << "\n";
  }
  o << "included in the log of " << e.checkpoint.size << " acts, cosigned by";
  for (const auto& c : e.checkpoint.cosigners) {
    const auto* m = e.members.find_member(c);
    o << " " << m->name << " (" << m->party << ") [" << crypto::key_fingerprint(base64url_encode(m->key)) << "]";
  }
  if (!e.checkpoint.both_parties()) o << "\nNOT cosigned by both parties: only by " << *e.checkpoint.parties.begin();
  o << "\n" << (e.pinned ? "every key is pinned by the trust\n"
                         : "keys NOT pinned: compare the fingerprints with the parties' published keys\n");
  return o.str();
}

}  // namespace parley::record
