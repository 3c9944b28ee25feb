// Fuzz target for the payload readings forwarding makes (media/track.h):
// where a keyframe starts in each payload format, and the size a VP8
// keyframe announces. The first byte picks the format; the rest is an RTP
// payload. Nothing may read outside it; a size must be one VP8 can express.

#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/track.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley::media;
  if (size == 0) return 0;
  auto format = static_cast<PayloadFormat>(data[0] % 5);
  std::span<const std::uint8_t> payload(data + 1, size - 1);
  bool key = is_keyframe_start(format, payload);
  if (auto s = vp8_keyframe_size(payload)) {
    if (s->first == 0 || s->second == 0 || s->first > 0x3FFF || s->second > 0x3FFF) std::abort();
    if (!is_keyframe_start(PayloadFormat::vp8, payload)) std::abort();  // only keyframes announce a size
  }
  (void)key;
  return 0;
}
