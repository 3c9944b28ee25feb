#pragma once
// SFrame cipher suites (RFC 9605 §4.5 and the §8.1 registry), plus the
// AES-256 forms of the AES-CTR + HMAC construction that
// draft-barnes-sframe-iana-256 registers as 0x0006-0x0008 (their test
// vectors are in the RFC 9605 vectors file the project checks against).
//
// A suite fixes the hash used by HKDF (§4.4.2) and the AEAD used on frames:
// AES-GCM, or AES-CTR with a truncated HMAC tag (§4.5.1). The constants
// carry the RFC's names: Nh hash output, Nka AES key inside a compound key,
// Nk AEAD key, Nn nonce, Nt tag (all in bytes).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace parley::sframe {

enum class CipherSuite : std::uint16_t {
  kAes128CtrHmacSha256_80 = 0x0001,
  kAes128CtrHmacSha256_64 = 0x0002,
  kAes128CtrHmacSha256_32 = 0x0003,
  kAes128GcmSha256_128 = 0x0004,
  kAes256GcmSha512_128 = 0x0005,
  // draft-barnes-sframe-iana-256; not in RFC 9605 itself.
  kAes256CtrHmacSha512_80 = 0x0006,
  kAes256CtrHmacSha512_64 = 0x0007,
  kAes256CtrHmacSha512_32 = 0x0008,
};

// The suite Parley uses unless a session says otherwise: full 16-byte tags
// (RFC 9605 §7.5 on the risks of short ones) and AES-GCM, which costs the
// least per byte on machines with AES-NI.
inline constexpr CipherSuite kDefaultCipherSuite = CipherSuite::kAes128GcmSha256_128;

enum class AeadKind : std::uint8_t { kAesGcm, kAesCtrHmac };
enum class HashKind : std::uint8_t { kSha256, kSha512 };

struct SuiteInfo {
  CipherSuite id;
  std::string_view name;  // as in the registry, e.g. "AES_128_GCM_SHA256_128"
  AeadKind aead;
  HashKind hash;
  std::size_t nh;   // hash output size
  std::size_t nka;  // AES key size (the whole key for GCM)
  std::size_t nk;   // AEAD key size: nka for GCM, nka + nh for CTR + HMAC
  std::size_t nn;   // nonce size
  std::size_t nt;   // tag size
};

// The largest Nk and Nt of the suites above, for fixed-size buffers.
inline constexpr std::size_t kMaxKeySize = 96;
inline constexpr std::size_t kNonceSize = 12;
inline constexpr std::size_t kMaxTagSize = 16;

// Every suite this module implements, in registry order.
std::span<const SuiteInfo> supported_suites();

// The suite with this registry value, or nullptr when it is not one we
// implement (0x0000 is reserved, 0xF000-0xFFFF are private use).
const SuiteInfo* find_suite(std::uint16_t value);

// The constants of a suite. `suite` must be one of the enumerators above;
// anything else is a programming error and aborts.
const SuiteInfo& suite_info(CipherSuite suite);

}  // namespace parley::sframe
