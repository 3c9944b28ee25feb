#include "load/media_client.h"

#include <openssl/rand.h>
#include <poll.h>
#include <time.h>

#include <array>

#include "rtp/rtcp.h"
#include "stun/demux.h"
#include "stun/stun.h"

namespace parley::load {

namespace {

// RFC 8445 §5.1.2.1: host candidate, type preference 126, one component.
constexpr std::uint32_t kPriority = (126u << 24) | (65535u << 8) | 255u;

}  // namespace

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string random_ice_chars(std::size_t n) {
  // RFC 8839 §5.4 ice-char: ALPHA / DIGIT / "+" / "/".
  static constexpr char kChars[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  std::vector<std::uint8_t> bytes(n);
  RAND_bytes(bytes.data(), static_cast<int>(n));
  std::string out;
  for (auto b : bytes) out += kChars[b % 64];
  return out;
}

std::uint32_t random_u32() {
  std::uint32_t v = 0;
  while (v == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v;
}

MediaClient::MediaClient(std::shared_ptr<media::DtlsContext> dtls, media::UdpSocket socket)
    : dtls_ctx_(std::move(dtls)), socket_(std::move(socket)) {}

Expected<std::unique_ptr<MediaClient>> MediaClient::create(std::shared_ptr<media::DtlsContext> dtls,
                                                           const std::string& address) {
  auto sock = media::UdpSocket::bind(address, 0);
  if (!sock) return sock.error();
  auto local = media::Endpoint::parse(address, sock->port());
  if (!local) return local.error();
  std::unique_ptr<MediaClient> c(new MediaClient(std::move(dtls), std::move(*sock)));
  c->local_ = *local;
  c->transport_.ice_ufrag = random_ice_chars(8);
  c->transport_.ice_pwd = random_ice_chars(24);
  c->transport_.fingerprint = c->dtls_ctx_->fingerprint();
  c->transport_.address = address;
  c->transport_.port = c->socket_.port();
  c->transport_.session_id = random_u32();
  c->tie_breaker_ = (static_cast<std::uint64_t>(random_u32()) << 32) | random_u32();
  return c;
}

std::string MediaClient::srtp_profile() const {
  return connected() ? std::string(media::srtp_profile_name(profile_)) : std::string("none");
}

void MediaClient::send_plain(std::span<const std::uint8_t> bytes) {
  media::Outgoing o{bytes.data(), bytes.size(), &server_};
  if (socket_.send({&o, 1}) != 1) ++counters_.send_failed;
}

std::size_t MediaClient::binding_request(std::span<std::uint8_t> out) {
  stun::BindingRequestParams p;
  RAND_bytes(p.transaction_id.data(), static_cast<int>(p.transaction_id.size()));
  const std::string username = remote_.ice_ufrag + ":" + transport_.ice_ufrag;  // RFC 8445 §7.2.2
  p.username = username;
  p.key = remote_.ice_pwd;
  p.priority = kPriority;
  p.role = role_;
  p.tie_breaker = tie_breaker_;
  // RFC 8445 §8.1.1: the only pair, nominated at once by the controlling agent.
  p.use_candidate = role_ == stun::IceRole::kControlling;
  auto n = stun::build_binding_request(p, out);
  return n ? *n : 0;
}

Status MediaClient::connect(const ServerTransport& server, std::chrono::milliseconds timeout,
                            stun::IceRole role) {
  remote_ = server;
  role_ = role;
  auto ep = media::Endpoint::parse(server.address, server.port);
  if (!ep) return ep.error();
  server_ = *ep;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
  };
  std::array<media::Datagram, media::UdpSocket::kBatch> batch;
  std::array<std::uint8_t, 512> request{};

  // ICE: until a success response that verifies with the server's password.
  bool checked = false;
  while (!checked && remaining_ms() > 0) {
    std::size_t n = binding_request(request);
    if (n == 0) return make_error("load_stun", "cannot build a binding request");
    send_plain({request.data(), n});
    pollfd p{socket_.fd(), POLLIN, 0};
    if (poll(&p, 1, std::min(100, remaining_ms())) != 1) continue;
    std::size_t got = socket_.receive(pool_, batch);
    for (std::size_t i = 0; i < got; ++i) {
      auto bytes = batch[i].packet->bytes();
      if (stun::classify(bytes) == stun::PacketKind::kStun && !answer_check(bytes, batch[i].from)) {
        auto msg = stun::parse(bytes);
        if (msg && msg->message_class() == stun::MessageClass::kSuccessResponse &&
            stun::verify_integrity(*msg, remote_.ice_pwd)) {
          checked = true;
          ++counters_.stun_responses;
        }
      }
      pool_.release(batch[i].packet);
    }
  }
  if (!checked) return make_error("load_ice", "no STUN binding success from " + server_.text());

  // DTLS as client; the session checks the certificate against the SDP's fingerprint.
  auto session =
      media::DtlsSession::create(dtls_ctx_, media::DtlsSession::Role::client, server.fingerprint);
  if (!session) return session.error();
  dtls_ = std::move(*session);
  auto send = [this](std::span<const std::uint8_t> d) { send_plain(d); };
  dtls_->start(send);
  while (dtls_->state() == media::DtlsSession::State::handshaking && remaining_ms() > 0) {
    pollfd p{socket_.fd(), POLLIN, 0};
    if (poll(&p, 1, std::min(50, remaining_ms())) != 1) {
      dtls_->on_timer(send);
      continue;
    }
    std::size_t got = socket_.receive(pool_, batch);
    for (std::size_t i = 0; i < got; ++i) {
      auto bytes = batch[i].packet->bytes();
      const auto kind = stun::classify(bytes);
      if (kind == stun::PacketKind::kDtls)
        dtls_->on_datagram(bytes, send);
      else if (kind == stun::PacketKind::kStun)
        answer_check(bytes, batch[i].from);  // a full ICE server keeps checking meanwhile
      pool_.release(batch[i].packet);
    }
  }
  if (dtls_->state() != media::DtlsSession::State::connected)
    return make_error("load_dtls",
                      "DTLS with " + server_.text() + " did not connect: " +
                          (dtls_->error().empty() ? std::string("timed out") : dtls_->error()));
  return use_keys(server_, dtls_->keys());
}

Status MediaClient::use_keys(const media::Endpoint& peer, const media::SrtpKeys& keys) {
  server_ = peer;
  auto out = media::Srtp::create(keys, media::Srtp::Direction::outbound);
  if (!out) return out.error();
  auto in = media::Srtp::create(keys, media::Srtp::Direction::inbound);
  if (!in) return in.error();
  srtp_out_ = std::move(*out);
  srtp_in_ = std::move(*in);
  profile_ = keys.profile;
  return ok_status();
}

bool MediaClient::send_rtp(std::span<std::uint8_t> buffer, std::size_t len) {
  auto n = srtp_out_ ? srtp_out_->protect_rtp(buffer, len)
                     : Expected<std::size_t>(make_error("load", "not connected"));
  if (!n) {
    ++counters_.send_failed;
    return false;
  }
  media::Outgoing o{buffer.data(), *n, &server_};
  if (socket_.send({&o, 1}) != 1) {
    ++counters_.send_failed;
    return false;
  }
  ++counters_.rtp_sent;
  return true;
}

bool MediaClient::send_rtcp(std::span<std::uint8_t> buffer, std::size_t len) {
  auto n = srtp_out_ ? srtp_out_->protect_rtcp(buffer, len)
                     : Expected<std::size_t>(make_error("load", "not connected"));
  if (!n) {
    ++counters_.send_failed;
    return false;
  }
  media::Outgoing o{buffer.data(), *n, &server_};
  if (socket_.send({&o, 1}) != 1) {
    ++counters_.send_failed;
    return false;
  }
  ++counters_.rtcp_sent;
  return true;
}

void MediaClient::send_consent_check() {
  if (remote_.ice_pwd.empty()) return;  // raw mode: no ICE
  std::array<std::uint8_t, 512> request{};
  if (std::size_t n = binding_request(request)) send_plain({request.data(), n});
}

// RFC 8445 §7.3: a full ICE server checks the pair too; answer its binding
// requests (USERNAME "<our ufrag>:<its ufrag>", keyed with our password).
// An ICE-lite server such as parleyd sends none.
bool MediaClient::answer_check(std::span<const std::uint8_t> bytes, const media::Endpoint& from) {
  auto msg = stun::parse(bytes);
  if (!msg || !msg->is_binding_request()) return false;
  auto username = msg->username();
  if (!username || username->substr(0, username->find(':')) != transport_.ice_ufrag) return false;
  if (!stun::verify_integrity(*msg, transport_.ice_pwd)) return false;
  auto mapped = stun::SocketAddress::from_sockaddr(from.addr);
  if (!mapped) return false;
  std::array<std::uint8_t, 256> reply{};
  auto n = stun::build_binding_success(*msg, mapped->unmapped(), transport_.ice_pwd, reply);
  if (!n) return false;
  media::Outgoing o{reply.data(), *n, &from};
  if (socket_.send({&o, 1}) != 1) ++counters_.send_failed;
  ++counters_.stun_requests_answered;
  return true;
}

void MediaClient::on_rtcp(std::span<const std::uint8_t> bytes) {
  auto compound = rtp::parse_rtcp_compound(bytes, rtp::RtcpMode::kReducedSize);
  if (!compound) {
    ++counters_.malformed;
    return;
  }
  for (const auto& pkt : *compound) {
    if (pkt.type() == 206 && pkt.count() == 1)
      ++counters_.pli_received;
    else if (pkt.type() == 205 && pkt.count() == 15)
      ++counters_.twcc_received;
    else if (pkt.type() == 200)
      ++counters_.sr_received;
  }
}

void MediaClient::drain(const RtpHandler& on_rtp) {
  std::array<media::Datagram, media::UdpSocket::kBatch> batch;
  for (;;) {
    std::size_t got = socket_.receive(pool_, batch);
    if (got == 0) return;
    const std::int64_t now = monotonic_ns();
    for (std::size_t i = 0; i < got; ++i) {
      media::Packet& p = *batch[i].packet;
      switch (batch[i].truncated ? stun::PacketKind::kUnknown : stun::classify(p.bytes())) {
        case stun::PacketKind::kStun:
          if (!answer_check(p.bytes(), batch[i].from)) ++counters_.stun_responses;
          break;
        case stun::PacketKind::kDtls:
          ++counters_.dtls_datagrams;
          if (dtls_)
            dtls_->on_datagram(p.bytes(),
                               [this](std::span<const std::uint8_t> d) { send_plain(d); });
          break;
        case stun::PacketKind::kRtp: {
          auto n = srtp_in_ ? srtp_in_->unprotect_rtp(p.room(), p.size)
                            : Expected<std::size_t>(make_error("load", ""));
          if (!n) {
            ++counters_.unprotect_failed;
            break;
          }
          auto rtp = rtp::parse_rtp({p.data, *n});
          if (!rtp) {
            ++counters_.malformed;
            break;
          }
          ++counters_.rtp_received;
          on_rtp(*rtp, now);
          break;
        }
        case stun::PacketKind::kRtcp: {
          auto n = srtp_in_ ? srtp_in_->unprotect_rtcp(p.room(), p.size)
                            : Expected<std::size_t>(make_error("load", ""));
          if (!n) {
            ++counters_.unprotect_failed;
            break;
          }
          ++counters_.rtcp_received;
          on_rtcp({p.data, *n});
          break;
        }
        default:
          ++counters_.other;
      }
      pool_.release(batch[i].packet);
    }
    if (got < media::UdpSocket::kBatch) return;
  }
}

}  // namespace parley::load
