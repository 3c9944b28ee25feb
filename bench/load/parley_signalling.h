#pragma once
// The load tool's side of Parley's call signalling (docs/protocol.md
// §Calls) for one participant: a WebSocket to /api/v1/live authenticated
// with the member's session token, `call.join` with the client's offer,
// and an answer (client_sdp.h) to every `call.offer` the server sends. A
// later client for another server (e.g. Janus's VideoRoom) has the same
// role: produce the server's transport for MediaClient::connect() and keep
// the subscriptions negotiated.
//
// Blocking, one thread at a time; poll() must be called now and then so
// that offers are answered and the server's queue for this socket (1024
// messages) does not fill.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "common/error.h"
#include "load/client_sdp.h"

namespace parley::load {

class ParleySignalling {
 public:
  // Connects and authenticates (`auth` → `authenticated`).
  static Expected<std::unique_ptr<ParleySignalling>> connect(const std::string& base_url,
                                                             const std::string& token,
                                                             std::chrono::milliseconds timeout);

  // Sends `call.join` with the offer for `session` and waits for
  // `call.joined`; returns the server's transport from its answer. A
  // `call.error` for this meeting fails the join with its code.
  Expected<ServerTransport> join(const std::string& meeting, ClientSession& session,
                                 std::chrono::milliseconds timeout);

  // Handles what arrived within `timeout` (answers offers); stops at the
  // first quiet moment after that. Returns how many messages were handled.
  int poll(std::chrono::milliseconds timeout);

  void leave();

  std::uint64_t offers_answered() const { return offers_answered_; }
  std::size_t participants() const { return participants_; }  // in the last call.participants
  // Every call.error or failed answer, as "code: message".
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  ParleySignalling() = default;
  void handle(const std::string& text);

  std::unique_ptr<client::LiveClient> ws_;
  std::string meeting_;
  ClientSession* session_ = nullptr;  // not owned; set by join(), outlives this
  std::string answer_sdp_;            // from call.joined
  bool joined_ = false;
  bool closed_ = false;
  std::uint64_t offers_answered_ = 0;
  std::size_t participants_ = 0;
  std::vector<std::string> errors_;
};

}  // namespace parley::load
