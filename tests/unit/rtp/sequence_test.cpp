#include "rtp/sequence.h"

#include <gtest/gtest.h>

namespace parley::rtp {
namespace {

TEST(SequenceArithmetic, NewerAcrossTheWrap) {
  EXPECT_TRUE(is_newer_sequence(1, 0));
  EXPECT_FALSE(is_newer_sequence(0, 1));
  EXPECT_FALSE(is_newer_sequence(5, 5));
  EXPECT_TRUE(is_newer_sequence(0, 65535));
  EXPECT_TRUE(is_newer_sequence(10, 65530));
  EXPECT_FALSE(is_newer_sequence(65530, 10));
  EXPECT_TRUE(is_newer_sequence(0x7fff, 0));
  // Exactly half the circle apart: one direction only.
  EXPECT_TRUE(is_newer_sequence(0x8000, 0));
  EXPECT_FALSE(is_newer_sequence(0, 0x8000));
  EXPECT_NE(is_newer_sequence(0x8005, 5), is_newer_sequence(5, 0x8005));
}

TEST(SequenceArithmetic, Distance) {
  EXPECT_EQ(sequence_distance(5, 3), 2);
  EXPECT_EQ(sequence_distance(3, 5), -2);
  EXPECT_EQ(sequence_distance(2, 65534), 4);
  EXPECT_EQ(sequence_distance(65534, 2), -4);
  EXPECT_EQ(sequence_distance(0x8000, 0), -32768);
  EXPECT_EQ(sequence_distance(0x7fff, 0), 32767);
}

TEST(SequenceArithmetic, TimestampsWrapToo) {
  EXPECT_TRUE(is_newer_timestamp(10, 0xfffffff0u));
  EXPECT_FALSE(is_newer_timestamp(0xfffffff0u, 10));
  EXPECT_FALSE(is_newer_timestamp(7, 7));
  EXPECT_TRUE(is_newer_timestamp(0x80000000u, 0));
  EXPECT_FALSE(is_newer_timestamp(0, 0x80000000u));
}

TEST(SequenceUnwrapper, ExtendsThroughSeveralWraps) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.unwrap(65000), 65000);
  std::int64_t expected = 65000;
  std::uint16_t seq = 65000;
  for (int i = 0; i < 200000; ++i) {
    seq = static_cast<std::uint16_t>(seq + 7);
    expected += 7;
    ASSERT_EQ(u.unwrap(seq), expected);
  }
}

TEST(SequenceUnwrapper, ReorderedAroundTheWrap) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.unwrap(65534), 65534);
  EXPECT_EQ(u.unwrap(1), 65537);
  EXPECT_EQ(u.unwrap(65535), 65535);  // late, from before the wrap
  EXPECT_EQ(u.unwrap(0), 65536);
  EXPECT_EQ(u.unwrap(2), 65538);
  EXPECT_EQ(u.peek(65533), 65533);
  EXPECT_EQ(u.unwrap(3), 65539);
}

TEST(SequenceUnwrapper, OlderThanTheFirstGoesNegative) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.unwrap(1), 1);
  EXPECT_EQ(u.unwrap(65535), -1);
  EXPECT_EQ(u.unwrap(2), 2);
}

// RFC 3550 Appendix A.1: probation, cycles, resynchronisation.
TEST(SequenceStats, ProbationThenValid) {
  SequenceStats s(100);
  EXPECT_FALSE(s.valid());
  EXPECT_FALSE(s.update(100));  // first of MIN_SEQUENTIAL = 2
  EXPECT_TRUE(s.update(101));
  EXPECT_TRUE(s.valid());
  EXPECT_EQ(s.received(), 1u);
  EXPECT_EQ(s.extended_max(), 101u);
}

TEST(SequenceStats, ProbationRestartsOnAGap) {
  SequenceStats s(100);
  EXPECT_FALSE(s.update(100));
  EXPECT_FALSE(s.update(105));  // not in sequence: probation starts again from here
  EXPECT_FALSE(s.valid());
  EXPECT_TRUE(s.update(106));
  EXPECT_TRUE(s.valid());
}

TEST(SequenceStats, MinSequentialOneAcceptsTheFirst) {
  SequenceStats s(7, 1);
  EXPECT_TRUE(s.update(7));
  EXPECT_EQ(s.received(), 1u);
}

TEST(SequenceStats, CountsCyclesAndLoss) {
  SequenceStats s(65530, 1);
  for (std::uint32_t i = 0; i < 20; ++i) {
    if (i == 8 || i == 9) continue;  // 65538 and 65539 (2 and 3) lost
    EXPECT_TRUE(s.update(static_cast<std::uint16_t>(65530 + i)));
  }
  EXPECT_EQ(s.cycles(), 0x10000u);
  EXPECT_EQ(s.max_seq(), 13);
  EXPECT_EQ(s.extended_max(), 65536u + 13u);
  EXPECT_EQ(s.expected(), 20);
  EXPECT_EQ(s.cumulative_lost(), 2);
  // A.3: 2 of 20 lost = 0.1 * 256 = 25.6, truncated.
  EXPECT_EQ(s.take_fraction_lost(), 25);
  // Next interval: nothing new, nothing lost.
  EXPECT_EQ(s.take_fraction_lost(), 0);
  // Duplicates make loss negative (A.3 allows it); fraction stays 0.
  EXPECT_TRUE(s.update(13));
  EXPECT_TRUE(s.update(13));
  EXPECT_TRUE(s.update(13));
  EXPECT_EQ(s.cumulative_lost(), -1);
  EXPECT_EQ(s.take_fraction_lost(), 0);
}

TEST(SequenceStats, ResynchronisesAfterAJump) {
  SequenceStats s(1000, 1);
  EXPECT_TRUE(s.update(1000));
  EXPECT_TRUE(s.update(1001));
  // A jump of more than MAX_DROPOUT: refused once, accepted when the next
  // packet follows it (the sender restarted).
  EXPECT_FALSE(s.update(40000));
  EXPECT_TRUE(s.update(40001));
  EXPECT_EQ(s.extended_max(), 40001u);
  EXPECT_EQ(s.received(), 1u);
  EXPECT_EQ(s.expected(), 1);
}

TEST(SequenceStats, ReorderedAndSmallJumpsAreAccepted) {
  SequenceStats s(10, 1);
  EXPECT_TRUE(s.update(10));
  EXPECT_TRUE(s.update(2000));  // under MAX_DROPOUT ahead
  EXPECT_TRUE(s.update(1990));  // late: counted, max unchanged
  EXPECT_EQ(s.max_seq(), 2000);
  EXPECT_EQ(s.received(), 3u);
}

TEST(SequenceStats, Jitter) {
  // A.8 with a constant transit time: no jitter.
  SequenceStats s(0, 1);
  for (std::uint32_t i = 0; i < 50; ++i) s.update_jitter(i * 960, 5000 + i * 960);
  EXPECT_EQ(s.jitter(), 0u);
  // Transit alternating by 160 units: J converges towards 160.
  SequenceStats t(0, 1);
  for (std::uint32_t i = 0; i < 500; ++i) t.update_jitter(i * 960, i * 960 + (i % 2 ? 160 : 0));
  EXPECT_GE(t.jitter(), 150u);
  EXPECT_LE(t.jitter(), 160u);
  // Wrapping clocks do not disturb it.
  SequenceStats w(0, 1);
  for (std::uint32_t i = 0; i < 50; ++i)
    w.update_jitter(0xffffff00u + i * 960, 0xfffff000u + i * 960);
  EXPECT_EQ(w.jitter(), 0u);
}

}  // namespace
}  // namespace parley::rtp
