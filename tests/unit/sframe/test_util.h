#pragma once
// Helpers for the sframe unit tests: byte strings written as hex, and the
// RFC 9605 vectors file (public RFC test data, tests/unit/sframe/).

#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "json/canonical.h"

namespace parley::sframe::test {

using Bytes = std::vector<std::uint8_t>;

// Lowercase hex; spaces between bytes are ignored.
inline Bytes hex(std::string_view text) {
  std::string compact;
  for (char c : text)
    if (c != ' ') compact += c;
  auto b = hex_decode(compact);
  if (!b) throw std::invalid_argument("bad hex in test data");
  return *b;
}

inline std::string to_hex(std::span<const std::uint8_t> b) {
  return hex_encode(b);
}

// The vectors file, read with nlohmann::json (the type parley_json uses)
// rather than json::parse_strict: its KID and CTR values go up to 2^64 - 1,
// outside the ±(2^53 - 1) that Parley's signed JSON allows.
inline const json::Json& vectors() {
  static const json::Json v = [] {
    std::ifstream in(PARLEY_SFRAME_VECTORS);
    if (!in) throw std::runtime_error("cannot read " PARLEY_SFRAME_VECTORS);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return json::Json::parse(text);
  }();
  return v;
}

inline Bytes hex_at(const json::Json& v, const char* name) {
  return hex(v.at(name).get<std::string>());
}

}  // namespace parley::sframe::test
