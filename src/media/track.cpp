#include "media/track.h"

#include <algorithm>

#include "rtp/vp8.h"

namespace parley::media {

PayloadMap identity_payload_map() {
  PayloadMap m{};
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(i);
  return m;
}

PayloadMap empty_payload_map() {
  PayloadMap m;
  m.fill(kNoPayloadType);
  return m;
}

namespace {

bool h264_key_nal(std::uint8_t type) { return type == 5 || type == 7; }  // IDR slice, SPS

}  // namespace

bool is_keyframe_start(PayloadFormat format, std::span<const std::uint8_t> payload) {
  if (payload.empty()) return false;
  switch (format) {
    case PayloadFormat::vp8: {
      auto d = rtp::parse_vp8_descriptor(payload);
      return d && rtp::vp8_is_keyframe_start(*d, payload);
    }
    case PayloadFormat::vp9:
      // I P L F B E V Z: not inter-picture predicted, and the start of a frame.
      return (payload[0] & 0x40) == 0 && (payload[0] & 0x08) != 0;
    case PayloadFormat::h264: {
      std::uint8_t type = payload[0] & 0x1F;
      if (type >= 1 && type <= 23) return h264_key_nal(type);
      if (type == 24) return payload.size() > 3 && h264_key_nal(payload[3] & 0x1F);  // STAP-A
      if (type == 28)  // FU-A: the start bit, and the type of the fragmented unit
        return payload.size() > 1 && (payload[1] & 0x80) && h264_key_nal(payload[1] & 0x1F);
      return false;
    }
    default:
      return false;
  }
}

std::optional<std::pair<std::uint16_t, std::uint16_t>> vp8_keyframe_size(std::span<const std::uint8_t> payload) {
  auto d = rtp::parse_vp8_descriptor(payload);
  if (!d || !rtp::vp8_is_keyframe_start(*d, payload) || payload.size() < d->size + 10) return std::nullopt;
  const std::uint8_t* f = payload.data() + d->size;
  // RFC 6386 §9.1: a 3-byte frame tag, the start code 9d 01 2a, then
  // 14-bit width and height (little-endian, with 2 bits of scaling above).
  if (f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a) return std::nullopt;
  auto w = static_cast<std::uint16_t>((f[6] | f[7] << 8) & 0x3FFF);
  auto h = static_cast<std::uint16_t>((f[8] | f[9] << 8) & 0x3FFF);
  if (w == 0 || h == 0) return std::nullopt;
  return std::make_pair(w, h);
}

RetransmissionCache::RetransmissionCache(std::size_t slots)
    : slab_(new std::uint8_t[slots * kSlotBytes]), slots_(slots) {}

void RetransmissionCache::store(std::uint16_t seq, std::span<const std::uint8_t> packet) {
  if (packet.size() > kSlotBytes || slots_.empty()) return;
  std::size_t i = seq % slots_.size();
  std::copy(packet.begin(), packet.end(), slab_.get() + i * kSlotBytes);
  slots_[i] = Slot{seq, static_cast<std::uint16_t>(packet.size())};
}

std::optional<std::span<const std::uint8_t>> RetransmissionCache::find(std::uint16_t seq) const {
  if (slots_.empty()) return std::nullopt;
  std::size_t i = seq % slots_.size();
  if (slots_[i].size == 0 || slots_[i].seq != seq) return std::nullopt;
  return std::span<const std::uint8_t>(slab_.get() + i * kSlotBytes, slots_[i].size);
}

void PayloadSampler::record(StreamKind kind, PayloadFormat format, std::span<const std::uint8_t> payload) {
  std::lock_guard lock(mutex_);
  auto& s = ring_[next_];
  s.kind = kind;
  s.format = format;
  s.size = static_cast<std::uint16_t>(std::min<std::size_t>(payload.size(), 0xFFFF));
  s.head_size = static_cast<std::uint8_t>(std::min(payload.size(), s.head.size()));
  std::copy_n(payload.begin(), s.head_size, s.head.begin());
  next_ = (next_ + 1) % ring_.size();
  count_ = std::min(count_ + 1, ring_.size());
}

std::vector<PayloadSample> PayloadSampler::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<PayloadSample> out;
  for (std::size_t i = 0; i < count_; ++i) out.push_back(ring_[(next_ + ring_.size() - count_ + i) % ring_.size()]);
  return out;
}

std::vector<int> rank_layers(std::span<const LayerInfo> layers) {
  std::vector<int> order;
  bool sizes = true;
  for (std::size_t i = 0; i < layers.size(); ++i)
    if (layers[i].active) {
      order.push_back(static_cast<int>(i));
      if (layers[i].width == 0 || layers[i].height == 0) sizes = false;
    }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const auto &x = layers[static_cast<std::size_t>(a)], &y = layers[static_cast<std::size_t>(b)];
    if (sizes) return std::uint32_t{x.width} * x.height < std::uint32_t{y.width} * y.height;
    return x.bitrate_bps < y.bitrate_bps;
  });
  return order;
}

int layer_for_view(std::span<const LayerInfo> layers, std::uint16_t view_width, std::uint16_t view_height) {
  if (view_width == 0 && view_height == 0) return -1;
  auto ranked = rank_layers(layers);
  if (ranked.empty()) return -1;
  for (int i : ranked) {
    const auto& l = layers[static_cast<std::size_t>(i)];
    if (l.width == 0 || l.height == 0) break;  // sizes unknown: the largest
    if (std::uint32_t{l.width} * 4 >= std::uint32_t{view_width} * 3 &&
        std::uint32_t{l.height} * 4 >= std::uint32_t{view_height} * 3)
      return i;
  }
  return ranked.back();
}

void BandwidthEstimate::on_loss(double fraction_lost) {
  if (fraction_lost > 0.10) bps_ *= 1 - 0.5 * fraction_lost;
  else if (fraction_lost < 0.02) bps_ *= 1.05;
  bps_ = std::clamp(bps_, kMin, kMax);
}

}  // namespace parley::media
