#pragma once
// An act is one signed step of a negotiation. Its wire form is an envelope
//   { "act": { ... }, "signature": "<base64url Ed25519 over canonical(act)>" }
// where act is
//   { "type": "parley.act/1", "meeting": id, "base": n, "prev": hash,
//     "kind": k, "body": {...}, "author": member id, "at": RFC 3339 UTC }
// `base` is the number of acts the author had seen (0 for create) and
// `prev` the hash of the last of them: an act is valid only at the end of
// the exact history its author saw, so a signature cannot be replayed onto
// another meeting, another position, or a history the server forked.

#include <string>
#include <string_view>

#include "common/error.h"
#include "common/time.h"
#include "json/canonical.h"
#include "negotiation/directory.h"

namespace parley::negotiation {

inline constexpr std::string_view kActType = "parley.act/1";

// The negotiation's kinds, then the record's (docs/record.md §Entries).
enum class Kind {
  create, propose, accept, sign, withdraw,
  session_open, session_close, minute, statement, assurance_draft, assurance, acknowledge,
  readout, joint_statement, countersign, correction, assurance_status
};
std::optional<Kind> parse_kind(std::string_view s);
std::string_view kind_name(Kind k);

struct Act {
  std::string meeting;
  std::int64_t base = 0;
  std::string prev;  // hex SHA-256 of the previous envelope; "" when base == 0
  Kind kind = Kind::create;
  json::Json body;
  std::string author;
  Seconds at{};
};

struct SignedAct {
  Act act;
  json::Json act_json;      // the act as signed
  std::string signature;    // base64url
  std::string hash;         // hex SHA-256 of canonical(envelope)
  json::Json envelope() const;
};

// Shape checks only (types, unknown fields, formats); no state, no signature.
Expected<SignedAct> parse_signed_act(const json::Json& envelope);

// Builds and signs an act (CLI, tests, benchmark).
SignedAct sign_act(const Act& act, const crypto::SecretKey& key);
json::Json act_to_json(const Act& act);

// Ed25519 over canonical(act) with the author's registered key.
Status verify_act_signature(const SignedAct& act, const Directory& dir);

// Generic signed message for sign-in and enrollment: canonical JSON of `doc`.
std::string signing_bytes(const json::Json& doc);

// Helpers for strict object schemas: refuse unknown fields, require types.
Status require_fields(const json::Json& obj, std::initializer_list<std::string_view> required,
                      std::initializer_list<std::string_view> optional, std::string_view what);

}  // namespace parley::negotiation
