#include "server/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "crypto/hash.h"
#include "server/errors.h"

namespace parley::server {

using Json = json::Json;

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 1;
  while (i <= path.size()) {
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

HttpResponse json_response(int status, const Json& body) {
  return HttpResponse{status, "application/json", body.dump() + "\n", {}};
}

HttpResponse error_response(const Error& e) { return json_response(http_status(e.code), error_body(e)); }

bool is_envelope(const Json& b) { return b.is_object() && b.contains("act") && b["act"].is_object(); }

// A string member of an object, or "" when absent or of another type.
std::string string_field(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_json_content_type(std::string_view ct) {
  constexpr std::string_view kJson = "application/json";
  if (ct.size() < kJson.size()) return false;
  for (std::size_t i = 0; i < kJson.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(ct[i])) != kJson[i]) return false;
  return ct.size() == kJson.size() || ct[kJson.size()] == ';' || ct[kJson.size()] == ' ';
}

// The query string of a request target as name -> value. Parley's queries
// are plain tokens: no percent-encoding, each name once.
Expected<std::map<std::string, std::string>> query_params(std::string_view target) {
  std::map<std::string, std::string> out;
  auto q = target.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    std::string name(pair.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (name.empty() || name.find('%') != std::string::npos || value.find('%') != std::string::npos)
      return make_error("invalid_field", "the query string is malformed");
    if (!out.emplace(std::move(name), std::move(value)).second)
      return make_error("invalid_field", "a query parameter is given twice");
  }
  return out;
}

// ?from=N of GET .../checkpoint: a positive decimal integer, no sign or
// leading zero; the service checks it against the log's size.
Expected<std::optional<std::int64_t>> checkpoint_from(std::string_view target) {
  auto q = query_params(target);
  if (!q) return q.error();
  std::optional<std::int64_t> from;
  for (const auto& [name, value] : *q) {
    if (name != "from") return make_error("invalid_field", "unknown query parameter \"" + name + "\"; only from=N");
    bool digits = !value.empty() && value.size() <= 15 && value[0] != '0' &&
                  std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) return make_error("invalid_field", "from must be a checkpoint size, a whole number from 1");
    from = std::stoll(value);
  }
  return from;
}

bool is_hash(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string bearer_token(std::string_view h) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.substr(0, kPrefix.size()) != kPrefix) return {};
  return std::string(h.substr(kPrefix.size()));
}

struct Params {
  std::vector<std::string> values;  // the {placeholders} of the pattern, in order
};

// member_embargoed: a route that names a meeting. Without a valid session it
// answers 404 like an unknown id, so that not even the question "does this id
// exist?" gets an answer different from the one for an id that never existed.
enum class Auth { none, member, member_embargoed, admin };

struct Router::Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> parts;
  Auth auth;
  bool json_body;
  std::function<void(Router&, const HttpRequest&, const Params&, const std::optional<service::Member>&,
                     const Json&, Respond)>
      run;
};

Router::Router(service::Service& service, metrics::Registry& metrics, RouterConfig cfg)
    : service_(service), metrics_(metrics), cfg_(std::move(cfg)) {
  metrics_.describe("parley_http_requests_total", "counter", "HTTP requests by route and status");
  metrics_.describe("parley_http_request_seconds", "histogram", "HTTP request latency by route");

  using M = const std::optional<service::Member>&;
  auto reply = [](Respond& respond, int ok_status) {
    return [respond, ok_status](Expected<Json> r) {
      respond(r ? json_response(ok_status, *r) : error_response(r.error()));
    };
  };
  auto add = [&](std::string method, std::string pattern, Auth auth, bool body, auto fn) {
    Route r{std::move(method), pattern, split_path(pattern), auth, body, fn};
    routes_.push_back(std::move(r));
  };

  add("GET", "/healthz", Auth::none, false,
      [](Router&, const HttpRequest&, const Params&, M, const Json&, Respond respond) {
        respond(json_response(200, {{"status", "ok"}}));
      });
  add("GET", "/metrics", Auth::none, false,
      [](Router& r, const HttpRequest&, const Params&, M, const Json&, Respond respond) {
        std::string text = r.metrics().render();
        if (r.config().calls) text += r.config().calls->metrics_text();
        respond(HttpResponse{200, "text/plain; version=0.0.4", std::move(text), {}});
      });

  // --- identities
  add("POST", "/api/v1/enroll", Auth::none, true,
      [reply](Router& r, const HttpRequest&, const Params&, M, const Json& b, Respond respond) {
        r.service().enroll(b, reply(respond, 201));
      });
  add("POST", "/api/v1/auth/challenge", Auth::none, true,
      [](Router& r, const HttpRequest&, const Params&, M, const Json& b, Respond respond) {
        auto c = r.service().challenge(b);
        respond(c ? json_response(200, *c) : error_response(c.error()));
      });
  add("POST", "/api/v1/auth/session", Auth::none, true,
      [](Router& r, const HttpRequest&, const Params&, M, const Json& b, Respond respond) {
        auto s = r.service().sign_in(b);
        respond(s ? json_response(201, *s) : error_response(s.error()));
      });
  add("GET", "/api/v1/me", Auth::member, false,
      [](Router& r, const HttpRequest&, const Params&, M m, const Json&, Respond respond) {
        respond(json_response(200, r.service().me(*m)));
      });
  add("GET", "/api/v1/parties", Auth::member, false,
      [](Router& r, const HttpRequest&, const Params&, M, const Json&, Respond respond) {
        respond(json_response(200, r.service().parties()));
      });
  add("GET", "/api/v1/parties/{party}/members", Auth::member, false,
      [reply](Router& r, const HttpRequest&, const Params& p, M m, const Json&, Respond respond) {
        reply(respond, 200)(r.service().party_members(*m, p.values[0]));
      });

  // --- meetings
  add("GET", "/api/v1/meetings", Auth::member, false,
      [](Router& r, const HttpRequest&, const Params&, M m, const Json&, Respond respond) {
        respond(json_response(200, r.service().meetings(*m)));
      });
  auto submit = [](Router& r, const service::Member& m, const Json& b, std::string path_meeting,
                   int ok_status, Respond respond) {
    r.service().submit_act(m, b, [&r, m, path_meeting, ok_status, respond](Expected<Json> res) {
      if (res) return respond(json_response(ok_status, *res));
      Json body = error_body(res.error());
      // A refused write carries the state it lost against, so the client
      // can show what changed without another round trip.
      if (wants_current_state(res.error().code) && !path_meeting.empty())
        if (auto cur = r.service().meeting(m, path_meeting)) body["current"] = *cur;
      respond(json_response(http_status(res.error().code), body));
    });
  };
  add("POST", "/api/v1/meetings", Auth::member, true,
      [submit](Router& r, const HttpRequest&, const Params&, M m, const Json& b, Respond respond) {
        if (!is_envelope(b) || string_field(b["act"], "kind") != "create")
          return respond(error_response(make_error("invalid_field", "POST /api/v1/meetings takes a signed create act")));
        submit(r, *m, b, string_field(b["act"], "meeting"), 201, std::move(respond));
      });
  add("GET", "/api/v1/meetings/{id}", Auth::member_embargoed, false,
      [reply](Router& r, const HttpRequest&, const Params& p, M m, const Json&, Respond respond) {
        reply(respond, 200)(r.service().meeting(*m, p.values[0]));
      });
  // docs/protocol.md §Interpretation: the call's interpretation state and
  // the server's own counts of what each participant was sent.
  add("GET", "/api/v1/meetings/{id}/call", Auth::member_embargoed, false,
      [](Router& r, const HttpRequest&, const Params& p, M m, const Json&, Respond respond) {
        if (!r.service().can_see(*m, p.values[0])) return respond(error_response(make_error("not_found", "no such resource")));
        auto* calls = r.config().calls;
        auto view = calls ? calls->describe(p.values[0]) : std::nullopt;
        if (!view) return respond(error_response(make_error("not_found", "this meeting has no call running")));
        respond(json_response(200, *view));
      });
  add("POST", "/api/v1/meetings/{id}/acts", Auth::member_embargoed, true,
      [submit](Router& r, const HttpRequest&, const Params& p, M m, const Json& b, Respond respond) {
        if (!r.service().can_see(*m, p.values[0])) return respond(error_response(make_error("not_found", "no such resource")));
        if (!is_envelope(b))
          return respond(error_response(make_error("invalid_field", "the body must be a signed act envelope {\"act\", \"signature\"}")));
        if (string_field(b["act"], "meeting") != p.values[0])
          return respond(error_response(make_error("wrong_meeting", "the act does not name this meeting")));
        submit(r, *m, b, p.values[0], 201, std::move(respond));
      });
  add("GET", "/api/v1/meetings/{id}/export", Auth::member_embargoed, false,
      [reply](Router& r, const HttpRequest&, const Params& p, M m, const Json&, Respond respond) {
        reply(respond, 200)(r.service().export_log(*m, p.values[0]));
      });

  // --- the record of the talks (docs/record.md §Routes)
  add("GET", "/api/v1/meetings/{id}/checkpoint", Auth::member_embargoed, false,
      [reply](Router& r, const HttpRequest& req, const Params& p, M m, const Json&, Respond respond) {
        if (!r.service().can_see(*m, p.values[0])) return respond(error_response(make_error("not_found", "no such resource")));
        auto from = checkpoint_from(req.target);
        if (!from) return respond(error_response(from.error()));
        reply(respond, 200)(r.service().checkpoint(*m, p.values[0], *from));
      });
  add("POST", "/api/v1/meetings/{id}/cosignatures", Auth::member_embargoed, true,
      [reply](Router& r, const HttpRequest&, const Params& p, M m, const Json& b, Respond respond) {
        r.service().cosign(*m, p.values[0], b, reply(respond, 201));
      });
  add("GET", "/api/v1/meetings/{id}/record", Auth::member_embargoed, false,
      [reply](Router& r, const HttpRequest&, const Params& p, M m, const Json&, Respond respond) {
        reply(respond, 200)(r.service().record(*m, p.values[0]));
      });
  add("GET", "/api/v1/meetings/{id}/entries/{hash}/excerpt", Auth::member_embargoed, false,
      [reply](Router& r, const HttpRequest&, const Params& p, M m, const Json&, Respond respond) {
        if (!r.service().can_see(*m, p.values[0])) return respond(error_response(make_error("not_found", "no such resource")));
        if (!is_hash(p.values[1]))
          return respond(error_response(make_error("invalid_field", "an entry is named by the lowercase hex SHA-256 of its envelope")));
        reply(respond, 200)(r.service().excerpt(*m, p.values[0], p.values[1]));
      });
  // The WebSocket itself is upgraded by the transport; a plain GET is refused.
  add("GET", "/api/v1/live", Auth::none, false,
      [](Router&, const HttpRequest&, const Params&, M, const Json&, Respond respond) {
        respond(error_response(make_error("bad_request", "this endpoint speaks WebSocket only")));
      });

  // --- public side
  add("GET", "/public/announcements", Auth::none, false,
      [](Router& r, const HttpRequest&, const Params&, M, const Json&, Respond respond) {
        respond(json_response(200, r.service().announcements()));
      });
  add("GET", "/public/announcements.atom", Auth::none, false,
      [](Router& r, const HttpRequest&, const Params&, M, const Json&, Respond respond) {
        respond(HttpResponse{200, "application/atom+xml; charset=utf-8", r.service().atom_feed(), {}});
      });
  add("GET", "/public/meetings/{id}.ics", Auth::none, false,
      [](Router& r, const HttpRequest&, const Params& p, M, const Json&, Respond respond) {
        auto ics = r.service().icalendar(p.values[0]);
        if (!ics) return respond(error_response(ics.error()));
        respond(HttpResponse{200, "text/calendar; charset=utf-8", *ics,
                             {{"Content-Disposition", "attachment; filename=\"" + p.values[0] + ".ics\""}}});
      });

  add("GET", "/public/meetings/{id}/publications", Auth::none, false,
      [reply](Router& r, const HttpRequest&, const Params& p, M, const Json&, Respond respond) {
        reply(respond, 200)(r.service().publications(p.values[0]));
      });
  add("GET", "/public/meetings/{id}/publications/{hash}/excerpt", Auth::none, false,
      [reply](Router& r, const HttpRequest&, const Params& p, M, const Json&, Respond respond) {
        reply(respond, 200)(r.service().publication_excerpt(p.values[0], p.values[1]));
      });

  // --- local administration
  add("GET", "/admin/v1/parties", Auth::admin, false,
      [](Router& r, const HttpRequest&, const Params&, M, const Json&, Respond respond) {
        respond(json_response(200, r.service().admin_parties()));
      });
  add("POST", "/admin/v1/parties", Auth::admin, true,
      [reply](Router& r, const HttpRequest&, const Params&, M, const Json& b, Respond respond) {
        r.service().create_party(b, reply(respond, 201));
      });
  add("GET", "/admin/v1/media/samples", Auth::admin, false,
      [](Router& r, const HttpRequest&, const Params&, M, const Json&, Respond respond) {
        if (!r.config().calls) return respond(error_response(make_error("unavailable", "this server does not carry calls")));
        respond(json_response(200, r.config().calls->payload_samples()));
      });
  add("POST", "/admin/v1/parties/{party}/invitations", Auth::admin, true,
      [reply](Router& r, const HttpRequest&, const Params& p, M, const Json& b, Respond respond) {
        r.service().create_invitation(p.values[0], b, reply(respond, 201));
      });
}

Router::~Router() = default;

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

void Router::handle(const HttpRequest& req, Respond respond) {
  auto t0 = std::chrono::steady_clock::now();
  std::string path = req.target.substr(0, req.target.find('?'));
  auto parts = split_path(path);

  const Route* match = nullptr;
  bool path_matched = false;
  Params params;
  for (const auto& r : routes_) {
    if (r.parts.size() != parts.size()) continue;
    Params p;
    bool ok = true;
    for (std::size_t i = 0; i < parts.size() && ok; ++i) {
      const auto& pat = r.parts[i];
      if (pat.empty() || pat[0] != '{') {
        ok = pat == parts[i];
        continue;
      }
      // "{id}" or "{id}.ics": a placeholder with an optional literal suffix.
      auto close = pat.find('}');
      std::string suffix = pat.substr(close + 1);
      const auto& seg = parts[i];
      if (seg.size() <= suffix.size() || seg.compare(seg.size() - suffix.size(), suffix.size(), suffix) != 0) {
        ok = false;
        continue;
      }
      std::string value = seg.substr(0, seg.size() - suffix.size());
      for (char c : value)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) ok = false;
      if (value.empty() || value.size() > 64) ok = false;
      p.values.push_back(std::move(value));
    }
    if (!ok) continue;
    path_matched = true;
    if (r.method != req.method) continue;
    match = &r;
    params = std::move(p);
    break;
  }

  // The web app's pages and scripts. API routes never collide with them:
  // those live under /api, /public, /admin and the two probes.
  const StaticFile* file = nullptr;
  if (!match && !path_matched && cfg_.web && (req.method == "GET" || req.method == "HEAD"))
    file = cfg_.web->find(path);
  std::string route_label =
      match ? match->pattern : file ? "static" : (path_matched ? "method_not_allowed" : "unmatched");
  auto answered = std::make_shared<bool>(false);
  Respond counted = [this, route_label, t0, answered, method = req.method,
                     respond = std::move(respond)](HttpResponse res) {
    if (*answered) return;  // exactly one answer per request
    *answered = true;
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    metrics_.inc("parley_http_requests_total", {{"route", route_label}, {"status", std::to_string(res.status)}});
    metrics_.observe("parley_http_request_seconds", {{"route", route_label}}, took.count());
    // The route pattern, never the path: ids of embargoed meetings stay out of logs.
    spdlog::info("event=http method={} route={} status={} ms={:.3f}", method, route_label, res.status,
                 took.count() * 1000);
    res.headers.emplace_back("Cache-Control", "no-store");
    respond(std::move(res));
  };

  if (file) {
    if (!req.body.empty()) return counted(error_response(make_error("bad_request", "this request takes no body")));
    return counted(HttpResponse{200, file->content_type, file->body, static_security_headers()});
  }
  if (!match) {
    if (path_matched)
      return counted(error_response(make_error("method_not_allowed", req.method + " is not allowed on " + path)));
    // A person who mistypes a page address gets a page that says so; API
    // clients keep their JSON errors.
    const bool api = path.rfind("/api/", 0) == 0 || path.rfind("/public/", 0) == 0 || path.rfind("/admin/", 0) == 0;
    if (!api && cfg_.web && (req.method == "GET" || req.method == "HEAD"))
      if (const StaticFile* page = cfg_.web->find("/404.html"))
        return counted(HttpResponse{404, page->content_type, page->body, static_security_headers()});
    return counted(error_response(make_error("not_found", "no such resource")));
  }

  std::optional<service::Member> member;
  if (match->auth == Auth::admin) {
    // Not exposed beyond the host unless configured: from elsewhere the
    // admin API does not exist.
    if (!req.from_loopback && !cfg_.admin_remote)
      return counted(error_response(make_error("not_found", "no such resource")));
    auto token = bearer_token(req.authorization);
    if (token.empty() || !crypto::equal_secret(token, cfg_.admin_token))
      return counted(error_response(make_error("unauthenticated", "the admin credential is missing or wrong")));
  } else if (match->auth == Auth::member || match->auth == Auth::member_embargoed) {
    member = service_.authenticate(bearer_token(req.authorization));
    if (!member && match->auth == Auth::member_embargoed)
      return counted(error_response(make_error("not_found", "no such resource")));
    if (!member)
      return counted(error_response(make_error("unauthenticated", "sign in first: Authorization: Bearer <token>")));
  }

  Json body;
  if (match->json_body) {
    if (!is_json_content_type(req.content_type))
      return counted(error_response(make_error("unsupported_media_type", "send Content-Type: application/json")));
    auto parsed = json::parse_strict(req.body, json::ParseLimits{32, cfg_.max_body});
    if (!parsed) return counted(error_response(parsed.error()));
    body = std::move(*parsed);
  } else if (!req.body.empty()) {
    return counted(error_response(make_error("bad_request", "this request takes no body")));
  }
  try {
    match->run(*this, req, params, member, body, counted);
  } catch (const std::exception&) {
    // Handlers check every field they read; reaching this is a bug in
    // parleyd, never the client's fault, but it must not end the process.
    counted(error_response(make_error("internal", "internal error while handling the request")));
  }
}

// ---------------------------------------------------------------- live

namespace {
call::ConnectionId next_connection = 1;  // service thread only
}

LiveChannel::LiveChannel(Router& router, Send send, std::optional<service::Member> member)
    : router_(router), service_(router.service()), conn_(next_connection++), send_(std::move(send)),
      member_(std::move(member)) {}

LiveChannel::~LiveChannel() {
  for (const auto& [_, id] : subscriptions_) service_.unsubscribe(id);
  if (router_.config().calls) router_.config().calls->disconnected(conn_);
}

// docs/protocol.md §Calls. Admission is decided here, from the meeting's
// signed state, before the call service creates anything.
void LiveChannel::on_call_message(const std::string& type, const Json& m) {
  auto* calls = router_.config().calls;
  Json meeting = m.contains("meeting") ? m["meeting"] : Json(nullptr);
  auto fail = [&](const Error& e) {
    send(Json{{"type", "call.error"}, {"meeting", meeting}, {"code", e.code}, {"message", e.message}});
  };
  if (!meeting.is_string()) return fail(make_error("invalid_field", type + " needs a meeting id"));
  if (!member_) return fail(make_error("unauthenticated", "authenticate first"));
  if (!calls) return fail(make_error("unavailable", "this server does not carry calls"));
  auto id = meeting.get<std::string>();
  if (type == "call.leave") return calls->leave(conn_, id);
  if (type == "call.e2ee") {
    if (!m.contains("payload")) return fail(make_error("invalid_field", "call.e2ee needs \"payload\""));
    std::string to;
    if (m.contains("to")) {
      if (!m["to"].is_string()) return fail(make_error("invalid_field", "call.e2ee \"to\" is a member id"));
      to = m["to"].get<std::string>();
    }
    if (auto s = calls->relay(conn_, id, to, m["payload"]); !s) fail(s.error());
    return;
  }
  if (type == "call.view") {
    if (!m.contains("views")) return fail(make_error("invalid_field", "call.view needs \"views\""));
    if (auto s = calls->view(conn_, id, m["views"]); !s) fail(s.error());
    return;
  }
  if (type == "call.restart") {
    if (auto s = calls->restart(conn_, id); !s) fail(s.error());
    return;
  }
  if (type == "call.interpret") {
    const bool pair_ok = m.contains("pair") && m["pair"].is_array() && m["pair"].size() == 2 &&
                         m["pair"][0].is_string() && m["pair"][1].is_string();
    if (!pair_ok || !m.contains("into") || !m["into"].is_string() || !m.contains("on_air") || !m["on_air"].is_boolean())
      return fail(make_error("invalid_field", "call.interpret needs \"pair\": [two languages], \"into\": a language "
                                              "and \"on_air\": true or false"));
    std::array<std::string, 2> pair{m["pair"][0].get<std::string>(), m["pair"][1].get<std::string>()};
    if (auto s = calls->interpret(conn_, id, pair, m["into"].get<std::string>(), m["on_air"].get<bool>()); !s)
      fail(s.error());
    return;
  }
  if (type == "call.listen") {
    if (!m.contains("language") || !(m["language"].is_string() || m["language"].is_null()))
      return fail(make_error("invalid_field", "call.listen needs \"language\": a language of the meeting, or null"));
    std::optional<std::string> language;
    if (m["language"].is_string()) language = m["language"].get<std::string>();
    if (auto s = calls->listen(conn_, id, language); !s) fail(s.error());
    return;
  }
  const char* field = type == "call.join" ? "offer" : "sdp";
  if (!m.contains(field) || !m[field].is_string())
    return fail(make_error("invalid_field", type + " needs \"" + std::string(field) + "\": an SDP text"));
  const auto& text = m[field].get_ref<const std::string&>();
  if (type == "call.answer") {
    if (auto s = calls->answer(conn_, id, text); !s) fail(s.error());
    return;
  }
  auto admitted = service_.admit_to_call(*member_, id, router_.config().call_window);
  if (!admitted) return fail(admitted.error());
  std::string channel_mid;
  if (m.contains("channel_mid")) {
    if (!m["channel_mid"].is_string() || m["channel_mid"].get_ref<const std::string&>().empty() ||
        m["channel_mid"].get_ref<const std::string&>().size() > 32)
      return fail(make_error("invalid_field", "channel_mid is the mid of an audio section of the offer"));
    channel_mid = m["channel_mid"].get<std::string>();
  }
  auto joined = calls->join(conn_, id, call::Joiner{*admitted, member_->name, channel_mid}, text, send_);
  if (!joined) fail(joined.error());
}

void LiveChannel::error(const Error& e, const Json& meeting) {
  Json msg = {{"type", "error"}, {"code", e.code}, {"message", e.message}};
  if (!meeting.is_null()) msg["meeting"] = meeting;
  send(msg);
}

void LiveChannel::on_message(std::string_view text) {
  auto parsed = json::parse_strict(text, json::ParseLimits{8, 64 * 1024});
  if (!parsed) return error(parsed.error());
  const Json& m = *parsed;
  if (!m.is_object() || !m.contains("type") || !m["type"].is_string())
    return error(make_error("invalid_field", "messages are objects with a \"type\""));
  auto type = m["type"].get<std::string>();
  if (type == "auth") {
    if (!m.contains("token") || !m["token"].is_string())
      return error(make_error("invalid_field", "auth needs a token"));
    member_ = service_.authenticate(m["token"].get<std::string>());
    if (!member_) return error(make_error("unauthenticated", "the token is not valid"));
    send(Json{{"type", "authenticated"}, {"member", member_->id}});
    return;
  }
  if (type == "subscribe" || type == "unsubscribe") {
    if (!m.contains("meeting") || !m["meeting"].is_string())
      return error(make_error("invalid_field", type + " needs a meeting id"));
    auto meeting = m["meeting"].get<std::string>();
    if (!member_) return error(make_error("unauthenticated", "authenticate first"), meeting);
    if (type == "unsubscribe") {
      if (auto it = subscriptions_.find(meeting); it != subscriptions_.end()) {
        service_.unsubscribe(it->second);
        subscriptions_.erase(it);
      }
      send(Json{{"type", "unsubscribed"}, {"meeting", meeting}});
      return;
    }
    if (subscriptions_.count(meeting)) return;
    if (subscriptions_.size() >= 256) return error(make_error("unavailable", "too many subscriptions"), meeting);
    auto id = service_.subscribe(*member_, meeting, [this](const Json& event) { send(event); });
    if (!id) return error(id.error(), meeting);
    subscriptions_[meeting] = *id;
    auto state = service_.meeting(*member_, meeting);
    send(Json{{"type", "subscribed"}, {"meeting", meeting}, {"state", *state}});
    return;
  }
  if (type == "call.join" || type == "call.answer" || type == "call.leave" || type == "call.view" ||
      type == "call.e2ee" || type == "call.restart" || type == "call.interpret" || type == "call.listen")
    return on_call_message(type, m);
  error(make_error("invalid_field", "unknown message type \"" + type + "\""));
}

}  // namespace parley::server
