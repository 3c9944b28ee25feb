#pragma once
// The cryptographic pieces of SRTP and SRTCP (srtp.h), on OpenSSL's
// libcrypto: the RFC 3711 §4.3 key derivation, AES in counter mode (§4.1.1),
// HMAC-SHA1 (§4.2.1) and AES-GCM (RFC 7714). Each is keyed once, when a
// session starts, and reused for every packet without allocating: OpenSSL's
// EVP cipher contexts take a new IV on a keyed context for free.
//
// HMAC-SHA1 is the exception to EVP. OpenSSL 3.0 duplicates the provider's
// digest context on every HMAC or digest re-initialisation (one heap
// allocation per init, two per HMAC, measured), so the HMAC here keeps the
// SHA-1 states after the padded key blocks (RFC 2104 §2) and copies them by
// value per packet through the low-level SHA1_* functions. Same SHA-NI code
// underneath, no allocation, no lock.
//
// Internal to src/media; the tests use it for the RFCs' session-key vectors.

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/error.h"

namespace parley::media::srtp_detail {

using Block = std::array<std::uint8_t, 16>;
using GcmIv = std::array<std::uint8_t, 12>;

inline constexpr std::size_t kMasterKeySize = 16;  // AES-128 in both profiles
inline constexpr std::size_t kCmSaltSize = 14;     // RFC 3711 §8.2: 112-bit salt
inline constexpr std::size_t kGcmSaltSize = 12;    // RFC 7714 §12: 96-bit salt
inline constexpr std::size_t kAuthKeySize = 20;    // RFC 3711 §5.2: 160-bit HMAC key
inline constexpr std::size_t kCmTagSize = 10;      // HMAC-SHA1 truncated to 80 bits
inline constexpr std::size_t kGcmTagSize = 16;     // RFC 7714 §13.2: the full tag

// RFC 3711 §4.3.1 key derivation labels.
enum class KdfLabel : std::uint8_t {
  rtp_encryption = 0x00,
  rtp_auth = 0x01,
  rtp_salt = 0x02,
  rtcp_encryption = 0x03,
  rtcp_auth = 0x04,
  rtcp_salt = 0x05,
};

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }  // cleanses the key schedule
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// AES-128 in counter mode, keyed once.
class AesCtr {
 public:
  static Expected<AesCtr> create(std::span<const std::uint8_t, 16> key);
  // XORs the keystream that starts at counter block `iv` into `data`, which
  // both encrypts and decrypts. False only if OpenSSL fails.
  bool apply(const Block& iv, std::span<std::uint8_t> data);

 private:
  AesCtr() = default;
  CipherCtx ctx_;
};

// HMAC-SHA1 (RFC 2104) under one key of at most 64 bytes.
class HmacSha1 {
 public:
  explicit HmacSha1(std::span<const std::uint8_t> key);
  ~HmacSha1();
  HmacSha1(const HmacSha1&) = default;
  HmacSha1& operator=(const HmacSha1&) = default;
  // The MAC of `a` followed by `b`.
  std::array<std::uint8_t, 20> mac(std::span<const std::uint8_t> a,
                                   std::span<const std::uint8_t> b) const;

 private:
  SHA_CTX inner_{};  // after H(K xor ipad)'s first block
  SHA_CTX outer_{};  // after H(K xor opad)'s first block
};

// AES-128-GCM, keyed once, sealing and opening with a 16-byte tag.
class AesGcm {
 public:
  static Expected<AesGcm> create(std::span<const std::uint8_t, 16> key);
  // Encrypts `data` in place and writes the tag to `tag`. The associated
  // data is `aad1` followed by `aad2`.
  bool seal(const GcmIv& iv, std::span<const std::uint8_t> aad1, std::span<const std::uint8_t> aad2,
            std::span<std::uint8_t> data, std::uint8_t* tag);
  // Decrypts `data` in place if `tag` verifies. When it does not, `data` is
  // left exactly as it was and the result is false.
  bool open(const GcmIv& iv, std::span<const std::uint8_t> aad1, std::span<const std::uint8_t> aad2,
            std::span<std::uint8_t> data, const std::uint8_t* tag);
  // XORs the keystream that seal() and open() use for `iv` into `data`:
  // undoes an open() whose plaintext is then refused.
  bool xor_keystream(const GcmIv& iv, std::span<std::uint8_t> data);

 private:
  AesGcm() = default;
  CipherCtx seal_, open_;
};

// RFC 3711 §4.3.1 with key_derivation_rate 0 (r = 0) and the AES-CM PRF of
// §4.3.3: fills `out` with the session key, auth key or salt for `label`.
// The master salt is 14 bytes (RFC 3711) or 12 (RFC 7714 §11).
bool derive_session_key(std::span<const std::uint8_t, 16> master_key,
                        std::span<const std::uint8_t> master_salt, KdfLabel label,
                        std::span<std::uint8_t> out);

// RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), with
// the 48-bit SRTP packet index or the 31-bit SRTCP index (§3.4) as i.
Block cm_iv(std::span<const std::uint8_t, 14> session_salt, std::uint32_t ssrc,
            std::uint64_t index);

// RFC 7714 §8.1: 00 00 || SSRC || ROC || SEQ, XOR the 12-byte salt.
GcmIv gcm_rtp_iv(std::span<const std::uint8_t, 12> session_salt, std::uint32_t ssrc,
                 std::uint32_t roc, std::uint16_t seq);
// RFC 7714 §9.1: 00 00 || SSRC || 00 00 || 0 || SRTCP index, XOR the salt.
GcmIv gcm_rtcp_iv(std::span<const std::uint8_t, 12> session_salt, std::uint32_t ssrc,
                  std::uint32_t index);

}  // namespace parley::media::srtp_detail
