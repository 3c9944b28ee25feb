#pragma once
// The SFrame header (RFC 9605 §4.3): a config byte, then the key id (KID)
// and the counter (CTR), each a compact big-endian unsigned integer of up to
// 64 bits. Values 0-7 sit in the config byte itself; larger ones follow it in
// as few bytes as they need.
//
// parse_header() reads a header where it lies, at the start of an SFrame
// ciphertext, and allocates nothing when it succeeds (a refusal carries an
// Error, whose strings allocate). encode_header() writes into a buffer the
// caller provides. Every (KID, CTR) pair has exactly one encoding, and the
// parser accepts only that one (see parse_header), so parse and encode are
// inverse.

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.h"

namespace parley::sframe {

// Config byte + 8 bytes of KID + 8 bytes of CTR.
inline constexpr std::size_t kMaxHeaderSize = 17;

struct Header {
  std::uint64_t kid = 0;
  std::uint64_t ctr = 0;
  std::size_t size = 0;  // bytes the encoded header takes, 1 to 17
};

// The size of the encoding of (kid, ctr).
std::size_t header_size(std::uint64_t kid, std::uint64_t ctr);

// Writes the §4.3 encoding of (kid, ctr) at the start of `out` and returns
// its size; sframe_buffer_too_small when `out` is shorter than that.
Expected<std::size_t> encode_header(std::uint64_t kid, std::uint64_t ctr,
                                    std::span<std::uint8_t> out);

// Reads the header at the start of `data`; the bytes after it (header.size
// onwards) are the ciphertext. Errors:
//  - sframe_truncated: empty, or shorter than the config byte says;
//  - sframe_bad_header: a value in the extended form that is not in the
//    fewest bytes (§4.3: "the value MUST be encoded with the minimum number
//    of bytes required"), i.e. a value below 8 or a leading zero byte.
Expected<Header> parse_header(std::span<const std::uint8_t> data);

}  // namespace parley::sframe
