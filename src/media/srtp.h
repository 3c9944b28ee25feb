#pragma once
// SRTP and SRTCP (RFC 3711, AES_CM_128_HMAC_SHA1_80; RFC 7714,
// AEAD_AES_128_GCM) written here on OpenSSL's libcrypto, keyed from the DTLS
// handshake (dtls.h). One Srtp per direction of one transport: inbound
// unprotects what the peer sends, outbound protects what we send to it, for
// any SSRC. Packets are transformed in place in their buffer; the buffer
// must have room for the trailer (kSrtpMaxTrailer bytes) after the packet.
//
// Each SSRC gets its own stream state (rollover counter, highest index,
// replay window, SRTCP index) the first time it is seen; inbound, only once
// a packet of it has authenticated. The per-packet path allocates nothing,
// refusals included: the cipher contexts are keyed in create() and streams
// live in a flat table sized for kSrtpInitialStreams, which grows (the only
// allocation after create) when more SSRCs appear, up to kSrtpMaxStreams.
// Owned by its Transport and used on its worker's thread only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/error.h"
#include "media/dtls.h"

namespace parley::media {

inline constexpr std::size_t kSrtpMaxTrailer = 16 + 4 + 10;  // tag, SRTCP index, MKI-free margin
// RFC 3711 §3.3.2 asks for at least 64; a wider window keeps video bursts
// that the path reordered.
inline constexpr std::uint64_t kSrtpReplayWindow = 1024;
// SSRCs per direction. A subscriber's outbound carries every track it is
// sent (and their RTX streams); past the bound a new SSRC is refused with
// "srtp_failed" and the streams already known go on.
inline constexpr std::size_t kSrtpInitialStreams = 16;
inline constexpr std::size_t kSrtpMaxStreams = 4096;
// Inbound, a peer sends a handful of SSRCs (each track's layers and their
// RTX, its RTCP senders); a bound far above that keeps a peer from
// spending the worker's memory and time on SSRCs of its own invention.
inline constexpr std::size_t kSrtpMaxInboundStreams = 256;
// RFC 3711 §4.1.1: the AES-CM keystream of one packet has a 16-bit block
// counter, so no packet may be longer than 2^16 blocks; far above any
// datagram (media::kPacketCapacity), and the bound is kept for both.
inline constexpr std::size_t kSrtpMaxPacket = 0xffff;

class Srtp {
 public:
  enum class Direction { inbound, outbound };
  static Expected<std::unique_ptr<Srtp>> create(const SrtpKeys& keys, Direction direction);
  ~Srtp();
  Srtp(const Srtp&) = delete;
  Srtp& operator=(const Srtp&) = delete;

  // Each returns the new length of the packet in `buffer`, or an error:
  // "srtp_auth" (tag does not verify), "srtp_replay" (seen before or too
  // old), "srtp_reuse" (protect: different bytes under an index already
  // used), "srtp_failed" (anything else: malformed, too many SSRCs). The
  // buffer is unchanged on error for unprotect; after an error of protect
  // it must not be sent. Protect needs len + kSrtpMaxTrailer <=
  // buffer.size(). Outbound, a sequence number already protected may be
  // protected again only with the same bytes (a retransmission: the same
  // ciphertext, nothing new revealed); different bytes under a used index
  // would reuse the keystream, and with GCM give away the authentication
  // key (RFC 7714 §14.1), so they are refused. An index older than the
  // replay window is refused too: it can no longer be checked.
  Expected<std::size_t> protect_rtp(std::span<std::uint8_t> buffer, std::size_t len);

  // Where the state of one outbound SSRC lives in an Srtp, kept by a
  // sender per destination stream (the call layer: per subscriber and
  // track) so that protect_rtp skips the stream table's lookup: fanning a
  // packet out to many transports, each lookup is a cache miss or two.
  // Opaque. Every use checks it against the Srtp at hand: it names a
  // stream only of the Srtp that filled it, only while that Srtp's stream
  // table is unchanged (a new SSRC may move every stream), and only for
  // the SSRC it was filled for. Otherwise the stream is looked up and the
  // memo refilled: a stale memo (another Srtp, a table that grew, an RTX
  // packet) costs a lookup, never the wrong stream's state.
  class StreamMemo {
   private:
    friend class Srtp;
    void* stream_ = nullptr;
    std::uint64_t epoch_ = 0;  // 0: empty; else the table's epoch when filled
  };
  // As protect_rtp above; the same result and the same checks.
  Expected<std::size_t> protect_rtp(std::span<std::uint8_t> buffer, std::size_t len,
                                    StreamMemo& memo);
  Expected<std::size_t> unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t len);
  Expected<std::size_t> protect_rtcp(std::span<std::uint8_t> buffer, std::size_t len);
  Expected<std::size_t> unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t len);

 private:
  class Impl;
  explicit Srtp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;  // allocated by create()
};

}  // namespace parley::media
