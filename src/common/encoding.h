#pragma once
// Byte encodings used on the wire: base64url without padding (RFC 4648 §5)
// for keys and signatures, lowercase hex for hashes and ids.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

using Bytes = std::vector<std::uint8_t>;

std::string base64url_encode(std::span<const std::uint8_t> data);
// Strict: rejects padding, characters outside the alphabet, and non-zero
// trailing bits, so every byte string has exactly one accepted encoding.
std::optional<Bytes> base64url_decode(std::string_view text);

// Text made safe inside XML or HTML markup and attribute values: & < > " '
// become character references.
std::string markup_escape(std::string_view text);

std::string hex_encode(std::span<const std::uint8_t> data);
// "AB:CD:...": the form in which browsers and OpenSSL show certificate fingerprints.
std::string fingerprint_text(std::span<const std::uint8_t> digest);
std::optional<Bytes> hex_decode(std::string_view text);

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace parley
