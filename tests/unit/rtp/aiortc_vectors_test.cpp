// Cross-check against aiortc, an RTP/RTCP implementation we did not write:
// aiortc_vectors.inc holds packets it serialised (make_aiortc_vectors.py),
// which src/rtp must read as aiortc meant them and build byte for byte from
// the same inputs.

#include "aiortc_vectors.inc"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtp/vp8.h"
#include "test_bytes.h"

namespace parley::rtp {
namespace {

using test::Bytes;
using test::hex;
using test::to_hex;

const Bytes kPayload = hex("01 02 03 04 05 06 07 08 09 0a");

void check_rtp(const Bytes& b, std::uint8_t rid_id) {
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_EQ(p->payload_type(), 96);
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->sequence_number(), 0xfffe);
  EXPECT_EQ(p->timestamp(), 0x12345678u);
  EXPECT_EQ(p->ssrc(), 0x1234u);
  ASSERT_EQ(p->csrc_count(), 2);
  EXPECT_EQ(p->csrc(0), 0xau);
  EXPECT_EQ(p->csrc(1), 0xbu);
  EXPECT_EQ(Bytes(p->payload().begin(), p->payload().end()), kPayload);
  EXPECT_EQ(*parse_mid(*p->find_extension(1)), "0");
  EXPECT_EQ(*parse_rid(*p->find_extension(rid_id)), "hi");
  const AudioLevel level = *parse_audio_level(*p->find_extension(3));
  EXPECT_TRUE(level.voice_activity);
  EXPECT_EQ(level.level, 42);
  EXPECT_EQ(*parse_transport_sequence_number(*p->find_extension(4)), 0xbeef);
}

TEST(AiortcVectors, RtpOneByteExtensions) {
  const Bytes b = hex(kAiortcRtpOneByte);
  check_rtp(b, 2);
  EXPECT_EQ(parse_rtp(b)->extension_form(), ExtensionForm::kOneByte);
}

TEST(AiortcVectors, RtpTwoByteExtensions) {
  const Bytes b = hex(kAiortcRtpTwoByte);
  check_rtp(b, 20);
  EXPECT_EQ(parse_rtp(b)->extension_form(), ExtensionForm::kTwoByte);
}

TEST(AiortcVectors, RtxBothWays) {
  const Bytes original = hex(kAiortcRtpOneByte);
  auto p = parse_rtp(original);
  ASSERT_TRUE(p);
  Bytes out(200);
  auto n = build_rtx(*p, out, 97, 0x5678, 0x0102);
  ASSERT_TRUE(n);
  out.resize(*n);
  EXPECT_EQ(to_hex(out), to_hex(hex(kAiortcRtx)));
  const Bytes rtx = hex(kAiortcRtx);
  auto r = parse_rtp(rtx);
  ASSERT_TRUE(r);
  EXPECT_EQ(*rtx_original_sequence_number(*r), 0xfffe);
  Bytes back(200);
  auto m = unwrap_rtx(*r, back, 96, 0x1234);
  ASSERT_TRUE(m);
  back.resize(*m);
  EXPECT_EQ(back, original);
}

const ReportBlock kBlock{0x5678, 25, -3, 0x0001fffe, 120, 0x12345678, 0x00010000};

TEST(AiortcVectors, SenderAndReceiverReports) {
  Bytes out(200);
  auto sr =
      build_sender_report(out, 0x1234, SenderInfo{0xe123456789abcdefull, 0x12345678, 1000, 120000},
                          std::span(&kBlock, 1));
  ASSERT_TRUE(sr);
  EXPECT_EQ(to_hex(out.data(), *sr), to_hex(hex(kAiortcSr)));
  const ReportBlock two[] = {kBlock, kBlock};
  auto rr = build_receiver_report(out, 0x1234, two);
  ASSERT_TRUE(rr);
  EXPECT_EQ(to_hex(out.data(), *rr), to_hex(hex(kAiortcRr)));

  const Bytes b = hex(kAiortcSr);
  auto packet = parse_rtcp_packet(b);
  ASSERT_TRUE(packet);
  auto view = parse_sender_report(*packet);
  ASSERT_TRUE(view);
  const ReportBlock got = view->report_blocks()[0];
  EXPECT_EQ(got.cumulative_lost, -3);
  EXPECT_EQ(got.extended_highest_seq, 0x0001fffeu);
  EXPECT_EQ(view->sender_info().ntp_timestamp, 0xe123456789abcdefull);
}

TEST(AiortcVectors, SdesAndBye) {
  Bytes out(200);
  auto sdes = build_sdes_cname(out, 0x1234, "{a1b2c3}");
  ASSERT_TRUE(sdes);
  EXPECT_EQ(to_hex(out.data(), *sdes), to_hex(hex(kAiortcSdes)));
  const std::uint32_t ssrcs[] = {0x1234, 0x5678};
  auto bye = build_bye(out, ssrcs);
  ASSERT_TRUE(bye);
  EXPECT_EQ(to_hex(out.data(), *bye), to_hex(hex(kAiortcBye)));
}

TEST(AiortcVectors, NackPackingMatches) {
  const std::uint16_t lost[] = {100, 101, 105, 116, 117, 140, 141, 156};
  Bytes out(200);
  auto n = build_nack(out, 0x1234, 0x5678, lost);
  ASSERT_TRUE(n);
  EXPECT_EQ(to_hex(out.data(), *n), to_hex(hex(kAiortcNack)));
  const Bytes b = hex(kAiortcNack);
  auto nack = parse_nack(*parse_rtcp_packet(b));
  ASSERT_TRUE(nack);
  EXPECT_EQ(std::vector<std::uint16_t>(nack->lost().begin(), nack->lost().end()),
            std::vector<std::uint16_t>(std::begin(lost), std::end(lost)));
}

TEST(AiortcVectors, PliAndRemb) {
  Bytes out(200);
  auto pli = build_pli(out, 0x1234, 0x5678);
  ASSERT_TRUE(pli);
  EXPECT_EQ(to_hex(out.data(), *pli), to_hex(hex(kAiortcPli)));
  const std::uint32_t ssrcs[] = {0x5678, 0x9abc};
  auto remb = build_remb(out, 0x1234, 2'500'000, ssrcs);
  ASSERT_TRUE(remb);
  EXPECT_EQ(to_hex(out.data(), *remb), to_hex(hex(kAiortcRemb)));
  const Bytes b = hex(kAiortcRemb);
  auto view = parse_remb(*parse_rtcp_packet(b));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->bitrate_bps(), 2'500'000u);
}

TEST(AiortcVectors, Vp8Descriptors) {
  for (const AiortcVp8& v : kAiortcVp8) {
    const Bytes b = hex(v.hex);
    auto d = parse_vp8_descriptor(b);
    ASSERT_TRUE(d) << v.hex;
    EXPECT_EQ(d->start_of_partition, v.start == 1) << v.hex;
    EXPECT_EQ(d->partition_index, v.pid) << v.hex;
    EXPECT_EQ(d->picture_id ? int{*d->picture_id} : -1, v.picture_id) << v.hex;
    EXPECT_EQ(d->tl0_pic_idx ? int{*d->tl0_pic_idx} : -1, v.tl0) << v.hex;
    EXPECT_EQ(d->tid ? int{*d->tid} : -1, v.tid) << v.hex;
    if (d->tid) {
      EXPECT_EQ(d->layer_sync, v.y == 1) << v.hex;
    }
    EXPECT_EQ(d->key_idx ? int{*d->key_idx} : -1, v.keyidx) << v.hex;
    EXPECT_EQ(d->size, b.size() - 1) << v.hex;
    EXPECT_EQ(vp8_is_keyframe_start(*d, b), v.start == 1 && v.pid == 0) << v.hex;
  }
}

}  // namespace
}  // namespace parley::rtp
