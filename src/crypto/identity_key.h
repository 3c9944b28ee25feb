#pragma once
// Ed25519 identity keys (RFC 8032) through libsodium. A member's secret key
// is made on their own device and never leaves it; the server only ever sees
// public keys and verifies signatures.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/encoding.h"

namespace parley::crypto {

constexpr std::size_t kPublicKeyBytes = 32;
constexpr std::size_t kSignatureBytes = 64;
constexpr std::size_t kSeedBytes = 32;

using PublicKey = std::array<std::uint8_t, kPublicKeyBytes>;
using Signature = std::array<std::uint8_t, kSignatureBytes>;

// Calls sodium_init() once; aborts if libsodium cannot start (no entropy).
void init();

class SecretKey {
 public:
  static SecretKey generate();
  static std::optional<SecretKey> from_seed(std::span<const std::uint8_t> seed);
  ~SecretKey();
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&&) noexcept;
  SecretKey& operator=(SecretKey&&) noexcept;

  const PublicKey& public_key() const { return pk_; }
  std::span<const std::uint8_t> seed() const { return {sk_.data(), kSeedBytes}; }
  Signature sign(std::span<const std::uint8_t> message) const;

 private:
  SecretKey() = default;
  std::array<std::uint8_t, 64> sk_{};  // libsodium layout: seed || public key
  PublicKey pk_{};
};

// Rejects small-order and non-canonical points as libsodium does.
bool verify(const PublicKey& key, std::span<const std::uint8_t> message, const Signature& sig);

std::optional<PublicKey> parse_public_key(std::string_view b64url);
std::optional<Signature> parse_signature(std::string_view b64url);
inline std::string encode(std::span<const std::uint8_t> b) { return base64url_encode(b); }

// Random bytes from the OS CSPRNG, hex encoded: ids, nonces, tokens.
std::string random_hex(std::size_t bytes);

}  // namespace parley::crypto
