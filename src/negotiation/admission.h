#pragma once
// Who may enter a meeting's call, and when (docs/media.md §Admission). Pure:
// judged from the meeting's state, the member asking, the key their session
// was signed in with, and the time. The media plane creates nothing for a
// member this refuses.

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"
#include "crypto/identity_key.h"
#include "negotiation/meeting.h"

namespace parley::negotiation {

struct CallWindow {
  std::chrono::minutes lead{15};   // the call opens this long before the start
  std::chrono::minutes grace{30};  // and stays open this long after the end
};

// The participant as the signed roster names them.
struct Admitted {
  std::string member;
  std::string party;
  std::string role;
  std::string key;  // base64url, as signed in the terms
  // The meeting's languages and who interprets which pair, as in the terms
  // (languages.languages, languages.interpretation): the call's language
  // channels and booths (docs/protocol.md §Interpretation).
  std::vector<std::string> languages;
  struct Interpretation {
    std::string interpreter;  // member id
    std::array<std::string, 2> pair;
  };
  std::vector<Interpretation> interpretation;
};

// Error codes: "call_not_open" (the meeting is not announced: not agreed,
// or agreed with a later announcement, or withdrawn), "call_not_yet" and
// "call_over" (outside the window), "not_on_roster", "key_changed" (the
// member's key is not the one on the signed roster).
Expected<Admitted> admit_to_call(const MeetingState& m, std::string_view member, const crypto::PublicKey& key,
                                 Seconds now, const CallWindow& window);

}  // namespace parley::negotiation
