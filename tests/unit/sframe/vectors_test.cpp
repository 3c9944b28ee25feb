// Known answers: the RFC 9605 test vectors (Appendix C, in their JSON form,
// tests/unit/sframe/rfc9605-test-vectors.json, public RFC test data) for the
// AES-CTR + HMAC AEAD of §4.5.1 at both key sizes and for whole SFrame
// encryption and decryption with every suite; and, for suites 0x0006-0x0008,
// the whole-SFrame vectors published with draft-barnes-sframe-iana-256
// (sframe-wg/sframe, test-vectors/sframe-aes256-ctr-hmac.md).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "sframe/aead.h"
#include "sframe/cipher_suite.h"
#include "sframe/context.h"
#include "sframe/header.h"
#include "sframe/key_schedule.h"
#include "test_util.h"

namespace parley::sframe {
namespace {

using test::Bytes;
using test::hex;
using test::hex_at;
using test::to_hex;

std::span<const std::uint8_t, kNonceSize> nonce_of(const Bytes& b) {
  return std::span<const std::uint8_t, kNonceSize>(b.data(), kNonceSize);
}

// §4.5.1 AEAD.Encrypt and AEAD.Decrypt against one vector of the
// aes_ctr_hmac or aes_256_ctr_hmac group.
void check_ctr_hmac_vector(const json::Json& v) {
  const auto value = v.at("cipher_suite").get<std::uint16_t>();
  SCOPED_TRACE("cipher suite " + std::to_string(value));
  const SuiteInfo* suite = find_suite(value);
  ASSERT_NE(suite, nullptr);
  ASSERT_EQ(suite->aead, AeadKind::kAesCtrHmac);
  const Bytes key = hex_at(v, "key"), enc_key = hex_at(v, "enc_key"),
              auth_key = hex_at(v, "auth_key"), nonce = hex_at(v, "nonce"), aad = hex_at(v, "aad"),
              pt = hex_at(v, "pt"), ct = hex_at(v, "ct");
  // derive_subkeys: the first Nka bytes encrypt, the remaining Nh authenticate.
  ASSERT_EQ(key.size(), suite->nk);
  EXPECT_EQ(Bytes(key.begin(), key.begin() + suite->nka), enc_key);
  EXPECT_EQ(Bytes(key.begin() + suite->nka, key.end()), auth_key);
  EXPECT_EQ(ct.size(), pt.size() + suite->nt);

  auto aead = AeadKey::create(*suite, key);
  ASSERT_TRUE(aead) << aead.error().code;
  // The AAD in two parts, split at every point: the same answer.
  for (std::size_t split = 0; split <= aad.size(); ++split) {
    const std::span<const std::uint8_t> head(aad.data(), split),
        tail(aad.data() + split, aad.size() - split);
    Bytes out(ct.size());
    ASSERT_TRUE(aead->seal(nonce_of(nonce), head, tail, pt, out));
    EXPECT_EQ(to_hex(out), to_hex(ct));
    Bytes back(pt.size());
    auto n = aead->open(nonce_of(nonce), head, tail, ct, back);
    ASSERT_TRUE(n) << n.error().code;
    EXPECT_EQ(*n, pt.size());
    EXPECT_EQ(back, pt);
  }
}

TEST(SFrameVectors, AesCtrHmac) {
  const auto& group = test::vectors().at("aes_ctr_hmac");
  ASSERT_EQ(group.size(), 3u);
  for (const auto& v : group) check_ctr_hmac_vector(v);
}

TEST(SFrameVectors, Aes256CtrHmac) {
  const auto& group = test::vectors().at("aes_256_ctr_hmac");
  ASSERT_EQ(group.size(), 3u);
  for (const auto& v : group) check_ctr_hmac_vector(v);
}

struct SFrameVector {
  std::uint16_t suite;
  std::uint64_t kid, ctr;
  Bytes base_key, key_label, salt_label, secret, key, salt, metadata, nonce, aad, pt, ct;
};

SFrameVector from_json(const json::Json& v) {
  return SFrameVector{v.at("cipher_suite").get<std::uint16_t>(),
                      v.at("kid").get<std::uint64_t>(),
                      v.at("ctr").get<std::uint64_t>(),
                      hex_at(v, "base_key"),
                      hex_at(v, "sframe_key_label"),
                      hex_at(v, "sframe_salt_label"),
                      hex_at(v, "sframe_secret"),
                      hex_at(v, "sframe_key"),
                      hex_at(v, "sframe_salt"),
                      hex_at(v, "metadata"),
                      hex_at(v, "nonce"),
                      hex_at(v, "aad"),
                      hex_at(v, "pt"),
                      hex_at(v, "ct")};
}

// Every intermediate value of §4.4.2-§4.4.4, then encryption and decryption
// through an SFrameContext.
void check_sframe_vector(const SFrameVector& v) {
  SCOPED_TRACE("cipher suite " + std::to_string(v.suite));
  const SuiteInfo* suite = find_suite(v.suite);
  ASSERT_NE(suite, nullptr);

  // §4.4.2 key derivation.
  EXPECT_EQ(to_hex(sframe_key_label(suite->id, v.kid)), to_hex(v.key_label));
  EXPECT_EQ(to_hex(sframe_salt_label(suite->id, v.kid)), to_hex(v.salt_label));
  auto secret = sframe_secret(*suite, v.base_key);
  ASSERT_TRUE(secret) << secret.error().code;
  EXPECT_EQ(to_hex(secret->bytes()), to_hex(v.secret));
  auto derived = derive_key_salt(*suite, v.kid, v.base_key);
  ASSERT_TRUE(derived) << derived.error().code;
  EXPECT_EQ(to_hex(derived->key.bytes()), to_hex(v.key));
  EXPECT_EQ(to_hex(derived->salt), to_hex(v.salt));

  // §4.4.3 encryption: nonce, AAD = header || metadata, the ciphertext.
  SFrameContext sender(suite->id);
  ASSERT_TRUE(sender.add_send_key(v.kid, v.base_key));
  EXPECT_EQ(to_hex(sender.find_key(v.kid)->nonce(v.ctr)), to_hex(v.nonce));
  Bytes header(kMaxHeaderSize);
  header.resize(*encode_header(v.kid, v.ctr, header));
  Bytes aad = header;
  aad.insert(aad.end(), v.metadata.begin(), v.metadata.end());
  EXPECT_EQ(to_hex(aad), to_hex(v.aad));
  Bytes out(sender.ciphertext_size(v.kid, v.ctr, v.pt.size()));
  auto n = sender.encrypt(v.kid, v.ctr, v.metadata, v.pt, out);
  ASSERT_TRUE(n) << n.error().code;
  EXPECT_EQ(*n, v.ct.size());
  EXPECT_EQ(to_hex(out), to_hex(v.ct));
  EXPECT_EQ(sender.find_key(v.kid)->next_counter(), v.ctr + 1);

  // §4.4.4 decryption.
  SFrameContext receiver(suite->id);
  ASSERT_TRUE(receiver.add_receive_key(v.kid, v.base_key));
  Bytes plain(v.ct.size());
  auto d = receiver.decrypt(v.ct, v.metadata, plain);
  ASSERT_TRUE(d) << d.error().code;
  EXPECT_EQ(d->kid, v.kid);
  EXPECT_EQ(d->ctr, v.ctr);
  EXPECT_EQ(to_hex(d->plaintext), to_hex(v.pt));
  EXPECT_EQ(d->plaintext.data(), plain.data());
}

TEST(SFrameVectors, SFrameEveryRfcSuite) {
  const auto& group = test::vectors().at("sframe");
  ASSERT_EQ(group.size(), 5u);
  std::vector<std::uint16_t> seen;
  for (const auto& v : group) {
    seen.push_back(v.at("cipher_suite").get<std::uint16_t>());
    check_sframe_vector(from_json(v));
  }
  EXPECT_EQ(seen, (std::vector<std::uint16_t>{1, 2, 3, 4, 5}));
}

TEST(SFrameVectors, SFrameAes256CtrHmacOfTheIanaDraft) {
  // draft-barnes-sframe-iana-256's whole-SFrame vectors: the same inputs as
  // the RFC's (KID 0x123, CTR 0x4567), with suites 0x0006-0x0008.
  const Bytes base_key = hex("000102030405060708090a0b0c0d0e0f");
  const Bytes metadata = hex("4945544620534672616d65205747");
  const Bytes pt = hex("64726166742d696574662d736672616d652d656e63");
  const Bytes aad = hex("99012345674945544620534672616d65205747");
  const Bytes secret =
      hex("0fc3ea6de6aac97a35f194cf9bed94d4b5230f1cb45a785c9fe5dce9c188938a"
          "b6ba005bc4c0a19181599e9d1bcf7b74aca48b60bf5e254e546d809313e083a3");
  auto labels = [](char suite) {
    const std::string s(1, suite);
    return std::pair(hex("534672616d6520312e3020536563726574206b6579200000000000000123000" + s),
                     hex("534672616d6520312e30205365637265742073616c74200000000000000123000" + s));
  };
  const SFrameVector vectors[] = {
      {6, 0x123, 0x4567, base_key, labels('6').first, labels('6').second, secret,
       hex("3c343886ec1c79278836863e00fe934c8894460cfa367ebdc4856b0a9268a4f4"
           "fb99437876819394ef90b10ee12602d023f7128ee50f2314c2cc3cff4c56616d"
           "2fe03ad2a254cc2ed29b2a4d3f2534c0dda9e7c391ad1917ea07aa221dd4b224"),
       hex("e082f7ce012ad30c87c49e3f"), metadata, hex("e082f7ce012ad30c87c4db58"), aad, pt,
       hex("9901234567b369e03ec6467ad505ddc84914115069280c5c797555be6e32cde6ac25bc9e")},
      {7, 0x123, 0x4567, base_key, labels('7').first, labels('7').second, secret,
       hex("7271d6c6cbccd2e2343d480ebea65718a7bb379eefcf3f8d107c1e2a76e75529"
           "3a497fd9e4e8291b965161987ef4ef24983eabb06cb0a392defaab18654780a3"
           "9c106ffa4a47d4183a6e593cd0c1bcab2b9c6dcf049215845bfb7580c4dea80e"),
       hex("46b4367993a314910d4d9f3d"), metadata, hex("46b4367993a314910d4dda5a"), aad, pt,
       hex("990123456797cb5644d8831ff8bdc080249990b24b569144cab2a87be22c20d97976")},
      {8, 0x123, 0x4567, base_key, labels('8').first, labels('8').second, secret,
       hex("afe92c81e0df8c00fab619e0559fe5aeefce1ef77789d4c728af1b1c1f2e3552"
           "c405d274415a5291ec075c2d9954c450fbd36682a4e978494808b703ce78b409"
           "f9fec29b91e6e703a75c4131377c80c9d51b8906088092452e2593eb142eea2d"),
       hex("f6de647bac1263524cfb6533"), metadata, hex("f6de647bac1263524cfb2054"), aad, pt,
       hex("9901234567112a94a288b85b49ffef1d279f2830165c39d76cac8884011c")},
  };
  for (const auto& v : vectors) check_sframe_vector(v);
}

TEST(SFrameVectors, SuiteTable) {
  // RFC 9605 §4.5 Table 1 and the §8.1 registry values.
  const auto suites = supported_suites();
  ASSERT_EQ(suites.size(), 8u);
  for (std::size_t i = 0; i < suites.size(); ++i) {
    EXPECT_EQ(static_cast<std::uint16_t>(suites[i].id), i + 1);
    EXPECT_EQ(find_suite(static_cast<std::uint16_t>(i + 1)), &suites[i]);
  }
  EXPECT_EQ(suite_info(CipherSuite::kAes128CtrHmacSha256_80).name, "AES_128_CTR_HMAC_SHA256_80");
  EXPECT_EQ(suite_info(CipherSuite::kAes128CtrHmacSha256_32).nt, 4u);
  EXPECT_EQ(suite_info(CipherSuite::kAes128GcmSha256_128).nk, 16u);
  EXPECT_EQ(suite_info(CipherSuite::kAes256GcmSha512_128).nh, 64u);
  EXPECT_EQ(suite_info(CipherSuite::kAes256CtrHmacSha512_80).nk, 96u);
  EXPECT_EQ(kDefaultCipherSuite, CipherSuite::kAes128GcmSha256_128);
  EXPECT_EQ(find_suite(0x0000), nullptr);  // reserved
  EXPECT_EQ(find_suite(0x0009), nullptr);
  EXPECT_EQ(find_suite(0xF000), nullptr);  // private use
}

}  // namespace
}  // namespace parley::sframe
