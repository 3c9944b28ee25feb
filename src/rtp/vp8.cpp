#include "rtp/vp8.h"

namespace parley::rtp {

namespace {

Error truncated() {
  return make_error("vp8_truncated", "VP8 payload descriptor truncated");
}

}  // namespace

Expected<Vp8Descriptor> parse_vp8_descriptor(std::span<const std::uint8_t> payload) {
  // RFC 7741 §4.2:
  //   |X|R|N|S|R| PID |   required
  //   |I|L|T|K| RSV   |   if X
  //   |M| PictureID   |   if I (a second byte if M)
  //   |   TL0PICIDX   |   if L
  //   |TID|Y| KEYIDX  |   if T or K
  // R bits are reserved: sent as 0, ignored on receipt.
  Vp8Descriptor d;
  std::size_t pos = 0;
  if (payload.empty()) return truncated();
  const std::uint8_t first = payload[pos++];
  d.extended = (first & 0x80) != 0;
  d.non_reference = (first & 0x20) != 0;
  d.start_of_partition = (first & 0x10) != 0;
  d.partition_index = first & 0x07;
  if (d.extended) {
    if (pos >= payload.size()) return truncated();
    const std::uint8_t x = payload[pos++];
    const bool has_i = (x & 0x80) != 0;
    const bool has_l = (x & 0x40) != 0;
    const bool has_t = (x & 0x20) != 0;
    const bool has_k = (x & 0x10) != 0;
    if (has_i) {
      if (pos >= payload.size()) return truncated();
      d.picture_id_offset = pos;
      if (payload[pos] & 0x80) {
        if (pos + 2 > payload.size()) return truncated();
        d.picture_id_15bit = true;
        d.picture_id = static_cast<std::uint16_t>(((payload[pos] & 0x7F) << 8) | payload[pos + 1]);
        pos += 2;
      } else {
        d.picture_id = payload[pos] & 0x7F;
        pos += 1;
      }
    }
    if (has_l) {
      if (pos >= payload.size()) return truncated();
      d.tl0_pic_idx_offset = pos;
      d.tl0_pic_idx = payload[pos++];
    }
    if (has_t || has_k) {
      if (pos >= payload.size()) return truncated();
      const std::uint8_t tk = payload[pos++];
      if (has_t) {
        d.tid = static_cast<std::uint8_t>(tk >> 6);
        d.layer_sync = (tk & 0x20) != 0;
      }
      if (has_k) d.key_idx = tk & 0x1F;
    }
  }
  // §4.1: a packet carries at least one byte of VP8 data after the descriptor.
  if (pos >= payload.size()) return truncated();
  d.size = pos;
  return d;
}

bool vp8_is_keyframe_start(const Vp8Descriptor& descriptor, std::span<const std::uint8_t> payload) {
  if (!descriptor.start_of_partition || descriptor.partition_index != 0) return false;
  if (descriptor.size >= payload.size()) return false;
  // §4.3 payload header: |Size0|H| VER |P|; P = 0 means a keyframe.
  return (payload[descriptor.size] & 0x01) == 0;
}

Status rewrite_vp8_picture_id(std::span<std::uint8_t> payload, std::uint16_t picture_id) {
  auto d = parse_vp8_descriptor(payload);
  if (!d) return d.error();
  if (!d->picture_id) return make_error("vp8_no_picture_id", "VP8 descriptor has no PictureID");
  std::uint8_t* p = payload.data() + d->picture_id_offset;
  if (d->picture_id_15bit) {
    p[0] = static_cast<std::uint8_t>(0x80 | ((picture_id >> 8) & 0x7F));  // keeps M = 1
    p[1] = static_cast<std::uint8_t>(picture_id);
  } else {
    p[0] = static_cast<std::uint8_t>(picture_id & 0x7F);  // M = 0
  }
  return ok_status();
}

Status rewrite_vp8_tl0_pic_idx(std::span<std::uint8_t> payload, std::uint8_t tl0_pic_idx) {
  auto d = parse_vp8_descriptor(payload);
  if (!d) return d.error();
  if (!d->tl0_pic_idx) return make_error("vp8_no_tl0_pic_idx", "VP8 descriptor has no TL0PICIDX");
  payload[d->tl0_pic_idx_offset] = tl0_pic_idx;
  return ok_status();
}

}  // namespace parley::rtp
