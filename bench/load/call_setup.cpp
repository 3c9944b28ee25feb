#include "load/call_setup.h"

#include <chrono>
#include <cstdio>

#include "client/http_client.h"
#include "common/encoding.h"
#include "common/time.h"
#include "negotiation/act.h"
#include "negotiation/parameters.h"

namespace parley::load {

namespace {

using client::HttpClient;
using json::Json;

Expected<Json> request(HttpClient& http, const std::string& method, const std::string& target,
                       const Json& body, const std::string& bearer, int expect) {
  auto res = http.request(method, target, body.is_null() ? std::string() : body.dump(), bearer);
  if (!res) return make_error("setup", method + " " + target + ": " + res.error().message);
  if (res->status != expect)
    return make_error("setup", method + " " + target + ": HTTP " + std::to_string(res->status) +
                                   " " + res->body.substr(0, 400));
  Json j = Json::parse(res->body, nullptr, false);
  if (j.is_discarded())
    return make_error("setup", method + " " + target + ": the answer is not JSON");
  return j;
}

Expected<std::string> string_field(const Json& j, const char* key, const char* what) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string())
    return make_error("setup", std::string(what) + " without \"" + key + "\"");
  return j[key].get<std::string>();
}

// Invitation, enrollment with a fresh key, challenge-response sign-in.
Expected<Participant> enroll(HttpClient& http, const std::string& admin, const std::string& party,
                             const std::string& name, const std::string& role) {
  auto inv = request(http, "POST", "/admin/v1/parties/" + party + "/invitations",
                     Json{{"name", name}, {"roles", Json::array({role})}}, admin, 201);
  if (!inv) return inv.error();
  auto code = string_field(*inv, "code", "invitation");
  if (!code) return code.error();
  Participant p(crypto::SecretKey::generate());
  p.party = party;
  p.name = name;
  const std::string pk = base64url_encode(p.key.public_key());
  Json proof_doc = {{"type", "parley.enroll/1"}, {"code", *code}, {"public_key", pk}};
  auto proof = p.key.sign(as_bytes(negotiation::signing_bytes(proof_doc)));
  auto enrolled = request(
      http, "POST", "/api/v1/enroll",
      Json{{"code", *code}, {"public_key", pk}, {"proof", base64url_encode(proof)}}, "", 201);
  if (!enrolled) return enrolled.error();
  auto id = string_field(*enrolled, "id", "enrollment");
  if (!id) return id.error();
  p.id = *id;
  auto ch = request(http, "POST", "/api/v1/auth/challenge", Json{{"member", p.id}}, "", 200);
  if (!ch) return ch.error();
  auto challenge = string_field(*ch, "challenge", "challenge");
  if (!challenge) return challenge.error();
  Json doc = {{"type", "parley.signin/1"}, {"member", p.id}, {"challenge", *challenge}};
  auto sig = p.key.sign(as_bytes(negotiation::signing_bytes(doc)));
  auto session = request(
      http, "POST", "/api/v1/auth/session",
      Json{{"member", p.id}, {"challenge", *challenge}, {"signature", base64url_encode(sig)}}, "",
      201);
  if (!session) return session.error();
  auto token = string_field(*session, "token", "sign-in");
  if (!token) return token.error();
  p.token = *token;
  return p;
}

// Signs and submits one act on `meeting`, built on the last view seen.
struct Position {
  std::int64_t length = 0;
  std::string head;
  Json view;
};

Status act(HttpClient& http, const Participant& author, const std::string& meeting, Position& pos,
           negotiation::Kind kind, Json body) {
  negotiation::Act a;
  a.meeting = meeting;
  a.base = pos.length;
  a.prev = pos.head;
  a.kind = kind;
  a.body = std::move(body);
  a.author = author.id;
  a.at = now_seconds();
  const std::string target = kind == negotiation::Kind::create
                                 ? "/api/v1/meetings"
                                 : "/api/v1/meetings/" + meeting + "/acts";
  auto view = request(http, "POST", target, negotiation::sign_act(a, author.key).envelope(),
                      author.token, 201);
  if (!view) return view.error();
  if (!view->contains("length") || !(*view)["length"].is_number_integer() ||
      !view->contains("head") || !(*view)["head"].is_string())
    return make_error("setup", "meeting view without length/head");
  pos.length = (*view)["length"].get<std::int64_t>();
  pos.head = (*view)["head"].get<std::string>();
  pos.view = std::move(*view);
  return ok_status();
}

}  // namespace

Expected<std::vector<CallMeeting>> set_up_calls(const std::string& url, const std::string& admin,
                                                const std::vector<std::size_t>& sizes,
                                                std::ostream& log) {
  for (auto count : sizes)
    if (count == 0 || count > kMaxRoster)
      return make_error("setup",
                        "a meeting's roster holds 1 to " + std::to_string(kMaxRoster) + " members");
  auto http = HttpClient::create(url);
  if (!http) return http.error();
  for (const auto& [id, name, zone] :
       {std::tuple{"east", "Eastern Delegation", "Europe/Moscow"},
        std::tuple{"west", "Western Delegation", "America/New_York"}}) {
    auto r = request(**http, "POST", "/admin/v1/parties",
                     Json{{"id", id}, {"name", name}, {"time_zone", zone}}, admin, 201);
    if (!r) return r.error();
  }
  auto east = enroll(**http, admin, "east", "Load Negotiator East", "negotiator");
  if (!east) return east.error();
  auto west = enroll(**http, admin, "west", "Load Negotiator West", "negotiator");
  if (!west) return west.error();

  std::vector<CallMeeting> meetings;
  std::size_t enrolled = 0;
  for (std::size_t count : sizes) {
    CallMeeting out;
    out.participants.reserve(count);
    Json roster = Json::array();
    for (std::size_t i = 0; i < count; ++i) {
      const std::string party = i % 2 == 0 ? "east" : "west";
      char name[64];
      std::snprintf(name, sizeof name, "Load Participant %03zu", ++enrolled);
      auto p = enroll(**http, admin, party, name, "observer");
      if (!p) return p.error();
      roster.push_back({{"member", p->id},
                        {"party", party},
                        {"role", "observer"},
                        {"key", base64url_encode(p->key.public_key())}});
      out.participants.push_back(std::move(*p));
    }

    out.meeting = "load-call-" + crypto::random_hex(8);
    const auto now = now_seconds();
    Json proposals = {
        {"title", "Media load test"},
        {"format", "video"},
        {"start", format_utc(now + std::chrono::minutes(5))},
        {"duration_minutes", 60},
        {"roster", roster},
        {"languages", {{"languages", Json::array({"en"})}, {"interpretation", Json::array()}}},
        {"agenda", Json::array({{{"title", "Forwarding under load"}}})},
        {"announcement",
         {{"text", "A load test of the media server."}, {"publish", "on_agreement"}}},
        {"predecessor", nullptr}};
    Position pos;
    if (auto s = act(**http, *east, out.meeting, pos, negotiation::Kind::create,
                     Json{{"counterparty", "west"}, {"proposals", proposals}});
        !s)
      return s.error();
    for (auto name : negotiation::kParameters)
      if (auto s = act(**http, *west, out.meeting, pos, negotiation::Kind::accept,
                       Json{{"param", std::string(name)}, {"rev", 1}});
          !s)
        return s.error();
    auto hash = string_field(pos.view, "terms_hash", "meeting view");
    if (!hash) return hash.error();
    for (const Participant* signer : {&*east, &*west})
      if (auto s = act(**http, *signer, out.meeting, pos, negotiation::Kind::sign,
                       Json{{"terms_hash", *hash}});
          !s)
        return s.error();
    auto status = string_field(pos.view, "status", "meeting view");
    if (!status) return status.error();
    if (*status != "announced")
      return make_error("setup",
                        "the meeting is " + *status + " after both signatures, not announced");
    meetings.push_back(std::move(out));
  }
  log << "enrolled and signed in " << enrolled << " participants; " << meetings.size()
      << (meetings.size() == 1 ? " meeting" : " meetings")
      << " announced, each with its participants on its signed roster\n";
  return meetings;
}

Expected<CallMeeting> set_up_call(const std::string& url, const std::string& admin,
                                  std::size_t count, std::ostream& log) {
  auto meetings = set_up_calls(url, admin, {count}, log);
  if (!meetings) return meetings.error();
  return std::move(meetings->front());
}

}  // namespace parley::load
