#include "cli/commands.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command_support.h"
#include "cli/output.h"
#include "cli/terms_options.h"
#include "crypto/hash.h"
#include "negotiation/log_verifier.h"

namespace parley::cli {

int report(const Error& e, int code) {
  std::cerr << "parley: " << e.message << " [" << e.code << "]\n";
  return code;
}

Expected<std::unique_ptr<Session>> open_session(const Globals& g) {
  auto p = load_profile(config_root(g.config_dir) / g.profile);
  if (!p) return p.error();
  auto s = Session::open(std::move(*p));
  if (s) (*s)->set_print_only(g.print_act);
  return s;
}

Expected<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("io_error", "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void print_json(const Json& j) { std::cout << j.dump(2) << "\n"; }

// Prints the outcome of a write; a 409 shows the state the write lost against.
int finish(Session& s, const Globals& g, const Expected<Json>& res, const std::string& done_message) {
  if (!res && res.error().code == "printed") return 0;
  if (res) {
    if (g.json) {
      print_json(*res);
    } else {
      std::cout << done_message << "\n\n";
      print_meeting(std::cout, *res);
    }
    return 0;
  }
  const auto& le = s.last_error();
  if (le.status == 409) {
    std::cerr << "parley: refused: " << res.error().message << " [" << res.error().code << "]\n";
    if (le.body.is_object() && le.body.contains("current")) {
      std::cerr << "The meeting now stands as follows; review it and try again.\n\n";
      if (g.json) {
        print_json(le.body);
      } else {
        print_meeting(std::cerr, le.body["current"]);
      }
    }
    return 3;
  }
  return report(res.error());
}

namespace {

void add_terms_options(CLI::App* cmd, TermsOptions& o) {
  cmd->add_option("--title", o.title, "Title of the meeting");
  cmd->add_option("--format", o.format, "Format (only \"video\")");
  cmd->add_option("--start", o.start, "Start, RFC 3339 UTC, e.g. 2026-12-07T15:00:00Z");
  cmd->add_option("--duration", o.duration, "Duration in minutes (5 to 720)");
  cmd->add_option("--roster", o.roster, "Roster entry MEMBER:ROLE (id or exact name); repeat for each person. "
                                        "Roles: negotiator leader aide interpreter observer rapporteur");
  cmd->add_option("--language", o.languages, "Language of the meeting (en, ru, ...); repeat or comma-separate");
  cmd->add_option("--interpreter", o.interpreters, "Interpreter MEMBER:LANG-LANG covering a language pair; repeat");
  cmd->add_option("--agenda", o.agenda, "Agenda item, in order; repeat for each item");
  cmd->add_option("--announce-text", o.announce_text, "Text of the public announcement");
  cmd->add_option("--announce-at", o.announce_at, "When to publish: on_agreement or an RFC 3339 UTC instant");
  cmd->add_option("--predecessor", o.predecessor, "Meeting this one builds on (id, or none)");
  cmd->add_option("--set", o.raw, "Any parameter as raw JSON: PARAM=VALUE; repeat");
}

std::vector<std::string> party_ids(const Json& meeting) {
  return {meeting["parties"][0]["id"].get<std::string>(), meeting["parties"][1]["id"].get<std::string>()};
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"parley: negotiate a meeting's terms with the other delegation, as signed acts.\n"
               "Your identity key never leaves this machine; the server keeps public keys only.",
               "parley"};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--profile", g.profile, "Profile name: one identity per profile (default \"default\")");
  app.add_option("--config-dir", g.config_dir, "Where profiles live (default $PARLEY_CONFIG_DIR or ~/.config/parley)");
  app.add_flag("--json", g.json, "Print machine-readable JSON");
  app.add_flag("--print-act", g.print_act,
               "Sign the act (create, propose, accept, sign, withdraw) and print its envelope instead "
               "of sending it: for review, or to carry it to the server another way");
  app.set_version_flag("--version", "parley 0.1.0");
  int rc = 0;

  // ---- enroll
  std::string server, code, fingerprint;
  auto* enroll = app.add_subcommand("enroll", "Create your identity key and register it with an invitation code");
  enroll->add_option("--server", server, "parleyd URL, e.g. http://127.0.0.1:8080")->required();
  enroll->add_option("--code", code, "One-time invitation code from your operator")->required();
  enroll->add_option("--tls-fingerprint", fingerprint, "SHA-256 fingerprint of the server's certificate to pin");
  enroll->callback([&] {
    auto dir = config_root(g.config_dir) / g.profile;
    if (std::filesystem::exists(dir / "profile.json")) {
      rc = report(make_error("conflict", "profile \"" + g.profile + "\" is already enrolled (" + dir.string() + "); use --profile"));
      return;
    }
    auto http = Session::connect(server, fingerprint);
    if (!http) { rc = report(http.error()); return; }
    auto key = crypto::SecretKey::generate();
    std::string pk = base64url_encode(key.public_key());
    Json proof_doc = {{"type", "parley.enroll/1"}, {"code", code}, {"public_key", pk}};
    auto proof = key.sign(as_bytes(negotiation::signing_bytes(proof_doc)));
    Json body = {{"code", code}, {"public_key", pk}, {"proof", base64url_encode(proof)}};
    auto res = (*http)->request("POST", "/api/v1/enroll", body.dump());
    if (!res) { rc = report(res.error()); return; }
    auto j = json::parse_strict(res->body);
    if (res->status != 201 || !j) {
      rc = report(j && j->contains("error") ? make_error((*j)["error"]["code"], (*j)["error"]["message"])
                                            : make_error("bad_response", "enrollment failed: HTTP " + std::to_string(res->status)));
      return;
    }
    if (auto s = save_identity(dir, key); !s) { rc = report(s.error()); return; }
    Profile p{dir, server, (*j)["id"], (*j)["party"], (*j)["name"], fingerprint};
    if (auto s = save_profile(p); !s) { rc = report(s.error()); return; }
    if (g.json) return print_json(*j);
    std::cout << "Enrolled " << p.name << " (" << p.member << ") in party " << p.party << ".\n"
              << "Public key: " << pk << "\nIdentity key: " << (dir / "identity.key").string() << " (mode 0600)\n";
  });

  // ---- whoami / parties / members
  auto* whoami = app.add_subcommand("whoami", "Sign in and show who you are");
  whoami->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto me = (*s)->call("GET", "/api/v1/me");
    if (!me) { rc = report(me.error()); return; }
    if (g.json) return print_json(*me);
    std::cout << (*me)["name"].get<std::string>() << " (" << (*me)["id"].get<std::string>() << "), party "
              << (*me)["party"].get<std::string>() << ", roles " << (*me)["roles"].dump() << "\nkey " << (*me)["key"].get<std::string>() << "\n";
  });
  auto* parties = app.add_subcommand("parties", "List the delegations");
  parties->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto list = (*s)->call("GET", "/api/v1/parties");
    if (!list) { rc = report(list.error()); return; }
    if (g.json) return print_json(*list);
    for (const auto& p : *list)
      std::cout << p["id"].get<std::string>() << "\t" << p["name"].get<std::string>() << "\t" << p["time_zone"].get<std::string>() << "\n";
  });
  std::string party_arg;
  auto* members = app.add_subcommand("members", "List the enrolled members of a party, with their keys");
  members->add_option("party", party_arg, "Party id")->required();
  members->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto list = (*s)->call("GET", "/api/v1/parties/" + party_arg + "/members");
    if (!list) { rc = report(list.error()); return; }
    if (g.json) return print_json(*list);
    for (const auto& m : *list)
      std::cout << m["id"].get<std::string>() << "\t" << m["name"].get<std::string>() << "\t" << m["roles"].dump()
                << "\t" << m["key"].get<std::string>() << "\n";
  });

  // ---- meetings / show
  auto* meetings = app.add_subcommand("meetings", "List your party's meetings and what each waits on");
  meetings->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto list = (*s)->call("GET", "/api/v1/meetings");
    if (!list) { rc = report(list.error()); return; }
    if (g.json) return print_json(*list);
    print_meeting_list(std::cout, *list);
  });
  std::string meeting_id;
  auto* show = app.add_subcommand("show", "Show a meeting: every parameter, who accepted it, the start in both zones");
  show->add_option("meeting", meeting_id, "Meeting id")->required();
  show->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto m = (*s)->call("GET", "/api/v1/meetings/" + meeting_id);
    if (!m) { rc = report(m.error()); return; }
    if (g.json) return print_json(*m);
    Names names;
    for (const auto& party : party_ids(*m))
      if (auto list = (*s)->call("GET", "/api/v1/parties/" + party + "/members"))
        for (const auto& mem : *list) names[mem["id"].get<std::string>()] = mem["name"].get<std::string>();
    print_meeting(std::cout, *m, names);
  });

  // ---- create
  TermsOptions create_opts;
  std::string counterparty, new_id;
  auto* create = app.add_subcommand("create", "Open a negotiation with another party, with opening proposals");
  create->add_option("--with", counterparty, "The other party's id")->required();
  create->add_option("--id", new_id, "Meeting id (default: random)");
  add_terms_options(create, create_opts);
  create->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto props = build_proposals(**s, create_opts, nullptr, {(*s)->profile().party, counterparty});
    if (!props) { rc = report(props.error()); return; }
    std::string id = new_id.empty() ? "mtg_" + crypto::random_hex(12) : new_id;
    auto res = (*s)->create(id, Json{{"counterparty", counterparty}, {"proposals", *props}});
    rc = finish(**s, g, res, "Created meeting " + id + ".");
  });

  // ---- propose
  TermsOptions propose_opts;
  auto* propose = app.add_subcommand("propose", "Counter-propose one or more parameters (one signed act each)");
  propose->add_option("meeting", meeting_id, "Meeting id")->required();
  add_terms_options(propose, propose_opts);
  propose->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto m = (*s)->call("GET", "/api/v1/meetings/" + meeting_id);
    if (!m) { rc = report(m.error()); return; }
    auto props = build_proposals(**s, propose_opts, *m, party_ids(*m));
    if (!props) { rc = report(props.error()); return; }
    if (props->empty()) { rc = report(make_error("usage", "say what to propose, e.g. --start 2026-12-07T15:00:00Z"), 2); return; }
    Json state = *m;
    std::string names;
    for (const auto& [param, value] : props->items()) {
      auto res = (*s)->act(state, negotiation::Kind::propose, Json{{"param", param}, {"value", value}});
      if (!res) { rc = finish(**s, g, res, ""); return; }
      state = *res;
      names += (names.empty() ? "" : ", ") + param;
    }
    rc = finish(**s, g, state, "Proposed " + names + ".");
  });

  // ---- accept
  std::vector<std::string> accept_params;
  std::int64_t accept_rev = 0;
  bool accept_all = false;
  auto* accept = app.add_subcommand("accept", "Accept the current proposal of parameters (or --all of them)");
  accept->add_option("meeting", meeting_id, "Meeting id")->required();
  accept->add_option("params", accept_params, "Parameters to accept");
  accept->add_option("--rev", accept_rev, "Accept only this revision (one parameter)");
  accept->add_flag("--all", accept_all, "Accept every parameter your party has not accepted yet");
  accept->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto m = (*s)->call("GET", "/api/v1/meetings/" + meeting_id);
    if (!m) { rc = report(m.error()); return; }
    const std::string mine = (*s)->profile().party;
    std::vector<std::string> todo = accept_params;
    if (accept_all) {
      todo.clear();
      for (const auto& [name, p] : (*m)["parameters"].items()) {
        bool have = false;
        for (const auto& x : p["accepted_by"]) have |= x == mine;
        if (p["rev"] != 0 && !have) todo.push_back(name);
      }
    }
    if (todo.empty()) { rc = report(make_error("usage", "nothing to accept: name parameters or use --all"), 2); return; }
    if (accept_rev != 0 && todo.size() != 1) { rc = report(make_error("usage", "--rev goes with exactly one parameter"), 2); return; }
    Json state = *m;
    for (const auto& param : todo) {
      if (!state["parameters"].contains(param)) { rc = report(make_error("unknown_parameter", "no parameter " + param), 2); return; }
      auto rev = accept_rev ? accept_rev : state["parameters"][param]["rev"].get<std::int64_t>();
      auto res = (*s)->act(state, negotiation::Kind::accept, Json{{"param", param}, {"rev", rev}});
      if (!res) { rc = finish(**s, g, res, ""); return; }
      state = *res;
    }
    std::string names;
    for (const auto& p : todo) names += (names.empty() ? "" : ", ") + p;
    rc = finish(**s, g, state, "Accepted " + names + ".");
  });

  // ---- sign
  std::string expect_hash;
  auto* sign = app.add_subcommand("sign", "Sign the agreed terms (every parameter agreed by both parties)");
  sign->add_option("meeting", meeting_id, "Meeting id")->required();
  sign->add_option("--hash", expect_hash, "Sign only if the terms hash is exactly this");
  sign->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto m = (*s)->call("GET", "/api/v1/meetings/" + meeting_id);
    if (!m) { rc = report(m.error()); return; }
    if ((*m)["terms"].is_null() || !(*m)["all_agreed"].get<bool>()) {
      rc = report(make_error("not_agreed", "not every parameter is agreed yet; see parley show " + meeting_id), 1);
      return;
    }
    // Hash the terms here rather than trusting the server's figure: this is
    // the document the signature commits to.
    std::string hash = crypto::sha256_hex(json::canonicalize((*m)["terms"]));
    if (hash != (*m)["terms_hash"]) { rc = report(make_error("bad_response", "the server's terms hash does not match its terms")); return; }
    if (!expect_hash.empty() && expect_hash != hash) {
      rc = report(make_error("terms_hash_mismatch", "the terms hash is " + hash + ", not " + expect_hash), 3);
      return;
    }
    if (!g.json) std::cout << "Signing terms " << hash << ":\n" << json::canonicalize((*m)["terms"]) << "\n\n";
    auto res = (*s)->act(*m, negotiation::Kind::sign, Json{{"terms_hash", hash}});
    rc = finish(**s, g, res, "Signed terms " + hash + ".");
  });

  // ---- withdraw
  std::string reason;
  auto* withdraw = app.add_subcommand("withdraw", "Withdraw from the meeting, with a reason (published if announced)");
  withdraw->add_option("meeting", meeting_id, "Meeting id")->required();
  withdraw->add_option("--reason", reason, "Why")->required();
  withdraw->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto m = (*s)->call("GET", "/api/v1/meetings/" + meeting_id);
    if (!m) { rc = report(m.error()); return; }
    auto res = (*s)->act(*m, negotiation::Kind::withdraw, Json{{"reason", reason}});
    rc = finish(**s, g, res, "Withdrawn.");
  });

  // ---- export / verify
  std::string out_file;
  auto* exp = app.add_subcommand("export", "Export the meeting's signed log (verifiable offline)");
  exp->add_option("meeting", meeting_id, "Meeting id")->required();
  exp->add_option("-o,--output", out_file, "File to write (default: standard output)");
  exp->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    auto x = (*s)->call("GET", "/api/v1/meetings/" + meeting_id + "/export");
    if (!x) { rc = report(x.error()); return; }
    std::string text = x->dump(2) + "\n";
    if (out_file.empty()) { std::cout << text; return; }
    std::ofstream out(out_file);
    if (!(out << text)) { rc = report(make_error("io_error", "cannot write " + out_file)); return; }
    std::cout << "Wrote " << (*x)["acts"].size() << " signed acts to " << out_file << "\n";
  });
  VerifyArgs vargs;
  auto* verify = app.add_subcommand(
      "verify", "Verify offline, with no server: an exported log (signatures, chain, rules), or a record of the "
                "talks, an excerpt or a series of records (also checkpoints, cosignatures, the trusted party keys)");
  verify->add_option("files", vargs.files, "Exported log, record(s) oldest first, or excerpt")->required();
  verify->add_option("--trust", vargs.trust_file, "Trust file (parley.trust/1) pinning the parties' keys");
  verify->add_option("--party-key", vargs.party_keys, "PARTY=KEY: a key the party vouches for; repeat");
  verify->add_flag("--require-final", vargs.require_final, "Fail unless the record is final");
  verify->callback([&] {
    const std::string& in_file = vargs.files.front();
    auto text = read_file(in_file);
    if (!text) { rc = report(text.error()); return; }
    auto j = json::parse_strict(*text, json::ParseLimits{64, 256 << 20});
    if (!j) { rc = report(make_error("verify_failed", in_file + ": " + j.error().message), 4); return; }
    if (!j->is_object() || !j->contains("type") || (*j)["type"] != negotiation::kExportType) {
      rc = verify_record_files(vargs, g);
      return;
    }
    if (vargs.files.size() > 1) { rc = report(make_error("usage", "verify one exported log at a time"), 2); return; }
    auto v = negotiation::verify_export(*j);
    if (!v) { rc = report(make_error("verify_failed", "DOES NOT VERIFY: " + v.error().message), 4); return; }
    if (g.json) {
      const auto& st = v->state;
      Json sigs = Json::object();
      for (const auto& [party, sg] : st.signatures) sigs[party] = {{"member", sg.member}, {"terms_hash", sg.terms_hash}};
      return print_json({{"verified", true}, {"meeting", v->meeting}, {"acts", v->acts.size()},
                         {"agreed", st.agreed_at.has_value()}, {"terms_hash", st.terms_hash()},
                         {"signatures", sigs}, {"withdrawn", st.withdrawal.has_value()}, {"head", st.head}});
    }
    print_verified(std::cout, *v);
  });
  add_record_commands(app, g, rc);

  // ---- watch
  int watch_count = 0, watch_timeout = 0;
  auto* watch = app.add_subcommand("watch", "Print the meeting's new acts as they are appended (WebSocket)");
  watch->add_option("meeting", meeting_id, "Meeting id")->required();
  watch->add_option("--count", watch_count, "Exit after this many acts");
  watch->add_option("--timeout", watch_timeout, "Exit with status 1 after this many seconds without the count");
  watch->callback([&] {
    auto s = open_session(g);
    if (!s) { rc = report(s.error()); return; }
    // A call first: it signs in again if the saved token is stale.
    if (auto me = (*s)->call("GET", "/api/v1/meetings/" + meeting_id); !me) { rc = report(me.error()); return; }
    auto token = (*s)->token();
    if (!token) { rc = report(token.error()); return; }
    client::Options opts;
    opts.fingerprint = (*s)->profile().tls_fingerprint;
    auto live = client::LiveClient::connect((*s)->profile().server, "/api/v1/live", *token, opts);
    if (!live) { rc = report(live.error()); return; }
    (void)(*live)->send(Json{{"type", "subscribe"}, {"meeting", meeting_id}}.dump());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(watch_timeout ? watch_timeout : 1 << 30);
    int seen = 0;
    while (watch_count == 0 || seen < watch_count) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) { rc = report(make_error("timeout", "timed out waiting for acts")); return; }
      auto msg = (*live)->receive(left);
      if (!msg) { rc = report(msg.error()); return; }
      auto j = json::parse_strict(*msg);
      if (!j) continue;
      auto type = j->value("type", "");
      if (type == "error") { rc = report(make_error((*j)["code"], (*j)["message"])); return; }
      if (type == "subscribed") {
        if (!g.json) std::cout << "Watching " << meeting_id << " (" << (*j)["state"]["length"].get<std::int64_t>() << " acts so far)\n" << std::flush;
        continue;
      }
      if (type != "act") continue;
      ++seen;
      if (g.json) {
        std::cout << j->dump() << "\n" << std::flush;
      } else {
        const auto& a = (*j)["envelope"]["act"];
        std::cout << (*j)["seq"].get<std::int64_t>() << "  " << a["at"].get<std::string>() << "  " << a["author"].get<std::string>()
                  << "  " << a["kind"].get<std::string>() << "  " << a["body"].dump() << "  -> " << (*j)["status"].get<std::string>() << "\n" << std::flush;
      }
    }
  });

  // ---- admin
  std::string admin_server = "http://127.0.0.1:8080", data_dir = "parley-data", token_file, admin_pin;
  auto* admin = app.add_subcommand("admin", "Operator commands on the server host (local admin credential)");
  admin->require_subcommand(1);
  admin->add_option("--server", admin_server, "parleyd URL (default http://127.0.0.1:8080)");
  admin->add_option("--data-dir", data_dir, "parleyd's data directory, holding admin.token (default ./parley-data)");
  admin->add_option("--token-file", token_file, "Admin credential file (default DATA_DIR/admin.token)");
  admin->add_option("--tls-fingerprint", admin_pin, "SHA-256 fingerprint of the server's certificate to pin");
  auto admin_call = [&](const std::string& method, const std::string& target, const std::optional<Json>& body) -> Expected<Json> {
    auto token = read_file(token_file.empty() ? (std::filesystem::path(data_dir) / "admin.token").string() : token_file);
    if (!token) return token.error();
    std::string t = *token;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    auto http = Session::connect(admin_server, admin_pin);
    if (!http) return http.error();
    auto res = (*http)->request(method, target, body ? body->dump() : "", t);
    if (!res) return res.error();
    auto j = json::parse_strict(res->body);
    if (!j) return make_error("bad_response", "invalid JSON from server");
    if (res->status >= 300) return make_error((*j)["error"]["code"], (*j)["error"]["message"]);
    return j;
  };
  std::string p_id, p_name, p_tz;
  auto* mkparty = admin->add_subcommand("create-party", "Create a delegation");
  mkparty->add_option("--id", p_id, "Short id: a-z, 0-9, '-' (e.g. east)")->required();
  mkparty->add_option("--name", p_name, "Display name")->required();
  mkparty->add_option("--time-zone", p_tz, "Home time zone, IANA name (e.g. Europe/Moscow)")->required();
  mkparty->callback([&] {
    auto r = admin_call("POST", "/admin/v1/parties", Json{{"id", p_id}, {"name", p_name}, {"time_zone", p_tz}});
    if (!r) { rc = report(r.error()); return; }
    if (g.json) return print_json(*r);
    std::cout << "Created party " << p_id << " (" << p_name << ", " << p_tz << ")\n";
  });
  std::string i_party, i_name;
  std::vector<std::string> i_roles;
  int i_hours = 72;
  auto* invite = admin->add_subcommand("invite", "Create a one-time invitation code for a new member");
  invite->add_option("--party", i_party, "Party id")->required();
  invite->add_option("--name", i_name, "The member's name")->required();
  invite->add_option("--role", i_roles, "negotiator, leader, aide, interpreter, observer or rapporteur; repeat")->required();
  invite->add_option("--expires-hours", i_hours, "Hours the code stays valid (default 72)");
  invite->callback([&] {
    Json roles = i_roles;
    auto r = admin_call("POST", "/admin/v1/parties/" + i_party + "/invitations",
                        Json{{"name", i_name}, {"roles", roles}, {"expires_in_hours", i_hours}});
    if (!r) { rc = report(r.error()); return; }
    if (g.json) return print_json(*r);
    std::cout << (*r)["code"].get<std::string>() << "\n";
    std::cerr << "Invitation for " << i_name << " (" << i_party << "), valid until " << (*r)["expires_at"].get<std::string>() << "\n";
  });
  auto* aparties = admin->add_subcommand("parties", "List parties, members and open invitations");
  aparties->callback([&] {
    auto r = admin_call("GET", "/admin/v1/parties", std::nullopt);
    if (!r) { rc = report(r.error()); return; }
    if (g.json) return print_json(*r);
    for (const auto& p : *r) {
      std::cout << p["id"].get<std::string>() << "  " << p["name"].get<std::string>() << "  " << p["time_zone"].get<std::string>()
                << "  (" << p["open_invitations"].get<std::int64_t>() << " open invitations)\n";
      for (const auto& m : p["members"])
        std::cout << "    " << m["id"].get<std::string>() << "  " << m["name"].get<std::string>() << "  " << m["roles"].dump() << "\n";
    }
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;  // commands.h: 2 is bad usage
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "parley: unexpected response from the server: " << e.what() << "\n";
    return 1;
  }
  return rc;
}

}  // namespace parley::cli
