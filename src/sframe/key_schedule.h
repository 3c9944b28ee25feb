#pragma once
// SFrame key derivation (RFC 9605 §4.4.2): from a base_key, with HKDF
// (RFC 5869) on the suite's hash,
//   sframe_secret = HKDF-Extract("", base_key)
//   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  + KID + cipher_suite, Nk)
//   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " + KID + cipher_suite, Nn)
// where KID is an 8-byte and cipher_suite a 2-byte big-endian integer.
// Intermediate secrets live in fixed-size buffers that are wiped when they
// go out of scope.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.h"
#include "sframe/cipher_suite.h"

namespace parley::sframe {

inline constexpr std::size_t kKeyLabelSize = 32;   // 22 + 8 + 2
inline constexpr std::size_t kSaltLabelSize = 33;  // 23 + 8 + 2
inline constexpr std::size_t kMaxHashSize = 64;

std::array<std::uint8_t, kKeyLabelSize> sframe_key_label(CipherSuite suite, std::uint64_t kid);
std::array<std::uint8_t, kSaltLabelSize> sframe_salt_label(CipherSuite suite, std::uint64_t kid);

// Bytes of secret material, wiped on destruction.
template <std::size_t N>
class SecretBytes {
 public:
  SecretBytes() = default;
  SecretBytes(const SecretBytes& other) : bytes_(other.bytes_), size_(other.size_) {}
  SecretBytes& operator=(const SecretBytes& other) {
    bytes_ = other.bytes_;
    size_ = other.size_;
    return *this;
  }
  ~SecretBytes() { wipe(bytes_.data(), bytes_.size()); }

  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size_}; }
  std::span<std::uint8_t> resize(std::size_t n) {
    size_ = n;
    return {bytes_.data(), n};
  }

 private:
  static void wipe(void* p, std::size_t n);
  std::array<std::uint8_t, N> bytes_{};
  std::size_t size_ = 0;
};

struct KeyAndSalt {
  SecretBytes<kMaxKeySize> key;  // sframe_key, Nk bytes
  std::array<std::uint8_t, kNonceSize> salt{};
};

// HKDF-Extract("", base_key) with the suite's hash: Nh bytes.
// sframe_bad_key for an empty base_key; sframe_crypto_failure if OpenSSL fails.
Expected<SecretBytes<kMaxHashSize>> sframe_secret(const SuiteInfo& suite,
                                                  std::span<const std::uint8_t> base_key);

// derive_key_salt(KID, base_key) of §4.4.2. Errors as sframe_secret.
Expected<KeyAndSalt> derive_key_salt(const SuiteInfo& suite, std::uint64_t kid,
                                     std::span<const std::uint8_t> base_key);

}  // namespace parley::sframe
