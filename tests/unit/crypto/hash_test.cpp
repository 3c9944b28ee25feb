#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace parley::crypto {
namespace {

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf").
TEST(Sha256, AbcVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(sha256(as_bytes("abc"))), sha256_hex("abc"));
}

TEST(Sha256, EmptyAndTwoBlockVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionAs) {
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(EqualSecret, ComparesContentAndLength) {
  EXPECT_TRUE(equal_secret("", ""));
  EXPECT_TRUE(equal_secret("token-123", "token-123"));
  EXPECT_FALSE(equal_secret("token-123", "token-124"));
  EXPECT_FALSE(equal_secret("token-123", "token-12"));
  EXPECT_FALSE(equal_secret("token", std::string_view("token\0", 6)));
  EXPECT_FALSE(equal_secret(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace parley::crypto
