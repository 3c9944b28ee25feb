#pragma once
// Arithmetic on RTP's wrapping counters: 16-bit sequence numbers (also the
// transport-wide ones) and 32-bit timestamps. Comparisons are serial-number
// arithmetic in the sense of RFC 1982; extended sequence numbers and
// reception statistics follow RFC 3550 Appendix A.1, A.3 and A.8.
//
// Everything here is a value type without allocation: one SequenceStats per
// received stream, owned by whoever owns the stream.

#include <cstdint>

namespace parley::rtp {

// Signed distance a - b on the 16-bit circle, in [-32768, 32767].
constexpr std::int32_t sequence_distance(std::uint16_t a, std::uint16_t b) {
  const auto d = static_cast<std::uint16_t>(a - b);
  return d < 0x8000 ? std::int32_t{d} : std::int32_t{d} - 0x10000;
}

// True when a comes after b, allowing for wrap-around. Exactly half the
// circle apart is ambiguous; the numerically larger value is then taken as
// newer so that the relation stays antisymmetric.
constexpr bool is_newer_sequence(std::uint16_t a, std::uint16_t b) {
  const auto d = static_cast<std::uint16_t>(a - b);
  if (d == 0x8000) return a > b;
  return d != 0 && d < 0x8000;
}

// The same for 32-bit RTP timestamps (RFC 3550 §5.1: they wrap too).
constexpr bool is_newer_timestamp(std::uint32_t a, std::uint32_t b) {
  const std::uint32_t d = a - b;
  if (d == 0x80000000u) return a > b;
  return d != 0 && d < 0x80000000u;
}

// Extends 16-bit sequence numbers to 64 bits by following the stream: each
// value is placed at the nearest position to the last one seen, so reordered
// packets around a wrap land on the right side of it. The first value is
// returned unchanged; values before it may come out negative.
class SequenceUnwrapper {
 public:
  std::int64_t unwrap(std::uint16_t seq);
  // Like unwrap() but leaves the state alone (e.g. to look at a NACKed seq).
  std::int64_t peek(std::uint16_t seq) const;

 private:
  bool started_ = false;
  std::int64_t last_ = 0;
};

// Per-source sequence bookkeeping of RFC 3550 Appendix A.1 (validity with
// probation, cycles counting, resynchronisation after a large jump), with
// the loss figures of A.3 and the interarrival jitter of A.8 that a
// receiver report block carries.
class SequenceStats {
 public:
  // A.1 constants. A source becomes valid after `min_sequential` packets in
  // sequence (2 in the RFC; 1 accepts the first packet at once).
  static constexpr std::uint32_t kMaxDropout = 3000;
  static constexpr std::uint32_t kMaxMisorder = 100;
  static constexpr std::uint32_t kDefaultMinSequential = 2;

  explicit SequenceStats(std::uint16_t first_seq,
                         std::uint32_t min_sequential = kDefaultMinSequential);

  // A.1 update_seq(): false while on probation, and for a packet far outside
  // the expected window (the stream restarts if the next one follows it).
  bool update(std::uint16_t seq);

  bool valid() const { return probation_ == 0; }
  std::uint16_t max_seq() const { return max_seq_; }
  std::uint32_t cycles() const { return cycles_; }  // count << 16, as in A.1
  // "extended highest sequence number received" (§6.4.1).
  std::uint32_t extended_max() const { return cycles_ + max_seq_; }
  std::uint64_t received() const { return received_; }
  // A.3: packets expected since the base.
  std::int64_t expected() const;
  // A.3 "cumulative number of packets lost", clamped to the 24-bit signed
  // field of a report block (§6.4.1).
  std::int32_t cumulative_lost() const;
  // A.3 "fraction lost" since the previous call (8-bit fixed point), which
  // starts the next reporting interval.
  std::uint8_t take_fraction_lost();

  // A.8: `arrival` is the arrival time in the stream's RTP clock units.
  void update_jitter(std::uint32_t rtp_timestamp, std::uint32_t arrival);
  // Jitter as carried in a report block, in RTP timestamp units.
  std::uint32_t jitter() const;

 private:
  void restart(std::uint16_t seq);

  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0;
  std::uint32_t probation_ = 0;
  std::uint32_t min_sequential_ = kDefaultMinSequential;
  std::uint64_t received_ = 0;
  std::uint64_t received_prior_ = 0;
  std::int64_t expected_prior_ = 0;
  bool have_transit_ = false;
  std::int32_t transit_ = 0;
  std::uint64_t jitter_q4_ = 0;  // jitter * 16, A.8's integer form
};

}  // namespace parley::rtp
