#include "sframe/aead.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "sframe/overlap.h"

namespace parley::sframe {

namespace {

// Algorithms fetched once (thread-safe static initialisation) and never
// modified afterwards: fetching per call is what makes OpenSSL 3 slow.
EVP_CIPHER* fetch_cipher(const char* name) {
  return EVP_CIPHER_fetch(nullptr, name, nullptr);
}

EVP_CIPHER* cipher_for(const SuiteInfo& suite) {
  static EVP_CIPHER* const aes128_gcm = fetch_cipher("AES-128-GCM");
  static EVP_CIPHER* const aes256_gcm = fetch_cipher("AES-256-GCM");
  static EVP_CIPHER* const aes128_ctr = fetch_cipher("AES-128-CTR");
  static EVP_CIPHER* const aes256_ctr = fetch_cipher("AES-256-CTR");
  const bool gcm = suite.aead == AeadKind::kAesGcm;
  if (suite.nka == 16) return gcm ? aes128_gcm : aes128_ctr;
  if (suite.nka == 32) return gcm ? aes256_gcm : aes256_ctr;
  return nullptr;
}

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

Error crypto_failure(const char* what) {
  return make_error("sframe_crypto_failure", what);
}

void write_be64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

// Argument checks shared by seal and open: `in` goes to `out`.
Status check_arguments(std::span<const std::uint8_t> aad_head,
                       std::span<const std::uint8_t> aad_tail, std::span<const std::uint8_t> in,
                       std::span<const std::uint8_t> out) {
  if (in.size() > kMaxAeadInputSize || aad_head.size() > kMaxAeadInputSize ||
      aad_tail.size() > kMaxAeadInputSize)
    return make_error("sframe_too_large", "frame or metadata above the AEAD size limit");
  if (!detail::in_place_or_disjoint(in, out) || !detail::disjoint(aad_head, out) ||
      !detail::disjoint(aad_tail, out))
    return make_error("sframe_bad_argument", "output overlaps the input other than in place");
  return ok_status();
}

}  // namespace

void AeadKey::CipherCtxFree::operator()(EVP_CIPHER_CTX* ctx) const {
  EVP_CIPHER_CTX_free(ctx);  // cleanses the key schedule
}
void AeadKey::MacCtxFree::operator()(EVP_MAC_CTX* ctx) const {
  EVP_MAC_CTX_free(ctx);  // cleanses the HMAC key
}

AeadKey::AeadKey(AeadKey&&) noexcept = default;
AeadKey& AeadKey::operator=(AeadKey&&) noexcept = default;
AeadKey::~AeadKey() = default;

Expected<AeadKey> AeadKey::create(const SuiteInfo& suite, std::span<const std::uint8_t> key) {
  if (key.size() != suite.nk) return make_error("sframe_bad_key", "AEAD key of the wrong size");
  EVP_CIPHER* cipher = cipher_for(suite);
  if (cipher == nullptr) return crypto_failure("AES is not available from OpenSSL");
  AeadKey k(suite);
  // §4.5.1 derive_subkeys: the AES key is the first Nka bytes, the HMAC key
  // the remaining Nh. For AES-GCM the whole key is the AES key (Nk = Nka).
  const std::uint8_t* aes_key = key.data();
  k.seal_.reset(EVP_CIPHER_CTX_new());
  if (!k.seal_ || EVP_EncryptInit_ex2(k.seal_.get(), cipher, aes_key, nullptr, nullptr) != 1)
    return crypto_failure("cannot key the AES context");
  if (suite.aead == AeadKind::kAesGcm) {
    k.open_.reset(EVP_CIPHER_CTX_new());
    if (!k.open_ || EVP_DecryptInit_ex2(k.open_.get(), cipher, aes_key, nullptr, nullptr) != 1)
      return crypto_failure("cannot key the AES context");
    // The nonce is Nn = 12 bytes, OpenSSL's default IV length for GCM.
    if (EVP_CIPHER_CTX_get_iv_length(k.seal_.get()) != static_cast<int>(kNonceSize))
      return crypto_failure("unexpected AES-GCM IV length");
    return k;
  }
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return crypto_failure("HMAC is not available from OpenSSL");
  k.mac_.reset(EVP_MAC_CTX_new(mac));
  char digest[] = "SHA256";
  char digest512[] = "SHA512";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       suite.hash == HashKind::kSha256 ? digest : digest512, 0),
      OSSL_PARAM_construct_end(),
  };
  if (!k.mac_ || EVP_MAC_init(k.mac_.get(), key.data() + suite.nka, suite.nh, params) != 1 ||
      EVP_MAC_CTX_get_mac_size(k.mac_.get()) != suite.nh)
    return crypto_failure("cannot key the HMAC context");
  return k;
}

bool AeadKey::hmac(std::span<const std::uint8_t, kNonceSize> nonce,
                   std::span<const std::uint8_t> aad_head, std::span<const std::uint8_t> aad_tail,
                   std::span<const std::uint8_t> ct, std::uint8_t* tag) {
  // §4.5.1 compute_tag: HMAC(auth_key, aad_len || ct_len || tag_len ||
  // nonce || aad || ct), each length an 8-byte big-endian integer.
  std::array<std::uint8_t, 24> lengths{};
  write_be64(lengths.data(), aad_head.size() + aad_tail.size());
  write_be64(lengths.data() + 8, ct.size());
  write_be64(lengths.data() + 16, suite_->nt);
  EVP_MAC_CTX* m = mac_.get();
  std::size_t out_size = 0;
  // A null key re-initialises with the key given at create(): no allocation.
  return EVP_MAC_init(m, nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(m, lengths.data(), lengths.size()) == 1 &&
         EVP_MAC_update(m, nonce.data(), nonce.size()) == 1 &&
         (aad_head.empty() || EVP_MAC_update(m, aad_head.data(), aad_head.size()) == 1) &&
         (aad_tail.empty() || EVP_MAC_update(m, aad_tail.data(), aad_tail.size()) == 1) &&
         (ct.empty() || EVP_MAC_update(m, ct.data(), ct.size()) == 1) &&
         EVP_MAC_final(m, tag, &out_size, suite_->nh) == 1 && out_size == suite_->nh;
}

bool AeadKey::ctr_crypt(std::span<const std::uint8_t, kNonceSize> nonce,
                        std::span<const std::uint8_t> in, std::uint8_t* out) {
  // §4.5.1: initial_counter = nonce + 0x00000000, a 16-byte AES-CTR block
  // counter whose low 32 bits count the blocks of the frame.
  std::array<std::uint8_t, 16> iv{};
  std::memcpy(iv.data(), nonce.data(), kNonceSize);
  int len = 0;
  return EVP_EncryptInit_ex2(seal_.get(), nullptr, nullptr, iv.data(), nullptr) == 1 &&
         (in.empty() ||
          EVP_EncryptUpdate(seal_.get(), out, &len, in.data(), static_cast<int>(in.size())) == 1);
}

Status AeadKey::seal(std::span<const std::uint8_t, kNonceSize> nonce,
                     std::span<const std::uint8_t> aad_head, std::span<const std::uint8_t> aad_tail,
                     std::span<const std::uint8_t> pt, std::span<std::uint8_t> out) {
  const std::size_t nt = suite_->nt;
  if (out.size() < pt.size() || out.size() - pt.size() < nt)
    return make_error("sframe_buffer_too_small", "no room for the ciphertext and tag");
  if (auto s = check_arguments(aad_head, aad_tail, pt, out.first(pt.size() + nt)); !s) return s;
  std::uint8_t* tag_out = out.data() + pt.size();

  if (suite_->aead == AeadKind::kAesGcm) {
    EVP_CIPHER_CTX* c = seal_.get();
    int len = 0;
    std::array<std::uint8_t, 16> tail{};  // GCM's final step writes no bytes
    const bool ok =
        EVP_EncryptInit_ex2(c, nullptr, nullptr, nonce.data(), nullptr) == 1 &&
        (aad_head.empty() || EVP_EncryptUpdate(c, nullptr, &len, aad_head.data(),
                                               static_cast<int>(aad_head.size())) == 1) &&
        (aad_tail.empty() || EVP_EncryptUpdate(c, nullptr, &len, aad_tail.data(),
                                               static_cast<int>(aad_tail.size())) == 1) &&
        (pt.empty() ||
         EVP_EncryptUpdate(c, out.data(), &len, pt.data(), static_cast<int>(pt.size())) == 1) &&
        EVP_EncryptFinal_ex(c, tail.data(), &len) == 1 && len == 0 &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(nt), tag_out) == 1;
    if (!ok) return crypto_failure("AES-GCM encryption failed");
    return ok_status();
  }

  // §4.5.1 AEAD.Encrypt: encrypt, then MAC the ciphertext.
  std::array<std::uint8_t, 64> full_tag{};
  if (!ctr_crypt(nonce, pt, out.data()) ||
      !hmac(nonce, aad_head, aad_tail, std::span<const std::uint8_t>(out.data(), pt.size()),
            full_tag.data()))
    return crypto_failure("AES-CTR + HMAC encryption failed");
  std::memcpy(tag_out, full_tag.data(), nt);  // truncate(tag, Nt)
  return ok_status();
}

Expected<std::size_t> AeadKey::open(std::span<const std::uint8_t, kNonceSize> nonce,
                                    std::span<const std::uint8_t> aad_head,
                                    std::span<const std::uint8_t> aad_tail,
                                    std::span<const std::uint8_t> ct, std::span<std::uint8_t> out) {
  const std::size_t nt = suite_->nt;
  if (ct.size() < nt) return make_error("sframe_truncated", "ciphertext shorter than its tag");
  const std::size_t pt_size = ct.size() - nt;
  const auto body = ct.first(pt_size);
  const auto tag = ct.subspan(pt_size);
  if (out.size() < pt_size)
    return make_error("sframe_buffer_too_small", "no room for the plaintext");
  if (auto s = check_arguments(aad_head, aad_tail, ct, out.first(pt_size)); !s) return s.error();

  if (suite_->aead == AeadKind::kAesGcm) {
    EVP_CIPHER_CTX* c = open_.get();
    int len = 0;
    std::array<std::uint8_t, 16> expected{};
    std::memcpy(expected.data(), tag.data(), nt);
    std::array<std::uint8_t, 16> tail{};
    const bool ok =
        EVP_DecryptInit_ex2(c, nullptr, nullptr, nonce.data(), nullptr) == 1 &&
        (aad_head.empty() || EVP_DecryptUpdate(c, nullptr, &len, aad_head.data(),
                                               static_cast<int>(aad_head.size())) == 1) &&
        (aad_tail.empty() || EVP_DecryptUpdate(c, nullptr, &len, aad_tail.data(),
                                               static_cast<int>(aad_tail.size())) == 1) &&
        (body.empty() ||
         EVP_DecryptUpdate(c, out.data(), &len, body.data(), static_cast<int>(pt_size)) == 1) &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(nt), expected.data()) == 1;
    if (!ok) {
      OPENSSL_cleanse(out.data(), pt_size);
      return crypto_failure("AES-GCM decryption failed");
    }
    // The tag is checked here, after the plaintext was written: wipe it when
    // the check fails so that no unauthenticated byte reaches the caller.
    if (EVP_DecryptFinal_ex(c, tail.data(), &len) != 1) {
      OPENSSL_cleanse(out.data(), pt_size);
      return make_error("sframe_auth_failed", "SFrame authentication tag does not match");
    }
    return pt_size;
  }

  // §4.5.1 AEAD.Decrypt: check the tag first, in constant time, and decrypt
  // only an authentic ciphertext.
  std::array<std::uint8_t, 64> candidate{};
  if (!hmac(nonce, aad_head, aad_tail, body, candidate.data()))
    return crypto_failure("HMAC computation failed");
  if (CRYPTO_memcmp(candidate.data(), tag.data(), nt) != 0)
    return make_error("sframe_auth_failed", "SFrame authentication tag does not match");
  if (!ctr_crypt(nonce, body, out.data())) return crypto_failure("AES-CTR decryption failed");
  return pt_size;
}

}  // namespace parley::sframe
