#pragma once
// Offline verification of the record of the talks (docs/record.md
// §Verification): a record (parley.record/1), an excerpt (parley.excerpt/1),
// a series of records. Nothing but the files and the trusted party keys:
// no server, no network. Every failure names the first entry ("act N") or
// checkpoint ("checkpoint N") at fault.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "negotiation/log_verifier.h"
#include "record/record.h"
#include "tlog/hash.h"

namespace parley::record {

struct CheckpointResult {
  std::uint64_t size = 0;
  tlog::Hash root{};
  bool log_signed = false;                 // the server's line verified with log_key
  std::vector<std::string> cosigners;      // member ids, in line order
  std::set<std::string> parties;           // the parties they cosigned for
  bool both_parties() const { return parties.size() == 2; }
};

struct VerifiedRecord {
  negotiation::VerifiedLog log;  // acts, final state, members
  std::string origin;
  std::string log_key;  // base64url, as exported
  std::vector<CheckpointResult> checkpoints;
  std::optional<std::size_t> final_checkpoint;  // index of the first checkpoint that makes it final
  bool final() const { return final_checkpoint.has_value(); }
};

struct VerifyOptions {
  Trust trust;                 // required: both parties' keys
  bool require_final = false;  // refuse a record that is not final
};

// Error codes: those of the acts (verify_acts), invalid_field (shape),
// no_trust / untrusted_key (the terms' signatures), tlog_* and
// checkpoint_* (checkpoints), not_final (a `final` claim or
// --require-final that the checkpoints do not bear out).
Expected<VerifiedRecord> verify_record(const json::Json& doc, const VerifyOptions& options);

// Records oldest first: each names the previous one as predecessor, and
// every assurance_status naming a predecessor names one of its assurances
// (with the right to withdraw it). Fails with "record N: …".
Status verify_series(std::span<const VerifiedRecord> oldest_first);

// The human report (plain text), and the printable page (self-contained HTML).
std::string report_text(const VerifiedRecord& r, const VerifiedRecord* predecessor = nullptr);
std::string report_html(const VerifiedRecord& r);

struct VerifiedExcerpt {
  std::string meeting;
  std::string origin;
  json::Json parties;
  std::vector<negotiation::SignedAct> entries;
  std::vector<std::uint64_t> indexes;
  CheckpointResult checkpoint;
  negotiation::MapDirectory members;
  bool pinned = false;  // every signer's key is trusted for their party
};

// An excerpt: each entry's signature with the listed member's key, its
// inclusion proof against the checkpoint, the checkpoint's cosignatures (by
// listed members; one party's only verifies, as the latest checkpoint may
// not be cosigned by both yet, and the report says so) and, with a non-empty trust,
// every signer's key trusted for their party (else untrusted_key).
Expected<VerifiedExcerpt> verify_excerpt(const json::Json& doc, const Trust& trust);
std::string excerpt_report(const VerifiedExcerpt& e);

}  // namespace parley::record
