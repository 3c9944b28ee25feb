#include "tz/zones.h"

#include <gtest/gtest.h>

namespace parley::tz {
namespace {

Seconds utc(const char* s) {
  auto t = parse_utc(s);
  EXPECT_TRUE(t) << s;
  return t.value_or(Seconds{});
}

TEST(Zones, KnowsIanaNames) {
  EXPECT_TRUE(is_known_zone("Europe/Moscow"));
  EXPECT_TRUE(is_known_zone("America/New_York"));
  EXPECT_TRUE(is_known_zone("Asia/Kolkata"));
  EXPECT_TRUE(is_known_zone("UTC"));
}

TEST(Zones, RefusesUnknownNames) {
  EXPECT_FALSE(is_known_zone("Mars/Olympus_Mons"));
  EXPECT_FALSE(is_known_zone(""));
  EXPECT_FALSE(is_known_zone("Europe/"));
  EXPECT_FALSE(is_known_zone("+03:00"));
  EXPECT_FALSE(is_known_zone("../../../etc/passwd"));
  EXPECT_FALSE(is_known_zone(std::string(65, 'A')));
  EXPECT_FALSE(is_known_zone(std::string_view("Europe/Moscow\0", 14)));
}

TEST(Zones, MoscowIsUtcPlus3AllYear) {
  for (const char* instant : {"2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z",
                              "2026-03-29T12:00:00Z", "2026-10-25T12:00:00Z"}) {
    auto lt = to_local(utc(instant), "Europe/Moscow");
    EXPECT_EQ(lt.offset, "+03:00") << instant;
    EXPECT_EQ(lt.abbrev, "MSK") << instant;
    EXPECT_EQ(lt.local.substr(11), "15:00:00") << instant;
  }
}

TEST(Zones, NewYorkIsUtcMinus5InDecember) {
  auto lt = to_local(utc("2026-12-07T15:00:00Z"), "America/New_York");
  EXPECT_EQ(lt.zone, "America/New_York");
  EXPECT_EQ(lt.local, "2026-12-07T10:00:00");
  EXPECT_EQ(lt.offset, "-05:00");
  EXPECT_EQ(lt.abbrev, "EST");
}

TEST(Zones, NewYorkIsUtcMinus4InJuly) {
  auto lt = to_local(utc("2026-07-07T15:00:00Z"), "America/New_York");
  EXPECT_EQ(lt.local, "2026-07-07T11:00:00");
  EXPECT_EQ(lt.offset, "-04:00");
  EXPECT_EQ(lt.abbrev, "EDT");
}

TEST(Zones, NewYorkSpringForwardAtTheExactSecond) {
  // 2026-03-08: 02:00 EST becomes 03:00 EDT, i.e. at 07:00:00Z.
  auto before = to_local(utc("2026-03-08T06:59:59Z"), "America/New_York");
  auto after = to_local(utc("2026-03-08T07:00:00Z"), "America/New_York");
  EXPECT_EQ(before.local, "2026-03-08T01:59:59");
  EXPECT_EQ(before.offset, "-05:00");
  EXPECT_EQ(after.local, "2026-03-08T03:00:00");
  EXPECT_EQ(after.offset, "-04:00");
}

TEST(Zones, NewYorkFallBackRepeatsAnHour) {
  // 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00:00Z; 01:30 local happens twice.
  auto first = to_local(utc("2026-11-01T05:30:00Z"), "America/New_York");
  auto second = to_local(utc("2026-11-01T06:30:00Z"), "America/New_York");
  EXPECT_EQ(first.local, "2026-11-01T01:30:00");
  EXPECT_EQ(first.abbrev, "EDT");
  EXPECT_EQ(second.local, "2026-11-01T01:30:00");
  EXPECT_EQ(second.abbrev, "EST");
}

TEST(Zones, FormatsHalfHourOffsetsOnBothSidesOfUtc) {
  auto kolkata = to_local(utc("2026-12-07T12:00:00Z"), "Asia/Kolkata");
  EXPECT_EQ(kolkata.offset, "+05:30");
  EXPECT_EQ(kolkata.local, "2026-12-07T17:30:00");
  auto st_johns = to_local(utc("2026-12-07T12:00:00Z"), "America/St_Johns");
  EXPECT_EQ(st_johns.offset, "-03:30");
  EXPECT_EQ(st_johns.local, "2026-12-07T08:30:00");
  auto utc_zone = to_local(utc("2026-12-07T12:00:00Z"), "UTC");
  EXPECT_EQ(utc_zone.offset, "+00:00");
}

TEST(Zones, LocalDateCanDifferFromUtcDate) {
  auto lt = to_local(utc("2026-12-31T22:30:00Z"), "Europe/Moscow");
  EXPECT_EQ(lt.local, "2027-01-01T01:30:00");
}

TEST(Zones, DisplayShowsWeekdayLocalTimeAbbreviationAndOffset) {
  auto lt = to_local(utc("2026-12-07T15:00:00Z"), "America/New_York");
  // The header documents "Mon 7 Dec 2026 ..."; date::format's %d zero-pads the day.
  EXPECT_EQ(lt.display.substr(0, 4), "Mon ");
  EXPECT_NE(lt.display.find("Dec 2026 10:00 EST (UTC-05:00)"), std::string::npos) << lt.display;
}

}  // namespace
}  // namespace parley::tz
