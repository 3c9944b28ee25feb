#pragma once
// One peer connection's transport on a worker (docs/media.md): ICE-lite
// (RFC 8445 §2.5) binds it to the 5-tuple from which a correctly
// authenticated STUN binding request came, DTLS (dtls.h) keys it, and SRTP
// (srtp.h) protects what flows. Touched only on its worker's thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "media/dtls.h"
#include "media/srtp.h"
#include "media/udp_socket.h"

namespace parley::media {

using TransportId = std::uint64_t;

struct TransportParams {
  std::string local_ufrag;   // the server's, in its SDP answer
  std::string local_pwd;     // the server's ICE password: the STUN key
  std::string remote_ufrag;  // the peer's, from its SDP offer
  std::string remote_fingerprint;  // sha-256, from its SDP offer
  DtlsSession::Role dtls_role = DtlsSession::Role::server;
};

class Transport {
 public:
  enum class State { waiting, connecting, connected, failed, closed };

  Transport(TransportId id, TransportParams params, std::unique_ptr<DtlsSession> dtls);

  TransportId id() const { return id_; }
  const TransportParams& params() const { return params_; }
  // The USERNAME a peer's binding request carries (RFC 8445 §7.2.2):
  // "<recipient's ufrag>:<sender's ufrag>", the recipient being us.
  std::string expected_username() const { return params_.local_ufrag + ":" + params_.remote_ufrag; }

  State state() const { return state_; }
  const std::string& failure() const { return failure_; }
  const std::optional<Endpoint>& bound() const { return bound_; }

  // Set by the worker on each check that passes. The first check after an
  // ICE restart ends it (restarting() turns false).
  void bind(const Endpoint& from, std::chrono::steady_clock::time_point now);
  void touch(std::chrono::steady_clock::time_point now);
  std::chrono::steady_clock::time_point last_check() const { return last_check_; }
  DtlsSession& dtls() { return *dtls_; }
  // After the DTLS handshake: creates the SRTP contexts, or fails.
  void dtls_progressed();
  void fail(std::string why);
  void close() { state_ = State::closed; }

  // ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1.1): new ICE credentials on
  // both sides, the same DTLS association and SRTP contexts. The state does
  // not change here: a connected transport goes on sending where it is
  // bound; one that failed because consent lapsed (RFC 7675), before or
  // after this call, sends nothing. The first check with the new
  // credentials binds (or moves) the transport and gives the consent back:
  // a failed one is connected again at once if DTLS had finished, and goes
  // on with the handshake otherwise. Returns false and changes nothing when
  // there is no DTLS association to keep (DTLS failed): only a new
  // transport can connect then. The worker updates its indexes
  // (Worker::restart_ice).
  [[nodiscard]] bool restart_ice(std::string local_ufrag, std::string local_pwd, std::string remote_ufrag);
  // From restart_ice() until the first check with the new credentials.
  bool restarting() const { return restarting_; }
  // DTLS has not failed, and if it finished, the SRTP contexts exist.
  bool dtls_usable() const;

  Srtp* srtp_in() { return srtp_in_.get(); }
  Srtp* srtp_out() { return srtp_out_.get(); }

  // Per-transport counters, for connection quality and tests.
  std::uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0, unprotect_failures = 0;
  void* owner = nullptr;  // the call-layer object this transport belongs to

 private:
  TransportId id_;
  TransportParams params_;
  std::unique_ptr<DtlsSession> dtls_;
  std::unique_ptr<Srtp> srtp_in_, srtp_out_;
  State state_ = State::waiting;
  std::string failure_;
  std::optional<Endpoint> bound_;
  std::chrono::steady_clock::time_point last_check_{};
  bool restarting_ = false;

  void checked_after_restart();
};

}  // namespace parley::media
