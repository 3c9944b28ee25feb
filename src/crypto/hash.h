#pragma once
// SHA-256 (FIPS 180-4) through libsodium: terms hashes and act chaining.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::crypto {

using Sha256 = std::array<std::uint8_t, 32>;

Sha256 sha256(std::span<const std::uint8_t> data);
std::string sha256_hex(std::string_view data);

// Constant-time comparison for secrets (tokens, codes).
bool equal_secret(std::string_view a, std::string_view b);

// A short form of a member's key that people can compare aloud (the call's
// participant list, the record's report): the first 8 bytes of SHA-256 of
// the base64url key text, as four groups of hex ("ab12 cd34 ef56 7890").
std::string key_fingerprint(std::string_view key_b64url);

}  // namespace parley::crypto
