#pragma once
// Demultiplexing of one UDP port shared by STUN, DTLS, RTP and RTCP (RFC 7983
// §7, RFC 5761 §4): which parser a datagram goes to, from its first two bytes.
// Only a classification: each parser still checks the packet in full.

#include <cstdint>
#include <span>

namespace parley::stun {

enum class PacketKind : std::uint8_t {
  kUnknown,  // drop (also ZRTP 16..19 and TURN channels 64..79: not spoken here)
  kStun,
  kDtls,
  kRtp,
  kRtcp,
};

// RFC 5761 §4: RTCP packet types 192..223 (SR 200, RR 201, SDES 202, BYE 203,
// APP 204, RTPFB 205, PSFB 206, XR 207, ...) read as 64..95 once the RTP marker
// bit is masked off; with rtcp-mux, RTP must not use those payload types.
constexpr bool is_rtcp_payload_type(std::uint8_t second_byte) {
  const std::uint8_t pt = second_byte & 0x7F;
  return pt >= 64 && pt <= 95;
}

// RFC 7983 §7: first byte 0..3 STUN, 20..63 DTLS, 128..191 RTP or RTCP (then
// told apart by the second byte); anything else, or an empty datagram, unknown.
// A datagram in the RTP range with fewer than 2 bytes is unknown.
constexpr PacketKind classify(std::span<const std::uint8_t> datagram) {
  if (datagram.empty()) return PacketKind::kUnknown;
  const std::uint8_t b = datagram[0];
  if (b <= 3) return PacketKind::kStun;
  if (b >= 20 && b <= 63) return PacketKind::kDtls;
  if (b >= 128 && b <= 191) {
    if (datagram.size() < 2) return PacketKind::kUnknown;
    return is_rtcp_payload_type(datagram[1]) ? PacketKind::kRtcp : PacketKind::kRtp;
  }
  return PacketKind::kUnknown;
}

}  // namespace parley::stun
