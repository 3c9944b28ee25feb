// Fuzz target for src/rtp's RTCP side: iterate a compound (both modes),
// open every packet with every view, walk all of them, and rebuild what was
// parsed into a fixed buffer with the builders; the rebuilt packet must
// parse back to the same content. Anything else aborts.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "rtp/rtcp.h"
#include "rtp/sequence.h"

namespace {

using namespace parley::rtp;

void check(bool ok) {
  if (!ok) std::abort();
}

// Room for the largest RTCP packet (a 16-bit length in words).
std::array<std::uint8_t, 4 * 0x10000 + 4> g_out;

RtcpPacket reparse(std::size_t size) {
  auto p = parse_rtcp_packet(std::span<const std::uint8_t>(g_out.data(), size));
  check(p.ok());
  check(p->bytes().size() == size);
  return *p;
}

bool same_block(const ReportBlock& a, const ReportBlock& b) {
  return a.ssrc == b.ssrc && a.fraction_lost == b.fraction_lost &&
         a.cumulative_lost == b.cumulative_lost &&
         a.extended_highest_seq == b.extended_highest_seq && a.jitter == b.jitter &&
         a.last_sr == b.last_sr && a.delay_since_last_sr == b.delay_since_last_sr;
}

void reports(const RtcpPacket& p) {
  std::array<ReportBlock, 31> blocks{};
  std::size_t n = 0;
  if (auto sr = parse_sender_report(p)) {
    for (const ReportBlock& b : sr->report_blocks()) blocks[n++] = b;
    auto size = build_sender_report(g_out, sr->sender_ssrc(), sr->sender_info(),
                                    std::span(blocks.data(), n));
    check(size.ok());
    auto again = parse_sender_report(reparse(*size));
    check(again.ok());
    check(again->sender_info().ntp_timestamp == sr->sender_info().ntp_timestamp);
    check(again->report_blocks().size() == n);
    for (std::size_t i = 0; i < n; ++i) check(same_block(again->report_blocks()[i], blocks[i]));
    // Without padding or a profile extension, the very same bytes.
    if (!p.has_padding() && sr->profile_extension().empty())
      check(std::memcmp(g_out.data(), p.bytes().data(), *size) == 0 && *size == p.bytes().size());
  }
  if (auto rr = parse_receiver_report(p)) {
    for (const ReportBlock& b : rr->report_blocks()) blocks[n++] = b;
    auto size = build_receiver_report(g_out, rr->sender_ssrc(), std::span(blocks.data(), n));
    check(size.ok());
    auto again = parse_receiver_report(reparse(*size));
    check(again.ok());
    for (std::size_t i = 0; i < n; ++i) check(same_block(again->report_blocks()[i], blocks[i]));
    if (!p.has_padding() && rr->profile_extension().empty())
      check(std::memcmp(g_out.data(), p.bytes().data(), *size) == 0 && *size == p.bytes().size());
  }
}

void sdes_and_bye(const RtcpPacket& p) {
  if (auto sdes = parse_sdes(p)) {
    std::size_t chunks = 0;
    for (const SdesChunk chunk : *sdes) {
      ++chunks;
      for (const SdesItem item : chunk.items) check(item.type != kSdesEnd);
      auto cname = chunk.cname();
      if (!cname || cname->empty()) continue;
      auto size = build_sdes_cname(g_out, chunk.ssrc, *cname);
      check(size.ok());
      auto again = parse_sdes(reparse(*size));
      check(again.ok());
      const SdesChunk rebuilt = *again->begin();
      check(rebuilt.ssrc == chunk.ssrc && rebuilt.cname() == cname);
    }
    check(chunks == sdes->chunk_count());
  }
  if (auto bye = parse_bye(p)) {
    std::array<std::uint32_t, 31> ssrcs{};
    std::size_t n = 0;
    for (std::uint32_t s : bye->ssrcs()) ssrcs[n++] = s;
    const std::string_view reason = bye->reason().value_or(std::string_view());
    auto size = build_bye(g_out, std::span(ssrcs.data(), n), reason);
    check(size.ok());
    auto again = parse_bye(reparse(*size));
    check(again.ok());
    check(again->ssrcs().size() == n);
    for (std::size_t i = 0; i < n; ++i) check(again->ssrcs()[i] == ssrcs[i]);
    check(again->reason().value_or(std::string_view()) == reason);
  }
}

void nack(const RtcpPacket& p) {
  auto n = parse_nack(p);
  if (!n) return;
  std::vector<std::uint16_t> lost(n->lost().begin(), n->lost().end());
  check(lost.size() >= n->items().size() && lost.size() <= 17 * n->items().size());
  bool increasing = true;
  for (std::size_t i = 1; i < lost.size(); ++i)
    increasing = increasing && sequence_distance(lost[i], lost[i - 1]) > 0;
  auto size = build_nack(g_out, n->sender_ssrc(), n->media_ssrc(), lost);
  check(size.ok() == increasing);
  if (!increasing) return;
  auto again = parse_nack(reparse(*size));
  check(again.ok());
  std::vector<std::uint16_t> rebuilt(again->lost().begin(), again->lost().end());
  check(rebuilt == lost);
  check(again->items().size() <= n->items().size());
}

void psfb(const RtcpPacket& p) {
  if (auto pli = parse_pli(p)) {
    auto size = build_pli(g_out, pli->sender_ssrc, pli->media_ssrc);
    check(size.ok());
    if (!p.has_padding()) check(std::memcmp(g_out.data(), p.bytes().data(), *size) == 0);
  }
  if (auto fir = parse_fir(p)) {
    std::vector<FirEntry> entries(fir->entries().begin(), fir->entries().end());
    auto size = build_fir(g_out, fir->sender_ssrc(), entries);
    check(size.ok());
    auto again = parse_fir(reparse(*size));
    check(again.ok());
    check(again->entries().size() == entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      check(again->entries()[i].ssrc == entries[i].ssrc);
      check(again->entries()[i].sequence_number == entries[i].sequence_number);
    }
  }
  if (auto remb = parse_remb(p)) {
    std::vector<std::uint32_t> ssrcs(remb->ssrcs().begin(), remb->ssrcs().end());
    auto size = build_remb(g_out, remb->sender_ssrc(), remb->bitrate_bps(), ssrcs);
    check(size.ok());
    auto again = parse_remb(reparse(*size));
    check(again.ok());
    // Any bitrate the wire can carry is rebuilt exactly.
    check(again->bitrate_bps() == remb->bitrate_bps());
    check(again->ssrcs().size() == ssrcs.size());
  }
}

void transport_feedback(const RtcpPacket& p) {
  auto f = parse_transport_feedback(p);
  if (!f) return;
  std::vector<TwccArrival> arrivals;
  std::size_t received = 0;
  std::uint16_t seq = f->base_sequence();
  for (const TwccPacketReport& r : *f) {
    check(r.sequence_number == seq++);
    if (r.received()) {
      ++received;
      arrivals.push_back({r.sequence_number, r.arrival_us});
    } else {
      arrivals.push_back({r.sequence_number, std::nullopt});
    }
  }
  check(arrivals.size() == f->status_count());
  check(received == f->received_count());
  if (arrivals.empty()) return;
  // Rebuild, in as many packets as the builder needs, and compare. The
  // rebuilt reference time may wrap its 24 bits differently, so arrivals
  // are equal modulo 2^24 * 64 ms.
  constexpr std::int64_t kWrap = (std::int64_t{1} << 24) * kTwccReferenceUnitUs;
  std::size_t at = 0;
  while (at < arrivals.size()) {
    auto built = build_transport_feedback(g_out, f->sender_ssrc(), f->media_ssrc(),
                                          f->feedback_count(), std::span(arrivals).subspan(at));
    check(built.ok());
    check(built->consumed > 0);
    auto again = parse_transport_feedback(reparse(built->size));
    check(again.ok());
    std::size_t i = at;
    for (const TwccPacketReport& r : *again) {
      if (i >= at + built->consumed) {
        check(!r.received());
        continue;
      }
      check(r.sequence_number == arrivals[i].sequence_number);
      check(r.received() == arrivals[i].arrival_us.has_value());
      if (r.received()) check((r.arrival_us - *arrivals[i].arrival_us) % kWrap == 0);
      ++i;
    }
    check(i == at + built->consumed);
    at += built->consumed;
  }
}

void every_view(const RtcpPacket& p) {
  check(p.body().size() + 4 <= p.bytes().size());
  reports(p);
  sdes_and_bye(p);
  nack(p);
  psfb(p);
  transport_feedback(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  auto strict = parse_rtcp_compound(input, RtcpMode::kCompound);
  auto reduced = parse_rtcp_compound(input, RtcpMode::kReducedSize);
  // Reduced-size accepts everything a compound accepts.
  if (strict) check(reduced.ok() && reduced->packet_count() == strict->packet_count());
  if (!reduced) {
    check(!reduced.error().code.empty());
    return 0;
  }
  std::size_t count = 0;
  std::size_t bytes = 0;
  for (const RtcpPacket& p : *reduced) {
    ++count;
    bytes += p.bytes().size();
    every_view(p);
  }
  check(count == reduced->packet_count());
  check(bytes == size);
  (void)is_rtcp(input);
  return 0;
}
