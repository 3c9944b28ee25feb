// media::Srtp as its callers see it, for both profiles: round trips of every
// header shape, the replay window, the rollover counter, refusals of
// forged, truncated and malformed packets with the buffer left as it was,
// repeat-tx on the way out, the bound on SSRCs, and no allocation per
// packet. libsrtp2 makes the authentic-but-malformed packets our protect
// refuses to make.

#include "media/srtp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "srtp_test_support.h"
#include "support/counting_allocator.h"
#include "support/openssl_allocations.h"

namespace parley::media {
namespace {

using srtp_testing::Ext;
using srtp_testing::LibSrtp;
using srtp_testing::make_rtcp;
using srtp_testing::make_rtp;
using srtp_testing::RtpShape;
using srtp_testing::with_room;
using Bytes = std::vector<std::uint8_t>;

class SrtpTest : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  SrtpProfile profile() const { return GetParam(); }
  std::size_t tag() const { return srtp_testing::tag_size(profile()); }
  SrtpKeys keys() const { return srtp_testing::keys_for(profile()); }
  std::unique_ptr<Srtp> sender() const { return *Srtp::create(keys(), Srtp::Direction::outbound); }
  std::unique_ptr<Srtp> receiver() const {
    return *Srtp::create(srtp_testing::peer_of(keys()), Srtp::Direction::inbound);
  }

  // The protected form of `plain`, in a buffer with room to spare.
  Bytes protect_rtp(Srtp& tx, const Bytes& plain) {
    Bytes b = with_room(plain);
    auto n = tx.protect_rtp(b, plain.size());
    EXPECT_TRUE(n) << n.error().message;
    b.resize(n ? *n : 0);
    return b;
  }
  Bytes protect_rtcp(Srtp& tx, const Bytes& plain) {
    Bytes b = with_room(plain);
    auto n = tx.protect_rtcp(b, plain.size());
    EXPECT_TRUE(n) << n.error().message;
    b.resize(n ? *n : 0);
    return b;
  }
};

// Unprotects `sealed` and expects `plain` back.
void expect_opens(Srtp& rx, Bytes sealed, const Bytes& plain, bool rtcp = false) {
  auto n =
      rtcp ? rx.unprotect_rtcp(sealed, sealed.size()) : rx.unprotect_rtp(sealed, sealed.size());
  ASSERT_TRUE(n) << n.error().code << ": " << n.error().message;
  ASSERT_EQ(*n, plain.size());
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), sealed.begin()));
}

// Expects unprotect to refuse `sealed` (first `len` octets) with `code` ("" for
// any), leaving the buffer as it was.
void expect_refused(Srtp& rx, Bytes sealed, std::size_t len, const std::string& code,
                    bool rtcp = false) {
  const Bytes before = sealed;
  auto n = rtcp ? rx.unprotect_rtcp(sealed, len) : rx.unprotect_rtp(sealed, len);
  ASSERT_FALSE(n) << "accepted " << len << " octets";
  if (!code.empty()) {
    EXPECT_EQ(n.error().code, code) << n.error().message;
  }
  EXPECT_EQ(sealed, before) << "a refused packet changed its buffer";
}

TEST_P(SrtpTest, EveryHeaderShapeRoundTrips) {
  auto tx = sender();
  auto rx = receiver();
  std::uint16_t seq = 100;
  for (std::uint8_t csrcs : {0, 1, 15})
    for (Ext ext : {Ext::none, Ext::one_byte, Ext::two_byte, Ext::other})
      for (std::size_t payload : {0, 1, 160, 1200})
        for (std::uint8_t padding : {0, 1, 17}) {
          RtpShape s{
              .seq = seq++, .csrcs = csrcs, .ext = ext, .payload = payload, .padding = padding};
          s.ext_words = ext == Ext::other ? 0 : static_cast<std::uint16_t>(1 + csrcs % 3);
          const Bytes plain = make_rtp(s);
          const Bytes sealed = protect_rtp(*tx, plain);
          ASSERT_EQ(sealed.size(), plain.size() + tag());
          expect_opens(*rx, sealed, plain);
        }
}

TEST_P(SrtpTest, RtcpRoundTripsWithTheIndexAfterIt) {
  auto tx = sender();
  auto rx = receiver();
  std::uint8_t index = 0;
  for (std::size_t size : {8, 12, 52, 1000}) {
    const Bytes plain = make_rtcp(0x2222, size);
    const Bytes sealed = protect_rtcp(*tx, plain);
    ASSERT_EQ(sealed.size(), plain.size() + 4 + tag());
    // RFC 3711 §3.4: the index starts at zero, E is set. The word is last
    // with GCM (RFC 7714 §9), before the tag with CM.
    const std::size_t word_at =
        profile() == SrtpProfile::aead_aes_128_gcm ? sealed.size() - 4 : plain.size();
    const Bytes word(sealed.begin() + static_cast<long>(word_at),
                     sealed.begin() + static_cast<long>(word_at) + 4);
    EXPECT_EQ(word, (Bytes{0x80, 0, 0, index++}));
    if (size > 8) {
      EXPECT_FALSE(std::equal(plain.begin() + 8, plain.end(), sealed.begin() + 8)) << "encrypted";
    }
    expect_opens(*rx, sealed, plain, true);
    expect_refused(*rx, sealed, sealed.size(), "srtp_replay", true);
  }
}

TEST_P(SrtpTest, ReplayedAndTooOldPacketsAreRefused) {
  auto tx = sender();
  auto rx = receiver();
  std::vector<Bytes> plain, sealed;
  for (std::uint16_t seq = 1; seq <= 2000; ++seq) {
    plain.push_back(make_rtp({.seq = seq, .payload = 50}));
    sealed.push_back(protect_rtp(*tx, plain.back()));
  }
  auto at = [](std::uint16_t seq) { return static_cast<std::size_t>(seq - 1); };
  expect_opens(*rx, sealed[at(1)], plain[at(1)]);
  expect_refused(*rx, sealed[at(1)], sealed[at(1)].size(), "srtp_replay");
  expect_opens(*rx, sealed[at(2000)], plain[at(2000)]);
  // Within the 1024 window below the highest (2000 - 977 = 1023): accepted
  // once. One further back is too old, whether seen or not.
  expect_opens(*rx, sealed[at(977)], plain[at(977)]);
  expect_refused(*rx, sealed[at(977)], sealed[at(977)].size(), "srtp_replay");
  expect_refused(*rx, sealed[at(976)], sealed[at(976)].size(), "srtp_replay");
  for (std::uint16_t seq = 1999; seq > 977; --seq)
    expect_opens(*rx, sealed[at(seq)], plain[at(seq)]);
  for (std::uint16_t seq = 978; seq <= 2000; ++seq)
    expect_refused(*rx, sealed[at(seq)], sealed[at(seq)].size(), "srtp_replay");
}

TEST_P(SrtpTest, ReorderingAcrossTheSequenceWrapAdvancesTheRoc) {
  auto tx = sender();
  auto rx = receiver();
  std::vector<Bytes> plain, sealed;
  // 65 536 packets and more: three wraps, so the ROC reaches 3.
  const std::uint16_t first = 65000;
  for (std::uint32_t i = 0; i < 3 * 65536 + 700; i += 97) {
    for (std::uint32_t j = i; j < i + 3; ++j) {
      plain.push_back(make_rtp({.seq = static_cast<std::uint16_t>(first + j), .payload = 20}, j));
      sealed.push_back(protect_rtp(*tx, plain.back()));
    }
  }
  // Each group of six swapped around; every packet once, then replays.
  std::vector<std::size_t> order(plain.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (std::size_t i = 0; i + 6 <= order.size(); i += 6)
    std::reverse(order.begin() + static_cast<long>(i), order.begin() + static_cast<long>(i) + 6);
  for (std::size_t i : order) expect_opens(*rx, sealed[i], plain[i]);
  for (std::size_t i = order.size() - 5; i < order.size(); ++i)
    expect_refused(*rx, sealed[i], sealed[i].size(), "srtp_replay");
}

TEST_P(SrtpTest, AFlippedBitAnywhereIsRefusedAndChangesNothing) {
  auto tx = sender();
  auto rx = receiver();
  const Bytes plain =
      make_rtp({.seq = 7, .csrcs = 2, .ext = Ext::one_byte, .ext_words = 2, .payload = 90});
  const Bytes sealed = protect_rtp(*tx, plain);
  const std::size_t ext_length_at = 12 + 8 + 2;  // after two CSRCs and the profile
  for (std::size_t bit = 0; bit < 8 * sealed.size(); ++bit) {
    Bytes bad = sealed;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const Bytes before = bad;
    auto n = rx->unprotect_rtp(bad, bad.size());
    ASSERT_FALSE(n) << "bit " << bit;
    EXPECT_EQ(bad, before) << "bit " << bit;
    // Bits that reshape the header (V, X, CC, the extension length) may
    // make it malformed before any tag is checked.
    const bool shape = bit / 8 == 0 || bit / 8 == ext_length_at || bit / 8 == ext_length_at + 1;
    if (shape) {
      EXPECT_TRUE(n.error().code == "srtp_auth" || n.error().code == "srtp_failed") << bit;
    } else {
      EXPECT_EQ(n.error().code, "srtp_auth") << "bit " << bit;
    }
  }
  // The refusals left no trace: the genuine packet is still fresh.
  expect_opens(*rx, sealed, plain);

  const Bytes rtcp = make_rtcp(0x3333, 40);
  const Bytes rtcp_sealed = protect_rtcp(*tx, rtcp);
  for (std::size_t bit = 0; bit < 8 * rtcp_sealed.size(); ++bit) {
    Bytes bad = rtcp_sealed;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const bool version = bit == 6 || bit == 7;
    expect_refused(*rx, bad, bad.size(), version ? "srtp_failed" : "srtp_auth", true);
  }
  expect_opens(*rx, rtcp_sealed, rtcp, true);
}

TEST_P(SrtpTest, TruncatedPacketsAreRefused) {
  auto tx = sender();
  auto rx = receiver();
  const Bytes plain =
      make_rtp({.seq = 9, .csrcs = 1, .ext = Ext::two_byte, .ext_words = 1, .payload = 40});
  const Bytes sealed = protect_rtp(*tx, plain);
  for (std::size_t len = 0; len < sealed.size(); ++len) expect_refused(*rx, sealed, len, "");
  const Bytes rtcp = make_rtcp(0x4444, 28);
  const Bytes rtcp_sealed = protect_rtcp(*tx, rtcp);
  for (std::size_t len = 0; len < rtcp_sealed.size(); ++len)
    expect_refused(*rx, rtcp_sealed, len, "", true);
  // A length past the buffer is refused, not read.
  expect_refused(*rx, sealed, sealed.size() + 1, "srtp_failed");
  expect_refused(*rx, rtcp_sealed, rtcp_sealed.size() + 1, "srtp_failed", true);
  expect_opens(*rx, sealed, plain);
  expect_opens(*rx, rtcp_sealed, rtcp, true);
}

TEST_P(SrtpTest, MalformedHeadersAreRefusedBeforeAnyCryptography) {
  auto rx = receiver();
  Bytes p = make_rtp({.seq = 1, .payload = 40});
  p.resize(p.size() + tag(), 0x11);
  Bytes csrcs = p;
  csrcs[0] |= 0x0f;  // 15 CSRCs: 72 octets of header in a 68-octet packet
  expect_refused(*rx, csrcs, csrcs.size(), "srtp_failed");
  Bytes ext = p;
  ext[0] |= 0x10;  // an extension of 0x2a2d words
  ext[14] = 0x2a;
  expect_refused(*rx, ext, ext.size(), "srtp_failed");
  Bytes version = p;
  version[0] = 0x40;
  expect_refused(*rx, version, version.size(), "srtp_failed");
  Bytes rtcp = make_rtcp(0x5555, 40);
  rtcp[0] = 0x01;
  expect_refused(*rx, rtcp, rtcp.size(), "srtp_failed", true);
}

TEST_P(SrtpTest, ProtectRefusesWhatItCannotProtectAndChangesNothing) {
  auto tx = sender();
  auto refused = [&](Bytes buffer, std::size_t len, bool rtcp = false) {
    const Bytes before = buffer;
    auto n = rtcp ? tx->protect_rtcp(buffer, len) : tx->protect_rtp(buffer, len);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, "srtp_failed") << n.error().message;
    EXPECT_EQ(buffer, before);
  };
  const Bytes good = make_rtp({.seq = 1, .payload = 40});
  refused(good, good.size());                                       // no room for the tag
  refused(with_room(good), good.size() - 1 + kSrtpMaxTrailer + 2);  // len past the buffer's room
  Bytes csrcs = with_room(good);
  csrcs[0] |= 0x0f;
  refused(csrcs, good.size());
  Bytes ext = with_room(good);
  ext[0] |= 0x10;
  ext[14] = 0xff;
  refused(ext, good.size());
  Bytes version = with_room(good);
  version[0] = 0x00;
  refused(version, good.size());
  refused(with_room(make_rtp({.payload = 0, .padding = 0})), 11);  // shorter than a header
  // Padding counts: zero, and more than the payload.
  Bytes zero_pad = with_room(make_rtp({.payload = 10, .padding = 4}));
  zero_pad[12 + 10 + 3] = 0;
  refused(zero_pad, 12 + 14);
  Bytes long_pad = with_room(make_rtp({.payload = 10, .padding = 4}));
  long_pad[12 + 10 + 3] = 15;
  refused(long_pad, 12 + 14);
  Bytes empty_pad = with_room(make_rtp({.payload = 0}));
  empty_pad[0] |= 0x20;
  refused(empty_pad, 12);
  refused(with_room(make_rtcp(1, 8)), 7, true);
  Bytes rtcp_version = with_room(make_rtcp(1, 8));
  rtcp_version[0] = 0x41;
  refused(rtcp_version, 8, true);
  refused(make_rtcp(1, 8), 8, true);  // no room
}

// An authentic packet whose padding count is impossible: libsrtp protects
// it (it does not read padding); we refuse it after decrypting and put the
// ciphertext back, and the index stays unused.
TEST_P(SrtpTest, AuthenticPacketsWithBadPaddingAreRefusedUnchanged) {
  LibSrtp theirs(keys(), Srtp::Direction::outbound);
  auto rx = receiver();
  for (std::uint8_t count : {std::uint8_t{0}, std::uint8_t{11}}) {
    Bytes plain = make_rtp({.seq = 30, .payload = 6, .padding = 4});  // 10 octets of payload
    plain.back() = count;
    Bytes sealed = with_room(plain);
    const int n = theirs.protect_rtp(sealed, plain.size());
    ASSERT_GT(n, 0);
    sealed.resize(static_cast<std::size_t>(n));
    expect_refused(*rx, sealed, sealed.size(), "srtp_failed");
  }
  auto tx = sender();
  // A good packet is not a replay of the refused ones: their index (the
  // same sequence number) was never taken.
  const Bytes plain = make_rtp({.seq = 30, .payload = 6, .padding = 4});
  expect_opens(*rx, protect_rtp(*tx, plain), plain);
}

TEST_P(SrtpTest, ARetransmissionMayBeProtectedAgainButNotPastTheWindow) {
  auto tx = sender();
  auto rx = receiver();
  const Bytes plain = make_rtp({.seq = 5, .payload = 64});
  const Bytes first = protect_rtp(*tx, plain);
  const Bytes again = protect_rtp(*tx, plain);
  EXPECT_EQ(first, again) << "the same packet, the same index: the same bytes";
  expect_opens(*rx, first, plain);
  expect_refused(*rx, again, again.size(), "srtp_replay");
  for (std::uint16_t seq = 6; seq < 6 + 1100; ++seq) protect_rtp(*tx, make_rtp({.seq = seq}));
  Bytes old = with_room(plain);
  auto n = tx->protect_rtp(old, plain.size());
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, "srtp_replay");
}

TEST_P(SrtpTest, EachSsrcHasItsOwnStream) {
  auto tx = sender();
  auto rx = receiver();
  // Interleaved SSRCs whose sequence numbers are far apart and wrap at
  // different moments.
  const std::uint32_t ssrcs[] = {1, 0xffffffff, 0x80000000, 42, 0xdeadbeef};
  for (std::uint32_t i = 0; i < 40000; i += 7)
    for (std::size_t s = 0; s < std::size(ssrcs); ++s) {
      const auto seq = static_cast<std::uint16_t>(i + 13000 * s);
      const Bytes plain = make_rtp({.ssrc = ssrcs[s], .seq = seq, .payload = 12});
      expect_opens(*rx, protect_rtp(*tx, plain), plain);
      if (i % 700 == 0) {
        const Bytes rtcp = make_rtcp(ssrcs[s], 16);
        expect_opens(*rx, protect_rtcp(*tx, rtcp), rtcp, true);
      }
    }
}

TEST_P(SrtpTest, TheNumberOfSsrcsIsBounded) {
  auto tx = sender();
  auto rx = receiver();
  // Forged packets under thousands of SSRCs do not take places in the table.
  for (std::uint32_t ssrc = 1; ssrc <= kSrtpMaxStreams + 100; ++ssrc) {
    Bytes forged = make_rtp({.ssrc = ssrc, .payload = 8});
    forged.resize(forged.size() + tag(), 0x77);
    expect_refused(*rx, forged, forged.size(), "srtp_auth");
  }
  // Outbound takes kSrtpMaxStreams SSRCs, inbound kSrtpMaxInboundStreams.
  for (std::uint32_t ssrc = 1; ssrc <= kSrtpMaxStreams; ++ssrc) {
    const Bytes plain = make_rtp({.ssrc = ssrc * 2654435761u, .payload = 8});
    const Bytes sealed = protect_rtp(*tx, plain);
    if (ssrc <= kSrtpMaxInboundStreams) expect_opens(*rx, sealed, plain);
    else expect_refused(*rx, sealed, sealed.size(), "srtp_failed");
  }
  const Bytes one_more = make_rtp({.ssrc = 3, .payload = 8});
  Bytes b = with_room(one_more);
  auto n = tx->protect_rtp(b, one_more.size());
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, "srtp_failed");
  EXPECT_EQ(n.error().message, "too many SSRCs");
  // The known ones go on, both ways.
  const Bytes known = make_rtp({.ssrc = 2654435761u, .seq = 2, .payload = 8});
  expect_opens(*rx, protect_rtp(*tx, known), known);
  // An inbound full table refuses a new SSRC before decrypting.
  LibSrtp theirs(keys(), Srtp::Direction::outbound);
  Bytes other = with_room(make_rtp({.ssrc = 5, .payload = 8}));
  const int len = theirs.protect_rtp(other, 20);
  ASSERT_GT(len, 0);
  expect_refused(*rx, other, static_cast<std::size_t>(len), "srtp_failed");
}

TEST_P(SrtpTest, DifferentBytesUnderAnIndexAlreadyUsedAreRefused) {
  auto tx = sender();
  const Bytes first = make_rtp({.seq = 7, .payload = 64});
  Bytes other = first;
  other.back() ^= 1;  // one payload bit
  Bytes header_changed = first;
  header_changed[1] ^= 1;  // the payload type: authenticated, not encrypted
  const Bytes sealed = protect_rtp(*tx, first);
  for (const Bytes& b : {other, header_changed}) {
    Bytes buffer = with_room(b);
    auto n = tx->protect_rtp(buffer, b.size());
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, "srtp_reuse");
  }
  // The true retransmission still goes, byte for byte the same, and later
  // indices are not disturbed.
  EXPECT_EQ(protect_rtp(*tx, first), sealed);
  auto rx = receiver();
  expect_opens(*rx, sealed, first);
  const Bytes next = make_rtp({.seq = 8, .payload = 64});
  expect_opens(*rx, protect_rtp(*tx, next), next);
  // A slot reused by an index a whole window later holds the new tag.
  const Bytes later = make_rtp({.seq = static_cast<std::uint16_t>(7 + kSrtpReplayWindow), .payload = 64});
  for (std::uint16_t seq = 9; seq <= 7 + kSrtpReplayWindow; ++seq) protect_rtp(*tx, make_rtp({.seq = seq, .payload = 64}));
  Bytes again = with_room(later);
  EXPECT_TRUE(tx->protect_rtp(again, later.size()));
}

// A sender's memo of where an SSRC's stream lives changes nothing in what
// is sent or refused: two senders with the same keys, one through memos
// and one without, give the same bytes, while the memos go stale every way
// they can (an RTX-like second SSRC through the same memo, new SSRCs that
// make the table grow and move its streams, protect_rtcp adding a stream).
TEST_P(SrtpTest, AStreamMemoGivesTheSameBytesAsALookup) {
  auto with = sender();
  auto without = sender();
  auto rx = receiver();
  std::vector<Srtp::StreamMemo> memos(3);
  std::uint32_t next_ssrc = 1000;
  for (std::uint16_t seq = 1; seq <= 300; ++seq) {
    for (std::size_t m = 0; m < memos.size(); ++m) {
      // Memo m is for SSRC m + 1, and every fifth packet through it is
      // for another SSRC (as a retransmission on the RTX stream would be);
      // the table grows while the memos hold SSRC m + 1's stream.
      const std::uint32_t ssrc = seq % 5 == 3 ? 100 + static_cast<std::uint32_t>(m) : m + 1;
      const Bytes plain = make_rtp({.ssrc = ssrc, .seq = seq, .payload = 40});
      Bytes a = with_room(plain);
      auto n = with->protect_rtp(a, plain.size(), memos[m]);
      ASSERT_TRUE(n) << n.error().message;
      a.resize(*n);
      EXPECT_EQ(a, protect_rtp(*without, plain)) << "ssrc " << ssrc << " seq " << seq;
      expect_opens(*rx, a, plain);
      // The memo wrote to the table's own stream: a lookup sees the index
      // as used (were it a stale copy, these bytes would be let through).
      Bytes changed = with_room(plain);
      changed[plain.size() - 1] ^= 1;
      auto reused = with->protect_rtp(changed, plain.size());
      ASSERT_FALSE(reused) << "ssrc " << ssrc << " seq " << seq;
      EXPECT_EQ(reused.error().code, "srtp_reuse");
    }
    if (seq % 10 == 0) {  // a new SSRC: the table may grow, every memo goes stale
      const Bytes plain = make_rtp({.ssrc = next_ssrc++, .seq = seq, .payload = 8});
      EXPECT_EQ(protect_rtp(*with, plain), protect_rtp(*without, plain));
    }
    if (seq % 25 == 0) {
      const Bytes rtcp = make_rtcp(next_ssrc++, 16);
      EXPECT_EQ(protect_rtcp(*with, rtcp), protect_rtcp(*without, rtcp));
    }
  }
  ASSERT_GT(next_ssrc - 1000, 2 * kSrtpInitialStreams);  // the table grew at least twice
}

// The reuse check holds through a memo: different bytes under a used index
// are refused, the true retransmission goes.
TEST_P(SrtpTest, AStreamMemoKeepsTheReuseCheck) {
  auto tx = sender();
  Srtp::StreamMemo memo;
  const Bytes first = make_rtp({.seq = 7, .payload = 64});
  Bytes sealed = with_room(first);
  auto n = tx->protect_rtp(sealed, first.size(), memo);
  ASSERT_TRUE(n);
  sealed.resize(*n);
  Bytes other = first;
  other.back() ^= 1;
  Bytes buffer = with_room(other);
  auto refused = tx->protect_rtp(buffer, other.size(), memo);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "srtp_reuse");
  Bytes again = with_room(first);
  auto m = tx->protect_rtp(again, first.size(), memo);
  ASSERT_TRUE(m);
  again.resize(*m);
  EXPECT_EQ(again, sealed);
}

// A memo filled by one Srtp is never followed into another (epochs are
// unique in the process, so this holds too for an Srtp made where a freed
// one was): the other Srtp protects as it would without a memo. (Followed,
// the memo would lead to index 9 used with other bytes: refused.)
TEST_P(SrtpTest, AStreamMemoOfAnotherSrtpIsNotUsed) {
  Srtp::StreamMemo memo;
  const Bytes plain = make_rtp({.seq = 9, .payload = 32}, 0xab);
  auto old = sender();
  for (std::uint16_t seq = 1; seq <= 20; ++seq) {
    Bytes b = with_room(make_rtp({.seq = seq, .payload = 32}));
    ASSERT_TRUE(old->protect_rtp(b, b.size() - kSrtpMaxTrailer, memo));
  }
  auto fresh = sender();  // its stream for the SSRC starts afresh
  auto reference = sender();
  Bytes b = with_room(plain);
  auto n = fresh->protect_rtp(b, plain.size(), memo);
  ASSERT_TRUE(n) << n.error().message;  // not refused as a reuse of the old stream's index
  b.resize(*n);
  EXPECT_EQ(b, protect_rtp(*reference, plain));
}

TEST_P(SrtpTest, KeysOfTheWrongSizeAreRefused) {
  SrtpKeys k = keys();
  k.salt_len = profile() == SrtpProfile::aead_aes_128_gcm ? 14 : 12;
  EXPECT_FALSE(Srtp::create(k, Srtp::Direction::inbound));
  k = keys();
  k.key_len = 32;
  EXPECT_FALSE(Srtp::create(k, Srtp::Direction::outbound));
}

TEST_P(SrtpTest, NothingIsAllocatedPerPacket) {
  ASSERT_TRUE(parley::test::openssl_hooked());
  auto tx = sender();
  auto rx = receiver();
  const std::uint32_t ssrcs[] = {11, 22, 33};
  std::vector<Bytes> rtp_buffers, rtcp_buffers;
  for (std::uint32_t ssrc : ssrcs) {
    rtp_buffers.push_back(with_room(make_rtp({.ssrc = ssrc,
                                              .seq = 65500,
                                              .csrcs = 1,
                                              .ext = Ext::one_byte,
                                              .ext_words = 2,
                                              .payload = 1100})));
    rtcp_buffers.push_back(with_room(make_rtcp(ssrc, 64)));
    // Streams are made on the first packet of each SSRC, before counting.
    auto& b = rtp_buffers.back();
    const std::size_t plain = b.size() - kSrtpMaxTrailer;
    ASSERT_TRUE(rx->unprotect_rtp(b, *tx->protect_rtp(b, plain)));
    auto& r = rtcp_buffers.back();
    ASSERT_TRUE(rx->unprotect_rtcp(r, *tx->protect_rtcp(r, 64)));
  }
  const std::size_t cxx = parley::test::allocations();
  const std::size_t ossl = parley::test::openssl_allocations();
  bool all_ok = true;
  std::size_t refused = 0;
  for (int i = 1; i <= 200; ++i) {  // across the sequence wrap
    for (std::size_t s = 0; s < std::size(ssrcs); ++s) {
      auto& b = rtp_buffers[s];
      b[2] = static_cast<std::uint8_t>((65500 + i) >> 8);
      b[3] = static_cast<std::uint8_t>(65500 + i);
      const std::size_t plain = b.size() - kSrtpMaxTrailer;
      auto n = tx->protect_rtp(b, plain);
      all_ok = all_ok && n && rx->unprotect_rtp(b, *n).ok();
      // Refusals too: a replay, a forged tag (a fresh index, so that the
      // tag is checked), a truncated packet. Repeat-tx is accepted.
      refused += tx->protect_rtp(b, plain).ok();
      auto replay = rx->unprotect_rtp(b, plain + tag());
      const auto ahead = static_cast<std::uint16_t>(65500 + i + 1000);
      b[2] = static_cast<std::uint8_t>(ahead >> 8);
      b[3] = static_cast<std::uint8_t>(ahead);
      auto forged = rx->unprotect_rtp(b, plain + tag());
      auto truncated = rx->unprotect_rtp(b, 11);
      refused +=
          !replay.ok() + (!forged.ok() && forged.error().code == "srtp_auth") + !truncated.ok();
      auto& r = rtcp_buffers[s];
      auto m = tx->protect_rtcp(r, 64);
      all_ok = all_ok && m && rx->unprotect_rtcp(r, *m).ok();
      refused += !rx->unprotect_rtcp(r, *m).ok();
    }
  }
  const std::size_t cxx_used = parley::test::allocations() - cxx;
  const std::size_t ossl_used = parley::test::openssl_allocations() - ossl;
  EXPECT_TRUE(all_ok);
  EXPECT_EQ(refused, 200u * 3 * 5);
  EXPECT_EQ(cxx_used, 0u);
  EXPECT_EQ(ossl_used, 0u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpTest, ::testing::ValuesIn(srtp_testing::kProfiles),
                         srtp_testing::ProfileName());

}  // namespace
}  // namespace parley::media
