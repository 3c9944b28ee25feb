#pragma once
// Internal to src/sframe: how output buffers may relate to inputs. Pointers
// into unrelated objects are compared with std::less, which gives them a
// total order.

#include <cstdint>
#include <functional>
#include <span>

namespace parley::sframe::detail {

inline bool points_into(std::span<const std::uint8_t> s, const std::uint8_t* p) {
  const std::less<const std::uint8_t*> lt;
  return !lt(p, s.data()) && lt(p, s.data() + s.size());
}

// The two share no byte.
inline bool disjoint(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.empty() || b.empty()) return true;
  return !points_into(a, b.data()) && !points_into(b, a.data());
}

// `out` either starts exactly where `in` does (in place) or shares no byte.
inline bool in_place_or_disjoint(std::span<const std::uint8_t> in,
                                 std::span<const std::uint8_t> out) {
  return in.empty() || out.empty() || in.data() == out.data() || disjoint(in, out);
}

}  // namespace parley::sframe::detail
