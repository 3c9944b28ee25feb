#pragma once
// The fixed world the act validator fuzzer checks acts against, shared with
// make_act_corpus so that the checked-in seed acts carry valid signatures.
// Keys come from fixed seeds and Ed25519 signatures are deterministic, so
// the same acts come out byte for byte on every run. Test keys only.

#include <map>
#include <string>
#include <vector>

#include "crypto/identity_key.h"
#include "negotiation/log_verifier.h"
#include "negotiation/meeting.h"

namespace parley::fuzz {

inline constexpr const char* kMeeting = "meet-fuzz-0001";

struct World {
  negotiation::MapDirectory dir;
  std::map<std::string, crypto::SecretKey> keys;  // by member id

  // Snapshots of one meeting, in order.
  negotiation::MeetingState fresh;      // no acts: where a create lands
  negotiation::MeetingState opening;    // created, then a counter-proposal
  negotiation::MeetingState ready;      // every parameter agreed, Atlantis signed
  negotiation::MeetingState announced;  // both signed, announced on agreement

  std::vector<const negotiation::MeetingState*> states() const {
    return {&fresh, &opening, &ready, &announced};
  }

  // An act by `author` at the end of `state`'s log, dated `minutes` after
  // the state's last act (or the world's epoch).
  negotiation::SignedAct make(const negotiation::MeetingState& state, const std::string& author,
                              negotiation::Kind kind, json::Json body, int minutes = 1) const;

  json::Json full_terms() const;
  json::Json opening_proposals() const;
};

// Built on first use; aborts if the fixed acts no longer pass the rules
// (the negotiation rules changed: regenerate the corpus).
const World& world();

}  // namespace parley::fuzz
