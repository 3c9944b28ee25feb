// Transport-wide congestion control feedback,
// draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "rtp/rtcp.h"
#include "test_bytes.h"

namespace parley::rtp {
namespace {

using test::Bytes;
using test::hex;
using test::to_hex;

std::optional<std::int64_t> lost() {
  return std::nullopt;
}

TransportFeedback parse(const Bytes& b) {
  auto p = parse_rtcp_packet(b);
  EXPECT_TRUE(p);
  auto f = parse_transport_feedback(*p);
  EXPECT_TRUE(f) << (f ? "" : f.error().code);
  return *f;
}

std::vector<TwccPacketReport> reports(const TransportFeedback& f) {
  return std::vector<TwccPacketReport>(f.begin(), f.end());
}

// Builds one packet; expects it to take every entry.
Bytes build_all(std::span<const TwccArrival> packets, std::uint8_t fb_count = 0) {
  Bytes out(1500);
  auto r = build_transport_feedback(out, 1, 2, fb_count, packets);
  EXPECT_TRUE(r) << (r ? "" : r.error().code);
  EXPECT_EQ(r->consumed, packets.size());
  out.resize(r->size);
  return out;
}

// Arrival rounded down to the 250 µs unit, as the feedback carries it.
std::int64_t rounded(std::int64_t us) {
  return us / 250 * 250;
}

TEST(TwccFeedback, TwoBitVectorByteForByte) {
  // Seq 100..104: three received with small deltas, one lost, then one
  // 100 ms later (400 units: a large delta). Reference time 1 (64 ms);
  // first delta 65000 - 64000 µs = 4 units.
  const TwccArrival packets[] = {
      {100, 65000}, {101, 65250}, {102, 65250}, {103, lost()}, {104, 165250}};
  const Bytes b = build_all(packets, 7);
  // Header (FMT 15, PT 205, length 6), SSRCs, base 100, count 5, reference
  // 1, fb count 7, a two-bit vector chunk 11|01 01 01 00 10 00 00, deltas
  // 04 01 00 0190, one byte of zero padding.
  EXPECT_EQ(to_hex(b), to_hex(hex("8f cd 00 06 | 00 00 00 01 | 00 00 00 02 | 00 64 00 05 |"
                                  "00 00 01 07 | d5 20 04 01 | 00 01 90 00")));
  const TransportFeedback f = parse(b);
  EXPECT_EQ(f.sender_ssrc(), 1u);
  EXPECT_EQ(f.media_ssrc(), 2u);
  EXPECT_EQ(f.base_sequence(), 100);
  EXPECT_EQ(f.status_count(), 5);
  EXPECT_EQ(f.reference_time(), 1);
  EXPECT_EQ(f.reference_time_us(), 64000);
  EXPECT_EQ(f.feedback_count(), 7);
  EXPECT_EQ(f.chunk_count(), 1u);
  EXPECT_EQ(f.received_count(), 4u);
  const auto r = reports(f);
  ASSERT_EQ(r.size(), 5u);
  const std::int64_t want_us[] = {65000, 65250, 65250, 0, 165250};
  const std::int32_t want_delta[] = {4, 1, 0, 0, 400};
  const TwccStatus want_status[] = {TwccStatus::kSmallDelta, TwccStatus::kSmallDelta,
                                    TwccStatus::kSmallDelta, TwccStatus::kNotReceived,
                                    TwccStatus::kLargeDelta};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(r[i].sequence_number, 100 + i);
    EXPECT_EQ(r[i].status, want_status[i]) << i;
    EXPECT_EQ(r[i].delta_ticks, want_delta[i]) << i;
    EXPECT_EQ(r[i].arrival_us, want_us[i]) << i;
  }
}

TEST(TwccFeedback, RunLengthChunkForARunOfReceived) {
  // Seq 500..519 received 1 ms apart from 128 ms: one run-length chunk
  // 0|01|0000000010100 (20 received, small deltas), 20 one-byte deltas.
  std::vector<TwccArrival> packets;
  for (int i = 0; i < 20; ++i)
    packets.push_back({static_cast<std::uint16_t>(500 + i), 128000 + 1000 * i});
  const Bytes b = build_all(packets);
  ASSERT_EQ(b.size(), 44u);  // 20 + 2 + 20, padded to 44
  EXPECT_EQ(to_hex(Bytes(b.begin() + 12, b.begin() + 24)), "01 f4 00 14 00 00 02 00 20 14 00 04");
  EXPECT_EQ(b[41], 0x04);
  EXPECT_EQ(b[42], 0x00);
  EXPECT_EQ(b[43], 0x00);
  const TransportFeedback f = parse(b);
  EXPECT_EQ(f.chunk_count(), 1u);
  const auto r = reports(f);
  ASSERT_EQ(r.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(r[i].received());
    EXPECT_EQ(r[i].arrival_us, 128000 + 1000 * i);
  }
}

TEST(TwccFeedback, OneBitVectorOfTheDraftExample) {
  // §3.1.4 example: not received, 5 received, 3 not received, 3 received,
  // 2 not received: 1|0|01111100011100 = 0x9f1c.
  const bool got[] = {false, true,  true, true, true, true,  false,
                      false, false, true, true, true, false, false};
  std::vector<TwccArrival> packets;
  for (int i = 0; i < 14; ++i) {
    packets.push_back({static_cast<std::uint16_t>(1000 + i),
                       got[i] ? std::optional<std::int64_t>(1000 * i) : std::nullopt});
  }
  const Bytes b = build_all(packets);
  EXPECT_EQ(b[20], 0x9f);
  EXPECT_EQ(b[21], 0x1c);
  const TransportFeedback f = parse(b);
  EXPECT_EQ(f.chunk_count(), 1u);
  EXPECT_EQ(f.received_count(), 8u);
  const auto r = reports(f);
  ASSERT_EQ(r.size(), 14u);
  for (int i = 0; i < 14; ++i) {
    EXPECT_EQ(r[i].received(), got[i]) << i;
    if (got[i]) {
      EXPECT_EQ(r[i].arrival_us, 1000 * i);
    }
  }
}

TEST(TwccFeedback, ParsesTheDraftRunLengthExample) {
  // §3.1.3 example: 0|01|0000011011101, a run of 221 received packets.
  Bytes b = hex("8f cd 00 3c | 00 00 00 01 | 00 00 00 02 | ff f0 00 dd | ff ff ff 00 | 20 dd");
  for (int i = 0; i < 221; ++i) b.push_back(static_cast<std::uint8_t>(i));
  b.push_back(0);  // to the 32-bit boundary: 20 + 2 + 221 + 1 = 244 = 61 words
  const TransportFeedback f = parse(b);
  EXPECT_EQ(f.reference_time(), -1);  // 24-bit signed
  EXPECT_EQ(f.received_count(), 221u);
  std::int64_t t = -64000;
  std::uint16_t seq = 0xfff0;
  int n = 0;
  for (const TwccPacketReport& r : f) {
    EXPECT_EQ(r.sequence_number, seq++);  // wraps through 0
    EXPECT_EQ(r.delta_ticks, n);
    t += 250 * n;
    EXPECT_EQ(r.arrival_us, t);
    ++n;
  }
  EXPECT_EQ(n, 221);
}

TEST(TwccFeedback, NegativeAndLargeDeltas) {
  // Reordered arrival: -2 units, then +398: both large (two bytes, signed).
  const TwccArrival packets[] = {{1, 1000}, {2, 500}, {3, 100000}};
  const Bytes b = build_all(packets);
  EXPECT_EQ(to_hex(Bytes(b.begin() + 16, b.end())), "00 00 00 00 da 00 04 ff fe 01 8e 00");
  const auto r = reports(parse(b));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].status, TwccStatus::kLargeDelta);
  EXPECT_EQ(r[1].delta_ticks, -2);
  EXPECT_EQ(r[1].arrival_us, 500);
  EXPECT_EQ(r[2].delta_ticks, 398);
  EXPECT_EQ(r[2].arrival_us, 100000);
}

TEST(TwccFeedback, LargestDeltasFitAndTheNextOneSplits) {
  // 32767 units (8191.75 ms) is the largest two-byte delta.
  const TwccArrival fits[] = {{1, 0}, {2, 32767 * 250}, {3, 32767 * 250 - 32768 * 250}};
  const auto r = reports(parse(build_all(fits)));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].delta_ticks, 32767);
  EXPECT_EQ(r[2].delta_ticks, -32768);
  EXPECT_EQ(r[2].arrival_us, -250);

  // 32768 units does not fit: the first packet stops before it.
  const TwccArrival split[] = {{10, 0}, {11, lost()}, {12, 32768 * 250}};
  Bytes out(100);
  auto first = build_transport_feedback(out, 1, 2, 0, split);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->consumed, 2u);
  out.resize(first->size);
  const auto a = reports(parse(out));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_TRUE(a[0].received());
  EXPECT_FALSE(a[1].received());
  Bytes out2(100);
  auto second = build_transport_feedback(out2, 1, 2, 1, std::span(split).subspan(first->consumed));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->consumed, 1u);
  out2.resize(second->size);
  const TransportFeedback f2 = parse(out2);
  EXPECT_EQ(f2.base_sequence(), 12);
  EXPECT_EQ(f2.feedback_count(), 1);
  EXPECT_EQ(reports(f2)[0].arrival_us, 32768 * 250);
}

TEST(TwccFeedback, GapsAreNotReceivedAndSequenceWraps) {
  const TwccArrival packets[] = {{65534, 0}, {1, 2000}};  // 65535 and 0 missing
  const auto r = reports(parse(build_all(packets)));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].sequence_number, 65534);
  EXPECT_TRUE(r[0].received());
  EXPECT_EQ(r[1].sequence_number, 65535);
  EXPECT_FALSE(r[1].received());
  EXPECT_EQ(r[2].sequence_number, 0);
  EXPECT_FALSE(r[2].received());
  EXPECT_EQ(r[3].sequence_number, 1);
  EXPECT_EQ(r[3].arrival_us, 2000);
}

TEST(TwccFeedback, LongLossRunUsesRunLength) {
  // Received, 99 lost, received: a one-bit vector, a run of lost, a run of 1.
  const TwccArrival packets[] = {{0, 5000}, {100, 9000}};
  const Bytes b = build_all(packets);
  const TransportFeedback f = parse(b);
  EXPECT_EQ(f.status_count(), 101);
  EXPECT_EQ(f.chunk_count(), 3u);
  EXPECT_EQ(to_hex(Bytes(b.begin() + 20, b.begin() + 26)), "a0 00 00 56 20 01");
  const auto r = reports(f);
  ASSERT_EQ(r.size(), 101u);
  EXPECT_EQ(r[0].arrival_us, 5000);
  EXPECT_EQ(r[100].arrival_us, 9000);
  for (int i = 1; i < 100; ++i) EXPECT_FALSE(r[i].received());
}

TEST(TwccFeedback, AllLostHasNoDeltas) {
  const TwccArrival packets[] = {{7, lost()}, {8, lost()}};
  const Bytes b = build_all(packets);
  EXPECT_EQ(to_hex(Bytes(b.begin() + 12, b.end())), "00 07 00 02 00 00 00 00 00 02 00 00");
  const TransportFeedback f = parse(b);
  EXPECT_EQ(f.received_count(), 0u);
  EXPECT_EQ(reports(f).size(), 2u);
}

TEST(TwccFeedback, RunOfLargeDeltas) {
  // 100 ms apart: the first delta (from the reference) is small, the next
  // 20 large. A two-bit vector takes the first 7, then the 14 large left
  // form a run-length chunk with S=2: 0|10|0000000001110.
  std::vector<TwccArrival> packets;
  for (int i = 0; i < 21; ++i) packets.push_back({static_cast<std::uint16_t>(i), 100000LL * i});
  const Bytes b = build_all(packets);
  const TransportFeedback f = parse(b);
  const auto r = reports(f);
  ASSERT_EQ(r.size(), 21u);
  for (int i = 0; i < 21; ++i) EXPECT_EQ(r[i].arrival_us, 100000LL * i);
  EXPECT_EQ(f.chunk_count(), 2u);
  EXPECT_EQ(to_hex(Bytes(b.begin() + 20, b.begin() + 24)), "da aa 40 0e");
  EXPECT_EQ(b.size(), 20u + 4u + 1u + 40u + 3u);
}

TEST(TwccFeedback, StatusCountStopsAt65535) {
  const TwccArrival packets[] = {{0, 0}, {30000, 1000}, {60000, 2000}, {24464, 3000}};
  Bytes out(4000);
  auto r = build_transport_feedback(out, 1, 2, 0, packets);
  ASSERT_TRUE(r) << r.error().code;
  EXPECT_EQ(r->consumed, 3u);
  out.resize(r->size);
  const TransportFeedback f = parse(out);
  EXPECT_EQ(f.status_count(), 65535);
  EXPECT_EQ(f.received_count(), 3u);
}

TEST(TwccFeedback, SmallBufferSplitsIntoSeveralPackets) {
  // 40 packets alternating received and lost with large deltas; a 48-byte
  // buffer holds only a few of them per packet.
  std::vector<TwccArrival> packets;
  for (int i = 0; i < 40; ++i) {
    packets.push_back({static_cast<std::uint16_t>(65520 + i),
                       i % 3 == 2 ? std::nullopt : std::optional<std::int64_t>(70000LL * i)});
  }
  std::size_t at = 0;
  std::uint8_t fb = 0;
  std::vector<TwccPacketReport> all;
  while (at < packets.size()) {
    Bytes out(48);
    auto r = build_transport_feedback(out, 1, 2, fb++, std::span(packets).subspan(at));
    ASSERT_TRUE(r) << r.error().code;
    ASSERT_LE(r->size, 48u);
    ASSERT_GT(r->consumed, 0u);
    out.resize(r->size);
    const TransportFeedback f = parse(out);
    EXPECT_EQ(f.base_sequence(), packets[at].sequence_number);
    for (const auto& rep : f) all.push_back(rep);
    at += r->consumed;
  }
  EXPECT_GT(fb, 2);
  ASSERT_EQ(all.size(), packets.size());
  for (std::size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(all[i].sequence_number, packets[i].sequence_number);
    EXPECT_EQ(all[i].received(), packets[i].arrival_us.has_value());
    if (packets[i].arrival_us) {
      EXPECT_EQ(all[i].arrival_us, *packets[i].arrival_us) << i;
    }
  }
}

TEST(TwccFeedback, RoundTripOfAPseudoRandomStream) {
  // A deterministic mix of gaps, losses, bursts, reordering and stalls.
  std::uint32_t state = 12345;
  auto next = [&state](std::uint32_t mod) {
    state = state * 1103515245u + 12345u;
    return (state >> 8) % mod;
  };
  std::vector<TwccArrival> packets;
  std::uint16_t seq = 65000;
  std::int64_t t = 10'000'000;
  for (int i = 0; i < 3000; ++i) {
    seq = static_cast<std::uint16_t>(seq + 1 + (next(10) == 0 ? next(5) : 0));
    const auto kind = next(100);
    if (kind < 10) {
      packets.push_back({seq, std::nullopt});
      continue;
    }
    if (kind < 15)
      t -= next(20'000);  // reordered
    else if (kind < 17)
      t += next(9'000'000);  // a stall (sometimes over 8 s)
    else
      t += next(70'000);
    packets.push_back({seq, t});
  }
  std::size_t at = 0;
  std::vector<TwccPacketReport> all;
  int feedbacks = 0;
  while (at < packets.size()) {
    Bytes out(1200);
    auto r = build_transport_feedback(out, 9, 10, static_cast<std::uint8_t>(feedbacks++),
                                      std::span(packets).subspan(at));
    ASSERT_TRUE(r) << r.error().code;
    out.resize(r->size);
    const TransportFeedback f = parse(out);
    // Reports cover the consumed entries and the gaps between them.
    std::size_t entry = at;
    for (const auto& rep : f) {
      if (entry < at + r->consumed && rep.sequence_number == packets[entry].sequence_number) {
        EXPECT_EQ(rep.received(), packets[entry].arrival_us.has_value());
        if (rep.received()) {
          EXPECT_EQ(rep.arrival_us, rounded(*packets[entry].arrival_us));
        }
        ++entry;
      } else {
        EXPECT_FALSE(rep.received());
      }
      all.push_back(rep);
    }
    EXPECT_EQ(entry, at + r->consumed);
    at += r->consumed;
  }
  EXPECT_GT(feedbacks, 1);
}

TEST(TwccFeedback, BuilderRefusals) {
  Bytes out(100);
  EXPECT_EQ(build_transport_feedback(out, 1, 2, 0, {}).error().code, "rtcp_bad_argument");
  const TwccArrival dup[] = {{5, 0}, {5, 10}};
  EXPECT_EQ(build_transport_feedback(out, 1, 2, 0, dup).error().code, "rtcp_bad_argument");
  const TwccArrival backwards[] = {{5, 0}, {4, 10}};
  EXPECT_EQ(build_transport_feedback(out, 1, 2, 0, backwards).error().code, "rtcp_bad_argument");
  const TwccArrival fine[] = {{5, 0}};
  Bytes small(23);
  EXPECT_EQ(build_transport_feedback(small, 1, 2, 0, fine).error().code, "rtcp_buffer_too_small");
  Bytes exact(24);
  EXPECT_TRUE(build_transport_feedback(exact, 1, 2, 0, fine));
}

TEST(TwccFeedback, ParserRefusals) {
  struct Case {
    const char* name;
    const char* hex;
  };
  const Case cases[] = {
      {"fixed fields cut", "8f cd 00 03 00 00 00 01 00 00 00 02 00 64 00 01"},
      {"no chunk for the count", "8f cd 00 04 00 00 00 01 00 00 00 02 00 64 00 05 00 00 01 00"},
      {"chunks short of the count",
       "8f cd 00 05 00 00 00 01 00 00 00 02 00 64 00 05 00 00 01 00 00 02 00 00"},
      {"reserved run symbol",
       "8f cd 00 05 00 00 00 01 00 00 00 02 00 64 00 01 00 00 01 00 60 01 00 00"},
      {"reserved vector symbol",
       "8f cd 00 05 00 00 00 01 00 00 00 02 00 64 00 01 00 00 01 00 f0 00 00 00"},
      {"deltas past the end",
       "8f cd 00 05 00 00 00 01 00 00 00 02 00 64 00 02 00 00 01 00 40 02 00 00"},
  };
  for (const auto& c : cases) {
    const Bytes b = hex(c.hex);
    auto p = parse_rtcp_packet(b);
    ASSERT_TRUE(p) << c.name;
    auto f = parse_transport_feedback(*p);
    ASSERT_FALSE(f) << c.name;
    EXPECT_TRUE(f.error().code == "rtcp_bad_twcc" || f.error().code == "rtcp_bad_length")
        << c.name << ": " << f.error().code;
  }
  EXPECT_EQ(parse_transport_feedback(*parse_rtcp_packet(hex(cases[0].hex))).error().code,
            "rtcp_bad_length");
  EXPECT_EQ(parse_transport_feedback(*parse_rtcp_packet(hex(cases[3].hex))).error().code,
            "rtcp_bad_twcc");
}

TEST(TwccFeedback, UnusedTailOfTheLastVectorIsIgnored) {
  // Status count 2; a two-bit vector whose last five symbols would be
  // reserved (3) if they were read.
  const Bytes b =
      hex("8f cd 00 06 00 00 00 01 00 00 00 02 00 64 00 02 00 00 00 00 d7 ff 05 06 00 00 00 00");
  const auto r = reports(parse(b));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].delta_ticks, 5);
  EXPECT_EQ(r[1].delta_ticks, 6);
  // Trailing zero bytes after the deltas are accepted as padding.
}

TEST(TwccFeedback, EmptyRunsAreSkipped) {
  // A zero-length run chunk, then a run of 1 received.
  const Bytes c =
      hex("8f cd 00 06 00 00 00 01 00 00 00 02 00 64 00 01 00 00 00 00 00 00 20 01 09 00 00 00");
  const auto r = reports(parse(c));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].delta_ticks, 9);
}

}  // namespace
}  // namespace parley::rtp
