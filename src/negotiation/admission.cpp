#include "negotiation/admission.h"

#include "common/encoding.h"

namespace parley::negotiation {

Expected<Admitted> admit_to_call(const MeetingState& m, std::string_view member, const crypto::PublicKey& key,
                                 Seconds now, const CallWindow& window) {
  auto status = m.status(now);
  if (status == MeetingStatus::withdrawn) return make_error("call_not_open", "the meeting was withdrawn");
  if (status != MeetingStatus::announced)
    return make_error("call_not_open", "the meeting's terms are not signed and announced yet");
  // Announced implies agreed: every parameter exists in the terms.
  auto terms = m.terms();
  auto start = parse_utc((*terms)["start"].get<std::string>());
  auto minutes = (*terms)["duration_minutes"].get<std::int64_t>();
  Seconds opens = *start - window.lead;
  Seconds closes = *start + std::chrono::minutes(minutes) + window.grace;
  if (now < opens)
    return make_error("call_not_yet", "the call opens at " + format_utc(opens) + ", " +
                                          std::to_string(window.lead.count()) + " minutes before the start");
  if (now > closes) return make_error("call_over", "the call closed at " + format_utc(closes));
  for (const auto& e : (*terms)["roster"]) {
    if (e["member"] != member) continue;
    auto signed_key = crypto::parse_public_key(e["key"].get<std::string>());
    if (!signed_key || *signed_key != key)
      return make_error("key_changed", "your key is not the one on the signed roster; the terms fix each participant's key");
    Admitted a{std::string(member), e["party"].get<std::string>(), e["role"].get<std::string>(),
               e["key"].get<std::string>(), {}, {}};
    // Validated when the terms were signed (parameters.cpp): well formed.
    const auto& langs = (*terms)["languages"];
    for (const auto& l : langs["languages"]) a.languages.push_back(l.get<std::string>());
    for (const auto& i : langs["interpretation"])
      a.interpretation.push_back({i["interpreter"].get<std::string>(),
                                  {i["pair"][0].get<std::string>(), i["pair"][1].get<std::string>()}});
    return a;
  }
  return make_error("not_on_roster", "you are not on this meeting's signed roster");
}

}  // namespace parley::negotiation
