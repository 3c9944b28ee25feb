#pragma once
// The VP8 RTP payload descriptor (RFC 7741 §4.2), which an SFU reads to find
// frame starts, keyframes and temporal layers, and rewrites (PictureID,
// TL0PICIDX) to keep one continuous stream when it switches a subscriber
// between simulcast layers. The descriptor stays in the clear when the
// payload is end-to-end encrypted (the first bytes of each frame are left
// unencrypted for this).
//
// Works on the RTP payload in place; nothing here allocates, except the
// Error a refusal carries.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/error.h"

namespace parley::rtp {

struct Vp8Descriptor {
  bool extended = false;             // X
  bool non_reference = false;        // N: the frame can be discarded
  bool start_of_partition = false;   // S
  std::uint8_t partition_index = 0;  // PID, 3 bits
  // I: 7- or 15-bit PictureID (M bit), kept with its width.
  std::optional<std::uint16_t> picture_id;
  bool picture_id_15bit = false;
  std::optional<std::uint8_t> tl0_pic_idx;  // L
  std::optional<std::uint8_t> tid;          // T: temporal layer index, 2 bits
  bool layer_sync = false;                  // Y, meaningful when tid is present
  std::optional<std::uint8_t> key_idx;      // K: 5 bits
  // Descriptor length in bytes: the VP8 payload starts here.
  std::size_t size = 0;

  // Offsets in the payload, for the in-place rewrites.
  std::size_t picture_id_offset = 0;
  std::size_t tl0_pic_idx_offset = 0;
};

// RFC 7741 §4.2. Errors: vp8_truncated (a field the flags announce is
// missing, or no VP8 payload follows the descriptor).
Expected<Vp8Descriptor> parse_vp8_descriptor(std::span<const std::uint8_t> payload);

// RFC 7741 §4.3: the first packet of a keyframe has S=1 and PID=0, and the
// VP8 payload header that follows the descriptor has P (the inverse keyframe
// flag, lowest bit of its first byte) clear.
bool vp8_is_keyframe_start(const Vp8Descriptor& descriptor, std::span<const std::uint8_t> payload);

// Rewrite in place, keeping the field's width: a 7-bit PictureID takes the
// low 7 bits of `picture_id`, a 15-bit one the low 15. Errors:
// vp8_no_picture_id / vp8_no_tl0_pic_idx when the field is absent, and
// those of parse_vp8_descriptor.
Status rewrite_vp8_picture_id(std::span<std::uint8_t> payload, std::uint16_t picture_id);
Status rewrite_vp8_tl0_pic_idx(std::span<std::uint8_t> payload, std::uint8_t tl0_pic_idx);

}  // namespace parley::rtp
