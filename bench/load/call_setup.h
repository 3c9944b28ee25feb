#pragma once
// Everything a parleyd needs before its call opens, done through its HTTP
// API as people would do it (docs/protocol.md): the parties east and west,
// one negotiator each, `count` participants enrolled with keys of their
// own and signed in, and a meeting negotiated to the end — every parameter
// proposed by east, accepted by west, the terms signed by both — that
// starts in five minutes and is announced on agreement, so its call is
// open at once (the call opens 15 minutes before the start) with every
// participant on the signed roster.
//
// The roster holds at most 100 members (negotiation/parameters.cpp); the
// caller checks `count` against kMaxRoster.

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "common/error.h"
#include "crypto/identity_key.h"

namespace parley::load {

inline constexpr std::size_t kMaxRoster = 100;

struct Participant {
  explicit Participant(crypto::SecretKey k) : key(std::move(k)) {}
  crypto::SecretKey key;
  std::string id;
  std::string party;
  std::string name;
  std::string token;  // session token, from challenge-response sign-in
};

struct CallMeeting {
  std::string meeting;
  std::vector<Participant> participants;
};

// `admin_token` is the operator's (DATA_DIR/admin.token). Progress lines go
// to `log`.
Expected<CallMeeting> set_up_call(const std::string& url, const std::string& admin_token,
                                  std::size_t count, std::ostream& log);

// Several meetings on one server (the parties and negotiators are made
// once): one per entry of `sizes`, with that many participants of its own.
Expected<std::vector<CallMeeting>> set_up_calls(const std::string& url,
                                                const std::string& admin_token,
                                                const std::vector<std::size_t>& sizes,
                                                std::ostream& log);

}  // namespace parley::load
