#pragma once
// Shared by the SRTP tests: keys, RTP/RTCP packets of every shape, and
// libsrtp2 as an independent reference implementation (linked into the
// tests only, configured as Parley's SRTP was before it had its own).

#include <srtp2/srtp.h>

#include <array>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "media/dtls.h"
#include "media/srtp.h"

namespace parley::media::srtp_testing {

// Keys for one direction: what `local` protects, a peer made with
// peer_of() unprotects.
inline SrtpKeys keys_for(SrtpProfile profile, std::uint8_t seed = 1) {
  SrtpKeys k;
  k.profile = profile;
  k.salt_len = profile == SrtpProfile::aead_aes_128_gcm ? 12 : 14;
  for (std::size_t i = 0; i < k.local.size(); ++i) {
    k.local[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
    k.remote[i] = static_cast<std::uint8_t>(seed * 17 + i * 13 + 5);
  }
  return k;
}

inline SrtpKeys peer_of(SrtpKeys k) {
  std::swap(k.local, k.remote);
  return k;
}

// Both profiles, and the name each gives its tests: for
// INSTANTIATE_TEST_SUITE_P(Profiles, Suite, ::testing::ValuesIn(kProfiles), ProfileName()).
inline constexpr SrtpProfile kProfiles[] = {SrtpProfile::aead_aes_128_gcm,
                                            SrtpProfile::aes128_cm_sha1_80};
struct ProfileName {
  template <class ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    return info.param == SrtpProfile::aead_aes_128_gcm ? "AeadAes128Gcm" : "AesCm128HmacSha1_80";
  }
};

inline std::size_t tag_size(SrtpProfile p) {
  return p == SrtpProfile::aead_aes_128_gcm ? 16 : 10;
}

enum class Ext { none, one_byte, two_byte, other };

struct RtpShape {
  std::uint32_t ssrc = 0x12345678;
  std::uint16_t seq = 1;
  std::uint8_t csrcs = 0;
  Ext ext = Ext::none;
  std::uint16_t ext_words = 0;
  std::size_t payload = 100;
  std::uint8_t padding = 0;  // 0: P clear; else the padding octets, count included
};

inline std::vector<std::uint8_t> make_rtp(const RtpShape& s, std::uint32_t fill = 0) {
  std::vector<std::uint8_t> p;
  p.push_back(static_cast<std::uint8_t>(0x80 | (s.padding ? 0x20 : 0) |
                                        (s.ext != Ext::none ? 0x10 : 0) | (s.csrcs & 0x0f)));
  p.push_back(96);
  p.push_back(static_cast<std::uint8_t>(s.seq >> 8));
  p.push_back(static_cast<std::uint8_t>(s.seq));
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<std::uint8_t>((s.seq * 90u) >> (24 - 8 * i)));
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<std::uint8_t>(s.ssrc >> (24 - 8 * i)));
  for (int c = 0; c < (s.csrcs & 0x0f); ++c)
    for (int i = 0; i < 4; ++i) p.push_back(static_cast<std::uint8_t>(0xC0 + c));
  if (s.ext != Ext::none) {
    const std::uint16_t profile = s.ext == Ext::one_byte   ? 0xBEDE
                                  : s.ext == Ext::two_byte ? 0x1000
                                                           : 0xABCD;
    p.push_back(static_cast<std::uint8_t>(profile >> 8));
    p.push_back(static_cast<std::uint8_t>(profile));
    p.push_back(static_cast<std::uint8_t>(s.ext_words >> 8));
    p.push_back(static_cast<std::uint8_t>(s.ext_words));
    for (std::size_t i = 0; i < 4u * s.ext_words; ++i)
      p.push_back(static_cast<std::uint8_t>(0xE0 + i));
  }
  for (std::size_t i = 0; i < s.payload; ++i) p.push_back(static_cast<std::uint8_t>(fill + i * 3));
  if (s.padding) {
    for (int i = 1; i < s.padding; ++i) p.push_back(0);
    p.push_back(s.padding);
  }
  return p;
}

// An RTCP packet (or compound) of `size` octets, size >= 8.
inline std::vector<std::uint8_t> make_rtcp(std::uint32_t ssrc, std::size_t size,
                                           std::uint8_t pt = 201, std::uint32_t fill = 0) {
  std::vector<std::uint8_t> p(size);
  p[0] = 0x81;
  p[1] = pt;
  p[2] = static_cast<std::uint8_t>(((size / 4) - 1) >> 8);
  p[3] = static_cast<std::uint8_t>((size / 4) - 1);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  for (std::size_t i = 8; i < size; ++i) p[i] = static_cast<std::uint8_t>(fill + i * 5);
  return p;
}

// A packet in a buffer with room for the trailer.
inline std::vector<std::uint8_t> with_room(const std::vector<std::uint8_t>& p) {
  std::vector<std::uint8_t> b(p);
  b.resize(p.size() + kSrtpMaxTrailer, 0xEE);
  return b;
}

// libsrtp2 with the policy media::Srtp had when it wrapped it: any SSRC,
// a window of 1024, repeat-tx allowed.
class LibSrtp {
 public:
  struct Options {
    bool rtcp_auth_only;  // SRTCP with E clear
  };
  LibSrtp(const SrtpKeys& keys, Srtp::Direction direction, Options options = {false}) {
    static const bool initialised = srtp_init() == srtp_err_status_ok;
    if (!initialised) throw std::runtime_error("srtp_init");
    srtp_policy_t policy{};
    if (keys.profile == SrtpProfile::aead_aes_128_gcm) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }
    if (options.rtcp_auth_only) policy.rtcp.sec_serv = sec_serv_auth;
    key_ = direction == Srtp::Direction::inbound ? keys.remote : keys.local;
    policy.ssrc.type = direction == Srtp::Direction::inbound ? ssrc_any_inbound : ssrc_any_outbound;
    policy.key = key_.data();
    policy.window_size = 1024;
    policy.allow_repeat_tx = 1;
    if (srtp_create(&session_, &policy) != srtp_err_status_ok)
      throw std::runtime_error("srtp_create");
  }
  ~LibSrtp() { srtp_dealloc(session_); }
  LibSrtp(const LibSrtp&) = delete;
  LibSrtp& operator=(const LibSrtp&) = delete;

  // In place in `buffer`, `len` octets; the new length, or -1.
  int protect_rtp(std::vector<std::uint8_t>& buffer, std::size_t len) {
    return call(srtp_protect, buffer, len);
  }
  int unprotect_rtp(std::vector<std::uint8_t>& buffer, std::size_t len) {
    return call(srtp_unprotect, buffer, len);
  }
  int protect_rtcp(std::vector<std::uint8_t>& buffer, std::size_t len) {
    return call(srtp_protect_rtcp, buffer, len);
  }
  int unprotect_rtcp(std::vector<std::uint8_t>& buffer, std::size_t len) {
    return call(srtp_unprotect_rtcp, buffer, len);
  }
  srtp_t session() { return session_; }

 private:
  template <typename F>
  int call(F f, std::vector<std::uint8_t>& buffer, std::size_t len) {
    int n = static_cast<int>(len);
    return f(session_, buffer.data(), &n) == srtp_err_status_ok ? n : -1;
  }
  std::array<std::uint8_t, 30> key_{};
  srtp_t session_ = nullptr;
};

}  // namespace parley::media::srtp_testing
