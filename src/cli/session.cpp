#include "cli/session.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace parley::cli {

Expected<std::unique_ptr<client::HttpClient>> Session::connect(const std::string& server,
                                                               const std::string& fingerprint) {
  client::Options opts;
  opts.fingerprint = fingerprint;
  return client::HttpClient::create(server, opts);
}

Expected<std::unique_ptr<Session>> Session::open(Profile profile) {
  auto key = load_identity(profile.dir);
  if (!key) return key.error();
  auto http = connect(profile.server, profile.tls_fingerprint);
  if (!http) return http.error();
  auto s = std::unique_ptr<Session>(new Session(std::move(profile), std::move(*key), std::move(*http)));
  // Reuse a saved token while it lasts.
  std::ifstream in(s->profile_.dir / "session.json");
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    if (auto j = json::parse_strict(ss.str()); j && j->is_object()) {
      auto exp = parse_utc(j->value("expires_at", ""));
      if (exp && *exp > now_seconds() + std::chrono::minutes(1)) s->token_ = j->value("token", "");
    }
  }
  return s;
}

Expected<std::string> Session::token() {
  if (token_.empty())
    if (auto s = sign_in(); !s) return s.error();
  return token_;
}

Status Session::sign_in() {
  token_.clear();
  auto ch = call("POST", "/api/v1/auth/challenge", Json{{"member", profile_.member}});
  if (!ch) return ch.error();
  std::string challenge = (*ch)["challenge"].get<std::string>();
  Json doc = {{"type", "parley.signin/1"}, {"member", profile_.member}, {"challenge", challenge}};
  auto sig = key_.sign(as_bytes(negotiation::signing_bytes(doc)));
  auto res = call("POST", "/api/v1/auth/session",
                  Json{{"member", profile_.member}, {"challenge", challenge}, {"signature", base64url_encode(sig)}});
  if (!res) return res.error();
  token_ = (*res)["token"].get<std::string>();
  token_fresh_ = true;
  Json saved = {{"token", token_}, {"expires_at", (*res)["expires_at"]}};
  (void)write_private_file(profile_.dir / "session.json", saved.dump() + "\n");
  return ok_status();
}

Expected<Json> Session::call(const std::string& method, const std::string& target,
                             const std::optional<Json>& body) {
  bool needs_auth = target.rfind("/api/v1/auth/", 0) != 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (needs_auth && token_.empty())
      if (auto s = sign_in(); !s) return s.error();
    auto res = http_->request(method, target, body ? body->dump() : std::string(), needs_auth ? token_ : "");
    if (!res) {
      last_error_ = CallError{res.error(), 0, nullptr};
      return res.error();
    }
    auto parsed = json::parse_strict(res->body);
    if (res->status >= 200 && res->status < 300) {
      if (!parsed) return make_error("bad_response", "the server sent invalid JSON: " + parsed.error().message);
      return *parsed;
    }
    // 401: the token expired. 404 with a token saved by an earlier run: the
    // server may have restarted (sessions live in its memory), and routes
    // that name a meeting answer 404 rather than 401 to keep the embargo.
    if (needs_auth && attempt == 0 && (res->status == 401 || (res->status == 404 && !token_fresh_))) {
      token_.clear();
      continue;
    }
    Error e = make_error("http_" + std::to_string(res->status), "HTTP " + std::to_string(res->status));
    if (parsed && parsed->is_object() && parsed->contains("error"))
      e = make_error((*parsed)["error"].value("code", e.code), (*parsed)["error"].value("message", e.message));
    last_error_ = CallError{e, res->status, parsed ? *parsed : Json(nullptr)};
    return e;
  }
  return last_error_.error;
}

Expected<Json> Session::submit(const std::string& target, const negotiation::Act& act) {
  auto signed_act = negotiation::sign_act(act, key_);
  if (print_only_) {
    std::cout << signed_act.envelope().dump() << "\n";
    return make_error("printed", "the act was printed, not sent");
  }
  return call("POST", target, signed_act.envelope());
}

Expected<Json> Session::act(const Json& state, negotiation::Kind kind, const Json& body) {
  negotiation::Act a;
  a.meeting = state["id"].get<std::string>();
  a.base = state["length"].get<std::int64_t>();
  a.prev = state["head"].get<std::string>();
  a.kind = kind;
  a.body = body;
  a.author = profile_.member;
  a.at = now_seconds();
  return submit("/api/v1/meetings/" + a.meeting + "/acts", a);
}

Expected<Json> Session::create(const std::string& meeting_id, const Json& body) {
  negotiation::Act a;
  a.meeting = meeting_id;
  a.base = 0;
  a.kind = negotiation::Kind::create;
  a.body = body;
  a.author = profile_.member;
  a.at = now_seconds();
  return submit("/api/v1/meetings", a);
}

}  // namespace parley::cli
