#include "rtp/vp8.h"

#include <gtest/gtest.h>

#include "test_bytes.h"

namespace parley::rtp {
namespace {

using test::Bytes;
using test::hex;
using test::to_hex;

Vp8Descriptor parsed(const Bytes& b) {
  auto d = parse_vp8_descriptor(b);
  EXPECT_TRUE(d) << (d ? "" : d.error().code);
  return *d;
}

// RFC 7741 §4.2 figure, field by field:
//   |X|R|N|S|R| PID |  |I|L|T|K| RSV |  |M| PictureID |  |TL0PICIDX|  |TID|Y|KEYIDX|

TEST(Vp8Descriptor, MinimalStartOfKeyframe) {
  // X=0 N=0 S=1 PID=0, then the payload header with P=0 (§4.3).
  const Bytes b = hex("10 | 9c 01 2a");
  const auto d = parsed(b);
  EXPECT_FALSE(d.extended);
  EXPECT_FALSE(d.non_reference);
  EXPECT_TRUE(d.start_of_partition);
  EXPECT_EQ(d.partition_index, 0);
  EXPECT_FALSE(d.picture_id);
  EXPECT_FALSE(d.tl0_pic_idx);
  EXPECT_FALSE(d.tid);
  EXPECT_FALSE(d.key_idx);
  EXPECT_EQ(d.size, 1u);
  EXPECT_TRUE(vp8_is_keyframe_start(d, b));
}

TEST(Vp8Descriptor, KeyframeNeedsSPidZeroAndPClear) {
  EXPECT_FALSE(vp8_is_keyframe_start(parsed(hex("10 9d")), hex("10 9d")));  // P=1: interframe
  EXPECT_FALSE(vp8_is_keyframe_start(parsed(hex("00 9c")), hex("00 9c")));  // S=0
  EXPECT_FALSE(vp8_is_keyframe_start(parsed(hex("11 9c")), hex("11 9c")));  // PID=1
  EXPECT_TRUE(vp8_is_keyframe_start(parsed(hex("30 9c")), hex("30 9c")));   // N=1 does not matter
}

TEST(Vp8Descriptor, SevenBitPictureId) {
  // X=1 S=1 | I=1 | M=0 PictureID 0x55.
  const Bytes b = hex("90 80 55 | 00");
  const auto d = parsed(b);
  EXPECT_TRUE(d.extended);
  ASSERT_TRUE(d.picture_id);
  EXPECT_EQ(*d.picture_id, 0x55);
  EXPECT_FALSE(d.picture_id_15bit);
  EXPECT_EQ(d.size, 3u);
  EXPECT_TRUE(vp8_is_keyframe_start(d, b));
}

TEST(Vp8Descriptor, FifteenBitPictureIdAndEveryExtension) {
  // X=1 N=1 S=1 PID=0 | I L T K | M=1 PictureID 0x1234 | TL0PICIDX 0xfe |
  // TID=2 Y=1 KEYIDX=5 (10 1 00101).
  const Bytes b = hex("b0 f0 92 34 fe a5 | 9c");
  const auto d = parsed(b);
  EXPECT_TRUE(d.non_reference);
  ASSERT_TRUE(d.picture_id);
  EXPECT_EQ(*d.picture_id, 0x1234);
  EXPECT_TRUE(d.picture_id_15bit);
  ASSERT_TRUE(d.tl0_pic_idx);
  EXPECT_EQ(*d.tl0_pic_idx, 0xfe);
  ASSERT_TRUE(d.tid);
  EXPECT_EQ(*d.tid, 2);
  EXPECT_TRUE(d.layer_sync);
  ASSERT_TRUE(d.key_idx);
  EXPECT_EQ(*d.key_idx, 5);
  EXPECT_EQ(d.size, 6u);
}

TEST(Vp8Descriptor, EachOptionalFieldAlone) {
  {  // L only.
    const auto d = parsed(hex("80 40 07 00"));
    EXPECT_FALSE(d.picture_id);
    EXPECT_EQ(d.tl0_pic_idx, 7);
    EXPECT_EQ(d.size, 3u);
  }
  {  // T only: TID 3, Y 0; KEYIDX bits are not read.
    const auto d = parsed(hex("80 20 df 00"));
    EXPECT_EQ(d.tid, 3);
    EXPECT_FALSE(d.layer_sync);
    EXPECT_FALSE(d.key_idx);
    EXPECT_EQ(d.size, 3u);
  }
  {  // K only: KEYIDX 31; TID not read.
    const auto d = parsed(hex("80 10 ff 00"));
    EXPECT_FALSE(d.tid);
    EXPECT_EQ(d.key_idx, 31);
  }
  {  // X set with no fields; reserved bits ignored.
    const auto d = parsed(hex("c7 0f 00"));
    EXPECT_TRUE(d.extended);
    EXPECT_EQ(d.partition_index, 7);
    EXPECT_EQ(d.size, 2u);
  }
  {  // I and T, as browsers send with temporal layers.
    const auto d = parsed(hex("90 a0 80 01 40 00"));
    EXPECT_EQ(d.picture_id, 1);
    EXPECT_TRUE(d.picture_id_15bit);
    EXPECT_EQ(d.tid, 1);
    EXPECT_FALSE(d.tl0_pic_idx);
    EXPECT_EQ(d.size, 5u);
  }
}

TEST(Vp8Descriptor, RefusesTruncation) {
  const char* cases[] = {
      "",                // nothing
      "10",              // no VP8 data after the descriptor
      "80",              // X without its byte
      "90 80",           // I without PictureID
      "90 80 92",        // M=1 without the second byte
      "90 80 92 34",     // 15-bit PictureID, then nothing
      "80 40",           // L without TL0PICIDX
      "80 20",           // T without its byte
      "80 10",           // K without its byte
      "90 f0 92 34 fe",  // all fields but the T/K byte
  };
  for (const char* c : cases) {
    auto d = parse_vp8_descriptor(hex(c));
    ASSERT_FALSE(d) << c;
    EXPECT_EQ(d.error().code, "vp8_truncated") << c;
  }
}

TEST(Vp8Rewrite, PictureIdKeepsItsWidth) {
  Bytes fifteen = hex("90 c0 92 34 fe 9c");
  ASSERT_TRUE(rewrite_vp8_picture_id(fifteen, 0x7abc));
  EXPECT_EQ(to_hex(fifteen), "90 c0 fa bc fe 9c");
  ASSERT_TRUE(rewrite_vp8_picture_id(fifteen, 0xffff));  // wraps at 15 bits
  EXPECT_EQ(*parsed(fifteen).picture_id, 0x7fff);
  Bytes seven = hex("90 c0 12 fe 9c");
  ASSERT_TRUE(rewrite_vp8_picture_id(seven, 0x1ff));
  EXPECT_EQ(to_hex(seven), "90 c0 7f fe 9c");
  EXPECT_FALSE(parsed(seven).picture_id_15bit);
}

TEST(Vp8Rewrite, Tl0PicIdx) {
  Bytes b = hex("90 c0 92 34 fe 9c");
  ASSERT_TRUE(rewrite_vp8_tl0_pic_idx(b, 0x01));
  EXPECT_EQ(to_hex(b), "90 c0 92 34 01 9c");
}

TEST(Vp8Rewrite, Refusals) {
  Bytes no_fields = hex("10 9c");
  EXPECT_EQ(rewrite_vp8_picture_id(no_fields, 1).error().code, "vp8_no_picture_id");
  EXPECT_EQ(rewrite_vp8_tl0_pic_idx(no_fields, 1).error().code, "vp8_no_tl0_pic_idx");
  Bytes cut = hex("90 80");
  EXPECT_EQ(rewrite_vp8_picture_id(cut, 1).error().code, "vp8_truncated");
  EXPECT_EQ(rewrite_vp8_tl0_pic_idx(cut, 1).error().code, "vp8_truncated");
  EXPECT_EQ(to_hex(cut), "90 80");
}

}  // namespace
}  // namespace parley::rtp
