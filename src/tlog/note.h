#pragma once
// Signed notes (C2SP signed-note, c2sp.org/signed-note): a text signed by one
// or more keys, the carrier of checkpoints (tlog/checkpoint.h).
//
//   <text, one or more lines, each ending in a newline>
//   <a blank line>
//   — <key name> <base64(4-byte key ID || signature)>     one line per signature
//
// SignedNote keeps every signature line, those of keys it does not know too
// (the spec: verifiers "MUST ignore signatures from unknown keys"; a cosigner
// adds its line and passes the others on). Only Ed25519 (signature type 0x01)
// is verified and made here. A SignedNote is always valid: it is made by
// parse() or from_text(), and sign() keeps it so; format() of a parsed note
// gives back exactly the bytes parsed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/error.h"
#include "crypto/identity_key.h"

namespace parley::tlog {

// Bounds applied before anything is allocated for a note. The spec: verifiers
// "MUST accept at least up to 16 signatures" and "post-quantum signatures can
// be up to nearly 5kB": the defaults admit 16 of those, with room to spare.
struct NoteLimits {
  std::size_t max_bytes = 128 * 1024;
  std::size_t max_signatures = 64;
};

struct NoteSignature {
  std::string key_name;
  std::uint32_t key_id = 0;  // the first four bytes, big-endian
  Bytes signature;           // the bytes after the key ID (at least one)
  bool operator==(const NoteSignature&) const = default;
};

// A key whose signatures a note is checked against: the (name, key ID) pair
// picks its lines, the public key checks them.
struct NoteVerifier {
  std::string key_name;
  std::uint32_t key_id = 0;
  crypto::PublicKey public_key{};

  // signed-note, "Ed25519 signatures": key ID = SHA-256(key name || 0x0A ||
  // 0x01 || 32-byte public key)[:4]. tlog_bad_key_name for an invalid name.
  static Expected<NoteVerifier> ed25519(std::string_view key_name,
                                        const crypto::PublicKey& public_key);
};

// SHA-256(key name || 0x0A || 0x01 || public key)[:4] as a big-endian uint32.
std::uint32_t ed25519_key_id(std::string_view key_name, const crypto::PublicKey& public_key);

class SignedNote {
 public:
  // Errors: tlog_too_large (over limits.max_bytes or max_signatures);
  // tlog_bad_note (not valid UTF-8, a control character other than newline,
  // no final newline, no blank line before the signatures, no signature, a
  // line after the blank line that is not a signature line, a bad key name,
  // signature base64 that is not canonical or shorter than 5 bytes).
  static Expected<SignedNote> parse(std::string_view note, const NoteLimits& limits = {});

  // An unsigned note of `text` (non-empty, ending in a newline, note
  // characters only, at most limits.max_bytes); tlog_bad_note otherwise.
  static Expected<SignedNote> from_text(std::string text, const NoteLimits& limits = {});

  const std::string& text() const { return text_; }
  const std::vector<NoteSignature>& signatures() const { return signatures_; }

  // Signs the text with an Ed25519 key under `key_name` and adds the line,
  // replacing any line of the same (name, key ID): a key signs a note once.
  // Other lines are kept, in order. tlog_bad_key_name for an invalid name.
  Status sign(std::string_view key_name, const crypto::SecretKey& key);

  // Checks this key's signature: tlog_unsigned when no line has its name and
  // key ID, tlog_bad_signature when one of those lines does not verify (the
  // spec: "If a signature from a known key fails to verify, clients SHOULD
  // reject the whole note").
  Status verify(const NoteVerifier& verifier) const;

  // The note as text; tlog_unsigned when it has no signature yet (a note
  // without signature lines is not a signed note).
  Expected<std::string> format() const;

 private:
  SignedNote() = default;
  std::string text_;
  std::vector<NoteSignature> signatures_;
};

}  // namespace parley::tlog
