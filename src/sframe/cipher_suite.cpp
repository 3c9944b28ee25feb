#include "sframe/cipher_suite.h"

#include <array>
#include <cstdlib>

namespace parley::sframe {

namespace {

// RFC 9605 §4.5, Table 1, in the order of the §8.1 registry; then
// draft-barnes-sframe-iana-256's AES-256-CTR + HMAC-SHA-512 suites, whose
// constants follow §4.5.1 with AES-256 (Nka 32) and SHA-512 (Nh 64).
constexpr std::array<SuiteInfo, 8> kSuites{{
    {CipherSuite::kAes128CtrHmacSha256_80, "AES_128_CTR_HMAC_SHA256_80", AeadKind::kAesCtrHmac,
     HashKind::kSha256, 32, 16, 48, 12, 10},
    {CipherSuite::kAes128CtrHmacSha256_64, "AES_128_CTR_HMAC_SHA256_64", AeadKind::kAesCtrHmac,
     HashKind::kSha256, 32, 16, 48, 12, 8},
    {CipherSuite::kAes128CtrHmacSha256_32, "AES_128_CTR_HMAC_SHA256_32", AeadKind::kAesCtrHmac,
     HashKind::kSha256, 32, 16, 48, 12, 4},
    {CipherSuite::kAes128GcmSha256_128, "AES_128_GCM_SHA256_128", AeadKind::kAesGcm,
     HashKind::kSha256, 32, 16, 16, 12, 16},
    {CipherSuite::kAes256GcmSha512_128, "AES_256_GCM_SHA512_128", AeadKind::kAesGcm,
     HashKind::kSha512, 64, 32, 32, 12, 16},
    {CipherSuite::kAes256CtrHmacSha512_80, "AES_256_CTR_HMAC_SHA512_80", AeadKind::kAesCtrHmac,
     HashKind::kSha512, 64, 32, 96, 12, 10},
    {CipherSuite::kAes256CtrHmacSha512_64, "AES_256_CTR_HMAC_SHA512_64", AeadKind::kAesCtrHmac,
     HashKind::kSha512, 64, 32, 96, 12, 8},
    {CipherSuite::kAes256CtrHmacSha512_32, "AES_256_CTR_HMAC_SHA512_32", AeadKind::kAesCtrHmac,
     HashKind::kSha512, 64, 32, 96, 12, 4},
}};

constexpr bool consistent() {
  for (const SuiteInfo& s : kSuites) {
    const std::size_t nk = s.aead == AeadKind::kAesGcm ? s.nka : s.nka + s.nh;
    if (s.nk != nk || s.nk > kMaxKeySize || s.nn != kNonceSize || s.nt > kMaxTagSize) return false;
    if (s.nh != (s.hash == HashKind::kSha256 ? 32u : 64u)) return false;
  }
  return true;
}
static_assert(consistent(), "cipher suite table out of line with §4.5");

}  // namespace

std::span<const SuiteInfo> supported_suites() {
  return kSuites;
}

const SuiteInfo* find_suite(std::uint16_t value) {
  for (const SuiteInfo& s : kSuites) {
    if (static_cast<std::uint16_t>(s.id) == value) return &s;
  }
  return nullptr;
}

const SuiteInfo& suite_info(CipherSuite suite) {
  const SuiteInfo* s = find_suite(static_cast<std::uint16_t>(suite));
  if (s == nullptr) std::abort();  // not an enumerator: a programming error
  return *s;
}

}  // namespace parley::sframe
