#pragma once
// Checkpoints (C2SP tlog-checkpoint, c2sp.org/tlog-checkpoint): the signed
// head of a Merkle log, as the text of a signed note (tlog/note.h).
//
//   <origin>                   the log's identity, e.g. parley.example/meeting/<id>
//   <tree size>                decimal, no leading zeroes
//   <root hash>                base64 of the 32-byte RFC 9162 tree hash
//   [<extension line>...]      optional, opaque, non-empty
//
// In Parley the log of a meeting is checkpointed by the server, and each
// party's client cosigns a checkpoint (adds its own Ed25519 signature line to
// the same note) once it has checked that it is consistent with the last one
// it cosigned (tlog/proof.h). Cosignatures here are plain signed-note Ed25519
// signatures (type 0x01) over the whole checkpoint, not the timestamped
// witness cosignatures of c2sp.org/tlog-cosignature (type 0x04): the parties
// vouch for the checkpoint itself, and the record's entries carry the times.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "crypto/identity_key.h"
#include "tlog/hash.h"
#include "tlog/note.h"

namespace parley::tlog {

struct CheckpointLimits {
  std::size_t max_bytes = 4096;     // the note text of a checkpoint
  std::size_t max_extensions = 16;  // extension lines after the root hash
};

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // without their newlines
  bool operator==(const Checkpoint&) const = default;
};

// Parses a checkpoint note text. Errors: tlog_too_large (over limits);
// tlog_bad_checkpoint (not note characters, no final newline, fewer than three
// lines, an empty line, a size that is not decimal without leading zeroes or
// does not fit 64 bits, a root that is not canonical base64 of 32 bytes).
Expected<Checkpoint> parse_checkpoint(std::string_view text, const CheckpointLimits& limits = {});

// The note text of `checkpoint`; tlog_bad_checkpoint if it could not be
// parsed back (an empty origin or extension, a newline or control character
// in one). parse_checkpoint(format_checkpoint(c)) == c.
Expected<std::string> format_checkpoint(const Checkpoint& checkpoint);

// The default origin of a meeting's log: "parley.example/meeting/<meeting id>".
// tlog-checkpoint: the origin "SHOULD be a schema-less URL containing neither
// Unicode spaces nor plus"; parley.example is a placeholder (RFC 2606
// reserves .example). A deployment passes its own prefix, its public host
// name, e.g. "parley.gov.example/meeting/". The result is also a valid key
// name, so the log's key can be named after its origin as the spec advises.
inline constexpr std::string_view kDefaultOriginPrefix = "parley.example/meeting/";
Expected<std::string> meeting_origin(std::string_view meeting_id,
                                     std::string_view prefix = kDefaultOriginPrefix);

// A new signed note of `checkpoint`, signed by `key` as `key_name`.
Expected<std::string> sign_checkpoint(const Checkpoint& checkpoint, std::string_view key_name,
                                      const crypto::SecretKey& key);

// Adds `key`'s signature as `key_name` to a checkpoint note, keeping the
// other signature lines. Checks only that the note is a well-formed
// checkpoint: deciding to cosign (consistency with the last checkpoint
// cosigned) is the caller's.
Expected<std::string> cosign_checkpoint(std::string_view note, std::string_view key_name,
                                        const crypto::SecretKey& key,
                                        const NoteLimits& limits = {});

// Parses a checkpoint note, verifies `verifier`'s signature on it and checks
// its origin. Errors: those of SignedNote::parse and verify, of
// parse_checkpoint, and tlog_wrong_origin.
Expected<Checkpoint> open_checkpoint(std::string_view note, const NoteVerifier& verifier,
                                     std::string_view origin, const NoteLimits& limits = {});

}  // namespace parley::tlog
