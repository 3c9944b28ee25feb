// H.264 profile-level-id (RFC 6184 §8.1) and offer/answer matching (§8.2.2).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sdp/negotiate.h"
#include "sdp_test_util.h"

namespace parley::sdp {
namespace {

H264Profile profile_of(std::string_view hex) {
  const auto id = parse_h264_profile_level_id(hex);
  EXPECT_TRUE(id.has_value()) << hex;
  return id ? id->profile : H264Profile::cavlc444_intra;
}

TEST(H264ProfileLevelId, ProfilesOfRfc6184Table5) {
  // Constrained Baseline has three spellings.
  EXPECT_EQ(profile_of("42e01f"), H264Profile::constrained_baseline);
  EXPECT_EQ(profile_of("42401f"), H264Profile::constrained_baseline);
  EXPECT_EQ(profile_of("4d801f"), H264Profile::constrained_baseline);
  EXPECT_EQ(profile_of("58c01f"), H264Profile::constrained_baseline);
  // Baseline: 42 without constraint_set1, or 58 with set0 only.
  EXPECT_EQ(profile_of("42001f"), H264Profile::baseline);
  EXPECT_EQ(profile_of("42a01f"), H264Profile::baseline);
  EXPECT_EQ(profile_of("58801f"), H264Profile::baseline);
  EXPECT_EQ(profile_of("4d001f"), H264Profile::main);
  EXPECT_EQ(profile_of("4d401f"), H264Profile::main);
  EXPECT_EQ(profile_of("58001f"), H264Profile::extended);
  EXPECT_EQ(profile_of("64001f"), H264Profile::high);
  EXPECT_EQ(profile_of("640c1f"), H264Profile::constrained_high);
  EXPECT_EQ(profile_of("64081f"), H264Profile::progressive_high);
  EXPECT_EQ(profile_of("6e001f"), H264Profile::high10);
  EXPECT_EQ(profile_of("6e101f"), H264Profile::high10_intra);
  EXPECT_EQ(profile_of("7a001f"), H264Profile::high422);
  EXPECT_EQ(profile_of("7a101f"), H264Profile::high422_intra);
  EXPECT_EQ(profile_of("f4001f"), H264Profile::high444);
  EXPECT_EQ(profile_of("F4101F"), H264Profile::high444_intra);
  EXPECT_EQ(profile_of("2c101f"), H264Profile::cavlc444_intra);
}

TEST(H264ProfileLevelId, Refuses) {
  for (const auto* bad :
       {"", "42e01", "42e01f0", "42e0zz", "43001f", "42e0ff", "42e100", "42e31f", "+2e01f"}) {
    EXPECT_FALSE(parse_h264_profile_level_id(bad).has_value()) << bad;
  }
}

TEST(H264ProfileLevelId, Levels) {
  const auto l31 = parse_h264_profile_level_id("42e01f");
  ASSERT_TRUE(l31);
  EXPECT_EQ(l31->level_idc, 31);
  EXPECT_FALSE(l31->level_1b);
  // Level 1b: level_idc 11 with constraint_set3 for Baseline/Main/Extended,
  // level_idc 9 for High.
  const auto b1 = parse_h264_profile_level_id("42f00b");
  ASSERT_TRUE(b1);
  EXPECT_TRUE(b1->level_1b);
  EXPECT_EQ(b1->profile, H264Profile::constrained_baseline);
  const auto l11 = parse_h264_profile_level_id("42e00b");
  ASSERT_TRUE(l11);
  EXPECT_FALSE(l11->level_1b);
  const auto h1b = parse_h264_profile_level_id("640009");
  ASSERT_TRUE(h1b);
  EXPECT_TRUE(h1b->level_1b);
  const auto l10 = parse_h264_profile_level_id("42e00a");
  EXPECT_LT(h264_level_rank(*l10), h264_level_rank(*b1));
  EXPECT_LT(h264_level_rank(*b1), h264_level_rank(*l11));
  EXPECT_LT(h264_level_rank(*l11), h264_level_rank(*l31));
  // Absent profile-level-id means Baseline level 1 (RFC 6184 §8.1).
  const auto absent = h264_profile_level_id({});
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->profile, H264Profile::baseline);
  EXPECT_EQ(absent->level_idc, 10);
}

TEST(H264ProfileLevelId, SameConfiguration) {
  using P = std::vector<FmtpParam>;
  const P cb31{{"packetization-mode", "1"}, {"profile-level-id", "42e01f"}};
  // The level may differ; the profile and the packetization mode may not.
  EXPECT_TRUE(h264_same_configuration(
      cb31, P{{"packetization-mode", "1"}, {"profile-level-id", "42e034"}}));
  EXPECT_TRUE(h264_same_configuration(
      cb31, P{{"packetization-mode", "1"}, {"profile-level-id", "4d801f"}}));
  EXPECT_FALSE(h264_same_configuration(
      cb31, P{{"packetization-mode", "1"}, {"profile-level-id", "42001f"}}));
  EXPECT_FALSE(h264_same_configuration(
      cb31, P{{"packetization-mode", "0"}, {"profile-level-id", "42e01f"}}));
  EXPECT_FALSE(
      h264_same_configuration(cb31, P{{"profile-level-id", "42e01f"}}));  // absent mode = 0
  EXPECT_TRUE(
      h264_same_configuration(P{}, P{{"packetization-mode", "0"}, {"profile-level-id", "42000a"}}));
  EXPECT_FALSE(
      h264_same_configuration(cb31, P{{"packetization-mode", "1"}, {"profile-level-id", "xx"}}));
}

TEST(H264Negotiation, MatchesProfilesTheServerTakes) {
  // Chromium's receive-only offer lists 42001f, 42e01f, 4d001f and f4001f,
  // each in packetization modes 0 and 1.
  const auto text = test::read_data("chromium-subscribe-recvonly.sdp");
  Capabilities caps;
  caps.video_codecs = {Codec::h264};
  auto a = test::answer_offer(text, caps);
  const auto& video = a.answer.media[1];
  ASSERT_EQ(test::formats(video), (std::vector<std::uint8_t>{108, 109}));
  EXPECT_EQ(video.payload_types[0].param("profile-level-id"), "42e01f");
  EXPECT_EQ(video.payload_types[0].param("packetization-mode"), "1");
  // In the server's profile order, not the offer's.
  caps.h264_profiles = {H264Profile::high444, H264Profile::main, H264Profile::constrained_baseline,
                        H264Profile::constrained_high};
  a = test::answer_offer(text, caps);
  const auto& v2 = a.answer.media[1];
  ASSERT_EQ(test::formats(v2), (std::vector<std::uint8_t>{41, 42, 116, 117, 108, 109}));
  EXPECT_EQ(v2.find_payload_type(41)->param("profile-level-id"), "f4001f");
  EXPECT_EQ(v2.find_payload_type(116)->param("profile-level-id"), "4d001f");
  // Every H264 format answered keeps the offer's configuration (§8.2.2).
  for (const auto& p : v2.payload_types) {
    if (p.rtpmap->encoding != "H264") continue;
    const auto* offered = a.offer.media[1].find_payload_type(p.pt);
    ASSERT_NE(offered, nullptr);
    EXPECT_TRUE(h264_same_configuration(offered->fmtp_params, p.fmtp_params));
    EXPECT_EQ(offered->param("profile-level-id"), p.param("profile-level-id"));
  }
}

TEST(H264Negotiation, UppercaseAndAbsentProfileLevelId) {
  const auto text = test::read_data("chromium-publish-audio-video.sdp");
  Capabilities caps;
  caps.video_codecs = {Codec::h264};
  // Uppercase hex is the same profile; the answer writes it in lowercase.
  auto a = test::answer_offer(
      test::replace_all(text, "profile-level-id=42e01f", "profile-level-id=42E01F"), caps);
  EXPECT_EQ(a.answer.media[1].find_payload_type(108)->param("profile-level-id"), "42e01f");
  // Absent means Baseline: only a server that takes Baseline answers it.
  const auto absent = test::replace_all(text, ";profile-level-id=42001f", "");
  caps.h264_profiles = {H264Profile::baseline};
  a = test::answer_offer(absent, caps);
  ASSERT_EQ(test::formats(a.answer.media[1]), (std::vector<std::uint8_t>{102, 103}));
  EXPECT_FALSE(a.answer.media[1].payload_types[0].param("profile-level-id").has_value());
}

}  // namespace
}  // namespace parley::sdp
