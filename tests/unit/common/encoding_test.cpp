#include "common/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace parley {
namespace {

Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// RFC 4648 §10 test vectors, in the URL alphabet without padding (§5, §3.2).
struct B64Vector {
  std::string_view plain;
  std::string_view encoded;
};
constexpr B64Vector kRfc4648[] = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

TEST(Base64Url, EncodesRfc4648Vectors) {
  for (const auto& v : kRfc4648)
    EXPECT_EQ(base64url_encode(as_bytes(v.plain)), v.encoded) << "plain: " << v.plain;
}

TEST(Base64Url, DecodesRfc4648Vectors) {
  for (const auto& v : kRfc4648) {
    auto decoded = base64url_decode(v.encoded);
    ASSERT_TRUE(decoded) << "encoded: " << v.encoded;
    EXPECT_EQ(*decoded, bytes_of(v.plain));
  }
}

TEST(Base64Url, UsesUrlAlphabet) {
  // Standard base64 would give "+/8" and "/w"; RFC 4648 §5 maps 62 to '-', 63 to '_'.
  const Bytes b{0xfb, 0xff};
  EXPECT_EQ(base64url_encode(b), "-_8");
  EXPECT_EQ(base64url_encode(Bytes{0xff}), "_w");
  EXPECT_EQ(base64url_decode("-_8"), b);
}

TEST(Base64Url, RoundTripsEveryByteAndLength) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
  for (std::size_t len = 0; len <= all.size(); ++len) {
    Bytes prefix(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(len));
    auto enc = base64url_encode(prefix);
    EXPECT_EQ(enc.size(), (len * 4 + 2) / 3);
    EXPECT_EQ(base64url_decode(enc), prefix) << "length " << len;
  }
}

TEST(Base64Url, RefusesPadding) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm8="));
}

TEST(Base64Url, RefusesCharactersOutsideTheUrlAlphabet) {
  EXPECT_FALSE(base64url_decode("+/8"));
  EXPECT_FALSE(base64url_decode("Zm9v Yg"));
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
  EXPECT_FALSE(base64url_decode("Zm9\xc3\xa9"));
}

TEST(Base64Url, RefusesImpossibleLength) {
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));
}

TEST(Base64Url, RefusesNonZeroTrailingBitsSoEachValueHasOneEncoding) {
  // "Zg" is 'f'; "Zh".."Zv" carry the same byte with stray low bits set.
  EXPECT_TRUE(base64url_decode("Zg"));
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zv"));
  EXPECT_TRUE(base64url_decode("Zm8"));
  EXPECT_FALSE(base64url_decode("Zm9"));
}

TEST(Hex, EncodesLowercase) {
  EXPECT_EQ(hex_encode(Bytes{}), "");
  EXPECT_EQ(hex_encode(Bytes{0x00, 0x01, 0xab, 0xff}), "0001abff");
}

TEST(Hex, RoundTripsEveryByte) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
  auto enc = hex_encode(all);
  EXPECT_EQ(enc.size(), 512u);
  EXPECT_EQ(hex_decode(enc), all);
}

TEST(Hex, RefusesUppercaseOddLengthAndNonHex) {
  EXPECT_FALSE(hex_decode("AB"));
  EXPECT_FALSE(hex_decode("aB"));
  EXPECT_FALSE(hex_decode("abc"));
  EXPECT_FALSE(hex_decode("zz"));
  EXPECT_FALSE(hex_decode("0x"));
  EXPECT_FALSE(hex_decode(" 0"));
  EXPECT_EQ(hex_decode(""), Bytes{});
}

}  // namespace
}  // namespace parley
