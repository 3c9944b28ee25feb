#pragma once
// An authenticated conversation with parleyd on behalf of one profile:
// signs in by challenge–response when needed, keeps the token, and builds
// and signs acts on top of the meeting state the server last reported.

#include <memory>
#include <optional>

#include "cli/profile.h"
#include "client/http_client.h"
#include "negotiation/act.h"

namespace parley::cli {

using json::Json;

// A failed call: the server's error code and message, the HTTP status, and
// the full body (a 409 carries the meeting's current state in "current").
struct CallError {
  Error error;
  int status = 0;
  Json body;
};

class Session {
 public:
  static Expected<std::unique_ptr<Session>> open(Profile profile);
  // Unauthenticated client (enroll, admin, public pages).
  static Expected<std::unique_ptr<client::HttpClient>> connect(const std::string& server,
                                                                const std::string& fingerprint);

  // Sends `body` (or nothing) and parses the JSON answer. Signs in first if
  // needed and once more if the token expired.
  Expected<Json> call(const std::string& method, const std::string& target,
                      const std::optional<Json>& body = std::nullopt);
  const CallError& last_error() const { return last_error_; }

  // Signs an act of `kind` with `body` on top of `state` (the meeting view)
  // and submits it; returns the new meeting view.
  Expected<Json> act(const Json& state, negotiation::Kind kind, const Json& body);
  Expected<Json> create(const std::string& meeting_id, const Json& body);

  const Profile& profile() const { return profile_; }
  const crypto::SecretKey& key() const { return key_; }
  Expected<std::string> token();
  // Sign acts but print their envelopes instead of sending them.
  void set_print_only(bool on) { print_only_ = on; }

 private:
  Session(Profile p, crypto::SecretKey k, std::unique_ptr<client::HttpClient> http)
      : profile_(std::move(p)), key_(std::move(k)), http_(std::move(http)) {}
  Status sign_in();
  Expected<Json> submit(const std::string& target, const negotiation::Act& act);

  Profile profile_;
  crypto::SecretKey key_;
  std::unique_ptr<client::HttpClient> http_;
  std::string token_;
  CallError last_error_;
  bool print_only_ = false;
  bool token_fresh_ = false;  // obtained by this process, so known to be valid
};

}  // namespace parley::cli
