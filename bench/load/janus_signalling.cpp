#include "load/janus_signalling.h"

#include <unistd.h>

namespace parley::load {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

namespace {

// Janus's long poll answers after at most 30 s (with a keepalive event when
// nothing happened): the connection that polls must wait longer than that.
constexpr std::chrono::seconds kPollTimeout{45};
constexpr int kMaxEventsPerPoll = 32;

std::string janus_error(const Json& reply) {
  if (reply.contains("error") && reply["error"].is_object())
    return std::to_string(reply["error"].value("code", 0)) + " " +
           reply["error"].value("reason", std::string());
  return reply.dump().substr(0, 300);
}

// plugindata.data of a reply or event, or an Error for a plugin error.
Expected<Json> plugin_data(const Json& reply) {
  if (!reply.contains("plugindata") || !reply["plugindata"].is_object() ||
      !reply["plugindata"].contains("data") || !reply["plugindata"]["data"].is_object())
    return make_error("janus_protocol", "no plugindata in " + reply.dump().substr(0, 300));
  const Json& data = reply["plugindata"]["data"];
  if (data.contains("error_code"))
    return make_error("janus_plugin", std::to_string(data.value("error_code", 0)) + " " +
                                          data.value("error", std::string()));
  return data;
}

}  // namespace

Expected<std::unique_ptr<JanusSession>> JanusSession::create(const std::string& base_url) {
  std::unique_ptr<JanusSession> s(new JanusSession());
  client::Options poll_options;
  poll_options.timeout = kPollTimeout;
  auto http = client::HttpClient::create(base_url);
  auto poll = client::HttpClient::create(base_url, poll_options);
  auto keep = client::HttpClient::create(base_url);
  if (!http) return http.error();
  if (!poll) return poll.error();
  if (!keep) return keep.error();
  s->http_ = std::move(*http);
  s->poll_http_ = std::move(*poll);
  s->keepalive_http_ = std::move(*keep);
  s->prefix_ = "load-" + std::to_string(::getpid()) + "-";
  auto reply = s->post("/janus", Json{{"janus", "create"}});
  if (!reply) return reply.error();
  if (reply->value("janus", "") != "success" || !(*reply)["data"].is_object() ||
      !(*reply)["data"]["id"].is_number_unsigned())
    return make_error("janus_protocol", "create: " + janus_error(*reply));
  s->id_ = (*reply)["data"]["id"].get<std::uint64_t>();
  return s;
}

JanusSession::~JanusSession() {
  if (id_ != 0) (void)post("/janus/" + std::to_string(id_), Json{{"janus", "destroy"}});
}

std::string JanusSession::next_transaction() {
  return prefix_ + std::to_string(++transactions_);
}

Expected<Json> JanusSession::post(const std::string& target, Json body) {
  if (!body.contains("transaction")) body["transaction"] = next_transaction();
  auto res = http_->request("POST", target, body.dump());
  if (!res) return make_error("janus_http", "POST " + target + ": " + res.error().message);
  Json reply = Json::parse(res->body, nullptr, false);
  if (res->status != 200 || !reply.is_object())
    return make_error("janus_http", "POST " + target + ": HTTP " + std::to_string(res->status) +
                                        " " + res->body.substr(0, 300));
  if (reply.value("janus", "") == "error")
    return make_error("janus_error", body.value("janus", "") + ": " + janus_error(reply));
  return reply;
}

Expected<std::uint64_t> JanusSession::attach(const std::string& plugin) {
  auto reply = post("/janus/" + std::to_string(id_), Json{{"janus", "attach"}, {"plugin", plugin}});
  if (!reply) return reply.error();
  if (reply->value("janus", "") != "success" || !(*reply)["data"].is_object() ||
      !(*reply)["data"]["id"].is_number_unsigned())
    return make_error("janus_protocol", "attach: " + janus_error(*reply));
  return (*reply)["data"]["id"].get<std::uint64_t>();
}

Expected<Json> JanusSession::request(std::uint64_t handle, const Json& body) {
  auto reply = post("/janus/" + std::to_string(id_) + "/" + std::to_string(handle),
                    Json{{"janus", "message"}, {"body", body}});
  if (!reply) return reply.error();
  if (reply->value("janus", "") != "success")
    return make_error("janus_protocol", "a synchronous request was answered " +
                                            reply->value("janus", std::string("?")));
  return plugin_data(*reply);
}

Expected<Json> JanusSession::message(std::uint64_t handle, const Json& body,
                                     const std::optional<Json>& jsep,
                                     std::chrono::milliseconds timeout) {
  const std::string transaction = next_transaction();
  Json m = {{"janus", "message"}, {"body", body}, {"transaction", transaction}};
  if (jsep) m["jsep"] = *jsep;
  auto reply = post("/janus/" + std::to_string(id_) + "/" + std::to_string(handle), m);
  if (!reply) return reply.error();
  const std::string kind = reply->value("janus", "");
  if (kind == "success") return *reply;  // answered at once after all
  if (kind != "ack")
    return make_error("janus_protocol", "message answered " + kind + ": " + janus_error(*reply));
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (it->value("transaction", "") != transaction) continue;
      Json event = std::move(*it);
      events_.erase(it);
      if (auto data = plugin_data(event); !data) return data.error();
      return event;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0)
      return make_error("janus_timeout", "no event for " + body.value("request", std::string()) +
                                             " within the timeout");
    if (auto st = poll_events(); !st) return st.error();
  }
}

// GET /janus/SESSION?maxev=N: the events queued for the session, or a
// keepalive after 30 s without any. Events that end a PeerConnection are
// noted; events of no transaction (webrtcup, media, slowlink) are dropped.
Status JanusSession::poll_events() {
  auto res = poll_http_->request(
      "GET", "/janus/" + std::to_string(id_) + "?maxev=" + std::to_string(kMaxEventsPerPoll));
  if (!res) return make_error("janus_http", "long poll: " + res.error().message);
  Json list = Json::parse(res->body, nullptr, false);
  if (res->status != 200 || list.is_discarded())
    return make_error("janus_http", "long poll: HTTP " + std::to_string(res->status));
  if (!list.is_array()) list = Json::array({list});
  for (auto& e : list) {
    if (!e.is_object()) continue;
    const std::string kind = e.value("janus", "");
    if (kind == "hangup")
      problems_.push_back("hangup of handle " + std::to_string(e.value("sender", 0ull)) + ": " +
                          e.value("reason", std::string()));
    if (e.contains("transaction") && e["transaction"].is_string()) events_.push_back(std::move(e));
  }
  return ok_status();
}

Status JanusSession::end_of_candidates(std::uint64_t handle) {
  auto reply = post("/janus/" + std::to_string(id_) + "/" + std::to_string(handle),
                    Json{{"janus", "trickle"}, {"candidate", {{"completed", true}}}});
  if (!reply) return reply.error();
  return ok_status();
}

Status JanusSession::keepalive() {
  // Its own connection and transaction names: another thread may call it.
  Json body = {{"janus", "keepalive"},
               {"transaction", prefix_ + "keepalive-" + std::to_string(++keepalives_)}};
  auto res = keepalive_http_->request("POST", "/janus/" + std::to_string(id_), body.dump());
  if (!res) return make_error("janus_http", "keepalive: " + res.error().message);
  if (res->status != 200)
    return make_error("janus_http", "keepalive: HTTP " + std::to_string(res->status));
  return ok_status();
}

Status JanusVideoRoom::create_room(std::uint64_t handle, std::uint64_t room, int max_publishers) {
  auto data = session_.request(handle, Json{{"request", "create"},
                                            {"room", room},
                                            {"description", "load " + std::to_string(room)},
                                            {"publishers", max_publishers},
                                            {"audiocodec", "opus"},
                                            {"videocodec", "vp8"},
                                            {"bitrate", 0},
                                            {"fir_freq", 0},
                                            {"record", false},
                                            {"notify_joining", false},
                                            {"audiolevel_event", false}});
  if (!data) return data.error();
  if (data->value("videoroom", "") != "created")
    return make_error("janus_protocol", "create room: " + data->dump().substr(0, 300));
  return ok_status();
}

Expected<JanusVideoRoom::Joined> JanusVideoRoom::publish(std::uint64_t handle, std::uint64_t room,
                                                         const std::string& display,
                                                         ClientSession& session,
                                                         std::chrono::milliseconds timeout) {
  auto joined = session_.message(
      handle,
      Json{{"request", "join"}, {"ptype", "publisher"}, {"room", room}, {"display", display}},
      std::nullopt, timeout);
  if (!joined) return joined.error();
  const Json& data = (*joined)["plugindata"]["data"];
  if (data.value("videoroom", "") != "joined" || !data.contains("id") ||
      !data["id"].is_number_unsigned())
    return make_error("janus_protocol", "join as publisher: " + data.dump().substr(0, 300));
  Joined out;
  out.feed = data["id"].get<std::uint64_t>();

  session.offer_setup = "active";
  const std::string offer = write_client_offer(session);
  auto configured = session_.message(handle, Json{{"request", "publish"}},
                                     Json{{"type", "offer"}, {"sdp", offer}}, timeout);
  if (!configured) return configured.error();
  const Json& event = *configured;
  if (!event.contains("jsep") || !event["jsep"].is_object() ||
      event["jsep"].value("type", "") != "answer" || !event["jsep"]["sdp"].is_string())
    return make_error("janus_protocol", "publish: no answer in " + event.dump().substr(0, 300));
  out.remote_sdp = event["jsep"]["sdp"].get<std::string>();
  auto answer = sdp::parse(out.remote_sdp);
  if (!answer) return answer.error();
  auto transport = server_transport(*answer);
  if (!transport) return transport.error();
  out.transport = *transport;
  if (auto st = session_.end_of_candidates(handle); !st) return st.error();
  return out;
}

Expected<JanusVideoRoom::Joined> JanusVideoRoom::subscribe(std::uint64_t handle, std::uint64_t room,
                                                           const std::vector<std::uint64_t>& feeds,
                                                           ClientSession& session,
                                                           std::chrono::milliseconds timeout) {
  Json streams = Json::array();
  for (auto f : feeds) streams.push_back({{"feed", f}});
  auto attached = session_.message(
      handle,
      Json{{"request", "join"}, {"ptype", "subscriber"}, {"room", room}, {"streams", streams}},
      std::nullopt, timeout);
  if (!attached) return attached.error();
  const Json& event = *attached;
  if (event["plugindata"]["data"].value("videoroom", "") != "attached" || !event.contains("jsep") ||
      !event["jsep"].is_object() || event["jsep"].value("type", "") != "offer" ||
      !event["jsep"]["sdp"].is_string())
    return make_error("janus_protocol", "join as subscriber: " + event.dump().substr(0, 300));
  Joined out;
  out.remote_sdp = event["jsep"]["sdp"].get<std::string>();
  auto offer = sdp::parse(out.remote_sdp);
  if (!offer) return offer.error();
  auto answer = write_client_answer(session, *offer);
  if (!answer) return answer.error();
  auto transport = server_transport(*offer);
  if (!transport) return transport.error();
  out.transport = *transport;
  auto started = session_.message(handle, Json{{"request", "start"}},
                                  Json{{"type", "answer"}, {"sdp", *answer}}, timeout);
  if (!started) return started.error();
  if (auto st = session_.end_of_candidates(handle); !st) return st.error();
  return out;
}

}  // namespace parley::load
