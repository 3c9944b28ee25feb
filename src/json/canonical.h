#pragma once
// Strict JSON in, RFC 8785 canonical JSON out.
//
// Everything Parley signs is JSON kept in a safe subset so that the C++
// server, the CLI and the browser produce the same bytes: object keys are
// ASCII, numbers are integers within ±(2^53-1), no floats, no duplicate keys,
// no lone surrogates. parse_strict() refuses anything outside that subset;
// canonicalize() then writes RFC 8785 form (sorted keys, no whitespace,
// minimal string escaping). The two are inverse on the subset.

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace parley::json {

using Json = nlohmann::json;

struct ParseLimits {
  std::size_t max_depth = 32;
  std::size_t max_bytes = 1 << 20;
};

constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53) - 1;

// Parses one JSON text. Errors: "invalid_json", "duplicate_key",
// "non_ascii_key", "unsafe_number", "too_deep", "payload_too_large".
Expected<Json> parse_strict(std::string_view text, const ParseLimits& limits = {});

// RFC 8785 serialization of a value in the safe subset. A value outside it
// (a float, say) is a programming error here and throws std::logic_error:
// the parser never produces one.
std::string canonicalize(const Json& value);

}  // namespace parley::json
