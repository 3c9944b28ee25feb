#pragma once
// One WebRTC endpoint of the load tool, facing an ICE-lite media server,
// built from the project's own pieces: STUN binding requests with
// USERNAME, MESSAGE-INTEGRITY and FINGERPRINT (stun/), a DTLS client that
// checks the server's certificate fingerprint and exports SRTP keys
// (media/dtls.h), SRTP both ways (media/srtp.h), and a batched UDP socket
// (media/udp_socket.h). It sends RTP and RTCP it is given and decrypts what
// arrives, handing each RTP packet to the caller. It also answers the
// server's own connectivity checks, should the server run full ICE.
//
// Not thread-safe: one thread drives it (the load runner's). connect() is
// blocking and meant for setup; send_*() and drain() do not block.
// A raw-mode client (use_keys) skips ICE and DTLS and uses keys it is
// given: the reference loop of the benchmark talks to it that way.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "common/error.h"
#include "load/client_sdp.h"
#include "media/dtls.h"
#include "media/packet_pool.h"
#include "media/srtp.h"
#include "media/udp_socket.h"
#include "rtp/rtp.h"
#include "stun/stun.h"

namespace parley::load {

struct ClientCounters {
  std::uint64_t rtp_sent = 0, rtcp_sent = 0, send_failed = 0;
  std::uint64_t rtp_received = 0, rtcp_received = 0, unprotect_failed = 0, malformed = 0;
  std::uint64_t stun_responses = 0, stun_requests_answered = 0, dtls_datagrams = 0, other = 0;
  std::uint64_t pli_received = 0, twcc_received = 0, sr_received = 0;
};

class MediaClient {
 public:
  // Called for each RTP packet that decrypted and parsed; `now_ns` is
  // CLOCK_MONOTONIC when its batch was read.
  using RtpHandler = std::function<void(const rtp::RtpPacket& packet, std::int64_t now_ns)>;

  // Binds a UDP socket on `address`, port 0. `dtls` is this client's
  // certificate (shared between clients; not owned alone).
  static Expected<std::unique_ptr<MediaClient>> create(std::shared_ptr<media::DtlsContext> dtls,
                                                       const std::string& address = "127.0.0.1");

  // This end's transport for its SDP: random ICE credentials, the DTLS
  // fingerprint, the socket's address and port.
  const ClientTransport& transport() const { return transport_; }

  // RFC 8445 §7.2 connectivity check (nominating, as the controlling
  // agent facing a lite one), then the DTLS handshake as client (RFC 5763)
  // with the server's fingerprint checked, then the SRTP contexts. Retries
  // the check until the server knows the transport. Blocks up to `timeout`.
  // Facing a full ICE agent that made the offer (Janus's subscriptions),
  // the client is the controlled agent (RFC 8445 §6.1.1): its checks carry
  // ICE-CONTROLLED and do not nominate; the server nominates with its own.
  Status connect(const ServerTransport& server, std::chrono::milliseconds timeout,
                 stun::IceRole role = stun::IceRole::kControlling);

  // Raw mode: no ICE or DTLS; SRTP keyed with `keys` ("local" protects what
  // this client sends) towards `peer`.
  Status use_keys(const media::Endpoint& peer, const media::SrtpKeys& keys);

  bool connected() const { return srtp_out_ != nullptr; }
  std::string srtp_profile() const;
  int fd() const { return socket_.fd(); }
  const media::Endpoint& local() const { return local_; }

  // Protect the packet in `buffer[0, len)` (room for the SRTP tag after it)
  // and send it now. False when it could not be protected or sent (counted).
  bool send_rtp(std::span<std::uint8_t> buffer, std::size_t len);
  bool send_rtcp(std::span<std::uint8_t> buffer, std::size_t len);
  // RFC 7675 consent freshness: a binding request the server answers.
  void send_consent_check();

  // Reads everything waiting, in batches: RTP and RTCP decrypted (RTP to
  // `on_rtp`), STUN answers and DTLS records counted.
  void drain(const RtpHandler& on_rtp);

  const ClientCounters& counters() const { return counters_; }

 private:
  MediaClient(std::shared_ptr<media::DtlsContext> dtls, media::UdpSocket socket);
  void send_plain(std::span<const std::uint8_t> bytes);
  std::size_t binding_request(std::span<std::uint8_t> out);
  void on_rtcp(std::span<const std::uint8_t> packet);
  bool answer_check(std::span<const std::uint8_t> bytes, const media::Endpoint& from);

  std::shared_ptr<media::DtlsContext> dtls_ctx_;
  media::UdpSocket socket_;
  media::PacketPool pool_{media::UdpSocket::kBatch * 2};
  media::Endpoint local_;
  media::Endpoint server_;
  ClientTransport transport_;
  ServerTransport remote_;
  std::unique_ptr<media::DtlsSession> dtls_;
  std::unique_ptr<media::Srtp> srtp_out_, srtp_in_;
  media::SrtpProfile profile_ = media::SrtpProfile::aead_aes_128_gcm;
  std::uint64_t tie_breaker_ = 0;
  stun::IceRole role_ = stun::IceRole::kControlling;
  ClientCounters counters_;
};

// CLOCK_MONOTONIC in nanoseconds: the clock of send stamps and arrivals.
std::int64_t monotonic_ns();

// Random ICE credentials and SSRCs for the clients.
std::string random_ice_chars(std::size_t n);
std::uint32_t random_u32();

}  // namespace parley::load
