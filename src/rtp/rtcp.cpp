#include "rtp/rtcp.h"

#include <algorithm>
#include <cstring>

#include "rtp/bytes.h"
#include "rtp/sequence.h"

namespace parley::rtp {

using detail::read_u16;
using detail::read_u24;
using detail::read_u32;
using detail::read_u64;
using detail::write_u16;
using detail::write_u24;
using detail::write_u32;
using detail::write_u64;

namespace {

// Sign-extends a 24-bit two's complement field.
std::int32_t signed24(std::uint32_t v) {
  return (v & 0x800000) ? static_cast<std::int32_t>(v) - 0x1000000 : static_cast<std::int32_t>(v);
}

Error wrong_type() {
  return make_error("rtcp_wrong_type", "RTCP packet of another type");
}

bool is_feedback(const RtcpPacket& p, std::uint8_t type, std::uint8_t fmt) {
  return p.type() == type && p.count() == fmt;
}

// The feedback common part (RFC 4585 §6.1): sender SSRC, media SSRC.
constexpr std::size_t kFeedbackHeader = 8;

// Writes the §6.4.1 common header for a packet of `size` bytes (a multiple
// of 4), without padding.
void write_header(std::uint8_t* out, std::uint8_t count, std::uint8_t type, std::size_t size) {
  out[0] = static_cast<std::uint8_t>(0x80 | count);
  out[1] = type;
  write_u16(out + 2, static_cast<std::uint16_t>(size / 4 - 1));
}

Error too_small() {
  return make_error("rtcp_buffer_too_small", "output buffer too small");
}

void write_report_block(std::uint8_t* p, const ReportBlock& b) {
  write_u32(p, b.ssrc);
  p[4] = b.fraction_lost;
  // §6.4.1: cumulative lost is a signed 24-bit field; clamp, do not wrap.
  const std::int32_t lost = std::clamp<std::int32_t>(b.cumulative_lost, -0x800000, 0x7FFFFF);
  write_u24(p + 5, static_cast<std::uint32_t>(lost) & 0xFFFFFF);
  write_u32(p + 8, b.extended_highest_seq);
  write_u32(p + 12, b.jitter);
  write_u32(p + 16, b.last_sr);
  write_u32(p + 20, b.delay_since_last_sr);
}

std::size_t align4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

}  // namespace

bool is_rtcp(std::span<const std::uint8_t> datagram) {
  return datagram.size() >= 4 && (datagram[0] >> 6) == 2 && datagram[1] >= 192 &&
         datagram[1] <= 223;
}

// --- Common header and compound ----------------------------------------------------

Expected<RtcpPacket> parse_rtcp_packet(std::span<const std::uint8_t> data) {
  if (data.size() < 4) return make_error("rtcp_truncated", "shorter than the RTCP header");
  if ((data[0] >> 6) != 2) return make_error("rtcp_bad_version", "RTCP version is not 2");
  // §6.4.1: length in 32-bit words minus one, header and padding included.
  const std::size_t size = 4 * (std::size_t{read_u16(data.data() + 2)} + 1);
  if (size > data.size()) return make_error("rtcp_bad_length", "RTCP length past the end");
  RtcpPacket p;
  p.bytes_ = data.first(size);
  if (data[0] & 0x20) {
    const std::size_t count = p.bytes_.back();
    if (count == 0) return make_error("rtcp_bad_padding", "padding count is zero");
    if (count > size - 4) return make_error("rtcp_bad_padding", "padding longer than the body");
    p.padding_size_ = count;
  }
  return p;
}

RtcpCompound::iterator::iterator(std::span<const std::uint8_t> rest) : rest_(rest) {
  if (rest_.empty()) return;
  auto p = parse_rtcp_packet(rest_);
  if (p) {
    current_ = *p;
  } else {
    rest_ = {};  // not reached for a validated compound
  }
}

RtcpCompound::iterator& RtcpCompound::iterator::operator++() {
  if (!current_) return *this;
  *this = iterator(rest_.subspan(current_->bytes().size()));
  return *this;
}

Expected<RtcpCompound> parse_rtcp_compound(std::span<const std::uint8_t> data, RtcpMode mode) {
  if (data.empty()) return make_error("rtcp_truncated", "empty RTCP datagram");
  RtcpCompound c;
  c.bytes_ = data;
  std::size_t offset = 0;
  while (offset < data.size()) {
    auto p = parse_rtcp_packet(data.subspan(offset));
    if (!p) return p.error();
    if (offset == 0 && mode == RtcpMode::kCompound && p->type() != kRtcpSr && p->type() != kRtcpRr)
      return make_error("rtcp_bad_compound", "compound RTCP does not start with SR or RR");
    offset += p->bytes().size();
    // §6.4.1 and A.2: only the last packet of a compound may be padded.
    if (p->has_padding() && offset != data.size())
      return make_error("rtcp_bad_compound", "padding before the last RTCP packet");
    ++c.count_;
  }
  return c;
}

// --- SR / RR -----------------------------------------------------------------------

ReportBlock decode_report_block(const std::uint8_t* p) {
  ReportBlock b;
  b.ssrc = read_u32(p);
  b.fraction_lost = p[4];
  b.cumulative_lost = signed24(read_u24(p + 5));
  b.extended_highest_seq = read_u32(p + 8);
  b.jitter = read_u32(p + 12);
  b.last_sr = read_u32(p + 16);
  b.delay_since_last_sr = read_u32(p + 20);
  return b;
}

std::uint32_t SenderReport::sender_ssrc() const {
  return read_u32(body_.data());
}

SenderInfo SenderReport::sender_info() const {
  return SenderInfo{read_u64(body_.data() + 4), read_u32(body_.data() + 12),
                    read_u32(body_.data() + 16), read_u32(body_.data() + 20)};
}

Expected<SenderReport> parse_sender_report(const RtcpPacket& packet) {
  if (packet.type() != kRtcpSr) return wrong_type();
  const auto body = packet.body();
  // §6.4.1: SSRC, 20 bytes of sender info, RC blocks.
  const std::size_t blocks = kReportBlockSize * packet.count();
  if (body.size() < 24 + blocks) return make_error("rtcp_bad_length", "SR shorter than its blocks");
  SenderReport sr;
  sr.body_ = body;
  sr.blocks_ = ReportBlockRange(body.subspan(24, blocks));
  sr.extension_ = body.subspan(24 + blocks);
  return sr;
}

std::uint32_t ReceiverReport::sender_ssrc() const {
  return read_u32(body_.data());
}

Expected<ReceiverReport> parse_receiver_report(const RtcpPacket& packet) {
  if (packet.type() != kRtcpRr) return wrong_type();
  const auto body = packet.body();
  const std::size_t blocks = kReportBlockSize * packet.count();
  if (body.size() < 4 + blocks) return make_error("rtcp_bad_length", "RR shorter than its blocks");
  ReceiverReport rr;
  rr.body_ = body;
  rr.blocks_ = ReportBlockRange(body.subspan(4, blocks));
  rr.extension_ = body.subspan(4 + blocks);
  return rr;
}

// --- SDES --------------------------------------------------------------------------

SdesItem SdesItemRange::iterator::operator*() const {
  return SdesItem{p_[0], std::string_view(reinterpret_cast<const char*>(p_ + 2), p_[1])};
}

std::optional<std::string_view> SdesChunk::cname() const {
  for (const SdesItem item : items) {
    if (item.type == kSdesCname) return item.text;
  }
  return std::nullopt;
}

namespace {

// Size of the chunk at body[offset], or 0 if it does not fit (§6.5: SSRC,
// items, a null octet, null octets up to the next 32-bit boundary).
std::size_t sdes_chunk_size(std::span<const std::uint8_t> body, std::size_t offset) {
  std::size_t pos = offset + 4;
  if (pos > body.size()) return 0;
  for (;;) {
    if (pos >= body.size()) return 0;
    if (body[pos] == kSdesEnd) break;
    if (pos + 2 > body.size()) return 0;
    pos += 2 + body[pos + 1];
  }
  const std::size_t end = offset + align4(pos + 1 - offset);
  return end <= body.size() ? end - offset : 0;
}

}  // namespace

SdesChunk Sdes::iterator::operator*() const {
  return SdesChunk{read_u32(p_), SdesItemRange(p_ + 4)};
}

Sdes::iterator& Sdes::iterator::operator++() {
  if (left_ == 0) return *this;
  // The chunk was validated: walk its items to its END and round up.
  const std::uint8_t* q = p_ + 4;
  while (*q != kSdesEnd) q += 2 + q[1];
  p_ += align4(static_cast<std::size_t>(q + 1 - p_));
  --left_;
  return *this;
}

Expected<Sdes> parse_sdes(const RtcpPacket& packet) {
  if (packet.type() != kRtcpSdes) return wrong_type();
  const auto body = packet.body();
  std::size_t offset = 0;
  for (std::size_t i = 0; i < packet.count(); ++i) {
    const std::size_t size = sdes_chunk_size(body, offset);
    if (size == 0) return make_error("rtcp_bad_sdes", "SDES chunk runs past the packet");
    offset += size;
  }
  for (std::size_t i = offset; i < body.size(); ++i) {
    if (body[i] != 0) return make_error("rtcp_bad_sdes", "bytes after the last SDES chunk");
  }
  Sdes s;
  s.body_ = body;
  s.count_ = packet.count();
  return s;
}

// --- BYE ---------------------------------------------------------------------------

std::uint32_t decode_ssrc(const std::uint8_t* p) {
  return read_u32(p);
}

Expected<Bye> parse_bye(const RtcpPacket& packet) {
  if (packet.type() != kRtcpBye) return wrong_type();
  const auto body = packet.body();
  const std::size_t list = 4 * std::size_t{packet.count()};
  if (body.size() < list) return make_error("rtcp_bad_length", "BYE shorter than its SSRC list");
  Bye bye;
  bye.ssrcs_ = SsrcRange(body.first(list));
  // §6.6: an optional reason, a length octet and text.
  if (body.size() > list) {
    const std::size_t length = body[list];
    if (list + 1 + length > body.size())
      return make_error("rtcp_bad_bye", "BYE reason runs past the packet");
    bye.reason_ = std::string_view(reinterpret_cast<const char*>(body.data() + list + 1), length);
  }
  return bye;
}

// --- NACK --------------------------------------------------------------------------

NackItem decode_nack_item(const std::uint8_t* p) {
  return NackItem{read_u16(p), read_u16(p + 2)};
}

NackLostRange::iterator::iterator(NackItemRange items, std::size_t index)
    : items_(items), index_(index) {}

std::uint16_t NackLostRange::iterator::operator*() const {
  const NackItem item = items_[index_];
  // RFC 4585 §6.2.1: the BLP's least significant bit is PID + 1.
  return static_cast<std::uint16_t>(item.pid + bit_ + 1);
}

void NackLostRange::iterator::skip_clear_bits() {
  if (index_ >= items_.size()) return;
  const std::uint16_t blp = items_[index_].blp;
  while (bit_ < 16 && !(blp & (1u << bit_))) ++bit_;
  if (bit_ >= 16) {
    ++index_;
    bit_ = -1;  // the next item's PID
  }
}

NackLostRange::iterator& NackLostRange::iterator::operator++() {
  if (index_ >= items_.size()) return *this;
  ++bit_;
  skip_clear_bits();
  return *this;
}

std::uint32_t Nack::sender_ssrc() const {
  return read_u32(body_.data());
}
std::uint32_t Nack::media_ssrc() const {
  return read_u32(body_.data() + 4);
}

Expected<Nack> parse_nack(const RtcpPacket& packet) {
  if (!is_feedback(packet, kRtcpRtpfb, kRtpfbNack)) return wrong_type();
  const auto body = packet.body();
  // RFC 4585 §6.2.1: one or more 4-byte FCI entries.
  if (body.size() < kFeedbackHeader + 4 || (body.size() - kFeedbackHeader) % 4 != 0)
    return make_error("rtcp_bad_length", "NACK without whole FCI entries");
  Nack n;
  n.body_ = body;
  n.items_ = NackItemRange(body.subspan(kFeedbackHeader));
  return n;
}

// --- PLI, FIR, REMB ------------------------------------------------------------------

Expected<Pli> parse_pli(const RtcpPacket& packet) {
  if (!is_feedback(packet, kRtcpPsfb, kPsfbPli)) return wrong_type();
  const auto body = packet.body();
  // RFC 4585 §6.3.1: no FCI, so the length field is 2.
  if (body.size() != kFeedbackHeader) return make_error("rtcp_bad_length", "PLI with an FCI");
  return Pli{read_u32(body.data()), read_u32(body.data() + 4)};
}

FirEntry decode_fir_entry(const std::uint8_t* p) {
  return FirEntry{read_u32(p), p[4]};
}

std::uint32_t Fir::sender_ssrc() const {
  return read_u32(body_.data());
}
std::uint32_t Fir::media_ssrc() const {
  return read_u32(body_.data() + 4);
}

Expected<Fir> parse_fir(const RtcpPacket& packet) {
  if (!is_feedback(packet, kRtcpPsfb, kPsfbFir)) return wrong_type();
  const auto body = packet.body();
  // RFC 5104 §4.3.1.1: 8-byte FCI entries (SSRC, seq nr, 24 reserved bits).
  if (body.size() < kFeedbackHeader + 8 || (body.size() - kFeedbackHeader) % 8 != 0)
    return make_error("rtcp_bad_length", "FIR without whole FCI entries");
  Fir f;
  f.body_ = body;
  f.entries_ = FirEntryRange(body.subspan(kFeedbackHeader));
  return f;
}

std::uint32_t Remb::sender_ssrc() const {
  return read_u32(body_.data());
}
std::uint32_t Remb::media_ssrc() const {
  return read_u32(body_.data() + 4);
}

Expected<Remb> parse_remb(const RtcpPacket& packet) {
  if (!is_feedback(packet, kRtcpPsfb, kPsfbAfb)) return wrong_type();
  const auto body = packet.body();
  // REMB draft §2.2: 'R' 'E' 'M' 'B', Num SSRC (8), BR Exp (6),
  // BR Mantissa (18), then Num SSRC SSRCs.
  if (body.size() < kFeedbackHeader + 4 ||
      std::memcmp(body.data() + kFeedbackHeader, "REMB", 4) != 0)
    return make_error("rtcp_not_remb", "application-layer feedback other than REMB");
  if (body.size() < kFeedbackHeader + 8) return make_error("rtcp_bad_length", "REMB truncated");
  const std::size_t n = body[12];
  if (body.size() != kFeedbackHeader + 8 + 4 * n)
    return make_error("rtcp_bad_length", "REMB length does not match its SSRC count");
  const unsigned exponent = body[13] >> 2;
  const std::uint64_t mantissa = read_u24(body.data() + 13) & 0x3FFFF;
  const std::uint64_t bitrate = mantissa << exponent;
  if ((bitrate >> exponent) != mantissa)
    return make_error("rtcp_bad_remb", "REMB bitrate does not fit 64 bits");
  Remb r;
  r.body_ = body;
  r.bitrate_ = bitrate;
  r.ssrcs_ = SsrcRange(body.subspan(16, 4 * n));
  return r;
}

// --- Transport-wide feedback -------------------------------------------------------------

namespace {

// Body offsets (after the common header) of the fields of §3.1.
constexpr std::size_t kTwccBaseSeq = 8;
constexpr std::size_t kTwccStatusCount = 10;
constexpr std::size_t kTwccReference = 12;
constexpr std::size_t kTwccFbCount = 15;
constexpr std::size_t kTwccChunks = 16;

// §3.1.3 and §3.1.4: how many statuses a chunk carries.
std::size_t chunk_capacity(std::uint16_t chunk) {
  if (!(chunk & 0x8000)) return chunk & 0x1FFF;  // run length
  return (chunk & 0x4000) ? 7 : 14;              // two-bit or one-bit vector
}

// The i-th status symbol of a chunk (i < chunk_capacity); 3 is reserved.
unsigned chunk_symbol(std::uint16_t chunk, std::size_t i) {
  if (!(chunk & 0x8000)) return (chunk >> 13) & 0x3;
  if (chunk & 0x4000) return (chunk >> (12 - 2 * i)) & 0x3;
  return (chunk >> (13 - i)) & 0x1;
}

}  // namespace

std::uint32_t TransportFeedback::sender_ssrc() const {
  return read_u32(body_.data());
}
std::uint32_t TransportFeedback::media_ssrc() const {
  return read_u32(body_.data() + 4);
}
std::uint16_t TransportFeedback::base_sequence() const {
  return read_u16(body_.data() + kTwccBaseSeq);
}
std::uint16_t TransportFeedback::status_count() const {
  return read_u16(body_.data() + kTwccStatusCount);
}
std::int32_t TransportFeedback::reference_time() const {
  return signed24(read_u24(body_.data() + kTwccReference));
}
std::uint8_t TransportFeedback::feedback_count() const {
  return body_[kTwccFbCount];
}

Expected<TransportFeedback> parse_transport_feedback(const RtcpPacket& packet) {
  if (!is_feedback(packet, kRtcpRtpfb, kRtpfbTwcc)) return wrong_type();
  const auto body = packet.body();
  if (body.size() < kTwccChunks) return make_error("rtcp_bad_length", "TWCC feedback truncated");
  const std::size_t count = read_u16(body.data() + kTwccStatusCount);
  std::size_t pos = kTwccChunks;
  std::size_t covered = 0;
  std::size_t chunks = 0;
  std::size_t received = 0;
  std::size_t delta_bytes = 0;
  while (covered < count) {
    if (pos + 2 > body.size())
      return make_error("rtcp_bad_twcc", "TWCC chunks end before the status count");
    const std::uint16_t chunk = read_u16(body.data() + pos);
    // Statuses past the status count (the tail of a last vector) are unused.
    const std::size_t take = std::min(chunk_capacity(chunk), count - covered);
    for (std::size_t i = 0; i < take; ++i) {
      const unsigned symbol = chunk_symbol(chunk, i);
      if (symbol == 3) return make_error("rtcp_bad_twcc", "reserved TWCC status symbol");
      if (symbol != 0) ++received;
      delta_bytes += symbol;  // §3.1.5: small deltas 1 byte, large 2
      // A run-length chunk has a single symbol: no need to look at each.
      if (!(chunk & 0x8000)) {
        if (symbol != 0) received += take - 1;
        delta_bytes += symbol * (take - 1);
        break;
      }
    }
    covered += take;
    pos += 2;
    ++chunks;
  }
  if (pos + delta_bytes > body.size())
    return make_error("rtcp_bad_twcc", "TWCC receive deltas run past the packet");
  TransportFeedback f;
  f.body_ = body;
  f.chunks_ = chunks;
  f.received_ = received;
  return f;
}

TransportFeedback::iterator::iterator(const TransportFeedback& feedback)
    : body_(feedback.body_),
      left_(feedback.status_count()),
      seq_(feedback.base_sequence()),
      chunk_offset_(kTwccChunks),
      delta_offset_(kTwccChunks + 2 * feedback.chunks_),
      time_ticks_(std::int64_t{feedback.reference_time()} *
                  (kTwccReferenceUnitUs / kTwccDeltaUnitUs)) {
  if (left_ > 0) load();
}

void TransportFeedback::iterator::load() {
  // Move to the chunk that holds the next status (skipping empty runs).
  for (;;) {
    if (chunk_offset_ + 2 > body_.size()) {
      left_ = 0;  // not reached for a validated packet
      return;
    }
    if (in_chunk_ < chunk_capacity(read_u16(body_.data() + chunk_offset_))) break;
    chunk_offset_ += 2;
    in_chunk_ = 0;
  }
  const unsigned symbol = chunk_symbol(read_u16(body_.data() + chunk_offset_), in_chunk_);
  current_ = TwccPacketReport{};
  current_.sequence_number = seq_;
  current_.status = static_cast<TwccStatus>(symbol);
  if (symbol == 1 && delta_offset_ + 1 <= body_.size()) {
    current_.delta_ticks = body_[delta_offset_];
    delta_offset_ += 1;
  } else if (symbol == 2 && delta_offset_ + 2 <= body_.size()) {
    current_.delta_ticks = static_cast<std::int16_t>(read_u16(body_.data() + delta_offset_));
    delta_offset_ += 2;
  }
  if (symbol != 0) {
    time_ticks_ += current_.delta_ticks;
    current_.arrival_us = time_ticks_ * kTwccDeltaUnitUs;
  }
}

TransportFeedback::iterator& TransportFeedback::iterator::operator++() {
  if (left_ == 0) return *this;
  --left_;
  ++in_chunk_;
  ++seq_;
  if (left_ > 0) load();
  return *this;
}

// --- Builders --------------------------------------------------------------------------

Expected<std::size_t> build_receiver_report(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                            std::span<const ReportBlock> blocks) {
  if (blocks.size() > 31) return make_error("rtcp_bad_argument", "more than 31 report blocks");
  const std::size_t size = 8 + kReportBlockSize * blocks.size();
  if (out.size() < size) return too_small();
  write_header(out.data(), static_cast<std::uint8_t>(blocks.size()), kRtcpRr, size);
  write_u32(out.data() + 4, sender_ssrc);
  for (std::size_t i = 0; i < blocks.size(); ++i)
    write_report_block(out.data() + 8 + kReportBlockSize * i, blocks[i]);
  return size;
}

Expected<std::size_t> build_sender_report(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                          const SenderInfo& info,
                                          std::span<const ReportBlock> blocks) {
  if (blocks.size() > 31) return make_error("rtcp_bad_argument", "more than 31 report blocks");
  const std::size_t size = 28 + kReportBlockSize * blocks.size();
  if (out.size() < size) return too_small();
  write_header(out.data(), static_cast<std::uint8_t>(blocks.size()), kRtcpSr, size);
  write_u32(out.data() + 4, sender_ssrc);
  write_u64(out.data() + 8, info.ntp_timestamp);
  write_u32(out.data() + 16, info.rtp_timestamp);
  write_u32(out.data() + 20, info.packet_count);
  write_u32(out.data() + 24, info.octet_count);
  for (std::size_t i = 0; i < blocks.size(); ++i)
    write_report_block(out.data() + 28 + kReportBlockSize * i, blocks[i]);
  return size;
}

Expected<std::size_t> build_sdes_cname(std::span<std::uint8_t> out, std::uint32_t ssrc,
                                       std::string_view cname) {
  if (cname.empty() || cname.size() > 255)
    return make_error("rtcp_bad_argument", "CNAME must be 1 to 255 bytes");
  // Header, SSRC, CNAME item, END octet, nulls to the 32-bit boundary.
  const std::size_t size = 4 + align4(4 + 2 + cname.size() + 1);
  if (out.size() < size) return too_small();
  write_header(out.data(), 1, kRtcpSdes, size);
  write_u32(out.data() + 4, ssrc);
  out[8] = kSdesCname;
  out[9] = static_cast<std::uint8_t>(cname.size());
  std::memcpy(out.data() + 10, cname.data(), cname.size());
  std::memset(out.data() + 10 + cname.size(), 0, size - 10 - cname.size());
  return size;
}

Expected<std::size_t> build_bye(std::span<std::uint8_t> out, std::span<const std::uint32_t> ssrcs,
                                std::string_view reason) {
  if (ssrcs.size() > 31) return make_error("rtcp_bad_argument", "more than 31 SSRCs in a BYE");
  if (reason.size() > 255) return make_error("rtcp_bad_argument", "BYE reason over 255 bytes");
  const std::size_t list = 4 * ssrcs.size();
  const std::size_t size = 4 + list + (reason.empty() ? 0 : align4(1 + reason.size()));
  if (out.size() < size) return too_small();
  write_header(out.data(), static_cast<std::uint8_t>(ssrcs.size()), kRtcpBye, size);
  for (std::size_t i = 0; i < ssrcs.size(); ++i) write_u32(out.data() + 4 + 4 * i, ssrcs[i]);
  if (!reason.empty()) {
    std::uint8_t* p = out.data() + 4 + list;
    p[0] = static_cast<std::uint8_t>(reason.size());
    std::memcpy(p + 1, reason.data(), reason.size());
    std::memset(p + 1 + reason.size(), 0, size - (4 + list + 1 + reason.size()));
  }
  return size;
}

Expected<std::size_t> build_nack(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                 std::uint32_t media_ssrc, std::span<const std::uint16_t> lost) {
  if (lost.empty()) return make_error("rtcp_bad_argument", "NACK without lost packets");
  std::size_t items = 1;
  std::uint16_t pid = lost[0];
  for (std::size_t i = 1; i < lost.size(); ++i) {
    if (sequence_distance(lost[i], lost[i - 1]) <= 0)
      return make_error("rtcp_bad_argument", "lost sequence numbers not in increasing order");
    const auto d = static_cast<std::uint16_t>(lost[i] - pid);
    if (d > 16) {
      ++items;
      pid = lost[i];
    }
  }
  const std::size_t size = 12 + 4 * items;
  if (size > 4 * 0x10000) return make_error("rtcp_bad_argument", "NACK too long for RTCP");
  if (out.size() < size) return too_small();
  write_header(out.data(), kRtpfbNack, kRtcpRtpfb, size);
  write_u32(out.data() + 4, sender_ssrc);
  write_u32(out.data() + 8, media_ssrc);
  // RFC 4585 §6.2.1: PID, then the 16 following packets as a bitmask.
  std::uint8_t* p = out.data() + 12;
  std::size_t i = 0;
  while (i < lost.size()) {
    const std::uint16_t item_pid = lost[i++];
    std::uint16_t blp = 0;
    while (i < lost.size()) {
      const auto d = static_cast<std::uint16_t>(lost[i] - item_pid);
      if (d > 16) break;
      blp = static_cast<std::uint16_t>(blp | (1u << (d - 1)));
      ++i;
    }
    write_u16(p, item_pid);
    write_u16(p + 2, blp);
    p += 4;
  }
  return size;
}

Expected<std::size_t> build_pli(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                std::uint32_t media_ssrc) {
  if (out.size() < 12) return too_small();
  write_header(out.data(), kPsfbPli, kRtcpPsfb, 12);
  write_u32(out.data() + 4, sender_ssrc);
  write_u32(out.data() + 8, media_ssrc);
  return std::size_t{12};
}

Expected<std::size_t> build_fir(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                std::span<const FirEntry> entries) {
  if (entries.empty()) return make_error("rtcp_bad_argument", "FIR without entries");
  const std::size_t size = 12 + 8 * entries.size();
  if (size > 4 * 0x10000) return make_error("rtcp_bad_argument", "FIR too long for RTCP");
  if (out.size() < size) return too_small();
  write_header(out.data(), kPsfbFir, kRtcpPsfb, size);
  write_u32(out.data() + 4, sender_ssrc);
  write_u32(out.data() + 8, 0);  // RFC 5104 §4.3.1.2: media source SSRC SHALL be 0
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::uint8_t* p = out.data() + 12 + 8 * i;
    write_u32(p, entries[i].ssrc);
    p[4] = entries[i].sequence_number;
    write_u24(p + 5, 0);  // reserved
  }
  return size;
}

Expected<std::size_t> build_remb(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                 std::uint64_t bitrate_bps, std::span<const std::uint32_t> ssrcs) {
  if (ssrcs.size() > 255) return make_error("rtcp_bad_argument", "more than 255 SSRCs in REMB");
  const std::size_t size = 20 + 4 * ssrcs.size();
  if (out.size() < size) return too_small();
  // The smallest exponent whose mantissa fits 18 bits.
  unsigned exponent = 0;
  while ((bitrate_bps >> exponent) > 0x3FFFF) ++exponent;
  const auto mantissa = static_cast<std::uint32_t>(bitrate_bps >> exponent);
  write_header(out.data(), kPsfbAfb, kRtcpPsfb, size);
  write_u32(out.data() + 4, sender_ssrc);
  write_u32(out.data() + 8, 0);  // REMB draft §2.2: media source SSRC is 0
  std::memcpy(out.data() + 12, "REMB", 4);
  out[16] = static_cast<std::uint8_t>(ssrcs.size());
  write_u24(out.data() + 17, (exponent << 18) | mantissa);
  for (std::size_t i = 0; i < ssrcs.size(); ++i) write_u32(out.data() + 20 + 4 * i, ssrcs[i]);
  return size;
}

// --- Transport-wide feedback builder -----------------------------------------------------

namespace {

constexpr std::int64_t kTicksPerReference = kTwccReferenceUnitUs / kTwccDeltaUnitUs;  // 256
constexpr std::size_t kMaxRunLength = 0x1FFF;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The status symbols of a feedback packet in order, generated from the
// caller's entries: gaps between entries read as "not received". Copyable,
// so the chunk encoder can look ahead from any position.
class SymbolCursor {
 public:
  SymbolCursor(std::span<const TwccArrival> packets, std::int64_t reference_ticks)
      : packets_(packets), seq_(packets[0].sequence_number), prev_ticks_(reference_ticks) {}

  struct Symbol {
    unsigned status = 0;
    std::int64_t delta = 0;  // received only
  };

  Symbol next() {
    Symbol s;
    if (entry_ < packets_.size() && packets_[entry_].sequence_number == seq_) {
      const auto& arrival = packets_[entry_].arrival_us;
      if (arrival) {
        const std::int64_t ticks = floor_div(*arrival, kTwccDeltaUnitUs);
        s.delta = ticks - prev_ticks_;
        prev_ticks_ = ticks;
        s.status = (s.delta >= 0 && s.delta <= 255) ? 1 : 2;
      }
      ++entry_;
    }
    ++seq_;
    return s;
  }

 private:
  std::span<const TwccArrival> packets_;
  std::size_t entry_ = 0;
  std::uint16_t seq_;
  std::int64_t prev_ticks_;
};

struct Chunk {
  std::uint16_t value = 0;
  std::size_t symbols = 0;      // statuses it reports (within the limit)
  std::size_t delta_bytes = 0;  // receive deltas those statuses need
};

// Chooses the next chunk at `cursor`, which has `remaining` statuses left.
// A run-length chunk for a run of 14 or more (or one that ends the input);
// else a one-bit vector if the next 14 statuses need no large delta; else a
// run-length chunk for a run of 7 or more; else a two-bit vector.
Chunk next_chunk(const SymbolCursor& cursor, std::size_t remaining) {
  unsigned window[14] = {};
  const std::size_t look = std::min<std::size_t>(14, remaining);
  SymbolCursor ahead = cursor;
  for (std::size_t i = 0; i < look; ++i) window[i] = ahead.next().status;

  std::size_t run = 1;
  while (run < look && window[run] == window[0]) ++run;
  if (run == look && look == 14) {
    // Keep counting past the window, up to the 13-bit run length.
    while (run < std::min(remaining, kMaxRunLength) && ahead.next().status == window[0]) ++run;
  }
  auto run_chunk = [&](std::size_t length) {
    return Chunk{static_cast<std::uint16_t>((window[0] << 13) | length), length,
                 window[0] * length};
  };
  if (run >= 14 || run == remaining) return run_chunk(run);

  bool small_only = true;
  for (std::size_t i = 0; i < look; ++i) small_only = small_only && window[i] <= 1;
  if (small_only) {
    Chunk c{0x8000, look, 0};
    for (std::size_t i = 0; i < look; ++i) {
      c.value = static_cast<std::uint16_t>(c.value | (window[i] << (13 - i)));
      c.delta_bytes += window[i];
    }
    return c;
  }
  if (run >= 7) return run_chunk(run);
  const std::size_t n = std::min<std::size_t>(7, remaining);
  Chunk c{0xC000, n, 0};
  for (std::size_t i = 0; i < n; ++i) {
    c.value = static_cast<std::uint16_t>(c.value | (window[i] << (12 - 2 * i)));
    c.delta_bytes += window[i];
  }
  return c;
}

void skip(SymbolCursor& cursor, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) cursor.next();
}

}  // namespace

Expected<TwccBuildResult> build_transport_feedback(std::span<std::uint8_t> out,
                                                   std::uint32_t sender_ssrc,
                                                   std::uint32_t media_ssrc,
                                                   std::uint8_t feedback_count,
                                                   std::span<const TwccArrival> packets) {
  if (packets.empty()) return make_error("rtcp_bad_argument", "TWCC feedback without packets");

  // Pass 1: how many statuses (`limit`) this packet may report: entries in
  // order, at most 65535 statuses, every delta within 16 bits.
  std::int64_t reference_ticks = 0;
  bool have_reference = false;
  std::int64_t prev_ticks = 0;
  std::size_t limit = 0;
  std::size_t offset = 0;  // status index of entry i
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i > 0) {
      const std::int32_t d =
          sequence_distance(packets[i].sequence_number, packets[i - 1].sequence_number);
      if (d <= 0)
        return make_error("rtcp_bad_argument", "sequence numbers not in increasing order");
      offset += static_cast<std::size_t>(d);
    }
    if (offset >= 0xFFFF) {
      limit = 0xFFFF;  // the gap before this entry, as far as the count goes
      break;
    }
    if (packets[i].arrival_us) {
      const std::int64_t ticks = floor_div(*packets[i].arrival_us, kTwccDeltaUnitUs);
      if (!have_reference) {
        // §3.1: the reference time in 64 ms units; the first delta is from it.
        reference_ticks = floor_div(ticks, kTicksPerReference) * kTicksPerReference;
        have_reference = true;
      } else if (ticks - prev_ticks < -32768 || ticks - prev_ticks > 32767) {
        // §3.1.5: a delta must fit 16 signed bits. This packet ends with the
        // gap before the entry, reported as not received.
        limit = offset;
        break;
      }
      prev_ticks = ticks;
    }
    limit = offset + 1;
  }

  // Pass 2: chunks, as many as fit in `out` with their deltas.
  constexpr std::size_t kFixed = 4 + kTwccChunks;  // common header and fixed fields
  std::size_t chunks = 0;
  std::size_t covered = 0;
  std::size_t delta_bytes = 0;
  {
    SymbolCursor cursor(packets, reference_ticks);
    while (covered < limit) {
      const Chunk c = next_chunk(cursor, limit - covered);
      const std::size_t size = align4(kFixed + 2 * (chunks + 1) + delta_bytes + c.delta_bytes);
      if (size > out.size()) break;
      skip(cursor, c.symbols);
      ++chunks;
      covered += c.symbols;
      delta_bytes += c.delta_bytes;
    }
  }
  if (chunks == 0) return too_small();
  const std::size_t size = align4(kFixed + 2 * chunks + delta_bytes);

  // Pass 3: write the same chunks, then the deltas.
  write_header(out.data(), kRtpfbTwcc, kRtcpRtpfb, size);
  std::uint8_t* body = out.data() + 4;
  write_u32(body, sender_ssrc);
  write_u32(body + 4, media_ssrc);
  write_u16(body + kTwccBaseSeq, packets[0].sequence_number);
  write_u16(body + kTwccStatusCount, static_cast<std::uint16_t>(covered));
  write_u24(body + kTwccReference,
            static_cast<std::uint32_t>(reference_ticks / kTicksPerReference) & 0xFFFFFF);
  body[kTwccFbCount] = feedback_count;
  {
    SymbolCursor cursor(packets, reference_ticks);
    std::size_t done = 0;
    for (std::size_t k = 0; k < chunks; ++k) {
      const Chunk c = next_chunk(cursor, limit - done);
      write_u16(body + kTwccChunks + 2 * k, c.value);
      skip(cursor, c.symbols);
      done += c.symbols;
    }
  }
  {
    SymbolCursor cursor(packets, reference_ticks);
    std::uint8_t* p = body + kTwccChunks + 2 * chunks;
    for (std::size_t i = 0; i < covered; ++i) {
      const auto s = cursor.next();
      if (s.status == 1) {
        *p++ = static_cast<std::uint8_t>(s.delta);
      } else if (s.status == 2) {
        write_u16(p, static_cast<std::uint16_t>(static_cast<std::int16_t>(s.delta)));
        p += 2;
      }
    }
    // The draft's zero padding up to the 32-bit boundary.
    std::memset(p, 0, static_cast<std::size_t>(out.data() + size - p));
  }

  // Entries whose status index falls inside the covered range.
  std::size_t consumed = 1;
  std::size_t index = 0;
  while (consumed < packets.size()) {
    index += static_cast<std::size_t>(sequence_distance(packets[consumed].sequence_number,
                                                        packets[consumed - 1].sequence_number));
    if (index >= covered) break;
    ++consumed;
  }
  return TwccBuildResult{size, consumed};
}

}  // namespace parley::rtp
