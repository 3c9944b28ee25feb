#pragma once
// DTLS 1.2 for WebRTC (RFC 5763, RFC 5764, RFC 8827) with OpenSSL, driven by
// datagrams rather than a socket: the transport feeds each DTLS datagram it
// receives (first byte 20–63, RFC 7983) and sends what the session writes.
// Certificates are self-signed; what authenticates the peer is that its
// certificate's SHA-256 fingerprint equals the one in its SDP (RFC 8122).
// A mismatch fails the session. After the handshake the SRTP keys are
// exported (RFC 5764 §4.2).

#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/error.h"

namespace parley::media {

enum class SrtpProfile { aead_aes_128_gcm, aes128_cm_sha1_80 };
std::string_view srtp_profile_name(SrtpProfile p);

// Keys for one direction each; "local" protects what we send.
struct SrtpKeys {
  SrtpProfile profile = SrtpProfile::aead_aes_128_gcm;
  std::array<std::uint8_t, 30> local{};   // key then salt (16 + 12 or 16 + 14 bytes)
  std::array<std::uint8_t, 30> remote{};
  std::size_t key_len = 16;
  std::size_t salt_len = 12;
};

// The process's DTLS identity: an ECDSA P-256 key and a self-signed
// certificate made at start-up, shared by every session (SSL_CTX is safe to
// use from several threads for creating sessions).
class DtlsContext {
 public:
  static Expected<std::shared_ptr<DtlsContext>> create();
  ~DtlsContext();
  DtlsContext(const DtlsContext&) = delete;
  DtlsContext& operator=(const DtlsContext&) = delete;
  // "sha-256" fingerprint as written in SDP: uppercase hex pairs joined by ':'.
  const std::string& fingerprint() const { return fingerprint_; }
  SSL_CTX* ctx() const { return ctx_; }

 private:
  DtlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
  std::string fingerprint_;
};

class DtlsSession {
 public:
  enum class Role { server, client };  // server: we answered a=setup:passive
  enum class State { handshaking, connected, failed, closed };
  using Send = std::function<void(std::span<const std::uint8_t>)>;

  // `peer_fingerprint` is the SDP's sha-256 fingerprint of the peer.
  static Expected<std::unique_ptr<DtlsSession>> create(std::shared_ptr<DtlsContext> ctx, Role role,
                                                       std::string peer_fingerprint);
  ~DtlsSession();
  DtlsSession(const DtlsSession&) = delete;
  DtlsSession& operator=(const DtlsSession&) = delete;

  // A client starts the handshake; a server waits for the ClientHello.
  void start(const Send& send);
  // One incoming DTLS datagram. Errors (a bad record, a failed handshake, a
  // wrong fingerprint) leave the session failed, with the reason in error().
  void on_datagram(std::span<const std::uint8_t> datagram, const Send& send);
  // Retransmits handshake flights when their timer ran out; call every few
  // tens of milliseconds while handshaking.
  void on_timer(const Send& send);

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  // Set once connected.
  const SrtpKeys& keys() const { return keys_; }

 private:
  DtlsSession() = default;
  void drive(const Send& send);
  void flush(const Send& send);
  void fail(std::string why);
  void finish();

  std::shared_ptr<DtlsContext> ctx_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // datagrams from the peer (a memory BIO)
  BIO* out_ = nullptr;  // datagrams to the peer: each write is kept apart
  std::vector<std::vector<std::uint8_t>> outbox_;  // handshake-time only
  Role role_ = Role::server;
  State state_ = State::handshaking;
  std::string peer_fingerprint_;
  std::string error_;
  SrtpKeys keys_;
};

// SHA-256 fingerprint of a DER certificate in SDP form.
std::string fingerprint_text_sha256(std::span<const std::uint8_t> der);

}  // namespace parley::media
