#pragma once
// RTCP (RFC 3550 §6) read in place and written into caller buffers: compound
// packets (§6.1) or reduced-size ones (RFC 5506), sender and receiver
// reports, SDES, BYE, and the feedback messages an SFU exchanges with
// browsers: generic NACK and PLI (RFC 4585), FIR (RFC 5104), REMB
// (draft-alvestrand-rmcat-remb) and transport-wide congestion control
// feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01).
//
// Views (RtcpPacket, SenderReport, Nack, ...) hold the caller's span and
// offsets; they own nothing and are valid while those bytes are. Each
// parse_* function checks every length against the bytes present, so that
// iterating a view afterwards cannot fail or read out of bounds. Builders
// write one RTCP packet at the start of `out` and return its size; a
// compound packet is several builders writing one after another. Nothing
// here allocates, except the Error a refusal carries.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/error.h"

namespace parley::rtp {

// Packet types (RFC 3550 §12.1, RFC 4585 §6.1).
inline constexpr std::uint8_t kRtcpSr = 200;
inline constexpr std::uint8_t kRtcpRr = 201;
inline constexpr std::uint8_t kRtcpSdes = 202;
inline constexpr std::uint8_t kRtcpBye = 203;
inline constexpr std::uint8_t kRtcpApp = 204;
inline constexpr std::uint8_t kRtcpRtpfb = 205;
inline constexpr std::uint8_t kRtcpPsfb = 206;
// Feedback message types (the FMT field).
inline constexpr std::uint8_t kRtpfbNack = 1;   // RFC 4585 §6.2.1
inline constexpr std::uint8_t kRtpfbTwcc = 15;  // transport-wide-cc draft §3.1
inline constexpr std::uint8_t kPsfbPli = 1;     // RFC 4585 §6.3.1
inline constexpr std::uint8_t kPsfbFir = 4;     // RFC 5104 §4.3.1
inline constexpr std::uint8_t kPsfbAfb = 15;    // RFC 4585 §6.4, carries REMB
// SDES item types (RFC 3550 §6.5).
inline constexpr std::uint8_t kSdesEnd = 0;
inline constexpr std::uint8_t kSdesCname = 1;

// RFC 5761 §4: on a multiplexed port, RTCP is told from RTP by the second
// byte (packet types 192-223); the first byte must say version 2.
bool is_rtcp(std::span<const std::uint8_t> datagram);

// A view over fixed-size records (report blocks, SSRCs, NACK and FIR
// items), each decoded when accessed.
template <class T, std::size_t kSize, T (*kDecode)(const std::uint8_t*)>
class RecordRange {
 public:
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(const std::uint8_t* p) : p_(p) {}
    T operator*() const { return kDecode(p_); }
    iterator& operator++() {
      p_ += kSize;
      return *this;
    }
    iterator operator++(int) {
      auto copy = *this;
      p_ += kSize;
      return copy;
    }
    bool operator==(const iterator&) const = default;

   private:
    const std::uint8_t* p_ = nullptr;
  };

  RecordRange() = default;
  // `bytes` is a whole number of records.
  explicit RecordRange(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::size_t size() const { return bytes_.size() / kSize; }
  bool empty() const { return bytes_.empty(); }
  // i < size().
  T operator[](std::size_t i) const { return kDecode(bytes_.data() + i * kSize); }
  iterator begin() const { return iterator(bytes_.data()); }
  iterator end() const { return iterator(bytes_.data() + size() * kSize); }

 private:
  std::span<const std::uint8_t> bytes_;
};

// --- Common header and compound packets ---------------------------------------

// One RTCP packet (§6.4.1 common header: V, P, count, PT, length).
class RtcpPacket {
 public:
  std::uint8_t type() const { return bytes_[1]; }
  // RC (SR, RR), SC (SDES, BYE) or FMT (feedback): 5 bits.
  std::uint8_t count() const { return bytes_[0] & 0x1F; }
  bool has_padding() const { return (bytes_[0] & 0x20) != 0; }
  // The whole packet as its length field says, padding included.
  std::span<const std::uint8_t> bytes() const { return bytes_; }
  // After the 4-byte common header, without the padding.
  std::span<const std::uint8_t> body() const {
    return bytes_.subspan(4, bytes_.size() - 4 - padding_size_);
  }

 private:
  friend Expected<RtcpPacket> parse_rtcp_packet(std::span<const std::uint8_t> data);
  RtcpPacket() = default;
  std::span<const std::uint8_t> bytes_;
  std::size_t padding_size_ = 0;
};

// The packet at the start of `data` (which may continue with others):
// version 2, length within the bytes, padding (§6.4.1: a count in the last
// byte, at least 1, within the body). Errors: rtcp_truncated,
// rtcp_bad_version, rtcp_bad_length, rtcp_bad_padding.
Expected<RtcpPacket> parse_rtcp_packet(std::span<const std::uint8_t> data);

// RFC 3550 §6.1 and Appendix A.2, or RFC 5506 §3.1 when kReducedSize.
enum class RtcpMode : std::uint8_t {
  // First packet SR or RR; only the last packet may be padded.
  kCompound,
  // Also accepts a first packet of any type (e.g. a lone NACK or PLI), as a
  // peer that negotiated a=rtcp-rsize may send.
  kReducedSize,
};

class RtcpCompound {
 public:
  class iterator {
   public:
    using value_type = RtcpPacket;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(std::span<const std::uint8_t> rest);
    const RtcpPacket& operator*() const { return *current_; }
    const RtcpPacket* operator->() const { return &*current_; }
    iterator& operator++();
    iterator operator++(int) {
      auto copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const iterator& other) const { return rest_.size() == other.rest_.size(); }

   private:
    std::span<const std::uint8_t> rest_;  // from the current packet on
    std::optional<RtcpPacket> current_;
  };

  iterator begin() const { return iterator(bytes_); }
  iterator end() const { return iterator(); }
  std::size_t packet_count() const { return count_; }
  std::span<const std::uint8_t> bytes() const { return bytes_; }

 private:
  friend Expected<RtcpCompound> parse_rtcp_compound(std::span<const std::uint8_t>, RtcpMode);
  RtcpCompound() = default;
  std::span<const std::uint8_t> bytes_;
  std::size_t count_ = 0;
};

// Every packet of the datagram checked up front (Appendix A.2: lengths add
// up to the datagram exactly), so that iteration cannot fail. Errors: those
// of parse_rtcp_packet, and rtcp_bad_compound (first packet not SR/RR in
// kCompound mode, padding before the last packet).
Expected<RtcpCompound> parse_rtcp_compound(std::span<const std::uint8_t> data,
                                           RtcpMode mode = RtcpMode::kCompound);

// --- Sender and receiver reports (§6.4) -------------------------------------

// §6.4.1 report block, 24 bytes.
struct ReportBlock {
  std::uint32_t ssrc = 0;
  std::uint8_t fraction_lost = 0;    // 8-bit fixed point
  std::int32_t cumulative_lost = 0;  // 24-bit signed on the wire
  std::uint32_t extended_highest_seq = 0;
  std::uint32_t jitter = 0;               // RTP timestamp units
  std::uint32_t last_sr = 0;              // middle 32 bits of the last SR's NTP time
  std::uint32_t delay_since_last_sr = 0;  // 1/65536 s
};
ReportBlock decode_report_block(const std::uint8_t* p);
inline constexpr std::size_t kReportBlockSize = 24;
using ReportBlockRange = RecordRange<ReportBlock, kReportBlockSize, decode_report_block>;

// §6.4.1 sender info, 20 bytes.
struct SenderInfo {
  std::uint64_t ntp_timestamp = 0;  // 32.32 fixed point seconds since 1900
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;
};

class SenderReport {
 public:
  std::uint32_t sender_ssrc() const;
  SenderInfo sender_info() const;
  ReportBlockRange report_blocks() const { return blocks_; }
  // §6.4.1 "profile-specific extensions" after the blocks; usually empty.
  std::span<const std::uint8_t> profile_extension() const { return extension_; }

 private:
  friend Expected<SenderReport> parse_sender_report(const RtcpPacket& packet);
  std::span<const std::uint8_t> body_;
  ReportBlockRange blocks_;
  std::span<const std::uint8_t> extension_;
};
// PT 200. Errors: rtcp_wrong_type, rtcp_bad_length.
Expected<SenderReport> parse_sender_report(const RtcpPacket& packet);

class ReceiverReport {
 public:
  std::uint32_t sender_ssrc() const;
  ReportBlockRange report_blocks() const { return blocks_; }
  std::span<const std::uint8_t> profile_extension() const { return extension_; }

 private:
  friend Expected<ReceiverReport> parse_receiver_report(const RtcpPacket& packet);
  std::span<const std::uint8_t> body_;
  ReportBlockRange blocks_;
  std::span<const std::uint8_t> extension_;
};
// PT 201. Errors: rtcp_wrong_type, rtcp_bad_length.
Expected<ReceiverReport> parse_receiver_report(const RtcpPacket& packet);

// --- SDES (§6.5) -----------------------------------------------------------

struct SdesItem {
  std::uint8_t type = 0;
  std::string_view text;  // into the packet; PRIV items keep their prefix
};

// The items of one chunk, up to its END item.
class SdesItemRange {
 public:
  class iterator {
   public:
    using value_type = SdesItem;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(const std::uint8_t* p) : p_(p) {}
    SdesItem operator*() const;
    iterator& operator++() {
      p_ += 2 + p_[1];
      return *this;
    }
    iterator operator++(int) {
      auto copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const iterator& other) const {
      return p_ == other.p_ || (at_end() && other.at_end());
    }

   private:
    bool at_end() const { return p_ == nullptr || *p_ == kSdesEnd; }
    const std::uint8_t* p_ = nullptr;
  };
  explicit SdesItemRange(const std::uint8_t* first) : first_(first) {}
  iterator begin() const { return iterator(first_); }
  iterator end() const { return iterator(); }

 private:
  const std::uint8_t* first_;
};

struct SdesChunk {
  std::uint32_t ssrc = 0;
  SdesItemRange items{nullptr};
  // The chunk's CNAME (§6.5.1), if it has one.
  std::optional<std::string_view> cname() const;
};

class Sdes {
 public:
  class iterator {
   public:
    using value_type = SdesChunk;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const std::uint8_t* p, std::size_t left) : p_(p), left_(left) {}
    SdesChunk operator*() const;
    iterator& operator++();
    iterator operator++(int) {
      auto copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const iterator& other) const { return left_ == other.left_; }

   private:
    const std::uint8_t* p_ = nullptr;
    std::size_t left_ = 0;  // chunks from this one on
  };
  std::size_t chunk_count() const { return count_; }
  iterator begin() const { return iterator(body_.data(), count_); }
  iterator end() const { return iterator(); }

 private:
  friend Expected<Sdes> parse_sdes(const RtcpPacket& packet);
  std::span<const std::uint8_t> body_;
  std::size_t count_ = 0;
};
// PT 202: SC chunks, each an SSRC and items ending with a null octet and
// padded to a 32-bit boundary (§6.5). Errors: rtcp_wrong_type, rtcp_bad_sdes.
Expected<Sdes> parse_sdes(const RtcpPacket& packet);

// --- BYE (§6.6) --------------------------------------------------------------

std::uint32_t decode_ssrc(const std::uint8_t* p);
using SsrcRange = RecordRange<std::uint32_t, 4, decode_ssrc>;

class Bye {
 public:
  SsrcRange ssrcs() const { return ssrcs_; }
  std::optional<std::string_view> reason() const { return reason_; }

 private:
  friend Expected<Bye> parse_bye(const RtcpPacket& packet);
  SsrcRange ssrcs_;
  std::optional<std::string_view> reason_;
};
// PT 203. Errors: rtcp_wrong_type, rtcp_bad_length, rtcp_bad_bye.
Expected<Bye> parse_bye(const RtcpPacket& packet);

// --- Generic NACK (RFC 4585 §6.2.1) ------------------------------------------

struct NackItem {
  std::uint16_t pid = 0;  // a lost packet
  std::uint16_t blp = 0;  // bit i (LSB = 0) set: pid + i + 1 lost too
};
NackItem decode_nack_item(const std::uint8_t* p);
using NackItemRange = RecordRange<NackItem, 4, decode_nack_item>;

// Every sequence number a NACK reports, in packet order, without building a
// list: PID, then the sequence numbers its BLP bits name, then the next item.
class NackLostRange {
 public:
  class iterator {
   public:
    using value_type = std::uint16_t;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(NackItemRange items, std::size_t index);
    std::uint16_t operator*() const;
    iterator& operator++();
    iterator operator++(int) {
      auto copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const iterator& other) const {
      return index_ == other.index_ && bit_ == other.bit_;
    }

   private:
    void skip_clear_bits();
    NackItemRange items_;
    std::size_t index_ = 0;
    int bit_ = -1;  // -1: the PID itself; 0..15: BLP bit
  };
  explicit NackLostRange(NackItemRange items) : items_(items) {}
  iterator begin() const { return iterator(items_, 0); }
  iterator end() const { return iterator(items_, items_.size()); }

 private:
  NackItemRange items_;
};

class Nack {
 public:
  std::uint32_t sender_ssrc() const;
  std::uint32_t media_ssrc() const;
  NackItemRange items() const { return items_; }
  NackLostRange lost() const { return NackLostRange(items_); }

 private:
  friend Expected<Nack> parse_nack(const RtcpPacket& packet);
  std::span<const std::uint8_t> body_;
  NackItemRange items_;
};
// PT 205 FMT 1, at least one FCI item. Errors: rtcp_wrong_type, rtcp_bad_length.
Expected<Nack> parse_nack(const RtcpPacket& packet);

// --- PLI (RFC 4585 §6.3.1) ---------------------------------------------------

struct Pli {
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;
};
// PT 206 FMT 1, no FCI. Errors: rtcp_wrong_type, rtcp_bad_length.
Expected<Pli> parse_pli(const RtcpPacket& packet);

// --- FIR (RFC 5104 §4.3.1) ---------------------------------------------------

struct FirEntry {
  std::uint32_t ssrc = 0;            // the media sender asked for a decoder refresh
  std::uint8_t sequence_number = 0;  // §4.3.1.1: incremented per new request
};
FirEntry decode_fir_entry(const std::uint8_t* p);
using FirEntryRange = RecordRange<FirEntry, 8, decode_fir_entry>;

class Fir {
 public:
  std::uint32_t sender_ssrc() const;
  // §4.3.1.2: unused, SHALL be 0 (not enforced on receipt).
  std::uint32_t media_ssrc() const;
  FirEntryRange entries() const { return entries_; }

 private:
  friend Expected<Fir> parse_fir(const RtcpPacket& packet);
  std::span<const std::uint8_t> body_;
  FirEntryRange entries_;
};
// PT 206 FMT 4, at least one entry. Errors: rtcp_wrong_type, rtcp_bad_length.
Expected<Fir> parse_fir(const RtcpPacket& packet);

// --- REMB (draft-alvestrand-rmcat-remb-03 §2.2) --------------------------------

class Remb {
 public:
  std::uint32_t sender_ssrc() const;
  std::uint32_t media_ssrc() const;  // always 0 per the draft; not enforced
  std::uint64_t bitrate_bps() const { return bitrate_; }
  SsrcRange ssrcs() const { return ssrcs_; }

 private:
  friend Expected<Remb> parse_remb(const RtcpPacket& packet);
  std::span<const std::uint8_t> body_;
  std::uint64_t bitrate_ = 0;
  SsrcRange ssrcs_;
};
// PT 206 FMT 15 with the "REMB" identifier. Errors: rtcp_wrong_type,
// rtcp_not_remb (another application-layer feedback), rtcp_bad_length,
// rtcp_bad_remb (bitrate beyond 64 bits).
Expected<Remb> parse_remb(const RtcpPacket& packet);

// --- Transport-wide congestion control feedback -------------------------------
// draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.

// §3.1.1 packet status symbols.
enum class TwccStatus : std::uint8_t { kNotReceived = 0, kSmallDelta = 1, kLargeDelta = 2 };

inline constexpr std::int64_t kTwccDeltaUnitUs = 250;         // §3.1.5
inline constexpr std::int64_t kTwccReferenceUnitUs = 64'000;  // §3.1: 64 ms

// One transport-wide sequence number's report.
struct TwccPacketReport {
  std::uint16_t sequence_number = 0;
  TwccStatus status = TwccStatus::kNotReceived;
  // Received only: the receive delta in 250 µs units (from the previous
  // received packet, or the reference time for the first), and the arrival
  // time it gives in the feedback sender's clock, in µs.
  std::int32_t delta_ticks = 0;
  std::int64_t arrival_us = 0;
  bool received() const { return status != TwccStatus::kNotReceived; }
};

class TransportFeedback {
 public:
  class iterator {
   public:
    using value_type = TwccPacketReport;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    // Copies what it needs: valid as long as the packet bytes, not the view.
    explicit iterator(const TransportFeedback& feedback);
    const TwccPacketReport& operator*() const { return current_; }
    const TwccPacketReport* operator->() const { return &current_; }
    iterator& operator++();
    iterator operator++(int) {
      auto copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const iterator& other) const { return left_ == other.left_; }

   private:
    void load();
    std::span<const std::uint8_t> body_;
    std::size_t left_ = 0;  // reports from the current one on
    std::uint16_t seq_ = 0;
    std::size_t chunk_offset_ = 0;  // in the body
    std::size_t in_chunk_ = 0;      // symbols of the current chunk already used
    std::size_t delta_offset_ = 0;  // in the body
    std::int64_t time_ticks_ = 0;   // running arrival time, 250 µs units
    TwccPacketReport current_;
  };

  std::uint32_t sender_ssrc() const;
  std::uint32_t media_ssrc() const;
  std::uint16_t base_sequence() const;
  std::uint16_t status_count() const;
  // §3.1: 24-bit signed, in 64 ms units.
  std::int32_t reference_time() const;
  std::int64_t reference_time_us() const {
    return std::int64_t{reference_time()} * kTwccReferenceUnitUs;
  }
  std::uint8_t feedback_count() const;
  std::size_t chunk_count() const { return chunks_; }
  std::size_t received_count() const { return received_; }
  // status_count() reports, one per sequence number from base_sequence().
  iterator begin() const { return iterator(*this); }
  iterator end() const { return iterator(); }

 private:
  friend Expected<TransportFeedback> parse_transport_feedback(const RtcpPacket& packet);
  std::span<const std::uint8_t> body_;
  std::size_t chunks_ = 0;
  std::size_t received_ = 0;
};
// PT 205 FMT 15. Checks that the chunks cover the status count with valid
// symbols and that a receive delta is present for every received packet.
// Bytes after the last delta (the draft's zero padding) are ignored.
// Errors: rtcp_wrong_type, rtcp_bad_length, rtcp_bad_twcc.
Expected<TransportFeedback> parse_transport_feedback(const RtcpPacket& packet);

// --- Builders ------------------------------------------------------------------
// Each writes one packet at the start of `out` and returns its size, or
// rtcp_buffer_too_small / rtcp_bad_argument. Nothing is written past the
// returned size; on error `out` may hold partial output.

// §6.4.2 receiver report; at most 31 blocks (the RC field).
Expected<std::size_t> build_receiver_report(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                            std::span<const ReportBlock> blocks);
// §6.4.1 sender report; at most 31 blocks.
Expected<std::size_t> build_sender_report(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                          const SenderInfo& info,
                                          std::span<const ReportBlock> blocks);
// §6.5 SDES with one chunk holding a CNAME (1 to 255 bytes).
Expected<std::size_t> build_sdes_cname(std::span<std::uint8_t> out, std::uint32_t ssrc,
                                       std::string_view cname);
// §6.6 BYE for up to 31 sources, with an optional reason (up to 255 bytes).
Expected<std::size_t> build_bye(std::span<std::uint8_t> out, std::span<const std::uint32_t> ssrcs,
                                std::string_view reason = {});
// RFC 4585 §6.2.1 generic NACK from lost sequence numbers in increasing
// order (wrap-around allowed: 65534, 65535, 0, 1), packed into PID+BLP
// items; a duplicate or out-of-order entry is rtcp_bad_argument.
Expected<std::size_t> build_nack(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                 std::uint32_t media_ssrc, std::span<const std::uint16_t> lost);
// RFC 4585 §6.3.1.
Expected<std::size_t> build_pli(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                std::uint32_t media_ssrc);
// RFC 5104 §4.3.1, one entry per media sender asked to refresh.
Expected<std::size_t> build_fir(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                std::span<const FirEntry> entries);
// REMB: the bitrate as an 18-bit mantissa and 6-bit exponent (rounded down
// to what they can express); up to 255 SSRCs.
Expected<std::size_t> build_remb(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                 std::uint64_t bitrate_bps, std::span<const std::uint32_t> ssrcs);

// One received (or known lost) packet for the feedback builder.
struct TwccArrival {
  std::uint16_t sequence_number = 0;
  // Arrival in µs on any clock the feedback sender keeps (only differences
  // and multiples of 64 ms matter); std::nullopt: not received.
  std::optional<std::int64_t> arrival_us;
};

struct TwccBuildResult {
  std::size_t size = 0;      // bytes written
  std::size_t consumed = 0;  // leading entries of the input this packet reports
};

// Transport-wide feedback for `packets`, given in increasing sequence order
// (wrap-around allowed). Sequence numbers missing between two entries are
// reported as not received. The base sequence number is the first entry's;
// the reference time is the first received arrival rounded down to 64 ms;
// arrivals are rounded down to 250 µs and each delta taken from the
// previous rounded arrival, so rounding never accumulates. Status chunks
// are run-length where a run is long enough, else one-bit (14 symbols) or
// two-bit (7 symbols) vectors; the packet ends with zero padding to 32 bits.
//
// A packet cannot report everything when a delta does not fit 16 bits, when
// more than 65535 statuses would be needed, or when `out` is too small; it
// then ends before that entry, and `consumed` says where the next packet
// (with feedback_count + 1) starts. Errors: rtcp_bad_argument (empty or
// unordered input), rtcp_buffer_too_small (not even the first entry fits).
Expected<TwccBuildResult> build_transport_feedback(std::span<std::uint8_t> out,
                                                   std::uint32_t sender_ssrc,
                                                   std::uint32_t media_ssrc,
                                                   std::uint8_t feedback_count,
                                                   std::span<const TwccArrival> packets);

}  // namespace parley::rtp
