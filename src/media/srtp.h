#pragma once
// SRTP and SRTCP (RFC 3711; AEAD-GCM per RFC 7714) with libsrtp2, keyed from
// the DTLS handshake (dtls.h). One context per direction of one transport:
// inbound unprotects what the peer sends, outbound protects what we send to
// it, for any SSRC. Packets are transformed in place in their buffer; the
// buffer must have room for the tag (kSrtpMaxTrailer bytes) after the packet.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/error.h"
#include "media/dtls.h"

namespace parley::media {

inline constexpr std::size_t kSrtpMaxTrailer = 16 + 4 + 10;  // tag, SRTCP index, MKI-free margin

class Srtp {
 public:
  enum class Direction { inbound, outbound };
  static Expected<std::unique_ptr<Srtp>> create(const SrtpKeys& keys, Direction direction);
  ~Srtp();
  Srtp(const Srtp&) = delete;
  Srtp& operator=(const Srtp&) = delete;

  // Each returns the new length of the packet in `buffer`, or an error:
  // "srtp_auth" (tag does not verify), "srtp_replay" (seen before or too
  // old), "srtp_failed" (anything else). The buffer is unchanged on error
  // for unprotect; protect needs len + kSrtpMaxTrailer <= buffer.size().
  Expected<std::size_t> protect_rtp(std::span<std::uint8_t> buffer, std::size_t len);
  Expected<std::size_t> unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t len);
  Expected<std::size_t> protect_rtcp(std::span<std::uint8_t> buffer, std::size_t len);
  Expected<std::size_t> unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t len);

 private:
  Srtp() = default;
  void* session_ = nullptr;  // srtp_t, kept opaque so that callers need no libsrtp headers
};

}  // namespace parley::media
