#include "common/time.h"

#include <gtest/gtest.h>

namespace parley {
namespace {

using namespace std::chrono;

Seconds at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(ParseUtc, AcceptsTheOneSpelling) {
  EXPECT_EQ(parse_utc("2026-12-07T15:00:00Z"), at(2026, 12, 7, 15, 0, 0));
  EXPECT_EQ(parse_utc("1970-01-01T00:00:00Z"), Seconds{});
  EXPECT_EQ(parse_utc("2099-12-31T23:59:59Z"), at(2099, 12, 31, 23, 59, 59));
}

TEST(ParseUtc, KnowsLeapYears) {
  EXPECT_TRUE(parse_utc("2024-02-29T12:00:00Z"));
  EXPECT_TRUE(parse_utc("2000-02-29T12:00:00Z"));
  EXPECT_FALSE(parse_utc("2026-02-29T12:00:00Z"));
  EXPECT_FALSE(parse_utc("2100-02-29T12:00:00Z"));
}

TEST(ParseUtc, RefusesOtherSpellingsOfAnInstant) {
  for (const char* s : {
           "2026-12-07T15:00:00z",       // lowercase zone designator
           "2026-12-07t15:00:00Z",       // lowercase T
           "2026-12-07 15:00:00Z",       // space separator
           "2026-12-07T15:00:00+00:00",  // numeric offset
           "2026-12-07T15:00:00.000Z",   // fraction
           "2026-12-07T15:00:00",        // no zone
           "2026-12-07T15:00Z",          // no seconds
           "2026-12-7T15:00:00Z",        // unpadded day
           "+026-12-07T15:00:00Z",       // sign in a digit position
           "2026-12-07T15:00:00Z ",      // trailing space
           "",
       })
    EXPECT_FALSE(parse_utc(s)) << s;
}

TEST(ParseUtc, RefusesOutOfRangeFields) {
  for (const char* s : {
           "2026-00-07T15:00:00Z", "2026-13-07T15:00:00Z", "2026-12-00T15:00:00Z",
           "2026-12-32T15:00:00Z", "2026-04-31T15:00:00Z", "2026-12-07T24:00:00Z",
           "2026-12-07T15:60:00Z", "2026-12-07T15:00:60Z",  // no leap seconds
           "1969-12-31T23:59:59Z",                          // before the epoch
       })
    EXPECT_FALSE(parse_utc(s)) << s;
}

TEST(FormatUtc, WritesTheOneSpelling) {
  EXPECT_EQ(format_utc(Seconds{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(at(2026, 12, 7, 15, 4, 5)), "2026-12-07T15:04:05Z");
  EXPECT_EQ(format_utc(at(2024, 2, 29, 23, 59, 59)), "2024-02-29T23:59:59Z");
}

TEST(FormatUtc, RoundTripsThroughParse) {
  for (const char* s : {"1970-01-01T00:00:00Z", "2026-12-07T15:00:00Z", "2038-01-19T03:14:08Z",
                        "2400-02-29T00:00:01Z"}) {
    auto t = parse_utc(s);
    ASSERT_TRUE(t) << s;
    EXPECT_EQ(format_utc(*t), s);
  }
  for (std::int64_t n : {0LL, 1LL, 86399LL, 86400LL, 1'000'000'000LL, 4'102'444'799LL}) {
    Seconds t{seconds{n}};
    EXPECT_EQ(parse_utc(format_utc(t)), t) << n;
  }
}

TEST(NowSeconds, IsWholeSecondsNearTheSystemClock) {
  auto before = floor<seconds>(Clock::now());
  auto now = now_seconds();
  auto after = floor<seconds>(Clock::now());
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  EXPECT_EQ(parse_utc(format_utc(now)), now);
}

}  // namespace
}  // namespace parley
