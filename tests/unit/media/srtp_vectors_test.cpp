// The published SRTP test vectors, against the pieces of src/media/srtp.cpp
// (srtp_crypto.h): the vectors give session keys, which no public entry point
// takes. Transcribed from the RFCs with their section; the packet layout
// around these pieces is checked against libsrtp in srtp_interop_test.cpp.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "media/srtp_crypto.h"

namespace parley::media::srtp_detail {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : text) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;  // spaces and line breaks, as the RFCs print them
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  EXPECT_EQ(high, -1) << "odd number of hex digits";
  return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> fixed(std::string_view text) {
  const auto v = hex(text);
  std::array<std::uint8_t, N> a{};
  EXPECT_EQ(v.size(), N);
  std::copy_n(v.begin(), std::min(N, v.size()), a.begin());
  return a;
}

std::vector<std::uint8_t> bytes(std::span<const std::uint8_t> s) {
  return {s.begin(), s.end()};
}

// RFC 3711 Appendix B.2: the AES-CM keystream for session key
// 2B7E1516..., session salt F0F1...FCFD, SSRC 0 and packet index 0.
TEST(SrtpVectors, Rfc3711B2AesCmKeystream) {
  const auto key = fixed<16>("2B7E151628AED2A6ABF7158809CF4F3C");
  const auto salt = fixed<14>("F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
  const Block iv = cm_iv(salt, 0, 0);
  EXPECT_EQ(bytes(iv), hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"));  // "Offset"

  auto ctr = AesCtr::create(key);
  ASSERT_TRUE(ctr);
  // Up to the counter FF01, the last row the RFC prints.
  std::vector<std::uint8_t> stream(0xFF02 * 16, 0);
  ASSERT_TRUE(ctr->apply(iv, stream));
  auto block = [&](std::size_t counter) {
    return std::vector<std::uint8_t>(stream.begin() + 16 * counter,
                                     stream.begin() + 16 * (counter + 1));
  };
  EXPECT_EQ(block(0x0000), hex("E03EAD0935C95E80E166B16DD92B4EB4"));
  EXPECT_EQ(block(0x0001), hex("D23513162B02D0F72A43A2FE4A5F97AB"));
  EXPECT_EQ(block(0x0002), hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
  EXPECT_EQ(block(0xFEFF), hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
  EXPECT_EQ(block(0xFF00), hex("362B7C3C6773516318A077D7FC5073AE"));
  EXPECT_EQ(block(0xFF01), hex("6A2CC3787889374FBEB4C81B17BA6C44"));

  // The keystream is its own inverse: applying it twice restores the data,
  // and a new IV on the same context starts a new stream from block 0.
  std::vector<std::uint8_t> data(100, 0x5A);
  ASSERT_TRUE(ctr->apply(iv, data));
  ASSERT_TRUE(ctr->apply(iv, data));
  EXPECT_EQ(data, std::vector<std::uint8_t>(100, 0x5A));
}

// RFC 3711 Appendix B.3: key derivation with kdr 0 and packet index 0.
TEST(SrtpVectors, Rfc3711B3KeyDerivation) {
  const auto master_key = fixed<16>("E1F97A0D3E018BE0D64FA32C06DE4139");
  const auto master_salt = hex("0EC675AD498AFEEBB6960B3AABE6");
  std::vector<std::uint8_t> cipher_key(16), cipher_salt(14), auth_key(94);
  ASSERT_TRUE(derive_session_key(master_key, master_salt, KdfLabel::rtp_encryption, cipher_key));
  ASSERT_TRUE(derive_session_key(master_key, master_salt, KdfLabel::rtp_salt, cipher_salt));
  ASSERT_TRUE(derive_session_key(master_key, master_salt, KdfLabel::rtp_auth, auth_key));
  EXPECT_EQ(cipher_key, hex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(cipher_salt, hex("30CBBC08863D8C85D49DB34A9AE1"));
  // The RFC prints 94 octets of the auth key keystream; HMAC-SHA1 takes the
  // first 20.
  EXPECT_EQ(auth_key, hex("CEBE321F6FF7716B6FD4AB49AF256A15"
                          "6D38BAA48F0A0ACF3C34E2359E6CDBCE"
                          "E049646C43D9327AD175578EF7227098"
                          "6371C10C9A369AC2F94A8C5FBCDDDC25"
                          "6D6E919A48B610EF17C2041E47403576"
                          "6B68642C59BBFC2F34DB60DBDFB2"));
  // A master salt of neither 14 (RFC 3711) nor 12 (RFC 7714) octets.
  EXPECT_FALSE(derive_session_key(master_key, hex("0EC675AD"), KdfLabel::rtp_salt, cipher_salt));
}

// RFC 7714 §16: every vector uses this key and salt ("Quid pro quo").
const auto kGcmKey = fixed<16>("000102030405060708090a0b0c0d0e0f");
const auto kGcmSalt = fixed<12>("517569642070726f2071756f");

// RFC 7714 §16.1.1 (encryption) and §16.1.2 (decryption): SSRC 5501a0b2,
// ROC 0, SEQ f17b; the header is the AAD (§8.2).
TEST(SrtpVectors, Rfc7714Section16_1SrtpAes128Gcm) {
  const auto plain =
      hex("8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973"
          "20646976 69736120 696e2070 61727465 73207472 6573");
  const auto sealed =
      hex("8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca"
          "be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1"
          "6a9152cf 765ee439 0cce");
  const GcmIv iv = gcm_rtp_iv(kGcmSalt, 0x5501a0b2, 0, 0xf17b);
  EXPECT_EQ(bytes(iv), hex("51753c6580c2726f20718414"));  // §16.1.1 "IV"

  auto gcm = AesGcm::create(kGcmKey);
  ASSERT_TRUE(gcm);
  std::vector<std::uint8_t> packet = plain;
  packet.resize(plain.size() + kGcmTagSize);
  const std::span<std::uint8_t> all(packet);
  ASSERT_TRUE(gcm->seal(iv, all.first(12), {}, all.subspan(12, plain.size() - 12),
                        packet.data() + plain.size()));
  EXPECT_EQ(packet, sealed);

  ASSERT_TRUE(gcm->open(iv, all.first(12), {}, all.subspan(12, plain.size() - 12),
                        packet.data() + plain.size()));
  EXPECT_TRUE(std::equal(plain.begin(), plain.end(), packet.begin()));

  // Any flipped bit, in the AAD, the ciphertext or the tag, fails, and the
  // failed open leaves the ciphertext as it was.
  for (std::size_t bit = 0; bit < 8 * sealed.size(); ++bit) {
    std::vector<std::uint8_t> bad = sealed;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const std::vector<std::uint8_t> before = bad;
    const std::span<std::uint8_t> b(bad);
    EXPECT_FALSE(
        gcm->open(iv, b.first(12), {}, b.subspan(12, plain.size() - 12), bad.data() + plain.size()))
        << "bit " << bit;
    EXPECT_EQ(bad, before) << "bit " << bit;
  }
}

// RFC 7714 §17: the SRTCP vectors, SSRC 4d617273 ("Mars"), index 000005d4.
const auto kRtcpPlain =
    hex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
        "deadbeef deadbeef deadbeef deadbeef deadbeef");

// RFC 7714 §17.1: encryption; AAD = the 8 clear octets || E || index (§9.2),
// on the wire header || ciphertext || tag || E || index.
TEST(SrtpVectors, Rfc7714Section17_1SrtcpAes128GcmEncryption) {
  const auto sealed =
      hex("81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d"
          "c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872"
          "45d9eade 800005d4");
  const GcmIv iv = gcm_rtcp_iv(kGcmSalt, 0x4d617273, 0x000005d4);
  EXPECT_EQ(bytes(iv), hex("517524055203726f207170bb"));  // §17.1 "IV"
  auto gcm = AesGcm::create(kGcmKey);
  ASSERT_TRUE(gcm);
  const auto word = hex("800005d4");
  std::vector<std::uint8_t> packet = kRtcpPlain;
  packet.resize(kRtcpPlain.size() + kGcmTagSize + 4);
  const std::span<std::uint8_t> all(packet);
  const auto body = all.subspan(8, kRtcpPlain.size() - 8);
  ASSERT_TRUE(gcm->seal(iv, all.first(8), word, body, packet.data() + kRtcpPlain.size()));
  std::copy(word.begin(), word.end(), packet.end() - 4);
  EXPECT_EQ(packet, sealed);
  ASSERT_TRUE(gcm->open(iv, all.first(8), word, body, packet.data() + kRtcpPlain.size()));
  EXPECT_TRUE(std::equal(kRtcpPlain.begin(), kRtcpPlain.end(), packet.begin()));
}

// RFC 7714 §17.3: tagging only (E clear, §9.3): the whole packet and the
// index word are AAD, the plaintext is empty.
TEST(SrtpVectors, Rfc7714Section17_3SrtcpAes128GcmTaggingOnly) {
  const auto tag = hex("841dd968 3dd78ec9 2ae58790 125f62b3");
  const auto word = hex("000005d4");
  const GcmIv iv = gcm_rtcp_iv(kGcmSalt, 0x4d617273, 0x000005d4);
  auto gcm = AesGcm::create(kGcmKey);
  ASSERT_TRUE(gcm);
  std::array<std::uint8_t, kGcmTagSize> out{};
  ASSERT_TRUE(gcm->seal(iv, kRtcpPlain, word, {}, out.data()));
  EXPECT_EQ(bytes(out), tag);
  EXPECT_TRUE(gcm->open(iv, kRtcpPlain, word, {}, tag.data()));
  const auto e_set = hex("800005d4");  // the word is authenticated
  EXPECT_FALSE(gcm->open(iv, kRtcpPlain, e_set, {}, tag.data()));
}

// RFC 2202 §3, test case 2: HMAC-SHA1 with key "Jefe", which checks the
// precomputed-pad HMAC against the definition.
TEST(SrtpVectors, HmacSha1Rfc2202) {
  const std::string key = "Jefe", data = "what do ya want for nothing?";
  const HmacSha1 mac(std::span(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()));
  const auto* d = reinterpret_cast<const std::uint8_t*>(data.data());
  // Split anywhere, the MAC is the same: the packet and the ROC are fed
  // as two pieces.
  for (std::size_t split : {std::size_t{0}, std::size_t{5}, data.size()}) {
    const auto out = mac.mac({d, split}, {d + split, data.size() - split});
    EXPECT_EQ(bytes(out), hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
  }
}

}  // namespace
}  // namespace parley::media::srtp_detail
