// Fuzzes parse_strict and canonicalize against each other and against
// nlohmann's own parser as a reference:
//  - a refusal carries one of the documented error codes;
//  - an accepted text canonicalizes, the canonical text parses back to an
//    equal value, and canonicalizing again gives the same bytes;
//  - the canonical text is never longer than the input (no expansion that a
//    size limit on input would fail to bound);
//  - nlohmann's RFC 8259 parser accepts the text and reads the same value.
// Any mismatch aborts, so libFuzzer keeps the input.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/canonical.h"

namespace {

using parley::json::Json;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "json_parse_fuzzer: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

bool documented(const std::string& code) {
  return code == "invalid_json" || code == "duplicate_key" || code == "non_ascii_key" ||
         code == "unsafe_number" || code == "too_deep" || code == "payload_too_large";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = parley::json::parse_strict(text);
  if (!v) {
    if (!documented(v.error().code)) fail("undocumented error code", v.error().code);
    return 0;
  }

  std::string canonical = parley::json::canonicalize(*v);
  auto back = parley::json::parse_strict(canonical);
  if (!back) fail("canonical text does not parse", canonical);
  if (*back != *v) fail("canonical text parses to another value", canonical);
  if (parley::json::canonicalize(*back) != canonical)
    fail("canonicalize is not idempotent", canonical);
  if (canonical.size() > size) fail("canonical text is longer than the input", canonical);

  auto reference = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (reference.is_discarded()) fail("nlohmann refuses a text parse_strict accepted", text);
  if (reference != *v) fail("nlohmann reads another value", text);
  return 0;
}
