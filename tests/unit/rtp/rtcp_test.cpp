#include "rtp/rtcp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_bytes.h"

namespace parley::rtp {
namespace {

using test::Bytes;
using test::hex;
using test::to_hex;

RtcpPacket one(const Bytes& b) {
  auto p = parse_rtcp_packet(b);
  EXPECT_TRUE(p) << (p ? "" : p.error().code);
  return *p;
}

std::string built(Expected<std::size_t> n, const Bytes& out) {
  if (!n) return "error " + n.error().code;
  return to_hex(out.data(), *n);
}

// RFC 3550 §6.4.1 figure: V=2 P=0 RC=1 PT=200 length=12, sender SSRC,
// NTP timestamp, RTP timestamp, packet and octet counts, one report block.
const char* kSenderReport =
    "81 c8 00 0c | 00 00 00 01 | e1 2b 3c 4d | 80 00 00 00 | 00 01 e2 40 | 00 00 00 64 | 00 00 4e "
    "20"
    "| 00 00 00 02 | 0a ff ff fe | 00 01 00 05 | 00 00 00 20 | 3c 4d 80 00 | 00 00 80 00";

// §6.5.1: SDES, SC=1, a chunk with CNAME "hello" and the END octet.
const char* kSdes = "81 ca 00 03 | 00 00 00 01 | 01 05 68 65 6c 6c 6f 00";

TEST(RtcpDemux, SecondByteTellsRtcpFromRtp) {
  EXPECT_TRUE(is_rtcp(hex("80 c8 00 00")));
  EXPECT_TRUE(is_rtcp(hex("81 cd 00 00")));
  EXPECT_FALSE(is_rtcp(hex("80 60 00 01 00 00 00 00 00 00 00 00")));  // RTP, PT 96
  EXPECT_FALSE(is_rtcp(hex("80 e0 00 01 00 00 00 00 00 00 00 00")));  // RTP, M=1 PT 96
  EXPECT_FALSE(is_rtcp(hex("40 c8 00 00")));                          // version 1
  EXPECT_FALSE(is_rtcp(hex("80 c8")));
}

TEST(RtcpSenderReport, ParsesRfc3550Figure) {
  const Bytes b = hex(kSenderReport);
  auto sr = parse_sender_report(one(b));
  ASSERT_TRUE(sr) << sr.error().code;
  EXPECT_EQ(sr->sender_ssrc(), 1u);
  const SenderInfo info = sr->sender_info();
  EXPECT_EQ(info.ntp_timestamp, 0xe12b3c4d80000000ull);
  EXPECT_EQ(info.rtp_timestamp, 123456u);
  EXPECT_EQ(info.packet_count, 100u);
  EXPECT_EQ(info.octet_count, 20000u);
  ASSERT_EQ(sr->report_blocks().size(), 1u);
  const ReportBlock block = sr->report_blocks()[0];
  EXPECT_EQ(block.ssrc, 2u);
  EXPECT_EQ(block.fraction_lost, 10);
  EXPECT_EQ(block.cumulative_lost, -2);  // 24-bit two's complement
  EXPECT_EQ(block.extended_highest_seq, 0x00010005u);
  EXPECT_EQ(block.jitter, 32u);
  EXPECT_EQ(block.last_sr, 0x3c4d8000u);
  EXPECT_EQ(block.delay_since_last_sr, 0x8000u);
  EXPECT_TRUE(sr->profile_extension().empty());
}

TEST(RtcpSenderReport, BuildsRfc3550FigureByteForByte) {
  ReportBlock block{2, 10, -2, 0x00010005, 32, 0x3c4d8000, 0x8000};
  Bytes out(100);
  auto n = build_sender_report(out, 1, SenderInfo{0xe12b3c4d80000000ull, 123456, 100, 20000},
                               std::span(&block, 1));
  EXPECT_EQ(built(n, out), to_hex(hex(kSenderReport)));
}

TEST(RtcpReceiverReport, RoundTripWithClampedLoss) {
  const ReportBlock blocks[] = {
      {0x11111111, 255, 0x7FFFFF, 0xffffffff, 0, 0, 0},
      {0x22222222, 0, -9'000'000, 7, 1, 2, 3},  // below the 24-bit range: clamped
  };
  Bytes out(100);
  auto n = build_receiver_report(out, 0xabcdef01, blocks);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 8u + 48u);
  EXPECT_EQ(to_hex(out.data(), 8), "82 c9 00 0d ab cd ef 01");
  auto rr = parse_receiver_report(one(out));
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->sender_ssrc(), 0xabcdef01u);
  ASSERT_EQ(rr->report_blocks().size(), 2u);
  std::vector<ReportBlock> got(rr->report_blocks().begin(), rr->report_blocks().end());
  EXPECT_EQ(got[0].fraction_lost, 255);
  EXPECT_EQ(got[0].cumulative_lost, 0x7FFFFF);
  EXPECT_EQ(got[0].extended_highest_seq, 0xffffffffu);
  EXPECT_EQ(got[1].cumulative_lost, -0x800000);
  EXPECT_EQ(got[1].delay_since_last_sr, 3u);
}

TEST(RtcpReceiverReport, EmptyReport) {
  Bytes out(8);
  auto n = build_receiver_report(out, 5, {});
  EXPECT_EQ(built(n, out), "80 c9 00 01 00 00 00 05");
  auto rr = parse_receiver_report(one(out));
  ASSERT_TRUE(rr);
  EXPECT_TRUE(rr->report_blocks().empty());
}

TEST(RtcpCompound, SenderReportThenSdes) {
  const Bytes b = hex(std::string(kSenderReport) + kSdes);
  auto c = parse_rtcp_compound(b);
  ASSERT_TRUE(c) << c.error().code;
  EXPECT_EQ(c->packet_count(), 2u);
  std::vector<int> types;
  for (const RtcpPacket& p : *c) types.push_back(p.type());
  EXPECT_EQ(types, (std::vector<int>{200, 202}));
  auto it = c->begin();
  ++it;
  auto sdes = parse_sdes(*it);
  ASSERT_TRUE(sdes) << sdes.error().code;
  EXPECT_EQ(sdes->chunk_count(), 1u);
  const SdesChunk chunk = *sdes->begin();
  EXPECT_EQ(chunk.ssrc, 1u);
  EXPECT_EQ(chunk.cname(), "hello");
}

TEST(RtcpCompound, ReducedSizeOnlyWhenAsked) {
  // RFC 5506 §3.1: a lone PLI.
  const Bytes b = hex("81 ce 00 02 | 00 00 00 01 | 00 00 00 02");
  auto strict = parse_rtcp_compound(b);
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().code, "rtcp_bad_compound");
  auto reduced = parse_rtcp_compound(b, RtcpMode::kReducedSize);
  ASSERT_TRUE(reduced);
  EXPECT_EQ(reduced->packet_count(), 1u);
  EXPECT_TRUE(parse_pli(*reduced->begin()));
}

TEST(RtcpCompound, PaddingOnTheLastPacket) {
  // An RR (RC=0) padded by 4 bytes, after an SR without padding.
  const Bytes b =
      hex("80 c8 00 06 | 00 00 00 01 | 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
          "00 00 00 00 | a0 c9 00 02 | 00 00 00 09 | 00 00 00 04");
  auto c = parse_rtcp_compound(b);
  ASSERT_TRUE(c) << c.error().code;
  auto it = c->begin();
  ++it;
  EXPECT_TRUE(it->has_padding());
  EXPECT_EQ(it->body().size(), 4u);
  auto rr = parse_receiver_report(*it);
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->sender_ssrc(), 9u);
}

struct Refusal {
  const char* name;
  std::string hex;
  const char* code;
};

TEST(RtcpCompound, RefusesMalformed) {
  const std::string rr = "80 c9 00 01 00 00 00 01 ";
  const Refusal cases[] = {
      {"empty", "", "rtcp_truncated"},
      {"3 bytes", "80 c9 00", "rtcp_truncated"},
      {"version 1", "40 c9 00 01 00 00 00 01", "rtcp_bad_version"},
      {"second packet version 3", rr + "c0 c9 00 01 00 00 00 01", "rtcp_bad_version"},
      {"length past end", "80 c9 00 05 00 00 00 01", "rtcp_bad_length"},
      {"trailing bytes", rr + "80 c9", "rtcp_truncated"},
      {"padding count zero", "a0 c9 00 01 00 00 00 00", "rtcp_bad_padding"},
      {"padding over body", "a0 c9 00 01 00 00 00 09", "rtcp_bad_padding"},
      {"padding before last", "a0 c9 00 02 00 00 00 01 00 00 00 04 " + rr, "rtcp_bad_compound"},
      {"starts with SDES", std::string(kSdes) + rr, "rtcp_bad_compound"},
      {"starts with BYE", "81 cb 00 01 00 00 00 01", "rtcp_bad_compound"},
  };
  for (const auto& c : cases) {
    const Bytes b = hex(c.hex);
    auto r = parse_rtcp_compound(b);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name;
  }
}

TEST(RtcpViews, RefuseWrongTypeAndShortBodies) {
  const Bytes sr = hex(kSenderReport);
  EXPECT_EQ(parse_receiver_report(one(sr)).error().code, "rtcp_wrong_type");
  EXPECT_EQ(parse_sdes(one(sr)).error().code, "rtcp_wrong_type");
  EXPECT_EQ(parse_bye(one(sr)).error().code, "rtcp_wrong_type");
  EXPECT_EQ(parse_nack(one(sr)).error().code, "rtcp_wrong_type");
  EXPECT_EQ(parse_pli(one(sr)).error().code, "rtcp_wrong_type");
  EXPECT_EQ(parse_fir(one(sr)).error().code, "rtcp_wrong_type");
  EXPECT_EQ(parse_remb(one(sr)).error().code, "rtcp_wrong_type");
  EXPECT_EQ(parse_transport_feedback(one(sr)).error().code, "rtcp_wrong_type");
  EXPECT_EQ(parse_sender_report(one(hex(kSdes))).error().code, "rtcp_wrong_type");
  // A PSFB with FMT 1 is a PLI, not a NACK (RTPFB FMT 1).
  EXPECT_EQ(parse_nack(one(hex("81 ce 00 02 00 00 00 01 00 00 00 02"))).error().code,
            "rtcp_wrong_type");

  const Refusal cases[] = {
      {"SR RC=2, one block", std::string(kSenderReport).replace(0, 2, "82"), "rtcp_bad_length"},
      {"SR without sender info", "80 c8 00 01 00 00 00 01", "rtcp_bad_length"},
      {"RR without SSRC", "80 c9 00 00", "rtcp_bad_length"},
      {"RR RC=1, no block", "81 c9 00 01 00 00 00 01", "rtcp_bad_length"},
  };
  for (const auto& c : cases) {
    const Bytes b = hex(c.hex);
    auto p = one(b);
    const std::string code = p.type() == kRtcpSr ? parse_sender_report(p).error().code
                                                 : parse_receiver_report(p).error().code;
    EXPECT_EQ(code, c.code) << c.name;
  }
}

TEST(RtcpReports, ProfileExtensionAfterBlocks) {
  const Bytes b = hex("80 c9 00 02 | 00 00 00 01 | 12 34 56 78");
  auto rr = parse_receiver_report(one(b));
  ASSERT_TRUE(rr);
  EXPECT_EQ(Bytes(rr->profile_extension().begin(), rr->profile_extension().end()),
            hex("12 34 56 78"));
}

TEST(RtcpSdes, BuildsCnameAndReadsSeveralChunks) {
  Bytes out(64);
  EXPECT_EQ(built(build_sdes_cname(out, 1, "hello"), out), to_hex(hex(kSdes)));
  // CNAME "abc": 4 + 2 + 3 + 1 = 10 bytes of chunk, padded to 12.
  EXPECT_EQ(built(build_sdes_cname(out, 2, "abc"), out),
            "81 ca 00 03 00 00 00 02 01 03 61 62 63 00 00 00");
  // Two chunks: the first with NAME (2) then CNAME; the second with no items.
  const Bytes b =
      hex("82 ca 00 05 | 00 00 00 0a | 02 01 78 01 02 79 7a 00 | 00 00 00 0b |"
          "00 00 00 00");
  auto s = parse_sdes(one(b));
  ASSERT_TRUE(s) << s.error().code;
  std::vector<std::uint32_t> ssrcs;
  std::vector<std::pair<int, std::string>> items;
  for (const SdesChunk chunk : *s) {
    ssrcs.push_back(chunk.ssrc);
    for (const SdesItem item : chunk.items) items.emplace_back(item.type, std::string(item.text));
  }
  EXPECT_EQ(ssrcs, (std::vector<std::uint32_t>{10, 11}));
  EXPECT_EQ(items, (std::vector<std::pair<int, std::string>>{{2, "x"}, {1, "yz"}}));
  EXPECT_EQ((*s->begin()).cname(), "yz");
}

TEST(RtcpSdes, Refusals) {
  const Refusal cases[] = {
      {"chunk without END", "81 ca 00 02 00 00 00 01 01 02 61 62", "rtcp_bad_sdes"},
      {"item runs past", "81 ca 00 02 00 00 00 01 01 09 61 62", "rtcp_bad_sdes"},
      {"item header cut", "81 ca 00 02 00 00 00 01 01 01 61 01", "rtcp_bad_sdes"},
      {"missing chunk", "82 ca 00 02 00 00 00 01 00 00 00 00", "rtcp_bad_sdes"},
      {"SSRC cut", "81 ca 00 00", "rtcp_bad_sdes"},
      {"junk after chunks", "81 ca 00 03 00 00 00 01 00 00 00 00 00 00 00 01", "rtcp_bad_sdes"},
  };
  for (const auto& c : cases) {
    const Bytes b = hex(c.hex);
    auto s = parse_sdes(one(b));
    ASSERT_FALSE(s) << c.name;
    EXPECT_EQ(s.error().code, c.code) << c.name;
  }
  Bytes out(300);
  EXPECT_EQ(build_sdes_cname(out, 1, "").error().code, "rtcp_bad_argument");
  EXPECT_EQ(build_sdes_cname(out, 1, std::string(256, 'a')).error().code, "rtcp_bad_argument");
  EXPECT_TRUE(build_sdes_cname(out, 1, std::string(255, 'a')));
  Bytes small(15);
  EXPECT_EQ(build_sdes_cname(small, 1, "hello").error().code, "rtcp_buffer_too_small");
}

TEST(RtcpBye, Rfc3550FigureAndRoundTrip) {
  // §6.6: SC=2, two SSRCs, reason "bye" (length octet 3).
  const Bytes b = hex("82 cb 00 03 | 00 00 00 01 | 00 00 00 02 | 03 62 79 65");
  auto bye = parse_bye(one(b));
  ASSERT_TRUE(bye);
  EXPECT_EQ(std::vector<std::uint32_t>(bye->ssrcs().begin(), bye->ssrcs().end()),
            (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(bye->reason(), "bye");
  const std::uint32_t ssrcs[] = {1, 2};
  Bytes out(64);
  EXPECT_EQ(built(build_bye(out, ssrcs, "bye"), out), to_hex(b));
  EXPECT_EQ(built(build_bye(out, ssrcs, "done"), out),
            "82 cb 00 04 00 00 00 01 00 00 00 02 04 64 6f 6e 65 00 00 00");
  EXPECT_EQ(built(build_bye(out, std::span(ssrcs, 1)), out), "81 cb 00 01 00 00 00 01");
  auto plain = parse_bye(one(out));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->reason());
}

TEST(RtcpBye, Refusals) {
  EXPECT_EQ(parse_bye(one(hex("82 cb 00 01 00 00 00 01"))).error().code, "rtcp_bad_length");
  EXPECT_EQ(parse_bye(one(hex("81 cb 00 02 00 00 00 01 09 61 62 63"))).error().code,
            "rtcp_bad_bye");
  Bytes out(400);
  const std::vector<std::uint32_t> many(32, 1);
  EXPECT_EQ(build_bye(out, many).error().code, "rtcp_bad_argument");
  EXPECT_EQ(build_bye(out, {}, std::string(256, 'x')).error().code, "rtcp_bad_argument");
  Bytes small(7);
  EXPECT_EQ(build_bye(small, std::span(many.data(), 1)).error().code, "rtcp_buffer_too_small");
}

// RFC 4585 §6.1 common feedback header, §6.2.1 generic NACK FCI:
// PID 1000, BLP bits 0, 2 and 15 (packets 1001, 1003, 1016).
const char* kNack = "81 cd 00 03 | 00 00 00 01 | 00 00 00 02 | 03 e8 80 05";

std::vector<std::uint16_t> lost_of(const Nack& n) {
  return std::vector<std::uint16_t>(n.lost().begin(), n.lost().end());
}

TEST(RtcpNack, Rfc4585Figure) {
  const Bytes b = hex(kNack);
  auto n = parse_nack(one(b));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->sender_ssrc(), 1u);
  EXPECT_EQ(n->media_ssrc(), 2u);
  ASSERT_EQ(n->items().size(), 1u);
  EXPECT_EQ(n->items()[0].pid, 1000);
  EXPECT_EQ(n->items()[0].blp, 0x8005);
  EXPECT_EQ(lost_of(*n), (std::vector<std::uint16_t>{1000, 1001, 1003, 1016}));
  const std::uint16_t lost[] = {1000, 1001, 1003, 1016};
  Bytes out(64);
  EXPECT_EQ(built(build_nack(out, 1, 2, lost), out), to_hex(b));
}

TEST(RtcpNack, PacksScatteredLossesIntoPidAndBlp) {
  // 116 is PID+16 (the BLP's top bit); 117 is one too far and starts an item.
  const std::uint16_t lost[] = {100, 116, 117, 200, 216, 300};
  Bytes out(64);
  EXPECT_EQ(built(build_nack(out, 1, 2, lost), out),
            "81 cd 00 06 00 00 00 01 00 00 00 02 00 64 80 00 00 75 00 00 00 c8 80 00 01 2c 00 00");
  auto n = parse_nack(one(out));
  ASSERT_TRUE(n);
  EXPECT_EQ(lost_of(*n), std::vector<std::uint16_t>(std::begin(lost), std::end(lost)));
}

TEST(RtcpNack, WrapsAroundSequenceZero) {
  const std::uint16_t lost[] = {65534, 65535, 0, 1, 20};
  Bytes out(64);
  auto size = build_nack(out, 1, 2, lost);
  EXPECT_EQ(built(size, out), "81 cd 00 04 00 00 00 01 00 00 00 02 ff fe 00 07 00 14 00 00");
  auto n = parse_nack(one(out));
  ASSERT_TRUE(n);
  EXPECT_EQ(lost_of(*n), std::vector<std::uint16_t>(std::begin(lost), std::end(lost)));
}

TEST(RtcpNack, EveryBlpBitRoundTrips) {
  for (int bit = 0; bit < 16; ++bit) {
    const std::uint16_t lost[] = {500, static_cast<std::uint16_t>(501 + bit)};
    Bytes out(16);
    ASSERT_TRUE(build_nack(out, 1, 2, lost));
    EXPECT_EQ(out[14] * 256 + out[15], 1 << bit);
    auto n = parse_nack(one(out));
    ASSERT_TRUE(n);
    EXPECT_EQ(lost_of(*n), std::vector<std::uint16_t>(std::begin(lost), std::end(lost)));
  }
}

TEST(RtcpNack, Refusals) {
  Bytes out(64);
  EXPECT_EQ(build_nack(out, 1, 2, {}).error().code, "rtcp_bad_argument");
  const std::uint16_t unordered[] = {5, 4};
  EXPECT_EQ(build_nack(out, 1, 2, unordered).error().code, "rtcp_bad_argument");
  const std::uint16_t duplicate[] = {5, 5};
  EXPECT_EQ(build_nack(out, 1, 2, duplicate).error().code, "rtcp_bad_argument");
  const std::uint16_t fine[] = {5};
  Bytes small(15);
  EXPECT_EQ(build_nack(small, 1, 2, fine).error().code, "rtcp_buffer_too_small");
  EXPECT_EQ(parse_nack(one(hex("81 cd 00 02 00 00 00 01 00 00 00 02"))).error().code,
            "rtcp_bad_length");
  // Padding of 1 leaves a partial FCI entry.
  EXPECT_EQ(parse_nack(one(hex("a1 cd 00 04 00 00 00 01 00 00 00 02 03 e8 00 00 00 00 00 01")))
                .error()
                .code,
            "rtcp_bad_length");
}

TEST(RtcpPli, Rfc4585Figure) {
  const Bytes b = hex("81 ce 00 02 | 00 00 00 01 | 00 00 00 02");
  auto pli = parse_pli(one(b));
  ASSERT_TRUE(pli);
  EXPECT_EQ(pli->sender_ssrc, 1u);
  EXPECT_EQ(pli->media_ssrc, 2u);
  Bytes out(12);
  EXPECT_EQ(built(build_pli(out, 1, 2), out), to_hex(b));
  Bytes small(11);
  EXPECT_EQ(build_pli(small, 1, 2).error().code, "rtcp_buffer_too_small");
  EXPECT_EQ(parse_pli(one(hex("81 ce 00 03 00 00 00 01 00 00 00 02 00 00 00 00"))).error().code,
            "rtcp_bad_length");
  EXPECT_EQ(parse_pli(one(hex("81 ce 00 01 00 00 00 01"))).error().code, "rtcp_bad_length");
}

TEST(RtcpFir, Rfc5104Figure) {
  // §4.3.1: PSFB FMT 4, media source 0, FCI: SSRC, seq nr, 24 reserved bits.
  const Bytes b =
      hex("84 ce 00 06 | 00 00 00 01 | 00 00 00 00 | 00 00 00 02 | 07 00 00 00 |"
          "00 00 00 03 | ff 00 00 00");
  auto fir = parse_fir(one(b));
  ASSERT_TRUE(fir);
  EXPECT_EQ(fir->sender_ssrc(), 1u);
  EXPECT_EQ(fir->media_ssrc(), 0u);
  ASSERT_EQ(fir->entries().size(), 2u);
  EXPECT_EQ(fir->entries()[0].ssrc, 2u);
  EXPECT_EQ(fir->entries()[0].sequence_number, 7);
  EXPECT_EQ(fir->entries()[1].ssrc, 3u);
  EXPECT_EQ(fir->entries()[1].sequence_number, 255);
  const FirEntry entries[] = {{2, 7}, {3, 255}};
  Bytes out(64);
  EXPECT_EQ(built(build_fir(out, 1, entries), out), to_hex(b));
  EXPECT_EQ(build_fir(out, 1, {}).error().code, "rtcp_bad_argument");
  Bytes small(27);
  EXPECT_EQ(build_fir(small, 1, entries).error().code, "rtcp_buffer_too_small");
  EXPECT_EQ(parse_fir(one(hex("84 ce 00 02 00 00 00 01 00 00 00 00"))).error().code,
            "rtcp_bad_length");
  EXPECT_EQ(parse_fir(one(hex("84 ce 00 03 00 00 00 01 00 00 00 00 00 00 00 02"))).error().code,
            "rtcp_bad_length");
}

TEST(RtcpRemb, DraftFigure) {
  // draft-alvestrand-rmcat-remb §2.2: 1 Mbps = 250000 * 2^2.
  const Bytes b =
      hex("8f ce 00 05 | 00 00 00 01 | 00 00 00 00 | 52 45 4d 42 | 01 0b d0 90 | 00 00 00 02");
  auto remb = parse_remb(one(b));
  ASSERT_TRUE(remb) << remb.error().code;
  EXPECT_EQ(remb->sender_ssrc(), 1u);
  EXPECT_EQ(remb->media_ssrc(), 0u);
  EXPECT_EQ(remb->bitrate_bps(), 1'000'000u);
  ASSERT_EQ(remb->ssrcs().size(), 1u);
  EXPECT_EQ(remb->ssrcs()[0], 2u);
  const std::uint32_t ssrcs[] = {2};
  Bytes out(64);
  EXPECT_EQ(built(build_remb(out, 1, 1'000'000, ssrcs), out), to_hex(b));
}

TEST(RtcpRemb, BitrateRoundsDownToMantissaAndExponent) {
  const std::uint32_t ssrcs[] = {7, 8, 9};
  for (std::uint64_t bitrate :
       {0ull, 1ull, 262143ull, 262144ull, 1'000'001ull, 2'500'000'000ull, 0xFFFFFFFFFFFFFFFFull}) {
    Bytes out(64);
    auto n = build_remb(out, 1, bitrate, ssrcs);
    ASSERT_TRUE(n);
    auto remb = parse_remb(one(out));
    ASSERT_TRUE(remb) << bitrate;
    EXPECT_LE(remb->bitrate_bps(), bitrate);
    // Within the 18-bit mantissa's precision.
    EXPECT_GE(remb->bitrate_bps(), bitrate - bitrate / 0x20000) << bitrate;
    EXPECT_EQ(remb->ssrcs().size(), 3u);
  }
}

TEST(RtcpRemb, Refusals) {
  // Another application-layer feedback.
  EXPECT_EQ(parse_remb(one(hex("8f ce 00 03 00 00 00 01 00 00 00 00 41 42 43 44"))).error().code,
            "rtcp_not_remb");
  EXPECT_EQ(parse_remb(one(hex("8f ce 00 02 00 00 00 01 00 00 00 00"))).error().code,
            "rtcp_not_remb");
  EXPECT_EQ(parse_remb(one(hex("8f ce 00 03 00 00 00 01 00 00 00 00 52 45 4d 42"))).error().code,
            "rtcp_bad_length");
  // Num SSRC 2 with one SSRC present.
  EXPECT_EQ(
      parse_remb(one(hex("8f ce 00 05 00 00 00 01 00 00 00 00 52 45 4d 42 02 0b d0 90 00 00 00 "
                         "02")))
          .error()
          .code,
      "rtcp_bad_length");
  // Exponent 63 with a full mantissa: beyond 64 bits.
  EXPECT_EQ(parse_remb(one(hex("8f ce 00 04 00 00 00 01 00 00 00 00 52 45 4d 42 00 ff ff ff")))
                .error()
                .code,
            "rtcp_bad_remb");
  // Exponent 46, full mantissa: the largest that fits.
  const Bytes largest = hex("8f ce 00 04 00 00 00 01 00 00 00 00 52 45 4d 42 00 bb ff ff");
  auto max = parse_remb(one(largest));
  ASSERT_TRUE(max);
  EXPECT_EQ(max->bitrate_bps(), 0x3FFFFull << 46);
  Bytes out(2000);
  const std::vector<std::uint32_t> many(256, 1);
  EXPECT_EQ(build_remb(out, 1, 1, many).error().code, "rtcp_bad_argument");
  Bytes small(23);
  EXPECT_EQ(build_remb(small, 1, 1, std::span(many.data(), 1)).error().code,
            "rtcp_buffer_too_small");
}

TEST(RtcpBuilders, RefuseTooManyBlocksAndSmallBuffers) {
  const std::vector<ReportBlock> blocks(32);
  Bytes out(2000);
  EXPECT_EQ(build_receiver_report(out, 1, blocks).error().code, "rtcp_bad_argument");
  EXPECT_EQ(build_sender_report(out, 1, {}, blocks).error().code, "rtcp_bad_argument");
  EXPECT_TRUE(build_receiver_report(out, 1, std::span(blocks.data(), 31)));
  Bytes small(31);
  EXPECT_EQ(build_receiver_report(small, 1, std::span(blocks.data(), 1)).error().code,
            "rtcp_buffer_too_small");
  Bytes smaller(27);
  EXPECT_EQ(build_sender_report(smaller, 1, {}, {}).error().code, "rtcp_buffer_too_small");
  Bytes enough(28);
  EXPECT_TRUE(build_sender_report(enough, 1, {}, {}));
}

TEST(RtcpBuilders, CompoundFromSeveralBuilders) {
  Bytes out(200);
  std::size_t n = 0;
  const ReportBlock block{2, 0, 0, 100, 0, 0, 0};
  auto rr = build_receiver_report(std::span(out).subspan(n), 1, std::span(&block, 1));
  ASSERT_TRUE(rr);
  n += *rr;
  auto sdes = build_sdes_cname(std::span(out).subspan(n), 1, "parley");
  ASSERT_TRUE(sdes);
  n += *sdes;
  const std::uint16_t lost[] = {99};
  auto nack = build_nack(std::span(out).subspan(n), 1, 2, lost);
  ASSERT_TRUE(nack);
  n += *nack;
  auto c = parse_rtcp_compound(std::span<const std::uint8_t>(out.data(), n));
  ASSERT_TRUE(c) << c.error().code;
  std::vector<int> types;
  for (const auto& p : *c) types.push_back(p.type());
  EXPECT_EQ(types, (std::vector<int>{201, 202, 205}));
}

}  // namespace
}  // namespace parley::rtp
