// The forwarding path must not touch the heap (docs/media.md): every
// successful parse, rewrite and build in src/rtp is checked here with a
// counting replacement of the global allocation functions.

#include <gtest/gtest.h>

#include <array>
#include <optional>

#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtp/sequence.h"
#include "rtp/vp8.h"
#include "support/counting_allocator.h"
#include "test_bytes.h"

namespace parley::rtp {
namespace {

using test::Bytes;
using test::hex;

// Allocations since it was made (counting_allocator.cpp counts them all).
class CountAllocations {
 public:
  std::size_t count() const { return parley::test::allocations() - start_; }

 private:
  std::size_t start_ = parley::test::allocations();
};

TEST(NoAllocation, CounterWorks) {
  CountAllocations counter;
  // A direct call: a new-expression whose result is unused may be elided
  // by the optimiser (C++14 [expr.new]/10), a call to operator new may not.
  void* p = ::operator new(16);
  ::operator delete(p);
  EXPECT_EQ(counter.count(), 1u);
}

TEST(NoAllocation, RtpParseRewriteRtx) {
  Bytes packet =
      hex("b1 e0 01 02 00 00 03 e8 00 00 00 0a 00 00 00 0b be de 00 02 10 aa 41 12 34 51 61 00 | "
          "90 c0 92 "
          "34 fe 9c 01 02 | 00 02");
  std::array<std::uint8_t, 200> out{};
  std::uint32_t sum = 0;
  CountAllocations counter;
  {
    auto p = parse_rtp_mutable(packet);
    ASSERT_TRUE(p);
    for (const Extension& e : p->extensions())
      sum += e.id + static_cast<std::uint32_t>(e.value.size());
    auto level = parse_audio_level(*p->find_extension(1));
    ASSERT_TRUE(level);
    auto tw = parse_transport_sequence_number(*p->find_extension(4));
    ASSERT_TRUE(tw);
    auto mid = parse_mid(*p->find_extension(5));
    ASSERT_TRUE(mid);
    p->set_sequence_number(7);
    p->set_timestamp(8);
    p->set_ssrc(9);
    p->set_marker(false);
    ASSERT_TRUE(p->set_payload_type(100));
    ASSERT_TRUE(set_transport_sequence_number(*p, 4, 0x4321));
    auto d = parse_vp8_descriptor(p->payload());
    ASSERT_TRUE(d);
    sum += vp8_is_keyframe_start(*d, p->payload());
    ASSERT_TRUE(rewrite_vp8_picture_id(p->mutable_payload(), 77));
    ASSERT_TRUE(rewrite_vp8_tl0_pic_idx(p->mutable_payload(), 3));
    auto rtx = build_rtx(*p, out, 101, 12, 13);
    ASSERT_TRUE(rtx);
    auto r = parse_rtp(std::span<const std::uint8_t>(out.data(), *rtx));
    ASSERT_TRUE(r);
    auto osn = rtx_original_sequence_number(*r);
    ASSERT_TRUE(osn);
    auto back = unwrap_rtx(*r, out, 100, 9);
    ASSERT_TRUE(back);
    SequenceUnwrapper u;
    sum += static_cast<std::uint32_t>(u.unwrap(*osn));
    SequenceStats stats(7, 1);
    sum += stats.update(7);
    stats.update_jitter(1, 2);
    sum += stats.take_fraction_lost();
  }
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_NE(sum, 0u);
}

TEST(NoAllocation, RtcpParseAndBuild) {
  std::array<std::uint8_t, 1500> buf{};
  std::size_t n = 0;
  std::uint64_t sum = 0;
  const ReportBlock blocks[] = {{2, 1, -3, 4, 5, 6, 7}};
  const std::uint16_t lost[] = {65530, 65535, 0, 10, 11, 30};
  const FirEntry fir[] = {{5, 1}};
  const std::uint32_t ssrcs[] = {5, 6};
  std::array<TwccArrival, 100> arrivals{};
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    arrivals[i].sequence_number = static_cast<std::uint16_t>(65500 + 2 * i);
    if (i % 5) arrivals[i].arrival_us = static_cast<std::int64_t>(1000 + 3000 * i);
  }
  CountAllocations counter;
  {
    auto span = [&] { return std::span(buf).subspan(n); };
    auto add = [&](Expected<std::size_t> r) {
      ASSERT_TRUE(r);
      n += *r;
    };
    add(build_sender_report(span(), 1, SenderInfo{1, 2, 3, 4}, blocks));
    add(build_receiver_report(span(), 1, blocks));
    add(build_sdes_cname(span(), 1, "cname"));
    add(build_nack(span(), 1, 2, lost));
    add(build_pli(span(), 1, 2));
    add(build_fir(span(), 1, fir));
    add(build_remb(span(), 1, 123456789, ssrcs));
    auto tw = build_transport_feedback(span(), 1, 2, 3, arrivals);
    ASSERT_TRUE(tw);
    n += tw->size;
    add(build_bye(span(), ssrcs, "bye"));

    auto compound = parse_rtcp_compound(std::span<const std::uint8_t>(buf.data(), n));
    ASSERT_TRUE(compound);
    int seen = 0;
    for (const RtcpPacket& p : *compound) {
      ++seen;
      // Dispatch on type and FMT, as the media plane does: every parse below
      // succeeds, so no Error is built.
      switch (p.type()) {
        case kRtcpSr: {
          auto sr = parse_sender_report(p);
          ASSERT_TRUE(sr);
          for (const ReportBlock& b : sr->report_blocks()) sum += b.ssrc;
          sum += sr->sender_info().octet_count;
          break;
        }
        case kRtcpRr: {
          auto rr = parse_receiver_report(p);
          ASSERT_TRUE(rr);
          for (const ReportBlock& b : rr->report_blocks()) sum += b.jitter;
          break;
        }
        case kRtcpSdes: {
          auto sdes = parse_sdes(p);
          ASSERT_TRUE(sdes);
          for (const SdesChunk c : *sdes) sum += c.cname()->size();
          break;
        }
        case kRtcpBye: {
          auto bye = parse_bye(p);
          ASSERT_TRUE(bye);
          sum += bye->reason()->size();
          break;
        }
        case kRtcpRtpfb:
          if (p.count() == kRtpfbNack) {
            auto nack = parse_nack(p);
            ASSERT_TRUE(nack);
            for (std::uint16_t s : nack->lost()) sum += s;
          } else {
            auto twcc = parse_transport_feedback(p);
            ASSERT_TRUE(twcc);
            for (const TwccPacketReport& r : *twcc) sum += static_cast<std::uint64_t>(r.arrival_us);
          }
          break;
        case kRtcpPsfb:
          if (p.count() == kPsfbPli) {
            auto pli = parse_pli(p);
            ASSERT_TRUE(pli);
            sum += pli->media_ssrc;
          } else if (p.count() == kPsfbFir) {
            auto f = parse_fir(p);
            ASSERT_TRUE(f);
            for (const FirEntry e : f->entries()) sum += e.sequence_number;
          } else {
            auto remb = parse_remb(p);
            ASSERT_TRUE(remb);
            sum += remb->bitrate_bps();
          }
          break;
        default:
          FAIL() << "unexpected packet type " << int{p.type()};
      }
    }
    EXPECT_EQ(seen, 9);
  }
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_NE(sum, 0u);
}

TEST(NoAllocation, SuccessfulRtcpViewsAlone) {
  std::array<std::uint8_t, 600> buf{};
  std::array<TwccArrival, 60> arrivals{};
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    arrivals[i].sequence_number = static_cast<std::uint16_t>(i * 3);
    if (i % 4) arrivals[i].arrival_us = static_cast<std::int64_t>(500 * i * i);
  }
  const std::uint16_t lost[] = {1, 2, 3, 40, 41};
  std::uint64_t sum = 0;
  CountAllocations counter;
  {
    auto tw = build_transport_feedback(buf, 1, 2, 0, arrivals);
    ASSERT_TRUE(tw);
    auto nack_size = build_nack(std::span(buf).subspan(tw->size), 1, 2, lost);
    ASSERT_TRUE(nack_size);
    auto c = parse_rtcp_compound(std::span<const std::uint8_t>(buf.data(), tw->size + *nack_size),
                                 RtcpMode::kReducedSize);
    ASSERT_TRUE(c);
    auto it = c->begin();
    auto twcc = parse_transport_feedback(*it);
    ASSERT_TRUE(twcc);
    for (const auto& r : *twcc) sum += r.received();
    ++it;
    auto nack = parse_nack(*it);
    ASSERT_TRUE(nack);
    for (std::uint16_t s : nack->lost()) sum += s;
  }
  EXPECT_EQ(counter.count(), 0u);
  EXPECT_EQ(sum, 45u + 1 + 2 + 3 + 40 + 41);
}

}  // namespace
}  // namespace parley::rtp
