#pragma once
// Helpers for the rtp unit tests: packets are written out as hex, byte by
// byte, the way the RFC figures lay them out.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parley::rtp::test {

using Bytes = std::vector<std::uint8_t>;

// "80 60 12 34": whitespace and '|' between bytes are ignored.
inline Bytes hex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Bytes out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '|') continue;
    const int v = nibble(c);
    if (v < 0) throw std::invalid_argument("bad hex in test data");
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd hex in test data");
  return out;
}

inline std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < size; ++i) {
    if (i) s += ' ';
    s += digits[data[i] >> 4];
    s += digits[data[i] & 15];
  }
  return s;
}

inline std::string to_hex(const Bytes& b) {
  return to_hex(b.data(), b.size());
}

}  // namespace parley::rtp::test
