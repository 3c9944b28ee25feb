#include "rtp/rtp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_bytes.h"

namespace parley::rtp {
namespace {

using test::Bytes;
using test::hex;
using test::to_hex;

Bytes span_bytes(std::span<const std::uint8_t> s) {
  return Bytes(s.begin(), s.end());
}

// RFC 3550 §5.1 fixed header: V=2 P=0 X=0 CC=0 | M=0 PT=96 | seq 0x1234 |
// timestamp 0x00005678 | SSRC 0xdeadbeef, then three payload bytes.
const char* kMinimal = "80 60 12 34 | 00 00 56 78 | de ad be ef | 01 02 03";

TEST(RtpParse, FixedHeaderOfRfc3550Figure) {
  const Bytes b = hex(kMinimal);
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_FALSE(p->has_padding());
  EXPECT_FALSE(p->has_extension());
  EXPECT_EQ(p->csrc_count(), 0);
  EXPECT_FALSE(p->marker());
  EXPECT_EQ(p->payload_type(), 96);
  EXPECT_EQ(p->sequence_number(), 0x1234);
  EXPECT_EQ(p->timestamp(), 0x5678u);
  EXPECT_EQ(p->ssrc(), 0xdeadbeefu);
  EXPECT_EQ(p->header_size(), 12u);
  EXPECT_EQ(span_bytes(p->payload()), hex("01 02 03"));
  EXPECT_EQ(p->extension_form(), ExtensionForm::kNone);
  EXPECT_EQ(p->extension_profile(), 0);
  EXPECT_EQ(p->extensions().begin(), p->extensions().end());
  EXPECT_FALSE(p->find_extension(1));
}

TEST(RtpParse, CsrcListMarkerAndPadding) {
  // V=2 P=1 X=0 CC=2 (0xa2) | M=1 PT=111 (0xef) | 2 CSRCs | payload aa bb |
  // padding of 4 whose last byte counts itself (§5.1).
  const Bytes b = hex(
      "a2 ef 00 01 | ff ff ff ff | 00 00 00 01 | 11 11 11 11 | 22 22 22 22 | aa bb | 00 00 00 04");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_TRUE(p->has_padding());
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->payload_type(), 111);
  EXPECT_EQ(p->timestamp(), 0xffffffffu);
  EXPECT_EQ(p->csrc_count(), 2);
  EXPECT_EQ(p->csrc(0), 0x11111111u);
  EXPECT_EQ(p->csrc(1), 0x22222222u);
  EXPECT_EQ(p->csrc(2), 0u);  // out of range reads as 0, never out of bounds
  EXPECT_EQ(p->header_size(), 20u);
  EXPECT_EQ(p->padding_size(), 4u);
  EXPECT_EQ(span_bytes(p->payload()), hex("aa bb"));
}

TEST(RtpParse, PaddingOnlyPacketHasEmptyPayload) {
  // A bandwidth probe: no payload, 4 bytes of padding.
  const Bytes b = hex("a0 60 00 07 00 00 00 00 00 00 00 01 | 00 00 00 04");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload().empty());
  EXPECT_EQ(p->padding_size(), 4u);
}

// RFC 8285 §4.2 figure: 0xBEDE, length 3, an element with L=0, one with
// L=1, two padding bytes, one with L=3. IDs 1, 2, 3 here.
const char* kOneByte =
    "90 60 00 01 | 00 00 00 02 | 00 00 00 03 | be de 00 03 | 10 aa 21 bb | cc 00 00 33 | 01 02 03 "
    "04 | 99";

TEST(RtpExtensions, OneByteFormOfRfc8285Figure) {
  const Bytes b = hex(kOneByte);
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_EQ(p->extension_form(), ExtensionForm::kOneByte);
  EXPECT_EQ(p->extension_profile(), 0xBEDE);
  EXPECT_EQ(p->header_size(), 28u);
  EXPECT_EQ(span_bytes(p->payload()), hex("99"));
  std::vector<std::pair<int, Bytes>> seen;
  for (const Extension& e : p->extensions()) seen.emplace_back(e.id, span_bytes(e.value));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(1, hex("aa")));
  EXPECT_EQ(seen[1], std::make_pair(2, hex("bb cc")));
  EXPECT_EQ(seen[2], std::make_pair(3, hex("01 02 03 04")));
  EXPECT_EQ(span_bytes(*p->find_extension(2)), hex("bb cc"));
  EXPECT_EQ(p->find_extension_offset(3), 24u);
  EXPECT_FALSE(p->find_extension(4));
  EXPECT_FALSE(p->find_extension(0));  // padding, never an element
}

// RFC 8285 §4.3 figure: 0x1000 (appbits 0 here: 0x100 then 4 bits), length 3,
// an element with L=0, one with L=1, a padding byte, one with L=4.
const char* kTwoByte =
    "90 60 00 01 | 00 00 00 02 | 00 00 00 03 | 10 00 00 03 | 01 00 02 01 | aa 00 03 04 | 01 02 03 "
    "04";

TEST(RtpExtensions, TwoByteFormOfRfc8285Figure) {
  const Bytes b = hex(kTwoByte);
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_EQ(p->extension_form(), ExtensionForm::kTwoByte);
  EXPECT_EQ(p->extension_appbits(), 0);
  EXPECT_TRUE(p->payload().empty());
  std::vector<std::pair<int, Bytes>> seen;
  for (const Extension& e : p->extensions()) seen.emplace_back(e.id, span_bytes(e.value));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(1, Bytes{}));  // zero-length values exist in this form
  EXPECT_EQ(seen[1], std::make_pair(2, hex("aa")));
  EXPECT_EQ(seen[2], std::make_pair(3, hex("01 02 03 04")));
  ASSERT_TRUE(p->find_extension(1));
  EXPECT_TRUE(p->find_extension(1)->empty());
}

TEST(RtpExtensions, TwoByteAppBitsAndHighIds) {
  const Bytes b = hex("90 60 00 01 00 00 00 02 00 00 00 03 | 10 0a 00 01 | ff 01 7e 00");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_EQ(p->extension_form(), ExtensionForm::kTwoByte);
  EXPECT_EQ(p->extension_appbits(), 0x0a);
  EXPECT_EQ(span_bytes(*p->find_extension(255)), hex("7e"));
}

TEST(RtpExtensions, OneByteId15EndsTheWalk) {
  // RFC 8285 §4.2: ID 15 stops processing; the element before it counts.
  const Bytes b =
      hex("90 60 00 01 00 00 00 02 00 00 00 03 | be de 00 02 | 10 aa f3 01 | 20 bb 00 00");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_TRUE(p->find_extension(1));
  EXPECT_FALSE(p->find_extension(2));
  int n = 0;
  for (const auto& e : p->extensions()) {
    (void)e;
    ++n;
  }
  EXPECT_EQ(n, 1);
}

TEST(RtpExtensions, OneByteIdZeroWithLengthEndsTheWalk) {
  // RFC 8285 §4.1.2: ID 0 with a non-zero length stops processing.
  const Bytes b = hex("90 60 00 01 00 00 00 02 00 00 00 03 | be de 00 01 | 10 aa 05 20");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_TRUE(p->find_extension(1));
  EXPECT_FALSE(p->find_extension(2));
}

TEST(RtpExtensions, OtherProfileIsSkippedWithoutElements) {
  const Bytes b = hex("90 60 00 01 00 00 00 02 00 00 00 03 | ab cd 00 01 | 10 aa 21 bb | 77");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_EQ(p->extension_form(), ExtensionForm::kOther);
  EXPECT_EQ(p->extension_profile(), 0xabcd);
  EXPECT_EQ(p->extensions().begin(), p->extensions().end());
  EXPECT_FALSE(p->find_extension(1));
  EXPECT_EQ(span_bytes(p->payload()), hex("77"));
}

TEST(RtpExtensions, EmptyExtensionBlock) {
  const Bytes b = hex("90 60 00 01 00 00 00 02 00 00 00 03 | be de 00 00 | 77");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p) << p.error().code;
  EXPECT_EQ(p->extensions().begin(), p->extensions().end());
}

struct Refusal {
  const char* name;
  const char* hex;
  const char* code;
};

TEST(RtpParse, RefusesMalformedPackets) {
  const Refusal cases[] = {
      {"empty", "", "rtp_truncated"},
      {"11 bytes", "80 60 00 01 00 00 00 02 00 00 00", "rtp_truncated"},
      {"version 1", "40 60 00 01 00 00 00 02 00 00 00 03", "rtp_bad_version"},
      {"version 0", "00 60 00 01 00 00 00 02 00 00 00 03", "rtp_bad_version"},
      {"version 3", "c0 60 00 01 00 00 00 02 00 00 00 03", "rtp_bad_version"},
      {"CSRC past end", "81 60 00 01 00 00 00 02 00 00 00 03 11 22 33", "rtp_truncated"},
      {"15 CSRCs, none there", "8f 60 00 01 00 00 00 02 00 00 00 03", "rtp_truncated"},
      {"extension header missing", "90 60 00 01 00 00 00 02 00 00 00 03 be de", "rtp_truncated"},
      {"extension words missing", "90 60 00 01 00 00 00 02 00 00 00 03 be de 00 02 10 aa 00 00",
       "rtp_truncated"},
      {"one-byte element overruns", "90 60 00 01 00 00 00 02 00 00 00 03 be de 00 01 10 aa 23 bb",
       "rtp_bad_extension"},
      {"two-byte element overruns", "90 60 00 01 00 00 00 02 00 00 00 03 10 00 00 01 01 05 aa bb",
       "rtp_bad_extension"},
      {"two-byte header cut", "90 60 00 01 00 00 00 02 00 00 00 03 10 00 00 01 01 01 aa 07",
       "rtp_bad_extension"},
      {"padding count zero", "a0 60 00 01 00 00 00 02 00 00 00 03 aa 00", "rtp_bad_padding"},
      {"padding into header", "a0 60 00 01 00 00 00 02 00 00 00 03 aa 03", "rtp_bad_padding"},
      {"padding bit, no bytes", "a0 60 00 01 00 00 00 02 00 00 00 03", "rtp_bad_padding"},
      {"padding eats extension", "b0 60 00 01 00 00 00 02 00 00 00 03 be de 00 01 10 aa 00 00 02",
       "rtp_bad_padding"},
  };
  for (const auto& c : cases) {
    const Bytes b = hex(c.hex);
    auto p = parse_rtp(b);
    ASSERT_FALSE(p) << c.name;
    EXPECT_EQ(p.error().code, c.code) << c.name;
    EXPECT_FALSE(p.error().message.empty());
  }
}

TEST(RtpParse, PaddingMayTakeTheWholePayload) {
  const Bytes b = hex("a0 60 00 01 00 00 00 02 00 00 00 03 00 00 03");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload().empty());
}

TEST(RtpRewrite, HeaderFieldsInPlace) {
  Bytes b = hex(kOneByte);
  const Bytes before = b;
  auto m = parse_rtp_mutable(b);
  ASSERT_TRUE(m);
  m->set_sequence_number(0xfffe);
  m->set_timestamp(0x01020304);
  m->set_ssrc(0xcafef00d);
  ASSERT_TRUE(m->set_payload_type(100));
  m->set_marker(true);
  EXPECT_EQ(m->sequence_number(), 0xfffe);
  EXPECT_EQ(m->timestamp(), 0x01020304u);
  EXPECT_EQ(m->ssrc(), 0xcafef00du);
  EXPECT_EQ(m->payload_type(), 100);
  EXPECT_TRUE(m->marker());
  // Only the header's fields changed: X bit, CC and everything else kept.
  EXPECT_EQ(to_hex(b), to_hex(hex("90 e4 ff fe | 01 02 03 04 | ca fe f0 0d")) + " " +
                           to_hex(Bytes(before.begin() + 12, before.end())));
  m->set_marker(false);
  EXPECT_EQ(b[1], 100);
  auto bad = m->set_payload_type(128);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "rtp_bad_argument");
  EXPECT_EQ(m->payload_type(), 100);
}

TEST(RtpRewrite, ExtensionValueOfSameLength) {
  Bytes b = hex(kOneByte);
  auto m = parse_rtp_mutable(b);
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->set_extension(2, hex("12 34")));
  EXPECT_EQ(span_bytes(*m->find_extension(2)), hex("12 34"));
  EXPECT_EQ(b[19], 0x12);
  EXPECT_EQ(b[20], 0x34);
  auto wrong_size = m->set_extension(2, hex("12"));
  ASSERT_FALSE(wrong_size);
  EXPECT_EQ(wrong_size.error().code, "rtp_bad_extension");
  auto absent = m->set_extension(9, hex("12"));
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, "rtp_no_extension");
  auto value = m->mutable_extension(3);
  ASSERT_TRUE(value);
  (*value)[0] = 0xee;
  EXPECT_EQ(span_bytes(*m->find_extension(3)), hex("ee 02 03 04"));
  m->mutable_payload()[0] = 0x42;
  EXPECT_EQ(b.back(), 0x42);
}

TEST(RtpRewrite, TransportSequenceNumber) {
  Bytes b = hex(kOneByte);
  auto m = parse_rtp_mutable(b);
  ASSERT_TRUE(m);
  ASSERT_TRUE(set_transport_sequence_number(*m, 2, 0xabcd));
  auto seq = parse_transport_sequence_number(*m->find_extension(2));
  ASSERT_TRUE(seq);
  EXPECT_EQ(*seq, 0xabcd);
  EXPECT_FALSE(set_transport_sequence_number(*m, 1, 1));  // 1-byte element
  EXPECT_FALSE(parse_transport_sequence_number(hex("01")));
  EXPECT_FALSE(parse_transport_sequence_number(hex("01 02 03")));
}

TEST(RtpExtensionValues, AudioLevelOfRfc6464) {
  // §3: V=1, level 42 -dBov.
  auto a = parse_audio_level(hex("aa"));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->voice_activity);
  EXPECT_EQ(a->level, 42);
  auto silent = parse_audio_level(hex("7f"));
  ASSERT_TRUE(silent);
  EXPECT_FALSE(silent->voice_activity);
  EXPECT_EQ(silent->level, 127);
  // The two-byte form's figure: the level, then a padding byte.
  auto padded = parse_audio_level(hex("85 00"));
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded->level, 5);
  EXPECT_EQ(parse_audio_level({}).error().code, "rtp_bad_extension");
  EXPECT_EQ(parse_audio_level(hex("01 02 03")).error().code, "rtp_bad_extension");
}

Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

TEST(RtpExtensionValues, MidAndRid) {
  EXPECT_EQ(*parse_mid(text("0")), "0");
  EXPECT_EQ(*parse_mid(text("video-1")), "video-1");
  EXPECT_EQ(*parse_rid(text("hi_res-2")), "hi_res-2");
  // A trailing NUL ends the text.
  Bytes with_nul = text("q");
  with_nul.push_back(0);
  EXPECT_EQ(*parse_rid(with_nul), "q");
  EXPECT_EQ(parse_mid({}).error().code, "rtp_bad_mid");
  EXPECT_EQ(parse_mid(text("a b")).error().code, "rtp_bad_mid");
  EXPECT_EQ(parse_rid(text("")).error().code, "rtp_bad_rid");
  EXPECT_EQ(parse_rid(text("a.b")).error().code, "rtp_bad_rid");
  EXPECT_EQ(parse_rid(hex("00 61")).error().code, "rtp_bad_rid");
}

TEST(RtpExtensionValues, MidIsAViewIntoThePacket) {
  // One-byte element id 4, 2 bytes "ab", then padding.
  const Bytes b = hex("90 60 00 01 00 00 00 02 00 00 00 03 | be de 00 01 | 41 61 62 00 | 55");
  auto p = parse_rtp(b);
  ASSERT_TRUE(p);
  auto mid = parse_mid(*p->find_extension(4));
  ASSERT_TRUE(mid);
  EXPECT_EQ(*mid, "ab");
  EXPECT_EQ(reinterpret_cast<const std::uint8_t*>(mid->data()), b.data() + 17);
}

// RFC 4588 §4: RTP header with the RTX payload type, SSRC and sequence
// number, then the 2-byte OSN, then the original payload.
TEST(Rtx, BuildFromOriginal) {
  // Original: X with one element, CC=1, M=1, PT 96, seq 0x0102, padding 2.
  const Bytes original =
      hex("b1 e0 01 02 | 00 00 03 e8 | 00 00 00 0a | 00 00 00 0b | be de 00 01 | 10 aa 00 00 | 01 "
          "02 03 "
          "| 00 02");
  auto p = parse_rtp(original);
  ASSERT_TRUE(p) << p.error().code;
  Bytes out(100, 0xee);
  auto n = build_rtx(*p, out, 97, 0x0000000c, 0x0500);
  ASSERT_TRUE(n) << n.error().code;
  out.resize(*n);
  EXPECT_EQ(to_hex(out),
            to_hex(hex("91 e1 05 00 | 00 00 03 e8 | 00 00 00 0c | 00 00 00 0b | be de 00 "
                       "01 | 10 aa 00 00 | 01 02 | 01 02 03")));
  auto rtx = parse_rtp(out);
  ASSERT_TRUE(rtx);
  EXPECT_EQ(*rtx_original_sequence_number(*rtx), 0x0102);
  EXPECT_EQ(span_bytes(*rtx->find_extension(1)), hex("aa"));
}

TEST(Rtx, UnwrapRestoresTheOriginal) {
  const Bytes original = hex("80 e0 01 02 | 00 00 03 e8 | 00 00 00 0a | 01 02 03");
  auto p = parse_rtp(original);
  ASSERT_TRUE(p);
  Bytes rtx(64);
  auto n = build_rtx(*p, rtx, 97, 12, 7);
  ASSERT_TRUE(n);
  rtx.resize(*n);
  auto r = parse_rtp(rtx);
  ASSERT_TRUE(r);
  Bytes back(64);
  auto m = unwrap_rtx(*r, back, 96, 10);
  ASSERT_TRUE(m) << m.error().code;
  back.resize(*m);
  EXPECT_EQ(back, original);
}

TEST(Rtx, InPlaceBothWays) {
  const Bytes original =
      hex("90 60 ff ff | 00 00 00 01 | 00 00 00 0a | be de 00 01 | 21 12 34 00 | 0a 0b 0c 0d 0e");
  Bytes buf = original;
  buf.resize(64);
  {
    auto p = parse_rtp(std::span<const std::uint8_t>(buf.data(), original.size()));
    ASSERT_TRUE(p);
    auto n = build_rtx(*p, buf, 97, 12, 0);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, original.size() + 2);
    EXPECT_EQ(
        to_hex(buf.data(), *n),
        to_hex(hex("90 61 00 00 | 00 00 00 01 | 00 00 00 0c | be de 00 01 | 21 12 34 00 | ff ff | "
                   "0a 0b 0c 0d 0e")));
    auto r = parse_rtp(std::span<const std::uint8_t>(buf.data(), *n));
    ASSERT_TRUE(r);
    auto m = unwrap_rtx(*r, buf, 96, 10);
    ASSERT_TRUE(m);
    EXPECT_EQ(Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*m)), original);
  }
}

TEST(Rtx, Refusals) {
  // Padding-only RTX probe: no OSN.
  const Bytes probe = hex("a0 61 00 07 00 00 00 00 00 00 00 0c | 00 00 00 04");
  auto p = parse_rtp(probe);
  ASSERT_TRUE(p);
  EXPECT_EQ(rtx_original_sequence_number(*p).error().code, "rtp_rtx_no_payload");
  Bytes out(64);
  EXPECT_EQ(unwrap_rtx(*p, out, 96, 1).error().code, "rtp_rtx_no_payload");
  const Bytes one = hex("80 61 00 07 00 00 00 00 00 00 00 0c | 05");
  auto q = parse_rtp(one);
  ASSERT_TRUE(q);
  EXPECT_EQ(rtx_original_sequence_number(*q).error().code, "rtp_bad_rtx");

  const Bytes original = hex(kMinimal);
  auto o = parse_rtp(original);
  ASSERT_TRUE(o);
  Bytes small(original.size() + 1);
  EXPECT_EQ(build_rtx(*o, small, 97, 1, 1).error().code, "rtp_buffer_too_small");
  Bytes enough(original.size() + 2);
  EXPECT_TRUE(build_rtx(*o, enough, 97, 1, 1));
  EXPECT_EQ(build_rtx(*o, enough, 128, 1, 1).error().code, "rtp_bad_argument");
  auto r = parse_rtp(enough);
  ASSERT_TRUE(r);
  Bytes tiny(original.size() - 1);
  EXPECT_EQ(unwrap_rtx(*r, tiny, 96, 1).error().code, "rtp_buffer_too_small");
  EXPECT_EQ(unwrap_rtx(*r, enough, 200, 1).error().code, "rtp_bad_argument");
}

}  // namespace
}  // namespace parley::rtp
