// Fuzzes everything an act off the wire goes through before it is stored:
// strict JSON parsing, the envelope's shape checks, signature verification
// against a fixed directory, and the negotiation rules against a fixed
// meeting at four points of its life. Nothing here may crash, throw or
// break the invariants apply_act promises.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "act_world.h"
#include "crypto/hash.h"
#include "json/canonical.h"
#include "negotiation/act.h"
#include "negotiation/meeting.h"

namespace {

using namespace parley;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "act_validator_fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& w = fuzz::world();
  json::ParseLimits limits;
  limits.max_bytes = 64 * 1024;
  auto j = json::parse_strict(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!j) return 0;
  auto sa = negotiation::parse_signed_act(*j);
  if (!sa) {
    if (sa.error().code.empty()) fail("parse_signed_act refused without an error code");
    return 0;
  }

  // The hash chains acts: it must be the hash of the canonical envelope, and
  // re-parsing the canonical envelope must give the same act.
  auto canonical = json::canonicalize(sa->envelope());
  if (sa->hash != crypto::sha256_hex(canonical)) fail("hash is not sha256(canonical envelope)");
  auto again = json::parse_strict(canonical);
  if (!again) fail("canonical envelope does not parse");
  auto sa2 = negotiation::parse_signed_act(*again);
  if (!sa2 || sa2->hash != sa->hash) fail("canonical envelope parses to another act");

  (void)negotiation::verify_act_signature(*sa, w.dir);

  // The rules run whatever the signature says: a fuzzer cannot forge
  // signatures, and check_act must be safe on any well-shaped act.
  for (const auto* state : w.states()) {
    auto rules = negotiation::check_act(*state, *sa, w.dir);
    if (!rules) {
      if (rules.error().code.empty()) fail("check_act refused without an error code");
      continue;
    }
    negotiation::MeetingState next = *state;
    negotiation::apply_act(next, *sa, w.dir);
    if (next.length != state->length + 1) fail("apply_act did not extend the log by one");
    if (next.head != sa->hash) fail("apply_act did not move the head to the act");
    if (next.id != sa->act.meeting) fail("the act was applied to another meeting");
    if (next.signatures.size() > 2) fail("more than two party signatures");
    if (next.agreed_at && (next.signatures.size() != 2 || !next.all_agreed()))
      fail("agreed without two signatures on fully agreed terms");
    if (sa->act.kind == negotiation::Kind::propose && !next.signatures.empty())
      fail("a proposal left signatures standing");
    // Derived views must be computable on every state the rules allow.
    (void)next.status(sa->act.at);
    (void)next.terms_hash();
    (void)next.announce_at();
    if (state != &w.fresh && sa->act.meeting != state->id)
      fail("an act for another meeting passed the rules");
    for (const auto& [name, _] : next.params)
      if (!negotiation::is_parameter(name)) fail("a parameter outside the nine was recorded");
  }
  return 0;
}
