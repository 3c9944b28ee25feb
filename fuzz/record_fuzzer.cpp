// Fuzz target for the record parser and verifier (record/verify.h): the
// input is read as JSON and verified as a record (parley.record/1), an
// excerpt (parley.excerpt/1) or, failing both, as each of them anyway, so
// that every field check is reached. Trust comes from the document itself
// (the keys of the members who signed the terms), as a first `parley record
// show` pins them: mutated seeds then reach the checkpoint and proof checks.
// Checked (anything else aborts):
//  - nothing crashes, leaks or reads out of bounds (ASan/UBSan builds);
//  - a document that verifies verifies again from its own canonical JSON,
//    with the same finality and checkpoints, and its report can be made.
// Seeds in corpus/record_fuzzer come from fuzz/make_record_corpus.cpp.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "json/canonical.h"
#include "record/verify.h"

namespace {

using namespace parley;
using json::Json;

void check(bool ok) {
  if (!ok) std::abort();
}

record::Trust trust_from(const Json& doc) {
  record::Trust t;
  if (!doc.is_object() || !doc.contains("acts") || !doc["acts"].is_array() || !doc.contains("members") ||
      !doc["members"].is_array())
    return t;
  for (const auto& env : doc["acts"]) {
    if (!env.is_object() || !env.contains("act") || !env["act"].is_object()) continue;
    const auto& a = env["act"];
    if (a.value("kind", Json()) != "sign") continue;
    for (const auto& m : doc["members"])
      if (m.is_object() && m.value("id", Json()) == a.value("author", Json()) && m.value("party", Json()).is_string() &&
          m.value("key", Json()).is_string())
        t.keys[m["party"].get<std::string>()].insert(m["key"].get<std::string>());
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto doc = json::parse_strict(std::string_view(reinterpret_cast<const char*>(data), size), json::ParseLimits{64, 1 << 20});
  if (!doc) return 0;
  auto trust = trust_from(*doc);
  if (auto r = record::verify_record(*doc, record::VerifyOptions{trust, false})) {
    auto again = record::verify_record(*json::parse_strict(json::canonicalize(*doc)), record::VerifyOptions{trust, false});
    check(again && again->final() == r->final() && again->checkpoints.size() == r->checkpoints.size());
    check(!record::report_text(*r).empty() && !record::report_html(*r).empty());
  }
  if (auto e = record::verify_excerpt(*doc, {})) {
    auto again = record::verify_excerpt(*json::parse_strict(json::canonicalize(*doc)), {});
    check(again && again->entries.size() == e->entries.size());
    check(!record::excerpt_report(*e).empty());
  }
  return 0;
}
