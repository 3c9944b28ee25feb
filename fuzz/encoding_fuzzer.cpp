// Fuzz target for the small wire decoders: base64url (keys, signatures),
// lowercase hex (hashes, ids) and RFC 3339 UTC instants. Each accepted input
// must re-encode to exactly itself: one spelling per value, which signed
// documents rely on.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "common/time.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto b = parley::base64url_decode(text)) {
    if (parley::base64url_encode(*b) != text) std::abort();
  }
  if (auto h = parley::hex_decode(text)) {
    if (parley::hex_encode(*h) != text) std::abort();
  }
  if (auto t = parley::parse_utc(text)) {
    if (parley::format_utc(*t) != text) std::abort();
  }
  return 0;
}
