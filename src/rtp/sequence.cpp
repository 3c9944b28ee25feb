#include "rtp/sequence.h"

#include <algorithm>

namespace parley::rtp {

std::int64_t SequenceUnwrapper::peek(std::uint16_t seq) const {
  if (!started_) return seq;
  const auto last16 = static_cast<std::uint16_t>(last_);
  return last_ + sequence_distance(seq, last16);
}

std::int64_t SequenceUnwrapper::unwrap(std::uint16_t seq) {
  const std::int64_t value = peek(seq);
  // Follow the stream forward only, so that one old packet does not drag
  // the reference point back.
  if (!started_ || value > last_) last_ = value;
  started_ = true;
  return value;
}

SequenceStats::SequenceStats(std::uint16_t first_seq, std::uint32_t min_sequential)
    : min_sequential_(std::max<std::uint32_t>(min_sequential, 1)) {
  // A.1: a new source starts on probation with max_seq just before its
  // first packet, so that the first update() is "in sequence".
  restart(first_seq);
  max_seq_ = static_cast<std::uint16_t>(first_seq - 1);
  probation_ = min_sequential_;
}

void SequenceStats::restart(std::uint16_t seq) {
  // A.1 init_seq().
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = 0x10000 + 1;  // a value no 16-bit sequence number equals
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
}

bool SequenceStats::update(std::uint16_t seq) {
  const auto udelta = static_cast<std::uint16_t>(seq - max_seq_);
  if (probation_ > 0) {
    // A.1: the source must send min_sequential packets in sequence.
    if (seq == static_cast<std::uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = seq;
      if (probation_ == 0) {
        restart(seq);
        ++received_;
        return true;
      }
    } else {
      probation_ = min_sequential_ - 1;
      max_seq_ = seq;
    }
    return false;
  }
  if (udelta < kMaxDropout) {
    // In order, possibly with a gap; a smaller value means we wrapped.
    if (seq < max_seq_) cycles_ += 0x10000;
    max_seq_ = seq;
  } else if (udelta <= 0x10000 - kMaxMisorder) {
    // A very large jump. Two in a row mean the sender restarted its
    // sequence without telling us: resynchronise on it.
    if (seq == bad_seq_) {
      restart(seq);
    } else {
      bad_seq_ = (std::uint32_t{seq} + 1) & 0xFFFF;
      return false;
    }
  }
  // Otherwise a duplicate or a reordered packet: counted, max unchanged.
  ++received_;
  return true;
}

std::int64_t SequenceStats::expected() const {
  return static_cast<std::int64_t>(extended_max()) - static_cast<std::int64_t>(base_seq_) + 1;
}

std::int32_t SequenceStats::cumulative_lost() const {
  const std::int64_t lost = expected() - static_cast<std::int64_t>(received_);
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(lost, -0x800000, 0x7FFFFF));
}

std::uint8_t SequenceStats::take_fraction_lost() {
  const std::int64_t exp = expected();
  const std::int64_t expected_interval = exp - expected_prior_;
  expected_prior_ = exp;
  const auto received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  received_prior_ = received_;
  const std::int64_t lost_interval = expected_interval - received_interval;
  if (expected_interval <= 0 || lost_interval <= 0) return 0;
  // A.3: an 8-bit fixed-point fraction; all lost would be 256, kept at 255.
  return static_cast<std::uint8_t>(
      std::min<std::int64_t>((lost_interval << 8) / expected_interval, 255));
}

void SequenceStats::update_jitter(std::uint32_t rtp_timestamp, std::uint32_t arrival) {
  // A.8: D(i-1,i) from the difference of successive relative transit times,
  // both in RTP units; the subtraction wraps exactly as the clocks do.
  const auto transit = static_cast<std::int32_t>(arrival - rtp_timestamp);
  if (!have_transit_) {
    have_transit_ = true;
    transit_ = transit;
    return;
  }
  const auto d = static_cast<std::int32_t>(static_cast<std::uint32_t>(transit) -
                                           static_cast<std::uint32_t>(transit_));
  transit_ = transit;
  const std::uint64_t abs_d =
      d < 0 ? 0ull - static_cast<std::uint64_t>(std::int64_t{d}) : static_cast<std::uint64_t>(d);
  // J += (|D| - J) / 16, kept scaled by 16 to stay in integers.
  jitter_q4_ = jitter_q4_ + abs_d - ((jitter_q4_ + 8) >> 4);
}

std::uint32_t SequenceStats::jitter() const {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(jitter_q4_ >> 4, 0xFFFFFFFFu));
}

}  // namespace parley::rtp
