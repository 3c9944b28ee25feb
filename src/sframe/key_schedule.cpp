#include "sframe/key_schedule.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstring>
#include <memory>
#include <string_view>

namespace parley::sframe {

template <std::size_t N>
void SecretBytes<N>::wipe(void* p, std::size_t n) {
  OPENSSL_cleanse(p, n);
}
template class SecretBytes<kMaxKeySize>;
template class SecretBytes<kMaxHashSize>;

namespace {

constexpr std::string_view kKeyLabel = "SFrame 1.0 Secret key ";
constexpr std::string_view kSaltLabel = "SFrame 1.0 Secret salt ";
static_assert(kKeyLabel.size() + 10 == kKeyLabelSize);
static_assert(kSaltLabel.size() + 10 == kSaltLabelSize);

// label + KID (8 bytes) + cipher_suite (2 bytes), big-endian (§4.4.2).
template <std::size_t N>
std::array<std::uint8_t, N> label(std::string_view prefix, CipherSuite suite, std::uint64_t kid) {
  std::array<std::uint8_t, N> out{};
  std::memcpy(out.data(), prefix.data(), prefix.size());
  std::uint8_t* p = out.data() + prefix.size();
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(kid >> (56 - 8 * i));
  const auto id = static_cast<std::uint16_t>(suite);
  p[8] = static_cast<std::uint8_t>(id >> 8);
  p[9] = static_cast<std::uint8_t>(id);
  return out;
}

EVP_KDF* hkdf_algorithm() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

// One HKDF step through OpenSSL's EVP_KDF "HKDF" in the given mode:
// EXTRACT_ONLY (ikm, salt) or EXPAND_ONLY (prk as the key, info).
bool hkdf(const SuiteInfo& suite, int mode, std::span<const std::uint8_t> key,
          std::span<const std::uint8_t> salt, std::span<const std::uint8_t> info,
          std::span<std::uint8_t> out) {
  EVP_KDF* kdf = hkdf_algorithm();
  if (kdf == nullptr) return false;
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf));
  if (!ctx) return false;
  char sha256[] = "SHA256";
  char sha512[] = "SHA512";
  OSSL_PARAM params[6];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(
      OSSL_KDF_PARAM_DIGEST, suite.hash == HashKind::kSha256 ? sha256 : sha512, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.data()), key.size());
  if (!salt.empty())
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t*>(salt.data()), salt.size());
  if (!info.empty())
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t*>(info.data()), info.size());
  params[n] = OSSL_PARAM_construct_end();
  return EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1;
}

}  // namespace

std::array<std::uint8_t, kKeyLabelSize> sframe_key_label(CipherSuite suite, std::uint64_t kid) {
  return label<kKeyLabelSize>(kKeyLabel, suite, kid);
}

std::array<std::uint8_t, kSaltLabelSize> sframe_salt_label(CipherSuite suite, std::uint64_t kid) {
  return label<kSaltLabelSize>(kSaltLabel, suite, kid);
}

Expected<SecretBytes<kMaxHashSize>> sframe_secret(const SuiteInfo& suite,
                                                  std::span<const std::uint8_t> base_key) {
  if (base_key.empty()) return make_error("sframe_bad_key", "empty base key");
  // RFC 5869 §2.2: an absent salt is HashLen zero bytes, which is what
  // HKDF-Extract("", ...) means (HMAC pads an empty key with zeros anyway);
  // passed explicitly rather than relying on how OpenSSL treats no salt.
  const std::array<std::uint8_t, kMaxHashSize> zero_salt{};
  SecretBytes<kMaxHashSize> secret;
  if (!hkdf(suite, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, base_key,
            std::span<const std::uint8_t>(zero_salt.data(), suite.nh), {}, secret.resize(suite.nh)))
    return make_error("sframe_crypto_failure", "HKDF-Extract failed");
  return secret;
}

Expected<KeyAndSalt> derive_key_salt(const SuiteInfo& suite, std::uint64_t kid,
                                     std::span<const std::uint8_t> base_key) {
  auto secret = sframe_secret(suite, base_key);
  if (!secret) return secret.error();
  const auto key_label = sframe_key_label(suite.id, kid);
  const auto salt_label = sframe_salt_label(suite.id, kid);
  KeyAndSalt out;
  if (!hkdf(suite, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret->bytes(), {}, key_label,
            out.key.resize(suite.nk)) ||
      !hkdf(suite, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret->bytes(), {}, salt_label, out.salt))
    return make_error("sframe_crypto_failure", "HKDF-Expand failed");
  return out;
}

}  // namespace parley::sframe
