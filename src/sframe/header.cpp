#include "sframe/header.h"

namespace parley::sframe {

namespace {

// RFC 9605 §4.3, the config byte:
//   0 1 2 3 4 5 6 7
//  +-+-+-+-+-+-+-+-+
//  |X|  K  |Y|  C  |
//  +-+-+-+-+-+-+-+-+
constexpr std::uint8_t kExtendedKid = 0x80;  // X
constexpr std::uint8_t kExtendedCtr = 0x08;  // Y
constexpr int kKidShift = 4;                 // K: bits 1-3
constexpr std::uint8_t kField = 0x07;        // K or C, 3 bits

// Bytes needed for a value in the extended form (1 to 8), or 0 when it fits
// the 3-bit field of the config byte.
std::size_t extended_size(std::uint64_t v) {
  if (v < 8) return 0;
  std::size_t n = 1;
  while (n < 8 && (v >> (8 * n)) != 0) ++n;
  return n;
}

void write_be(std::uint8_t* p, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}

std::uint64_t read_be(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::size_t header_size(std::uint64_t kid, std::uint64_t ctr) {
  return 1 + extended_size(kid) + extended_size(ctr);
}

Expected<std::size_t> encode_header(std::uint64_t kid, std::uint64_t ctr,
                                    std::span<std::uint8_t> out) {
  const std::size_t kid_size = extended_size(kid);
  const std::size_t ctr_size = extended_size(ctr);
  const std::size_t size = 1 + kid_size + ctr_size;
  if (out.size() < size)
    return make_error("sframe_buffer_too_small", "no room for the SFrame header");
  // §4.3: a value 0-7 goes in K or C with its flag clear; otherwise the flag
  // is set, the field holds the length minus one, and the value follows,
  // KID first and CTR second.
  std::uint8_t config = 0;
  if (kid_size == 0) {
    config |= static_cast<std::uint8_t>(kid << kKidShift);
  } else {
    config |= kExtendedKid | static_cast<std::uint8_t>((kid_size - 1) << kKidShift);
  }
  if (ctr_size == 0) {
    config |= static_cast<std::uint8_t>(ctr);
  } else {
    config |= kExtendedCtr | static_cast<std::uint8_t>(ctr_size - 1);
  }
  out[0] = config;
  write_be(out.data() + 1, kid, kid_size);
  write_be(out.data() + 1 + kid_size, ctr, ctr_size);
  return size;
}

Expected<Header> parse_header(std::span<const std::uint8_t> data) {
  if (data.empty()) return make_error("sframe_truncated", "empty SFrame ciphertext");
  const std::uint8_t config = data[0];
  const std::uint8_t k = (config >> kKidShift) & kField;
  const std::uint8_t c = config & kField;
  const std::size_t kid_size = (config & kExtendedKid) ? k + 1u : 0u;
  const std::size_t ctr_size = (config & kExtendedCtr) ? c + 1u : 0u;
  Header h;
  h.size = 1 + kid_size + ctr_size;
  if (data.size() < h.size)
    return make_error("sframe_truncated", "SFrame header longer than the data");
  h.kid = kid_size ? read_be(data.data() + 1, kid_size) : k;
  h.ctr = ctr_size ? read_be(data.data() + 1 + kid_size, ctr_size) : c;
  // §4.3: the extended form is used only for values of 8 and up, in the
  // fewest bytes. Refusing other forms keeps one encoding per header, so the
  // bytes authenticated as AAD are exactly what encode_header() produces.
  if (extended_size(h.kid) != kid_size)
    return make_error("sframe_bad_header", "KID not in its shortest encoding");
  if (extended_size(h.ctr) != ctr_size)
    return make_error("sframe_bad_header", "CTR not in its shortest encoding");
  return h;
}

}  // namespace parley::sframe
