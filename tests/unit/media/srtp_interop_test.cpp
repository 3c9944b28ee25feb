// media::Srtp against libsrtp2, an implementation we did not write, for
// both profiles: random RTP packets (sizes, CSRCs, header extensions,
// padding, several SSRCs, sequence numbers crossing the 16-bit wrap so the
// ROC moves, reordered within the window) and random RTCP, protected by
// one side and unprotected by the other, both ways; and the same packet
// protected by both gives the same octets.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "media/srtp.h"
#include "srtp_test_support.h"

namespace parley::media {
namespace {

using srtp_testing::Ext;
using srtp_testing::LibSrtp;
using srtp_testing::make_rtcp;
using srtp_testing::make_rtp;
using srtp_testing::RtpShape;
using srtp_testing::with_room;
using Bytes = std::vector<std::uint8_t>;

class SrtpInterop : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  SrtpKeys keys() const { return srtp_testing::keys_for(GetParam(), 9); }
};

std::uint32_t next32(std::minstd_rand& rng) {
  return static_cast<std::uint32_t>(rng() * 2654435761u);
}

// A stream of random RTP packets from a few SSRCs, each SSRC starting
// near the wrap, in the order a path might deliver them: mostly in order,
// some swapped within a few dozen packets.
std::vector<Bytes> random_rtp(std::minstd_rand& rng, std::size_t count) {
  const std::uint32_t ssrcs[] = {next32(rng), next32(rng), next32(rng), next32(rng)};
  std::uint16_t seqs[] = {65000, 65535, 0, 30000};
  seqs[0] = static_cast<std::uint16_t>(65536 - 300 - rng() % 200);
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t s = rng() % std::size(ssrcs);
    RtpShape shape;
    shape.ssrc = ssrcs[s];
    // Mostly the next number; sometimes a gap (loss before us).
    shape.seq = seqs[s] =
        static_cast<std::uint16_t>(seqs[s] + 1 + (rng() % 10 == 0 ? rng() % 50 : 0));
    shape.csrcs = static_cast<std::uint8_t>(rng() % 4 == 0 ? rng() % 16 : 0);
    shape.ext = static_cast<Ext>(rng() % 4);
    shape.ext_words = static_cast<std::uint16_t>(rng() % 6);
    shape.payload = rng() % 3 == 0 ? rng() % 16 : rng() % 1300;
    shape.padding = static_cast<std::uint8_t>(rng() % 8 == 0 ? 1 + rng() % 40 : 0);
    out.push_back(make_rtp(shape, rng()));
  }
  // Reorder within the window: swap neighbours up to 40 apart.
  for (std::size_t i = 0; i + 40 < out.size(); ++i)
    if (rng() % 5 == 0) std::swap(out[i], out[i + 1 + rng() % 39]);
  return out;
}

std::vector<Bytes> random_rtcp(std::minstd_rand& rng, std::size_t count) {
  const std::uint32_t ssrcs[] = {next32(rng), next32(rng), next32(rng)};
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t size = 8 + 4 * (rng() % 80) + (rng() % 6 == 0 ? rng() % 4 : 0);
    out.push_back(make_rtcp(ssrcs[rng() % std::size(ssrcs)], size,
                            static_cast<std::uint8_t>(200 + rng() % 8), rng()));
  }
  return out;
}

TEST_P(SrtpInterop, RtpBothWaysAndTheSameCiphertext) {
  std::minstd_rand rng(7 + static_cast<unsigned>(GetParam()));
  const auto packets = random_rtp(rng, 3000);
  auto ours_tx = *Srtp::create(keys(), Srtp::Direction::outbound);
  auto ours_rx = *Srtp::create(srtp_testing::peer_of(keys()), Srtp::Direction::inbound);
  LibSrtp theirs_tx(keys(), Srtp::Direction::outbound);
  LibSrtp theirs_rx(srtp_testing::peer_of(keys()), Srtp::Direction::inbound);
  std::size_t index = 0;
  for (const Bytes& plain : packets) {
    SCOPED_TRACE("packet " + std::to_string(index++) + " of " + std::to_string(plain.size()) +
                 " octets");
    Bytes ours = with_room(plain), theirs = with_room(plain);
    auto n = ours_tx->protect_rtp(ours, plain.size());
    const int m = theirs_tx.protect_rtp(theirs, plain.size());
    ASSERT_TRUE(n) << n.error().message;
    ASSERT_GT(m, 0);
    ASSERT_EQ(*n, static_cast<std::size_t>(m));
    ASSERT_TRUE(std::equal(ours.begin(), ours.begin() + m, theirs.begin())) << "ciphertexts differ";
    // Ours into libsrtp, libsrtp's into ours.
    ASSERT_EQ(theirs_rx.unprotect_rtp(ours, *n), static_cast<int>(plain.size()));
    ASSERT_TRUE(std::equal(plain.begin(), plain.end(), ours.begin()));
    auto back = ours_rx->unprotect_rtp(theirs, static_cast<std::size_t>(m));
    ASSERT_TRUE(back) << back.error().code << ": " << back.error().message;
    ASSERT_EQ(*back, plain.size());
    ASSERT_TRUE(std::equal(plain.begin(), plain.end(), theirs.begin()));
  }
}

// Reordered on the way in only: one sender, and the receivers see the
// packets in another order than it protected them.
TEST_P(SrtpInterop, RtpReorderedBetweenSenderAndReceiver) {
  std::minstd_rand rng(11 + static_cast<unsigned>(GetParam()));
  const auto packets = random_rtp(rng, 2000);
  auto ours_tx = *Srtp::create(keys(), Srtp::Direction::outbound);
  LibSrtp theirs_tx(keys(), Srtp::Direction::outbound);
  std::vector<Bytes> ours_sealed, theirs_sealed;
  for (const Bytes& plain : packets) {
    Bytes a = with_room(plain), b = with_room(plain);
    a.resize(*ours_tx->protect_rtp(a, plain.size()));
    const int m = theirs_tx.protect_rtp(b, plain.size());
    ASSERT_GT(m, 0);
    b.resize(static_cast<std::size_t>(m));
    ASSERT_EQ(a, b);
    ours_sealed.push_back(a);
    theirs_sealed.push_back(b);
  }
  std::vector<std::size_t> order(packets.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (std::size_t i = 0; i + 64 < order.size(); i += 1 + rng() % 8)
    std::swap(order[i], order[i + rng() % 64]);
  auto ours_rx = *Srtp::create(srtp_testing::peer_of(keys()), Srtp::Direction::inbound);
  LibSrtp theirs_rx(srtp_testing::peer_of(keys()), Srtp::Direction::inbound);
  for (std::size_t i : order) {
    Bytes a = ours_sealed[i], b = theirs_sealed[i];
    a.resize(a.size() + kSrtpMaxTrailer);
    auto n = ours_rx->unprotect_rtp(b, b.size());
    const int m = theirs_rx.unprotect_rtp(a, ours_sealed[i].size());
    // Both agree on every packet, accepted or refused (a swap may move a
    // packet behind the window of its SSRC, rarely).
    ASSERT_EQ(n.ok(), m >= 0) << "packet " << i;
    if (n) {
      ASSERT_EQ(*n, packets[i].size());
      ASSERT_TRUE(std::equal(packets[i].begin(), packets[i].end(), b.begin()));
    }
    // And a second delivery is a replay to both.
    Bytes again = ours_sealed[i];
    EXPECT_FALSE(ours_rx->unprotect_rtp(again, again.size()));
  }
}

TEST_P(SrtpInterop, RtcpBothWaysAndTheSameCiphertext) {
  std::minstd_rand rng(5 + static_cast<unsigned>(GetParam()));
  const auto packets = random_rtcp(rng, 1500);
  auto ours_tx = *Srtp::create(keys(), Srtp::Direction::outbound);
  auto ours_rx = *Srtp::create(srtp_testing::peer_of(keys()), Srtp::Direction::inbound);
  LibSrtp theirs_tx(keys(), Srtp::Direction::outbound);
  LibSrtp theirs_rx(srtp_testing::peer_of(keys()), Srtp::Direction::inbound);
  // RFC 3711 §3.4 starts the SRTCP index at 0; libsrtp sends its first
  // packet with 1. One packet per SSRC on our side aligns the two (and is
  // checked by libsrtp like any other).
  std::vector<std::uint32_t> seen;
  for (const Bytes& plain : packets) {
    const std::uint32_t ssrc =
        (std::uint32_t{plain[4]} << 24) | (plain[5] << 16) | (plain[6] << 8) | plain[7];
    if (std::find(seen.begin(), seen.end(), ssrc) != seen.end()) continue;
    seen.push_back(ssrc);
    Bytes first = with_room(plain);
    auto n = ours_tx->protect_rtcp(first, plain.size());
    ASSERT_TRUE(n);
    ASSERT_EQ(theirs_rx.unprotect_rtcp(first, *n), static_cast<int>(plain.size()));
  }
  for (const Bytes& plain : packets) {
    Bytes ours = with_room(plain), theirs = with_room(plain);
    auto n = ours_tx->protect_rtcp(ours, plain.size());
    const int m = theirs_tx.protect_rtcp(theirs, plain.size());
    ASSERT_TRUE(n) << n.error().message;
    ASSERT_GT(m, 0);
    ASSERT_EQ(*n, static_cast<std::size_t>(m));
    ASSERT_TRUE(std::equal(ours.begin(), ours.begin() + m, theirs.begin())) << "ciphertexts differ";
    ASSERT_EQ(theirs_rx.unprotect_rtcp(ours, *n), static_cast<int>(plain.size()));
    ASSERT_TRUE(std::equal(plain.begin(), plain.end(), ours.begin()));
    auto back = ours_rx->unprotect_rtcp(theirs, static_cast<std::size_t>(m));
    ASSERT_TRUE(back) << back.error().code << ": " << back.error().message;
    ASSERT_EQ(*back, plain.size());
    ASSERT_TRUE(std::equal(plain.begin(), plain.end(), theirs.begin()));
  }
}

// SRTCP authenticated but not encrypted (E clear, RFC 3711 §3.4; RFC 7714
// §9.3), which we never send but accept.
TEST_P(SrtpInterop, UnencryptedSrtcpFromLibsrtpIsAccepted) {
  LibSrtp theirs_tx(keys(), Srtp::Direction::outbound, {.rtcp_auth_only = true});
  auto ours_rx = *Srtp::create(srtp_testing::peer_of(keys()), Srtp::Direction::inbound);
  for (std::size_t size : {8, 32, 200}) {
    const Bytes plain = make_rtcp(0xabcdef01, size);
    Bytes b = with_room(plain);
    const int m = theirs_tx.protect_rtcp(b, plain.size());
    ASSERT_GT(m, 0);
    const std::size_t e_at =
        GetParam() == SrtpProfile::aead_aes_128_gcm ? static_cast<std::size_t>(m) - 4 : size;
    ASSERT_EQ(b[e_at] & 0x80, 0) << "libsrtp set E";
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), b.begin())) << "sent in the clear";
    Bytes tampered = b;
    tampered[size - 1] ^= 1;
    EXPECT_EQ(ours_rx->unprotect_rtcp(tampered, static_cast<std::size_t>(m)).error().code,
              "srtp_auth");
    auto n = ours_rx->unprotect_rtcp(b, static_cast<std::size_t>(m));
    ASSERT_TRUE(n) << n.error().code << ": " << n.error().message;
    EXPECT_EQ(*n, plain.size());
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), b.begin()));
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpInterop, ::testing::ValuesIn(srtp_testing::kProfiles),
                         srtp_testing::ProfileName());

}  // namespace
}  // namespace parley::media
