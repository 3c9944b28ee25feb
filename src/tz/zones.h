#pragma once
// Time zones from the system's tz database (Howard Hinnant's date/tz, built
// with USE_OS_TZDB: it reads /usr/share/zoneinfo). Daylight-saving rules
// come from there, never from a fixed offset stored with a party.

#include <string>
#include <string_view>

#include "common/time.h"

namespace parley::tz {

// True when `name` is an IANA zone known to the system database ("Europe/Moscow").
bool is_known_zone(std::string_view name);

struct LocalTime {
  std::string zone;      // "America/New_York"
  std::string local;     // "2026-12-07T10:00:00"
  std::string offset;    // "-05:00"
  std::string abbrev;    // "EST"
  std::string display;   // "Mon 07 Dec 2026 10:00 EST (UTC-05:00)"
};

// Precondition: is_known_zone(zone).
LocalTime to_local(Seconds instant, std::string_view zone);

}  // namespace parley::tz
