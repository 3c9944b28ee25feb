// `parley record …`: entries of the record of the talks, cosigning the
// meeting's checkpoints, exporting the record; and the record side of
// `parley verify` (docs/record.md).

#include <fstream>
#include <iostream>

#include "cli/command_support.h"
#include "cli/profile.h"
#include "common/encoding.h"
#include "record/verify.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle_tree.h"
#include "tlog/proof.h"

namespace parley::cli {

namespace {

using negotiation::Kind;

Expected<Json> parse_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto j = json::parse_strict(*text, json::ParseLimits{64, 256 << 20});
  if (!j) return make_error("invalid_json", path + ": " + j.error().message);
  return j;
}

Status write_output(const std::string& path, const std::string& text, const std::string& what) {
  if (path.empty()) {
    std::cout << text;
    return ok_status();
  }
  std::ofstream out(path);
  if (!(out << text) || !(out.flush())) return make_error("io_error", "cannot write " + path);
  std::cerr << "Wrote " << what << " to " << path << "\n";
  return ok_status();
}

Expected<record::Trust> load_trust(const std::string& file, const std::vector<std::string>& party_keys) {
  record::Trust trust;
  if (!file.empty()) {
    auto j = parse_file(file);
    if (!j) return j.error();
    auto t = record::parse_trust(*j);
    if (!t) return t.error();
    trust = std::move(*t);
  }
  for (const auto& pk : party_keys)
    if (auto s = record::add_party_key(trust, pk); !s) return s.error();
  return trust;
}

// Per profile and meeting: the pinned trust and the last checkpoint cosigned.
std::filesystem::path pin_path(const Profile& p, const std::string& meeting) {
  return p.dir / "records" / (meeting + ".trust.json");
}
std::filesystem::path cosigned_path(const Profile& p, const std::string& meeting) {
  return p.dir / "records" / (meeting + ".cosigned.json");
}

// The keys of the negotiators who signed the terms, each for their party, as
// the record lists them.
Expected<record::Trust> signer_trust(const Json& record_doc) {
  record::Trust t;
  for (const auto& env : record_doc["acts"]) {
    const auto& a = env["act"];
    if (a["kind"] != "sign") continue;
    for (const auto& m : record_doc["members"])
      if (m["id"] == a["author"]) t.keys[m["party"].get<std::string>()].insert(m["key"].get<std::string>());
  }
  if (t.keys.size() != 2) return make_error("not_agreed", "the record's terms are not signed by both parties");
  return t;
}

// Trust on first use: the signers' keys are pinned the first time this
// profile fetches the meeting's record, once the record verifies with them;
// later runs use the pin, so a server that changes keys afterwards is caught.
Expected<record::Trust> pinned_trust(Session& s, const std::string& meeting, const Json& record_doc) {
  auto path = pin_path(s.profile(), meeting);
  if (std::filesystem::exists(path)) return load_trust(path.string(), {});
  return signer_trust(record_doc);
}

// Fetches the record and verifies it with the pinned keys (pinning them if
// this is the first time and it verifies).
struct Fetched {
  Json doc;
  record::VerifiedRecord verified;
};
Expected<Fetched> fetch_verified(Session& s, const std::string& meeting) {
  auto doc = s.call("GET", "/api/v1/meetings/" + meeting + "/record");
  if (!doc) return doc.error();
  if (!doc->is_object() || doc->value("meeting", Json()) != meeting)
    return make_error("bad_response", "the server answered with the record of another meeting");
  auto trust = pinned_trust(s, meeting, *doc);
  if (!trust) return trust.error();
  auto v = record::verify_record(*doc, record::VerifyOptions{*trust, false});
  if (!v) return make_error("verify_failed", "the server's record does not verify: " + v.error().message);
  if (auto path = pin_path(s.profile(), meeting); !std::filesystem::exists(path)) {
    std::filesystem::create_directories(path.parent_path());
    if (auto st = write_private_file(path, record::trust_to_json(*trust).dump(2) + "\n"); !st) return st.error();
    std::cerr << "Pinned the parties' keys for " << meeting << " in " << path.string() << "\n";
  }
  return Fetched{std::move(*doc), std::move(*v)};
}

// The entries this profile recorded and the server acknowledged: a record
// without one of them is a history the server changed (record cosign refuses it).
std::filesystem::path mine_path(const Profile& p, const std::string& meeting) {
  return p.dir / "records" / (meeting + ".mine.json");
}
std::vector<std::string> my_entries(const Profile& p, const std::string& meeting) {
  std::vector<std::string> out;
  auto text = read_file(mine_path(p, meeting).string());
  if (!text) return out;
  auto j = json::parse_strict(*text);
  if (j && j->is_array())
    for (const auto& h : *j)
      if (h.is_string()) out.push_back(h.get<std::string>());
  return out;
}
Status remember_entry(const Profile& p, const std::string& meeting, const std::string& hash) {
  auto all = my_entries(p, meeting);
  all.push_back(hash);
  std::filesystem::create_directories(mine_path(p, meeting).parent_path());
  return write_private_file(mine_path(p, meeting), Json(all).dump() + "\n");
}

Expected<tlog::Hash> hash_from_hex(const std::string& hex) {
  auto bytes = hex.size() == 64 ? hex_decode(hex) : std::nullopt;
  if (!bytes) return make_error("bad_response", "not a hex SHA-256: " + hex);
  tlog::Hash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// `parley record cosign`: docs/record.md §Checkpoints of a meeting, the
// client's three checks, then the member's signature line.
int cosign(Session& s, const Globals& g, const std::string& meeting) {
  const auto& p = s.profile();
  std::optional<std::pair<std::uint64_t, std::string>> last;  // size, hex root
  if (auto text = read_file(cosigned_path(p, meeting).string()); text) {
    auto j = json::parse_strict(*text);
    // parse_strict reads every integer as signed.
    if (!j || !(*j)["size"].is_number_integer() || (*j)["size"].get<std::int64_t>() < 1 || !(*j)["root"].is_string())
      return report(make_error("bad_state", "cannot read " + cosigned_path(p, meeting).string()));
    last = {(*j)["size"].get<std::uint64_t>(), (*j)["root"].get<std::string>()};
  }
  auto cp = s.call("GET", "/api/v1/meetings/" + meeting + "/checkpoint" +
                              (last ? "?from=" + std::to_string(last->first) : std::string()));
  if (!cp && last && s.last_error().status == 422)
    return report(make_error("inconsistent_history", "NOT COSIGNED: the server showed two different histories of this "
                                                     "meeting: its log no longer has the " + std::to_string(last->first) +
                                                     " acts this member cosigned"), 4);
  if (!cp) return report(cp.error());
  // The record after the checkpoint, so that it holds every entry the checkpoint covers.
  auto rec = fetch_verified(s, meeting);
  if (!rec) return report(rec.error(), 4);
  auto note = tlog::SignedNote::parse((*cp)["checkpoint"].get<std::string>());
  if (!note) return report(note.error());
  auto c = tlog::parse_checkpoint(note->text());
  if (!c) return report(c.error());
  if (c->origin != rec->verified.origin) return report(make_error("tlog_wrong_origin", "the checkpoint is of another log"));
  tlog::MerkleTree tree;
  for (const auto& env : rec->doc["acts"]) tree.append(as_bytes(json::canonicalize(env)));
  auto refuse = [&](const std::string& why) {
    return report(make_error("inconsistent_history", "NOT COSIGNED: the server showed two different histories of this "
                                                     "meeting: " + why), 4);
  };
  if (c->size == 0 || c->size > tree.size() || *tree.root(c->size) != c->root)
    return refuse("its checkpoint of " + std::to_string(c->size) + " acts is not the tree of the entries it serves");
  for (const auto& mine : my_entries(p, meeting))
    if (!rec->verified.log.state.record.entries.count(mine))
      return refuse("the entry " + mine + " that this member recorded, and the server acknowledged, is missing");
  if (last) {
    auto root = hash_from_hex(last->second);
    if (!root) return report(root.error());
    if (last->first > c->size) return refuse("the log shrank below the " + std::to_string(last->first) + " acts cosigned before");
    std::vector<tlog::Hash> path;
    for (const auto& h : (*cp)["consistency"]) {
      auto hh = hash_from_hex(h.get<std::string>());
      if (!hh) return report(hh.error());
      path.push_back(*hh);
    }
    if (tlog::verify_consistency(last->first, c->size, *root, c->root, path) != tlog::ProofStatus::ok ||
        *tree.root(last->first) != *root)
      return refuse("the checkpoint is not consistent with the one this member cosigned at " + std::to_string(last->first) + " acts");
  }
  // Every other checkpoint seen (the record's, the other party's among them)
  // was checked against the same entries by verify_record.
  auto name = record::cosigner_key_name(c->origin, p.member);
  auto signed_note = tlog::cosign_checkpoint((*cp)["checkpoint"].get<std::string>(), name, s.key());
  if (!signed_note) return report(signed_note.error());
  auto res = s.call("POST", "/api/v1/meetings/" + meeting + "/cosignatures", Json{{"checkpoint", *signed_note}});
  if (!res) return report(res.error());
  std::filesystem::create_directories(cosigned_path(p, meeting).parent_path());
  if (auto st = write_private_file(cosigned_path(p, meeting),
                                   Json{{"size", c->size}, {"root", hex_encode(c->root)}}.dump() + "\n");
      !st)
    return report(st.error());
  if (g.json) {
    print_json(*res);
  } else {
    std::cout << "Cosigned the checkpoint of " << c->size << " acts (root " << hex_encode(c->root).substr(0, 16)
              << "…) for " << p.party << ".\n"
              << ((*res)["final"].get<bool>() ? "The record is FINAL: both parties cosigned after the session closed.\n"
                                              : "The record is not final yet.\n");
  }
  return 0;
}

Json item_json(int item) { return item > 0 ? Json(item - 1) : Json(nullptr); }
Json until_json(const std::string& until) { return until.empty() ? Json(nullptr) : Json(until); }

}  // namespace

int verify_record_files(const VerifyArgs& args, const Globals& g) {
  auto trust = load_trust(args.trust_file, args.party_keys);
  if (!trust) return report(trust.error(), 2);
  std::vector<record::VerifiedRecord> records;
  for (std::size_t i = 0; i < args.files.size(); ++i) {
    const auto& file = args.files[i];
    auto j = parse_file(file);
    if (!j) return report(make_error("verify_failed", j.error().message), 4);
    if (j->is_object() && j->contains("type") && (*j)["type"] == record::kExcerptType) {
      if (args.files.size() > 1) return report(make_error("usage", "verify one excerpt at a time"), 2);
      if (args.require_final) return report(make_error("usage", "--require-final is for records, not excerpts"), 2);
      auto e = record::verify_excerpt(*j, *trust);
      if (!e) return report(make_error("verify_failed", "DOES NOT VERIFY: " + file + ": " + e.error().message), 4);
      if (g.json) {
        print_json({{"verified", true}, {"meeting", e->meeting}, {"entries", e->entries.size()},
                    {"checkpoint_size", e->checkpoint.size}, {"pinned", e->pinned}});
      } else {
        std::cout << record::excerpt_report(*e);
      }
      return 0;
    }
    auto v = record::verify_record(*j, record::VerifyOptions{*trust, args.require_final});
    if (!v) return report(make_error("verify_failed", "DOES NOT VERIFY: " + file + ": " + v.error().message), 4);
    records.push_back(std::move(*v));
  }
  if (auto s = record::verify_series(records); !s)
    return report(make_error("verify_failed", "DOES NOT VERIFY: the series: " + s.error().message), 4);
  if (g.json) {
    Json out = Json::array();
    for (const auto& r : records)
      out.push_back({{"verified", true}, {"meeting", r.log.meeting}, {"acts", r.log.acts.size()},
                     {"entries", r.log.state.record.order.size()}, {"checkpoints", r.checkpoints.size()},
                     {"final", r.final()}, {"terms_hash", r.log.state.terms_hash()}});
    print_json(records.size() == 1 ? out[0] : out);
    return 0;
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i) std::cout << "\n";
    std::cout << record::report_text(records[i], i ? &records[i - 1] : nullptr);
  }
  std::cout << "\nEverything verifies.\n";
  return 0;
}

void add_record_commands(CLI::App& app, const Globals& g, int& rc) {
  auto* rec = app.add_subcommand("record", "The record of the talks: entries, cosigning, export (docs/record.md)");
  rec->require_subcommand(1);

  // Shared option storage: one subcommand runs per process.
  static std::string meeting, text, scope, until, speaker, giver, hash, reason, status, of_meeting, note, out;
  static std::vector<std::string> present;
  static int item = 0;
  static bool html = false;

  // Signs one entry on top of the meeting as the server shows it now.
  auto entry = [&g, &rc](Kind kind, std::function<Expected<Json>(const Json& view, const Profile&)> body,
                         std::string done) {
    return [&g, &rc, kind, body, done] {
      auto s = open_session(g);
      if (!s) { rc = report(s.error()); return; }
      auto view = (*s)->call("GET", "/api/v1/meetings/" + meeting);
      if (!view) { rc = report(view.error()); return; }
      auto b = body(*view, (*s)->profile());
      if (!b) { rc = report(b.error(), 2); return; }
      auto res = (*s)->act(*view, kind, *b);
      if (res) {
        // The answer is the meeting as this entry's commit left it: its head is the entry.
        const auto hash = (*res)["head"].get<std::string>();
        if (auto st = remember_entry((*s)->profile(), meeting, hash); !st) { rc = report(st.error()); return; }
        if (!g.json) std::cout << "Entry " << hash << "\n";
      }
      rc = finish(**s, g, res, done);
    };
  };
  auto add = [&](const char* name, const char* help) {
    auto* c = rec->add_subcommand(name, help);
    c->add_option("meeting", meeting, "Meeting id")->required();
    return c;
  };
  auto add_text = [&](CLI::App* c, const char* help) { c->add_option("--text", text, help)->required(); };
  auto add_item = [&](CLI::App* c) {
    c->add_option("--item", item, "Agenda item, numbered from 1 (default: none)")->check(CLI::PositiveNumber);
  };
  auto add_present = [&](CLI::App* c) {
    c->add_option("--present", present, "Member id present; repeat (default: yourself)");
  };
  auto present_json = [](const Profile& p) { return present.empty() ? Json::array({p.member}) : Json(present); };
  auto other_party = [](const Json& view, const Profile& p) {
    const auto& parties = view["parties"];
    return parties[0]["id"] == p.party ? parties[1]["id"].get<std::string>() : parties[0]["id"].get<std::string>();
  };
  auto ok = [](Json j) -> Expected<Json> { return j; };

  auto* open = add("open", "Open a session of the talks, with those present");
  add_present(open);
  open->callback(entry(Kind::session_open, [&](const Json&, const Profile& p) { return ok({{"present", present_json(p)}}); },
                       "Session opened."));
  auto* close = add("close", "Close the session, with those present at the end");
  add_present(close);
  close->callback(entry(Kind::session_close, [&](const Json&, const Profile& p) { return ok({{"present", present_json(p)}}); },
                        "Session closed."));

  auto* minute = add("minute", "Record a minute (rapporteur or negotiator)");
  add_text(minute, "The minute");
  add_item(minute);
  minute->callback(entry(Kind::minute, [&](const Json&, const Profile&) { return ok({{"item", item_json(item)}, {"text", text}}); },
                         "Minute recorded."));

  auto* statement = add("statement", "Record a statement, yours or (as rapporteur) a member's of your party");
  add_text(statement, "What was said");
  add_item(statement);
  statement->add_option("--speaker", speaker, "Member id of the speaker (default: yourself)");
  statement->callback(entry(Kind::statement, [&](const Json&, const Profile& p) {
    return ok({{"speaker", speaker.empty() ? p.member : speaker}, {"item", item_json(item)}, {"text", text}});
  }, "Statement recorded."));

  auto* draft = add("draft", "Draft an assurance for the giving party's principal to sign");
  add_text(draft, "The assurance");
  add_item(draft);
  draft->add_option("--giver", giver, "Party that gives it")->required();
  draft->add_option("--scope", scope, "What it covers")->required();
  draft->add_option("--until", until, "Time limit, RFC 3339 UTC (default: none)");
  draft->callback(entry(Kind::assurance_draft, [&](const Json&, const Profile&) {
    return ok({{"giver", giver}, {"item", item_json(item)}, {"text", text}, {"scope", scope}, {"until", until_json(until)}});
  }, "Assurance drafted."));

  auto* assure = add("assure", "Give an assurance to the other party (leader or negotiator); binding");
  add_text(assure, "The assurance");
  add_item(assure);
  assure->add_option("--scope", scope, "What it covers")->required();
  assure->add_option("--until", until, "Time limit, RFC 3339 UTC (default: none)");
  assure->add_option("--draft", hash, "Hash of the draft it signs");
  assure->callback(entry(Kind::assurance, [&](const Json& view, const Profile& p) {
    return ok({{"to", other_party(view, p)}, {"item", item_json(item)}, {"text", text}, {"scope", scope},
               {"until", until_json(until)}, {"draft", hash.empty() ? Json(nullptr) : Json(hash)}});
  }, "Assurance given."));

  auto* ack = add("acknowledge", "Acknowledge an assurance to your party: received as recorded (not agreed)");
  ack->add_option("hash", hash, "Hash of the assurance entry")->required();
  ack->callback(entry(Kind::acknowledge, [&](const Json&, const Profile&) { return ok({{"assurance", hash}}); },
                      "Assurance acknowledged."));

  auto* readout = add("readout", "Publish your party's readout of the meeting (leader or negotiator)");
  add_text(readout, "The readout");
  readout->callback(entry(Kind::readout, [&](const Json&, const Profile&) { return ok({{"text", text}}); }, "Readout published."));

  auto* joint = add("joint", "Sign a joint statement; published once the other party countersigns");
  add_text(joint, "The statement");
  joint->callback(entry(Kind::joint_statement, [&](const Json&, const Profile&) { return ok({{"text", text}}); },
                        "Joint statement signed."));
  auto* counter = add("countersign", "Countersign the other party's joint statement");
  counter->add_option("hash", hash, "Hash of the joint statement entry")->required();
  counter->callback(entry(Kind::countersign, [&](const Json&, const Profile&) { return ok({{"statement", hash}}); },
                          "Joint statement countersigned."));

  auto* correct = add("correct", "Correct a minute, statement or readout with a later entry");
  correct->add_option("hash", hash, "Hash of the entry")->required();
  add_text(correct, "The corrected text");
  correct->add_option("--reason", reason, "Why")->required();
  correct->callback(entry(Kind::correction, [&](const Json&, const Profile&) {
    return ok({{"entry", hash}, {"text", text}, {"reason", reason}});
  }, "Correction recorded."));

  auto* st = add("status", "Record the status of an assurance (of this meeting or its predecessor)");
  st->add_option("hash", hash, "Hash of the assurance entry")->required();
  st->add_option("--status", status, "fulfilled, in_dispute or withdrawn")->required();
  st->add_option("--of", of_meeting, "Meeting the assurance was given in (default: the predecessor)");
  st->add_option("--note", note, "A note");
  st->callback(entry(Kind::assurance_status, [&](const Json& view, const Profile&) -> Expected<Json> {
    std::string of = of_meeting;
    if (of.empty()) {
      const auto& pred = view["terms"].is_object() ? view["terms"]["predecessor"] : Json(nullptr);
      if (!pred.is_string()) return make_error("usage", "the meeting has no predecessor: give --of");
      of = pred.get<std::string>();
    }
    return Json{{"assurance", hash}, {"meeting", of}, {"status", status}, {"note", note}};
  }, "Status recorded."));

  auto* cos = add("cosign", "Check the server's latest checkpoint against the record and cosign it for your party");
  cos->callback([&g, &rc] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    rc = cosign(**s, g, meeting);
  });

  auto* show = add("show", "Fetch the record, verify it with the pinned keys and print the report");
  show->callback([&g, &rc] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto r = fetch_verified(**s, meeting);
    if (!r) { rc = report(r.error(), 4); return; }
    std::cout << record::report_text(r->verified);
  });

  auto* exp = add("export", "Write the record as one JSON file (or a printable HTML page)");
  exp->add_option("-o,--output", out, "File to write (default: standard output)");
  exp->add_flag("--html", html, "A printable page instead of JSON (the record is verified first)");
  exp->callback([&g, &rc] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    if (html) {
      auto r = fetch_verified(**s, meeting);
      if (!r) { rc = report(r.error(), 4); return; }
      if (auto st2 = write_output(out, record::report_html(r->verified), "the printable record"); !st2) rc = report(st2.error());
      return;
    }
    auto doc = (*s)->call("GET", "/api/v1/meetings/" + meeting + "/record");
    if (!doc) { rc = report(doc.error()); return; }
    if (auto st2 = write_output(out, doc->dump(2) + "\n", std::to_string((*doc)["acts"].size()) + " acts"); !st2)
      rc = report(st2.error());
  });

  auto* pin = add("pin", "Write a trust file (parley.trust/1): the keys that signed the terms, and the principals' and rapporteurs' on the signed roster");
  pin->add_option("-o,--output", out, "File to write (default: standard output)");
  pin->callback([&g, &rc] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto r = fetch_verified(**s, meeting);
    if (!r) { rc = report(r.error(), 4); return; }
    auto t = signer_trust(r->doc);
    if (!t) { rc = report(t.error()); return; }
    // And, from the signed roster of the verified record, everyone who may
    // sign what is published and cosign checkpoints (principals and
    // rapporteurs), for excerpts.
    for (const auto& [id, e] : r->verified.log.state.record.roster)
      if (negotiation::cosigner_party(r->verified.log.state, id)) t->keys[e.party].insert(e.key);
    if (auto st2 = write_output(out, record::trust_to_json(*t).dump(2) + "\n", "the trust file"); !st2) rc = report(st2.error());
  });
}

}  // namespace parley::cli
