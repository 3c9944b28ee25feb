// RFC 7983 §7 first-byte ranges and the RFC 5761 §4 RTP/RTCP split.

#include "stun/demux.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace parley::stun {
namespace {

PacketKind kind_of(std::initializer_list<std::uint8_t> bytes) {
  const std::vector<std::uint8_t> v(bytes);
  return classify(v);
}

TEST(StunDemux, EveryFirstByte) {
  for (int b = 0; b < 256; ++b) {
    // Second byte 96: an ordinary dynamic RTP payload type.
    const PacketKind k = kind_of({static_cast<std::uint8_t>(b), 96, 0, 0});
    if (b <= 3) {
      EXPECT_EQ(k, PacketKind::kStun) << b;
    } else if (b >= 20 && b <= 63) {
      EXPECT_EQ(k, PacketKind::kDtls) << b;
    } else if (b >= 128 && b <= 191) {
      EXPECT_EQ(k, PacketKind::kRtp) << b;
    } else {
      EXPECT_EQ(k, PacketKind::kUnknown) << b;  // ZRTP, TURN channels and the rest
    }
  }
}

TEST(StunDemux, Boundaries) {
  EXPECT_EQ(kind_of({0x00}), PacketKind::kStun);
  EXPECT_EQ(kind_of({0x03}), PacketKind::kStun);
  EXPECT_EQ(kind_of({0x04}), PacketKind::kUnknown);
  EXPECT_EQ(kind_of({19}), PacketKind::kUnknown);  // ZRTP
  EXPECT_EQ(kind_of({20}), PacketKind::kDtls);     // change_cipher_spec
  EXPECT_EQ(kind_of({22}), PacketKind::kDtls);     // handshake
  EXPECT_EQ(kind_of({63}), PacketKind::kDtls);
  EXPECT_EQ(kind_of({64}), PacketKind::kUnknown);  // TURN channel
  EXPECT_EQ(kind_of({127}), PacketKind::kUnknown);
  EXPECT_EQ(kind_of({128, 0}), PacketKind::kRtp);
  EXPECT_EQ(kind_of({191, 0}), PacketKind::kRtp);
  EXPECT_EQ(kind_of({192, 0}), PacketKind::kUnknown);
  EXPECT_EQ(kind_of({255, 0}), PacketKind::kUnknown);
}

TEST(StunDemux, EmptyAndTooShort) {
  EXPECT_EQ(classify(std::span<const std::uint8_t>()), PacketKind::kUnknown);
  EXPECT_EQ(kind_of({0x80}), PacketKind::kUnknown);  // RTP range, no second byte
  EXPECT_EQ(kind_of({0x00}), PacketKind::kStun);     // STUN: parse() judges the length
}

TEST(StunDemux, RtcpByPacketType) {
  // SR, RR, SDES, BYE, APP, RTPFB (NACK, TWCC), PSFB (PLI, FIR), XR.
  for (int pt : {200, 201, 202, 203, 204, 205, 206, 207}) {
    EXPECT_EQ(kind_of({0x80, static_cast<std::uint8_t>(pt)}), PacketKind::kRtcp) << pt;
    EXPECT_EQ(kind_of({0x81, static_cast<std::uint8_t>(pt)}), PacketKind::kRtcp) << pt;
  }
  // RFC 5761 §4: 192..223 all read as RTCP; with the marker bit masked off
  // that is RTP payload types 64..95, whichever way the marker is set.
  for (int second = 0; second < 256; ++second) {
    const int pt = second & 0x7F;
    const PacketKind expected = pt >= 64 && pt <= 95 ? PacketKind::kRtcp : PacketKind::kRtp;
    EXPECT_EQ(kind_of({0x80, static_cast<std::uint8_t>(second)}), expected) << second;
    EXPECT_EQ(is_rtcp_payload_type(static_cast<std::uint8_t>(second)),
              expected == PacketKind::kRtcp);
  }
  // Opus (111) and VP8 (96) with and without the marker bit stay RTP.
  EXPECT_EQ(kind_of({0x80, 111}), PacketKind::kRtp);
  EXPECT_EQ(kind_of({0x80, 0x80 | 96}), PacketKind::kRtp);
  EXPECT_EQ(kind_of({0x90, 0x80 | 111}), PacketKind::kRtp);  // with header extension
}

TEST(StunDemux, UsableAtCompileTime) {
  static constexpr std::array<std::uint8_t, 2> kRtcp = {0x80, 200};
  static_assert(classify(kRtcp) == PacketKind::kRtcp);
}

}  // namespace
}  // namespace parley::stun
