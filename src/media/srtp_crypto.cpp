#include "media/srtp_crypto.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <climits>

// The low-level SHA1_* functions are deprecated in OpenSSL 3.0 in favour of
// EVP, which allocates per digest (see the header); they remain supported
// throughout 3.x.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace parley::media::srtp_detail {

namespace {

const EVP_CIPHER* aes_128_ctr() {
  static const EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr);
  return cipher;
}

const EVP_CIPHER* aes_128_gcm() {
  static const EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  return cipher;
}

Error crypto_failure(const char* what) {
  return make_error("srtp_failed", what);
}

// EVP takes int lengths; srtp.cpp refuses packets of 2^31 bytes and more.
int int_size(std::size_t n) {
  return static_cast<int>(std::min<std::size_t>(n, INT_MAX));
}

void put_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

Expected<AesCtr> AesCtr::create(std::span<const std::uint8_t, 16> key) {
  AesCtr c;
  c.ctx_.reset(EVP_CIPHER_CTX_new());
  if (!c.ctx_ || aes_128_ctr() == nullptr ||
      EVP_EncryptInit_ex2(c.ctx_.get(), aes_128_ctr(), key.data(), nullptr, nullptr) != 1)
    return crypto_failure("cannot key AES-128-CTR");
  return c;
}

bool AesCtr::apply(const Block& iv, std::span<std::uint8_t> data) {
  int len = 0;
  // A new IV on the keyed context restarts the counter and drops any
  // partial block of keystream left from the previous packet.
  return EVP_EncryptInit_ex2(ctx_.get(), nullptr, nullptr, iv.data(), nullptr) == 1 &&
         (data.empty() || EVP_EncryptUpdate(ctx_.get(), data.data(), &len, data.data(),
                                            int_size(data.size())) == 1);
}

HmacSha1::HmacSha1(std::span<const std::uint8_t> key) {
  // RFC 2104 §2: the key zero-padded to the 64-byte block, XOR ipad / opad.
  std::array<std::uint8_t, 64> pad{};
  std::copy_n(key.begin(), std::min<std::size_t>(key.size(), pad.size()), pad.begin());
  for (auto& b : pad) b ^= 0x36;
  SHA1_Init(&inner_);
  SHA1_Update(&inner_, pad.data(), pad.size());
  for (auto& b : pad) b ^= 0x36 ^ 0x5c;
  SHA1_Init(&outer_);
  SHA1_Update(&outer_, pad.data(), pad.size());
  OPENSSL_cleanse(pad.data(), pad.size());
}

HmacSha1::~HmacSha1() {
  OPENSSL_cleanse(&inner_, sizeof inner_);
  OPENSSL_cleanse(&outer_, sizeof outer_);
}

std::array<std::uint8_t, 20> HmacSha1::mac(std::span<const std::uint8_t> a,
                                           std::span<const std::uint8_t> b) const {
  std::array<std::uint8_t, 20> inner_hash{}, out{};
  SHA_CTX c = inner_;
  SHA1_Update(&c, a.data(), a.size());
  SHA1_Update(&c, b.data(), b.size());
  SHA1_Final(inner_hash.data(), &c);
  c = outer_;
  SHA1_Update(&c, inner_hash.data(), inner_hash.size());
  SHA1_Final(out.data(), &c);
  return out;
}

Expected<AesGcm> AesGcm::create(std::span<const std::uint8_t, 16> key) {
  AesGcm g;
  g.seal_.reset(EVP_CIPHER_CTX_new());
  g.open_.reset(EVP_CIPHER_CTX_new());
  if (!g.seal_ || !g.open_ || aes_128_gcm() == nullptr ||
      EVP_EncryptInit_ex2(g.seal_.get(), aes_128_gcm(), key.data(), nullptr, nullptr) != 1 ||
      EVP_DecryptInit_ex2(g.open_.get(), aes_128_gcm(), key.data(), nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_get_iv_length(g.seal_.get()) != static_cast<int>(sizeof(GcmIv)))
    return crypto_failure("cannot key AES-128-GCM");
  return g;
}

bool AesGcm::seal(const GcmIv& iv, std::span<const std::uint8_t> aad1,
                  std::span<const std::uint8_t> aad2, std::span<std::uint8_t> data,
                  std::uint8_t* tag) {
  EVP_CIPHER_CTX* c = seal_.get();
  int len = 0;
  std::array<std::uint8_t, 16> tail{};
  return EVP_EncryptInit_ex2(c, nullptr, nullptr, iv.data(), nullptr) == 1 &&
         (aad1.empty() ||
          EVP_EncryptUpdate(c, nullptr, &len, aad1.data(), int_size(aad1.size())) == 1) &&
         (aad2.empty() ||
          EVP_EncryptUpdate(c, nullptr, &len, aad2.data(), int_size(aad2.size())) == 1) &&
         (data.empty() ||
          EVP_EncryptUpdate(c, data.data(), &len, data.data(), int_size(data.size())) == 1) &&
         EVP_EncryptFinal_ex(c, tail.data(), &len) == 1 && len == 0 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, kGcmTagSize, tag) == 1;
}

bool AesGcm::open(const GcmIv& iv, std::span<const std::uint8_t> aad1,
                  std::span<const std::uint8_t> aad2, std::span<std::uint8_t> data,
                  const std::uint8_t* tag) {
  EVP_CIPHER_CTX* c = open_.get();
  int len = 0;
  std::array<std::uint8_t, kGcmTagSize> expected{};
  std::copy_n(tag, expected.size(), expected.begin());
  std::array<std::uint8_t, 16> tail{};
  if (EVP_DecryptInit_ex2(c, nullptr, nullptr, iv.data(), nullptr) != 1 ||
      (!aad1.empty() &&
       EVP_DecryptUpdate(c, nullptr, &len, aad1.data(), int_size(aad1.size())) != 1) ||
      (!aad2.empty() &&
       EVP_DecryptUpdate(c, nullptr, &len, aad2.data(), int_size(aad2.size())) != 1))
    return false;
  // OpenSSL writes the plaintext before it can check the tag (the tag is
  // over the ciphertext, all of which must pass first). On a mismatch the
  // same keystream is XORed in again below, which gives back the
  // ciphertext: the caller's buffer ends as it arrived.
  if (!data.empty() &&
      EVP_DecryptUpdate(c, data.data(), &len, data.data(), int_size(data.size())) != 1)
    return false;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, kGcmTagSize, expected.data()) == 1 &&
      EVP_DecryptFinal_ex(c, tail.data(), &len) == 1)
    return true;
  xor_keystream(iv, data);
  return false;
}

bool AesGcm::xor_keystream(const GcmIv& iv, std::span<std::uint8_t> data) {
  // GCM's keystream does not depend on the associated data (NIST SP
  // 800-38D §7.1: GCTR from inc32(J0)), so a "decryption" with the same IV
  // and no AAD is exactly the XOR.
  EVP_CIPHER_CTX* c = open_.get();
  int len = 0;
  return EVP_DecryptInit_ex2(c, nullptr, nullptr, iv.data(), nullptr) == 1 &&
         (data.empty() ||
          EVP_DecryptUpdate(c, data.data(), &len, data.data(), int_size(data.size())) == 1);
}

bool derive_session_key(std::span<const std::uint8_t, 16> master_key,
                        std::span<const std::uint8_t> master_salt, KdfLabel label,
                        std::span<std::uint8_t> out) {
  if (master_salt.size() != kCmSaltSize && master_salt.size() != kGcmSaltSize) return false;
  // §4.3.1: key_id = label || r, 56 bits, with r = index DIV kdr = 0 when
  // kdr is 0; x = key_id XOR master_salt, the two aligned at their least
  // significant bits within 112 bits, so the label lands on byte 7 of x.
  // RFC 7714 §11 keys AES-GCM through the same KDF with its 96-bit master
  // salt placed as the most significant 96 of those 112 bits (the low 16
  // zero), which puts its label on byte 7 as well.
  Block iv{};
  std::copy(master_salt.begin(), master_salt.end(), iv.begin());
  iv[7] ^= static_cast<std::uint8_t>(label);
  // §4.3.3: the AES-CM PRF is the AES-CM keystream under the master key
  // with IV = x * 2^16 (bytes 14 and 15 are the zero block counter).
  auto ctr = AesCtr::create(master_key);
  if (!ctr) return false;
  std::fill(out.begin(), out.end(), 0);
  return ctr->apply(iv, out);
}

Block cm_iv(std::span<const std::uint8_t, 14> session_salt, std::uint32_t ssrc,
            std::uint64_t index) {
  Block iv{};
  std::copy(session_salt.begin(), session_salt.end(), iv.begin());
  std::array<std::uint8_t, 4> s{};
  put_u32(s.data(), ssrc);
  for (std::size_t i = 0; i < 4; ++i) iv[4 + i] ^= s[i];
  for (std::size_t i = 0; i < 6; ++i)
    iv[8 + i] ^= static_cast<std::uint8_t>(index >> (8 * (5 - i)));
  return iv;
}

GcmIv gcm_rtp_iv(std::span<const std::uint8_t, 12> session_salt, std::uint32_t ssrc,
                 std::uint32_t roc, std::uint16_t seq) {
  GcmIv iv{};
  put_u32(iv.data() + 2, ssrc);
  put_u32(iv.data() + 6, roc);
  iv[10] = static_cast<std::uint8_t>(seq >> 8);
  iv[11] = static_cast<std::uint8_t>(seq);
  for (std::size_t i = 0; i < iv.size(); ++i) iv[i] ^= session_salt[i];
  return iv;
}

GcmIv gcm_rtcp_iv(std::span<const std::uint8_t, 12> session_salt, std::uint32_t ssrc,
                  std::uint32_t index) {
  GcmIv iv{};
  put_u32(iv.data() + 2, ssrc);
  put_u32(iv.data() + 8, index & 0x7fffffff);
  for (std::size_t i = 0; i < iv.size(); ++i) iv[i] ^= session_salt[i];
  return iv;
}

}  // namespace parley::media::srtp_detail
