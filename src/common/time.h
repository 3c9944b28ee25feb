#pragma once
// Instants on the wire are RFC 3339 UTC strings with a "Z" suffix and whole
// seconds ("2026-12-07T15:00:00Z"): one spelling per instant, so that signed
// documents have one canonical form.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace parley {

using Clock = std::chrono::system_clock;
using Seconds = std::chrono::sys_seconds;

std::optional<Seconds> parse_utc(std::string_view text);
std::string format_utc(Seconds t);
Seconds now_seconds();

// Injected where tests need control of time; the default reads the system clock.
using NowFn = std::function<Seconds()>;

}  // namespace parley
