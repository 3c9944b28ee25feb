// The rules of a media worker's behaviour at its limit, alone (docs/media.md
// §Behaviour at the limit): the load window, the pressure levels and their
// hysteresis, and which subscribers' video is paused and resumed, when.
#include "media/pressure.h"

#include <gtest/gtest.h>

namespace parley::media {
namespace {

using std::chrono::milliseconds;

TEST(LoadMeterTest, IsTheBusyShareOfTheLastSecond) {
  LoadMeter m;
  EXPECT_EQ(m.load(), 0.0);
  for (int i = 0; i < 10; ++i) m.add(milliseconds(20), milliseconds(100));
  EXPECT_DOUBLE_EQ(m.load(), 0.2);
  // Half a second fully busy: half the window moves.
  for (int i = 0; i < 5; ++i) m.add(milliseconds(100), milliseconds(100));
  EXPECT_DOUBLE_EQ(m.load(), 0.6);
  // After a whole second only the new samples count.
  for (int i = 0; i < 5; ++i) m.add(milliseconds(100), milliseconds(100));
  EXPECT_DOUBLE_EQ(m.load(), 1.0);
  // A long sample (the worker stalled) weighs by its wall time.
  for (int i = 0; i < 9; ++i) m.add(milliseconds(0), milliseconds(100));
  m.add(milliseconds(900), milliseconds(900));
  EXPECT_DOUBLE_EQ(m.load(), 0.5);
  // Never above 1: a wake's time lands in the sample after it.
  m.add(milliseconds(300), milliseconds(100));
  EXPECT_LE(m.load(), 1.0);
}

TEST(PressureGovernorTest, LevelsFollowTheLoadWithHysteresis) {
  PressureGovernor g(PressureConfig{0.85});
  EXPECT_DOUBLE_EQ(g.config().high_mark(), 0.70);
  EXPECT_EQ(g.update(0.5), Pressure::normal);
  EXPECT_EQ(g.update(0.69), Pressure::normal);
  EXPECT_EQ(g.update(0.70), Pressure::high);
  EXPECT_EQ(g.update(0.66), Pressure::high) << "not back to normal until 0.05 below the high mark";
  EXPECT_EQ(g.update(0.84), Pressure::high);
  EXPECT_EQ(g.update(0.85), Pressure::saturated);
  EXPECT_EQ(g.update(0.81), Pressure::saturated) << "not back to high until 0.05 below the limit";
  EXPECT_EQ(g.update(0.79), Pressure::high);
  EXPECT_EQ(g.update(0.64), Pressure::normal);
  // Straight from normal to saturated, and from saturated to normal.
  EXPECT_EQ(g.update(0.99), Pressure::saturated);
  EXPECT_EQ(g.update(0.10), Pressure::normal);
  // Every change of level is a new generation (calls choose layers again).
  auto before = g.generation();
  g.update(0.10);
  EXPECT_EQ(g.generation(), before);
  g.update(0.75);
  EXPECT_EQ(g.generation(), before + 1);
}

// Steps the governor at `load` until something is paused or resumed, or
// `max` steps; returns what the last step did and how many steps it took.
std::pair<PressureGovernor::StepResult, int> step_until_change(PressureGovernor& g, double load,
                                                               int max) {
  for (int i = 1; i <= max; ++i) {
    g.update(load);
    auto r = g.step();
    if (r.paused || r.resumed) return {r, i};
  }
  return {{}, max};
}

TEST(PressureGovernorTest, VideoIsPausedNewestFirstOnlyWhenSaturatedWithNothingLeftToLower) {
  PressureGovernor g;
  std::vector<PressureGovernor::Key> keys;
  for (int i = 0; i < 8; ++i) keys.push_back(g.enroll());
  for (auto k : keys) g.report(k, true, false);
  g.report(keys[2], false, false);  // shows no video: nothing to pause

  // High pressure alone pauses nothing, however long.
  auto [none, steps] = step_until_change(g, 0.75, 20);
  EXPECT_EQ(none.paused, 0u);

  // Saturated while some subscriber's video is still above its lowest layer:
  // the caps get their chance first...
  g.report(keys[0], true, true);
  g.update(0.95);
  EXPECT_EQ(g.step().paused, 0u);
  EXPECT_EQ(g.step().paused, 0u);
  EXPECT_EQ(g.step().paused, 0u);
  // ... and once nothing is left to lower, two steps (one load window) later
  // a quarter of those receiving video (7 → 1) is paused: the newest.
  g.report(keys[0], true, false);
  EXPECT_EQ(g.step().paused, 0u);
  auto r = g.step();
  EXPECT_EQ(r.paused, 1u);
  EXPECT_TRUE(g.video_paused(keys[7]));
  EXPECT_FALSE(g.video_paused(keys[6]));
  // Still saturated: the next round one window later.
  auto [more, after] = step_until_change(g, 0.95, 10);
  EXPECT_EQ(after, PressureGovernor::kShedAfterSteps);
  EXPECT_EQ(more.paused, 1u);
  EXPECT_TRUE(g.video_paused(keys[6]));
  EXPECT_FALSE(g.video_paused(keys[2])) << "it receives no video";
  EXPECT_EQ(g.paused_count(), 2u);
  // Audio is not the governor's to pause: only video is ever asked about.
}

TEST(PressureGovernorTest, ALowerLayerThatNeverComesDoesNotHoldPausingBackForever) {
  PressureGovernor g;
  auto a = g.enroll(), b = g.enroll();
  g.report(a, true, false);
  g.report(b, true, true);  // its lower layer's keyframe never arrives
  auto [r, steps] = step_until_change(g, 0.95, 20);
  EXPECT_EQ(steps, PressureGovernor::kShedAnywayAfterSteps);
  EXPECT_EQ(r.paused, 1u);
  EXPECT_TRUE(g.video_paused(b));
}

TEST(PressureGovernorTest, ManySubscribersArePausedAQuarterAtATime) {
  PressureGovernor g;
  std::vector<PressureGovernor::Key> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(g.enroll());
  for (auto k : keys) g.report(k, true, false);
  EXPECT_EQ(step_until_change(g, 1.0, 10).first.paused, 10u);
  EXPECT_EQ(step_until_change(g, 1.0, 10).first.paused, 7u);  // 30 / 4
  for (int i = 0; i < 40; ++i)
    EXPECT_EQ(g.video_paused(keys[static_cast<std::size_t>(i)]), i >= 23) << i;
}

TEST(PressureGovernorTest, PausedVideoResumesOneAtATimeLastPausedFirstBelowTheHighMark) {
  PressureGovernor g;
  std::vector<PressureGovernor::Key> keys;
  for (int i = 0; i < 8; ++i) keys.push_back(g.enroll());
  for (auto k : keys) g.report(k, true, false);
  step_until_change(g, 0.95, 10);  // pauses 7 (8 / 4 = 2: 7 and 6)
  step_until_change(g, 0.95, 10);  // 6 / 4 = 1: 5
  ASSERT_EQ(g.paused_count(), 3u);
  // Between the marks nothing resumes.
  auto [held, s1] = step_until_change(g, 0.75, 10);
  EXPECT_EQ(held.resumed, 0u);
  // Below the high mark (and its hysteresis): one per window, the last
  // paused (the earliest joined of them) first.
  auto gen = g.generation();
  auto [r, steps] = step_until_change(g, 0.30, 10);
  EXPECT_EQ(steps, PressureGovernor::kResumeAfterSteps);
  EXPECT_EQ(r.resumed, 1u);
  EXPECT_GT(g.generation(), gen);
  EXPECT_FALSE(g.video_paused(keys[5]));
  EXPECT_TRUE(g.video_paused(keys[6]));
  step_until_change(g, 0.30, 10);
  EXPECT_FALSE(g.video_paused(keys[6]));
  EXPECT_TRUE(g.video_paused(keys[7]));
  step_until_change(g, 0.30, 10);
  EXPECT_EQ(g.paused_count(), 0u);
  EXPECT_EQ(step_until_change(g, 0.30, 10).first.resumed, 0u);
}

TEST(PressureGovernorTest, ASubscriberWhoLeavesIsForgotten) {
  PressureGovernor g;
  auto a = g.enroll(), b = g.enroll();
  g.report(a, true, false);
  g.report(b, true, false);
  step_until_change(g, 0.95, 10);
  ASSERT_TRUE(g.video_paused(b));
  g.withdraw(b);
  EXPECT_EQ(g.paused_count(), 0u);
  EXPECT_FALSE(g.video_paused(b));
  // Nothing left to resume; the next round pauses the one still there.
  EXPECT_EQ(step_until_change(g, 0.95, 10).first.paused, 1u);
  EXPECT_TRUE(g.video_paused(a));
}

}  // namespace
}  // namespace parley::media
