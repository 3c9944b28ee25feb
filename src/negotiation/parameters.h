#pragma once
// The parameters of a meeting's terms and the shape rules for each value.
// Rules that need more than one parameter (an interpreter must be on the
// roster, the announcement must come before the start) are checked when the
// terms are signed: see check_terms_consistent().

#include <array>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/time.h"
#include "json/canonical.h"
#include "negotiation/directory.h"

namespace parley::negotiation {

inline constexpr std::array<std::string_view, 9> kParameters = {
    "title",  "format", "start",        "duration_minutes", "roster",
    "languages", "agenda", "announcement", "predecessor"};

bool is_parameter(std::string_view name);

struct Limits {
  static constexpr std::size_t kTitleMax = 200;
  static constexpr std::int64_t kDurationMin = 5;
  static constexpr std::int64_t kDurationMax = 720;       // 12 hours
  static constexpr std::size_t kRosterMax = 100;
  static constexpr std::size_t kLanguagesMax = 12;
  static constexpr std::size_t kAgendaMax = 50;
  static constexpr std::size_t kAgendaItemMax = 300;
  static constexpr std::size_t kAnnouncementMax = 5000;
  static constexpr std::size_t kReasonMax = 2000;
  static constexpr auto kStartHorizon = std::chrono::days{2 * 366};
};

struct ParamContext {
  std::array<std::string, 2> parties;  // the meeting's two parties
  Seconds at{};                        // the act's time: "now" for the rules
  const Directory* directory = nullptr;  // not owned, outlives the call
};

// Validates one proposed value. Errors carry code "invalid_<parameter>"
// (e.g. "invalid_start") or "key_mismatch" for a roster key that is not the
// member's registered key.
Status validate_parameter(std::string_view name, const json::Json& value, const ParamContext& ctx);

// Checks that a complete set of values is coherent; error code "inconsistent_terms".
Status check_terms_consistent(const json::Json& terms, Seconds at);

// A free-text field: valid UTF-8 is guaranteed by the parser; refuse control
// characters other than newline and tab, and enforce a byte length.
bool is_clean_text(const json::Json& v, std::size_t min_bytes, std::size_t max_bytes,
                   bool allow_newlines);

}  // namespace parley::negotiation
