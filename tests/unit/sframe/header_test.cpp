// The SFrame header (RFC 9605 §4.3): every vector of the RFC's "header"
// group both ways, the shortest-form rule, truncation, and a sweep of value
// sizes for the parse/encode inverse.

#include "sframe/header.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "test_util.h"

namespace parley::sframe {
namespace {

using test::Bytes;
using test::hex;
using test::to_hex;

TEST(SFrameHeader, Rfc9605VectorsEncode) {
  const auto& group = test::vectors().at("header");
  ASSERT_EQ(group.size(), 289u);
  for (const auto& v : group) {
    const auto kid = v.at("kid").get<std::uint64_t>();
    const auto ctr = v.at("ctr").get<std::uint64_t>();
    const std::string expected = v.at("encoded").get<std::string>();
    std::array<std::uint8_t, kMaxHeaderSize> out{};
    auto n = encode_header(kid, ctr, out);
    ASSERT_TRUE(n) << n.error().code;
    EXPECT_EQ(to_hex(std::span(out.data(), *n)), expected) << "kid " << kid << " ctr " << ctr;
    EXPECT_EQ(header_size(kid, ctr), *n);
  }
}

TEST(SFrameHeader, Rfc9605VectorsParse) {
  for (const auto& v : test::vectors().at("header")) {
    const Bytes encoded = test::hex_at(v, "encoded");
    auto h = parse_header(encoded);
    ASSERT_TRUE(h) << h.error().code << " for " << to_hex(encoded);
    EXPECT_EQ(h->kid, v.at("kid").get<std::uint64_t>());
    EXPECT_EQ(h->ctr, v.at("ctr").get<std::uint64_t>());
    EXPECT_EQ(h->size, encoded.size());
    // What follows the header is not part of it.
    Bytes longer = encoded;
    longer.insert(longer.end(), {0xAA, 0xBB});
    auto again = parse_header(longer);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->size, encoded.size());
    // Any shorter prefix is truncated.
    for (std::size_t n = 0; n < encoded.size(); ++n) {
      auto cut = parse_header(std::span(encoded.data(), n));
      ASSERT_FALSE(cut);
      EXPECT_EQ(cut.error().code, "sframe_truncated");
    }
  }
}

TEST(SFrameHeader, FormsOfFigure4) {
  // KID < 8, CTR < 8: everything in the config byte.
  EXPECT_EQ(parse_header(hex("75"))->kid, 7u);
  EXPECT_EQ(parse_header(hex("75"))->ctr, 5u);
  // KID < 8, CTR >= 8: |0|KID|1|CLEN| CTR.
  auto h = parse_header(hex("3908 00"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kid, 3u);
  EXPECT_EQ(h->ctr, 0x0800u);
  // KID >= 8, CTR < 8: |1|KLEN|0|CTR| KID.
  h = parse_header(hex("8608"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kid, 8u);
  EXPECT_EQ(h->ctr, 6u);
  // Both extended, KID first.
  h = parse_header(hex("99 0123 4567"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kid, 0x123u);
  EXPECT_EQ(h->ctr, 0x4567u);
  EXPECT_EQ(h->size, 5u);
}

TEST(SFrameHeader, OnlyTheShortestFormIsAccepted) {
  // §4.3: values 0-7 go in the config byte; longer ones in as few bytes as
  // they need. Each other spelling of a value is refused.
  const char* non_minimal[] = {
      "8000",                // KID 0 in one extra byte
      "8007",                // KID 7 likewise
      "0807",                // CTR 7
      "900008",              // KID 8 in two bytes (leading zero)
      "0900ff",              // CTR 255 in two bytes
      "f000000000000000ff",  // KID 255 in eight bytes
      "0f00000000000001ff",  // CTR 511 in eight bytes
  };
  for (const char* text : non_minimal) {
    auto h = parse_header(hex(text));
    ASSERT_FALSE(h) << text;
    EXPECT_EQ(h.error().code, "sframe_bad_header") << text;
  }
}

TEST(SFrameHeader, EmptyAndShortBuffers) {
  auto h = parse_header({});
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, "sframe_truncated");
  EXPECT_EQ(parse_header(hex("ff")).error().code, "sframe_truncated");
  std::array<std::uint8_t, 16> small{};
  auto n = encode_header(UINT64_MAX, UINT64_MAX, small);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, "sframe_buffer_too_small");
  EXPECT_FALSE(encode_header(0, 0, std::span<std::uint8_t>()));
}

TEST(SFrameHeader, ParseAndEncodeAreInverseAtEverySize) {
  // Values at each byte-length boundary, for KID and CTR alike.
  std::vector<std::uint64_t> values = {0, 1, 7, 8, 255, 256};
  for (int bytes = 2; bytes <= 8; ++bytes) {
    const std::uint64_t top = bytes == 8 ? UINT64_MAX : (std::uint64_t{1} << (8 * bytes)) - 1;
    values.push_back(top);
    if (bytes < 8) values.push_back(top + 1);
  }
  for (std::uint64_t kid : values) {
    for (std::uint64_t ctr : values) {
      std::array<std::uint8_t, kMaxHeaderSize> out{};
      auto n = encode_header(kid, ctr, out);
      ASSERT_TRUE(n);
      auto h = parse_header(std::span(out.data(), *n));
      ASSERT_TRUE(h) << h.error().code;
      EXPECT_EQ(h->kid, kid);
      EXPECT_EQ(h->ctr, ctr);
      EXPECT_EQ(h->size, *n);
    }
  }
}

}  // namespace
}  // namespace parley::sframe
