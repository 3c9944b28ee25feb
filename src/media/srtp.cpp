#include "media/srtp.h"

#include <srtp2/srtp.h>

#include <mutex>
#include <string>

namespace parley::media {

namespace {

Error srtp_error(srtp_err_status_t s, const char* what) {
  if (s == srtp_err_status_auth_fail) return make_error("srtp_auth", std::string(what) + ": authentication failed");
  if (s == srtp_err_status_replay_fail || s == srtp_err_status_replay_old)
    return make_error("srtp_replay", std::string(what) + ": replayed or too old");
  return make_error("srtp_failed", std::string(what) + ": libsrtp error " + std::to_string(static_cast<int>(s)));
}

Status init_once() {
  static srtp_err_status_t status = srtp_init();
  if (status != srtp_err_status_ok) return srtp_error(status, "srtp_init");
  return ok_status();
}

}  // namespace

Expected<std::unique_ptr<Srtp>> Srtp::create(const SrtpKeys& keys, Direction direction) {
  if (auto s = init_once(); !s) return s.error();
  srtp_policy_t policy{};
  if (keys.profile == SrtpProfile::aead_aes_128_gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  const auto& material = direction == Direction::inbound ? keys.remote : keys.local;
  policy.ssrc.type = direction == Direction::inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.key = const_cast<unsigned char*>(material.data());
  // A window wide enough for video bursts reordered on the path (RFC 3711
  // §3.3.2 asks at least 64).
  policy.window_size = 1024;
  // Retransmissions answered from the cache on the original SSRC reuse
  // sequence numbers already protected once.
  policy.allow_repeat_tx = 1;
  policy.next = nullptr;
  std::unique_ptr<Srtp> s(new Srtp());
  srtp_t session = nullptr;
  if (auto st = srtp_create(&session, &policy); st != srtp_err_status_ok) return srtp_error(st, "srtp_create");
  s->session_ = session;
  return s;
}

Srtp::~Srtp() {
  if (session_) srtp_dealloc(static_cast<srtp_t>(session_));
}

namespace {

template <typename F>
Expected<std::size_t> transform(void* session, std::span<std::uint8_t> buffer, std::size_t len, bool grows,
                                F fn, const char* what) {
  if (len > buffer.size() || (grows && len + kSrtpMaxTrailer > buffer.size()) || len > 0x7fffffff)
    return make_error("srtp_failed", std::string(what) + ": packet does not fit its buffer");
  int n = static_cast<int>(len);
  auto st = fn(static_cast<srtp_t>(session), buffer.data(), &n);
  if (st != srtp_err_status_ok) return srtp_error(st, what);
  return static_cast<std::size_t>(n);
}

}  // namespace

Expected<std::size_t> Srtp::protect_rtp(std::span<std::uint8_t> buffer, std::size_t len) {
  return transform(session_, buffer, len, true, srtp_protect, "protect RTP");
}
Expected<std::size_t> Srtp::unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t len) {
  return transform(session_, buffer, len, false, srtp_unprotect, "unprotect RTP");
}
Expected<std::size_t> Srtp::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t len) {
  return transform(session_, buffer, len, true, srtp_protect_rtcp, "protect RTCP");
}
Expected<std::size_t> Srtp::unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t len) {
  return transform(session_, buffer, len, false, srtp_unprotect_rtcp, "unprotect RTCP");
}

}  // namespace parley::media
