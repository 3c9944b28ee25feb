#pragma once
// The load tool's side of Janus's HTTP API (the "Janus protocol" over plain
// HTTP, on loopback) and of its VideoRoom plugin: what
// parley_signalling.h is for parleyd. A JanusSession is one Janus session
// (POST /janus {"janus":"create"}) to which the benchmark attaches one
// handle per PeerConnection; plugin requests either answer at once
// ("success" with plugindata) or are acknowledged and answered later by an
// event, which the session fetches with long polls (GET /janus/SESSION)
// and matches by transaction.
//
// JanusVideoRoom builds the VideoRoom flows on it, with the SDP of
// client_sdp.h:
//  - a publisher joins ("join", ptype "publisher"), then "publish"es with
//    the client's offer (one audio and one VP8 video section, BUNDLE,
//    rtcp-mux, its candidate inline, a=setup:active: Janus answers passive
//    and the client stays the DTLS client) and gets Janus's answer;
//  - a subscriber joins with ptype "subscriber" and the feeds it wants
//    ("streams": [{"feed": ID}, ...]; one PeerConnection for all of them),
//    gets Janus's offer, and "start"s with its answer;
//  - both then trickle end-of-candidates (their one candidate was in the SDP).
// The server's transport for MediaClient::connect() comes from Janus's
// description: its ICE credentials, fingerprint and host candidate.
//
// Blocking; one thread drives the signalling. keepalive() alone may be
// called from one other thread (it has its own connection): the session
// expires after 60 s without a request (Janus's session_timeout).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "common/error.h"
#include "load/client_sdp.h"

namespace parley::load {

class JanusSession {
 public:
  using Json = nlohmann::json;

  // POST {"janus":"create"} to `base_url` + /janus.
  static Expected<std::unique_ptr<JanusSession>> create(const std::string& base_url);
  ~JanusSession();  // destroys the session (best effort)
  JanusSession(const JanusSession&) = delete;
  JanusSession& operator=(const JanusSession&) = delete;

  std::uint64_t id() const { return id_; }

  // {"janus":"attach","plugin":...}: a handle id.
  Expected<std::uint64_t> attach(const std::string& plugin);

  // A plugin request answered at once: its plugindata.data. A plugin error
  // ("error_code" in the data) is an Error "janus_plugin".
  Expected<Json> request(std::uint64_t handle, const Json& body);

  // A plugin request answered by an event: the whole event (plugindata and
  // jsep), waited for up to `timeout`.
  Expected<Json> message(std::uint64_t handle, const Json& body, const std::optional<Json>& jsep,
                         std::chrono::milliseconds timeout);

  // {"janus":"trickle","candidate":{"completed":true}}: no more candidates.
  Status end_of_candidates(std::uint64_t handle);

  // {"janus":"keepalive"}; see the header comment for threads.
  Status keepalive();

  // Events nobody waited for that say a PeerConnection went down
  // ("hangup", plugin errors), collected by long polls so far.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  JanusSession() = default;
  Expected<Json> post(const std::string& target, Json body);
  Status poll_events();
  std::string next_transaction();

  std::unique_ptr<client::HttpClient> http_, poll_http_, keepalive_http_;
  std::uint64_t id_ = 0;
  std::uint64_t transactions_ = 0;
  std::atomic<std::uint64_t> keepalives_{0};
  std::string prefix_;
  std::deque<Json> events_;  // fetched, not yet claimed by a transaction
  std::vector<std::string> problems_;
};

class JanusVideoRoom {
 public:
  using Json = nlohmann::json;

  // `session` is not owned and outlives this.
  explicit JanusVideoRoom(JanusSession& session) : session_(session) {}

  // Creates room `room` on `handle` (opus + VP8, up to `max_publishers`,
  // no bitrate cap, no recording, no periodic keyframe requests).
  Status create_room(std::uint64_t handle, std::uint64_t room, int max_publishers);

  struct Joined {
    std::uint64_t feed = 0;  // the publisher's id in the room (publish only)
    ServerTransport transport;
    std::string remote_sdp;  // Janus's answer or offer
  };
  // Joins `room` as publisher `display` on `handle` and publishes the
  // tracks of `session` (whose offer_setup is set to "active").
  Expected<Joined> publish(std::uint64_t handle, std::uint64_t room, const std::string& display,
                           ClientSession& session, std::chrono::milliseconds timeout);
  // Subscribes `handle` to `feeds` in `room`: Janus offers, the client
  // answers with `session` (receive only).
  Expected<Joined> subscribe(std::uint64_t handle, std::uint64_t room,
                             const std::vector<std::uint64_t>& feeds, ClientSession& session,
                             std::chrono::milliseconds timeout);

 private:
  JanusSession& session_;
};

}  // namespace parley::load
