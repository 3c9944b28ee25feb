#include "tz/zones.h"

#include <date/tz.h>

#include <cstdio>

namespace parley::tz {

bool is_known_zone(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;  // date/tz reports an unknown zone by throwing
  }
}

LocalTime to_local(Seconds instant, std::string_view zone) {
  const auto* z = date::locate_zone(zone);
  auto info = z->get_info(instant);
  auto local = date::zoned_time<std::chrono::seconds>{z, instant}.get_local_time();
  auto off = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char offset[48];
  std::snprintf(offset, sizeof offset, "%c%02lld:%02lld", sign, static_cast<long long>(off / 60),
                static_cast<long long>(off % 60));
  LocalTime out;
  out.zone = std::string(zone);
  out.local = date::format("%Y-%m-%dT%H:%M:%S", local);
  out.offset = offset;
  out.abbrev = info.abbrev;
  out.display = date::format("%a %d %b %Y %H:%M ", local) + info.abbrev + " (UTC" + offset + ")";
  return out;
}

}  // namespace parley::tz
