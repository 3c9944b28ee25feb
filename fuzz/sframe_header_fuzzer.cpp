// Fuzz target for the SFrame header (RFC 9605 §4.3), src/sframe/header.h.
// Checks parse_header against a plain reference reading of the config byte,
// and that parse and encode are inverse: an accepted header re-encodes to
// exactly its own bytes, and any (KID, CTR) encodes to bytes that parse back
// to it. Anything else aborts.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "sframe/header.h"

namespace {

using namespace parley::sframe;

void check(bool ok) {
  if (!ok) std::abort();
}

// The reference: read X, K, Y, C and the values they announce, with no
// shortest-form rule; nothing shared with header.cpp.
struct Reference {
  bool complete = false;  // the bytes hold everything the config byte announces
  std::uint64_t kid = 0, ctr = 0;
  std::size_t size = 0;
  std::size_t kid_bytes = 0, ctr_bytes = 0;
};

Reference reference(std::span<const std::uint8_t> data) {
  Reference r;
  if (data.empty()) return r;
  const unsigned x = data[0] >> 7, k = (data[0] >> 4) & 7u, y = (data[0] >> 3) & 1u,
                 c = data[0] & 7u;
  r.kid_bytes = x ? k + 1 : 0;
  r.ctr_bytes = y ? c + 1 : 0;
  r.size = 1 + r.kid_bytes + r.ctr_bytes;
  if (data.size() < r.size) return r;
  r.complete = true;
  r.kid = x ? 0 : k;
  r.ctr = y ? 0 : c;
  for (std::size_t i = 0; i < r.kid_bytes; ++i) r.kid = r.kid * 256 + data[1 + i];
  for (std::size_t i = 0; i < r.ctr_bytes; ++i) r.ctr = r.ctr * 256 + data[1 + r.kid_bytes + i];
  return r;
}

// Bytes of the shortest big-endian form of v, 0 for v < 8.
std::size_t shortest(std::uint64_t v) {
  if (v < 8) return 0;
  std::size_t n = 0;
  for (std::uint64_t rest = v; rest != 0; rest >>= 8) ++n;
  return n;
}

void round_trip(std::uint64_t kid, std::uint64_t ctr) {
  std::array<std::uint8_t, kMaxHeaderSize + 1> out{};
  out.back() = 0xA5;
  auto n = encode_header(kid, ctr, std::span(out.data(), kMaxHeaderSize));
  check(n.ok());
  check(*n == header_size(kid, ctr) && *n >= 1 && *n <= kMaxHeaderSize);
  check(*n == 1 + shortest(kid) + shortest(ctr));
  check(out.back() == 0xA5);
  auto h = parse_header(std::span(out.data(), *n));
  check(h.ok() && h->kid == kid && h->ctr == ctr && h->size == *n);
  // One byte short is refused.
  if (*n > 1) check(!encode_header(kid, ctr, std::span(out.data(), *n - 1)).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const Reference ref = reference(input);
  auto h = parse_header(input);
  if (!ref.complete) {
    check(!h.ok() && h.error().code == "sframe_truncated");
  } else if (shortest(ref.kid) != ref.kid_bytes || shortest(ref.ctr) != ref.ctr_bytes) {
    check(!h.ok() && h.error().code == "sframe_bad_header");
  } else {
    check(h.ok());
    check(h->kid == ref.kid && h->ctr == ref.ctr && h->size == ref.size);
    // Re-encoding gives back exactly the bytes parsed.
    std::array<std::uint8_t, kMaxHeaderSize> out{};
    auto n = encode_header(h->kid, h->ctr, out);
    check(n.ok() && *n == h->size && std::memcmp(out.data(), data, *n) == 0);
  }
  // The input read as a (KID, CTR) pair: encode, then parse back.
  std::uint64_t kid = 0, ctr = 0;
  std::memcpy(&kid, data, std::min<std::size_t>(size, 8));
  if (size > 8) std::memcpy(&ctr, data + 8, std::min<std::size_t>(size - 8, 8));
  round_trip(kid, ctr);
  round_trip(kid >> (kid & 63), ctr >> (ctr & 63));  // small values as often as large
  return 0;
}
