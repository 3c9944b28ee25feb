#pragma once
// The AEAD of an SFrame cipher suite, keyed once and used for many frames:
// AES-GCM, or the AES-CTR + HMAC construction of RFC 9605 §4.5.1, on top of
// OpenSSL 3 (EVP). The OpenSSL contexts are set up with the key when the
// AeadKey is made; each frame only sets a nonce. Sealing and opening
// allocate nothing with AES-GCM; with AES-CTR + HMAC, OpenSSL 3.0's HMAC
// makes two small allocations per frame (it duplicates its keyed digest
// state on re-initialisation and on finalisation), which we cannot avoid
// short of writing HMAC ourselves.
//
// An AeadKey is not thread-safe (its contexts change with every call): each
// thread, in Parley each media worker or browser-side peer, has its own.

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/error.h"
#include "sframe/cipher_suite.h"

namespace parley::sframe {

// Bounds on what one call takes, so every length fits OpenSSL's int
// arguments: far above any media frame.
inline constexpr std::size_t kMaxAeadInputSize = std::size_t{1} << 30;

class AeadKey {
 public:
  // `key` is the suite's Nk bytes: for AES-CTR + HMAC, the AES key followed
  // by the HMAC key (§4.5.1 derive_subkeys). Errors: sframe_bad_key (wrong
  // size), sframe_crypto_failure (OpenSSL refused, e.g. a provider missing).
  static Expected<AeadKey> create(const SuiteInfo& suite, std::span<const std::uint8_t> key);

  AeadKey(AeadKey&&) noexcept;
  AeadKey& operator=(AeadKey&&) noexcept;
  ~AeadKey();

  const SuiteInfo& suite() const { return *suite_; }

  // AEAD.Encrypt(key, nonce, aad, pt) with aad = aad_head || aad_tail (the
  // SFrame header and the metadata, passed apart so neither is copied).
  // Writes the ciphertext and then the Nt-byte tag: pt.size() + Nt bytes at
  // the start of `out`. `out` may begin exactly at pt.data() (in place) but
  // must not overlap it otherwise, nor overlap the AAD. Errors:
  // sframe_buffer_too_small, sframe_too_large, sframe_bad_argument (overlap),
  // sframe_crypto_failure.
  Status seal(std::span<const std::uint8_t, kNonceSize> nonce,
              std::span<const std::uint8_t> aad_head, std::span<const std::uint8_t> aad_tail,
              std::span<const std::uint8_t> pt, std::span<std::uint8_t> out);

  // AEAD.Decrypt: `ct` is ciphertext || tag. Checks the tag (in constant
  // time) and writes the ct.size() - Nt plaintext bytes at the start of
  // `out`, returning that size. On sframe_auth_failed nothing of the
  // plaintext is left in `out`. Same overlap rules as seal. Errors:
  // sframe_truncated (shorter than a tag), sframe_auth_failed, and those of
  // seal.
  Expected<std::size_t> open(std::span<const std::uint8_t, kNonceSize> nonce,
                             std::span<const std::uint8_t> aad_head,
                             std::span<const std::uint8_t> aad_tail,
                             std::span<const std::uint8_t> ct, std::span<std::uint8_t> out);

  struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const;
  };
  struct MacCtxFree {
    void operator()(EVP_MAC_CTX* ctx) const;
  };

 private:
  explicit AeadKey(const SuiteInfo& suite) : suite_(&suite) {}

  // §4.5.1 compute_tag: the full HMAC into `tag` (Nh bytes).
  bool hmac(std::span<const std::uint8_t, kNonceSize> nonce, std::span<const std::uint8_t> aad_head,
            std::span<const std::uint8_t> aad_tail, std::span<const std::uint8_t> ct,
            std::uint8_t* tag);
  // AES-CTR from the initial counter nonce || 0x00000000.
  bool ctr_crypt(std::span<const std::uint8_t, kNonceSize> nonce, std::span<const std::uint8_t> in,
                 std::uint8_t* out);

  const SuiteInfo* suite_;
  // AES-GCM: one context per direction. AES-CTR + HMAC: `seal_` does the
  // counter mode both ways and `mac_` holds the HMAC key.
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> seal_;
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> open_;
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> mac_;
};

}  // namespace parley::sframe
