// The rules behind simulcast forwarding, alone: where keyframes start in
// each payload format, the size a VP8 keyframe announces, which layer a
// tile gets, and the loss-based bandwidth estimate.
#include "media/track.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Keyframes, Vp8StartsWhereTheDescriptorAndThePayloadHeaderSaySo) {
  // X=0, S=1, PID=0; the VP8 header's P bit clear: a keyframe.
  EXPECT_TRUE(is_keyframe_start(PayloadFormat::vp8, Bytes{0x10, 0x00, 0x02, 0x00}));
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::vp8, Bytes{0x10, 0x01, 0x02, 0x00}));  // P set: a delta frame
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::vp8, Bytes{0x00, 0x00, 0x02, 0x00}));  // not a partition start
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::vp8, Bytes{0x90}));                    // truncated
}

TEST(Keyframes, Vp9AndH264) {
  EXPECT_TRUE(is_keyframe_start(PayloadFormat::vp9, Bytes{0x08, 0}));   // B set, P clear
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::vp9, Bytes{0x48, 0}));  // inter-predicted
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::vp9, Bytes{0x04, 0}));  // not a frame's start
  EXPECT_TRUE(is_keyframe_start(PayloadFormat::h264, Bytes{0x65, 0}));   // IDR slice
  EXPECT_TRUE(is_keyframe_start(PayloadFormat::h264, Bytes{0x67, 0}));   // SPS
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::h264, Bytes{0x41, 0}));  // non-IDR slice
  EXPECT_TRUE(is_keyframe_start(PayloadFormat::h264, Bytes{0x78, 0x00, 0x10, 0x67}));  // STAP-A opening with an SPS
  EXPECT_TRUE(is_keyframe_start(PayloadFormat::h264, Bytes{0x7C, 0x85}));   // FU-A start of an IDR
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::h264, Bytes{0x7C, 0x05}));  // FU-A middle
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::opus, Bytes{0x65}));
  EXPECT_FALSE(is_keyframe_start(PayloadFormat::h264, Bytes{}));
}

TEST(Keyframes, Vp8KeyframeSize) {
  Bytes key = {0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x00, 0x05, 0xD0, 0x02};  // 1280 × 720
  auto size = vp8_keyframe_size(key);
  ASSERT_TRUE(size);
  EXPECT_EQ(size->first, 1280);
  EXPECT_EQ(size->second, 720);
  key[5] = 0x02;  // a broken start code
  EXPECT_FALSE(vp8_keyframe_size(key));
  EXPECT_FALSE(vp8_keyframe_size(Bytes{0x10, 0x10, 0x02, 0x00, 0x9d}));
}

TEST(LayerChoice, TheSmallestLayerThatFillsTheTile) {
  // Announced in any order; ranked by picture size.
  std::vector<LayerInfo> layers = {{true, 1280, 720, 1'500'000}, {true, 320, 180, 150'000}, {true, 640, 360, 500'000}};
  EXPECT_EQ(rank_layers(layers), (std::vector<int>{1, 2, 0}));
  EXPECT_EQ(layer_for_view(layers, 320, 180), 1);
  EXPECT_EQ(layer_for_view(layers, 400, 225), 1);  // within 3/4 of the tile
  EXPECT_EQ(layer_for_view(layers, 600, 340), 2);
  EXPECT_EQ(layer_for_view(layers, 1920, 1080), 0);  // nothing large enough: the largest
  EXPECT_EQ(layer_for_view(layers, 0, 0), -1);       // hidden
  layers[0].active = false;                          // the largest stopped arriving
  EXPECT_EQ(layer_for_view(layers, 1920, 1080), 2);
}

TEST(LayerChoice, ByBitrateWhenSizesAreUnknown) {
  std::vector<LayerInfo> layers = {{true, 0, 0, 900'000}, {true, 0, 0, 100'000}};
  EXPECT_EQ(rank_layers(layers), (std::vector<int>{1, 0}));
  EXPECT_EQ(layer_for_view(layers, 160, 90), 0);  // cannot judge: the largest
  layers = {{false, 0, 0, 0}, {false, 0, 0, 0}};
  EXPECT_EQ(layer_for_view(layers, 640, 360), -1);
}

TEST(BandwidthEstimate, FallsWithLossAndRecoversSlowly) {
  BandwidthEstimate e(1'000'000);
  e.on_loss(0.05);  // between 2% and 10%: held
  EXPECT_DOUBLE_EQ(e.bps(), 1'000'000);
  e.on_loss(0.5);
  EXPECT_DOUBLE_EQ(e.bps(), 750'000);
  e.on_loss(0.0);
  EXPECT_DOUBLE_EQ(e.bps(), 787'500);
  for (int i = 0; i < 100; ++i) e.on_loss(1.0);
  EXPECT_DOUBLE_EQ(e.bps(), BandwidthEstimate::kMin);
  for (int i = 0; i < 1000; ++i) e.on_loss(0.0);
  EXPECT_DOUBLE_EQ(e.bps(), BandwidthEstimate::kMax);
}

}  // namespace
}  // namespace parley::media
