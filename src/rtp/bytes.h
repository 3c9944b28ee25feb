#pragma once
// Network-order reads and writes for the rtp module's parsers and builders.
// Internal to src/rtp: callers must have checked the bounds already; these
// only spell out the byte order once.

#include <cstddef>
#include <cstdint>

namespace parley::rtp::detail {

inline std::uint16_t read_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t read_u24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[2]};
}

inline std::uint32_t read_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

inline std::uint64_t read_u64(const std::uint8_t* p) {
  return (std::uint64_t{read_u32(p)} << 32) | read_u32(p + 4);
}

inline void write_u16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

inline void write_u24(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 16);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v);
}

inline void write_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

inline void write_u64(std::uint8_t* p, std::uint64_t v) {
  write_u32(p, static_cast<std::uint32_t>(v >> 32));
  write_u32(p + 4, static_cast<std::uint32_t>(v));
}

}  // namespace parley::rtp::detail
