// Fuzz target for signed notes and checkpoints (tlog/note.h,
// tlog/checkpoint.h). The input is read as a signed note and, separately, as
// checkpoint text. Checked (anything else aborts):
//  - an accepted note formats back to exactly the input, and parses again to
//    the same text and signature lines;
//  - tighter limits refuse exactly the notes over them, with tlog_too_large;
//  - a signature line that verifies with the fuzzer's fixed key is the one
//    that key makes (Ed25519 is deterministic): no forgery gets through;
//  - checkpoint text that parses formats back to exactly itself;
//  - cosigning an accepted checkpoint note keeps its text and the other
//    signers' lines, and the new line verifies.
// The seeds in corpus/checkpoint_fuzzer include notes signed by the fixed
// keys below (log key: seed of 32 bytes 0x11, named "parley.example/meeting/
// mtg_fuzz_01"; cosigner: 32 bytes 0x22, "parley.example/party/east"), made
// with sign_checkpoint() and cosign_checkpoint().

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tlog/checkpoint.h"
#include "tlog/note.h"

namespace {

using namespace parley;
using namespace parley::tlog;

void check(bool ok) {
  if (!ok) std::abort();
}

const crypto::SecretKey& log_key() {
  static const crypto::SecretKey key = *crypto::SecretKey::from_seed(Bytes(32, 0x11));
  return key;
}
const crypto::SecretKey& party_key() {
  static const crypto::SecretKey key = *crypto::SecretKey::from_seed(Bytes(32, 0x22));
  return key;
}
constexpr std::string_view kLogName = "parley.example/meeting/mtg_fuzz_01";
constexpr std::string_view kPartyName = "parley.example/party/east";

void check_note(std::string_view input) {
  auto note = SignedNote::parse(input);
  const NoteLimits tight{.max_bytes = 1024, .max_signatures = 3};
  auto tight_note = SignedNote::parse(input, tight);
  if (!note) {
    check(!tight_note);
    check(tight_note.error().code == note.error().code ||
          tight_note.error().code == "tlog_too_large");
    return;
  }
  // Round trip, byte for byte.
  auto text = note->format();
  check(text.ok() && *text == input);
  auto again = SignedNote::parse(*text);
  check(again.ok() && again->text() == note->text() && again->signatures() == note->signatures());
  check(!note->signatures().empty() && !note->text().empty() && note->text().back() == '\n');
  // Limits.
  const bool over =
      input.size() > tight.max_bytes || note->signatures().size() > tight.max_signatures;
  check(tight_note.ok() == !over);
  if (over) check(tight_note.error().code == "tlog_too_large");

  // Verification by the fixed key: accepted only for the key's own lines.
  auto verifier = NoteVerifier::ed25519(kLogName, log_key().public_key());
  check(verifier.ok());
  if (note->verify(*verifier)) {
    const crypto::Signature expected = log_key().sign(as_bytes(note->text()));
    for (const NoteSignature& s : note->signatures()) {
      if (s.key_name == kLogName && s.key_id == verifier->key_id) {
        check(std::equal(s.signature.begin(), s.signature.end(), expected.begin(), expected.end()));
      }
    }
  }

  auto checkpoint = parse_checkpoint(note->text());
  if (!checkpoint) return;
  auto formatted = format_checkpoint(*checkpoint);
  check(formatted.ok() && *formatted == note->text());
  (void)open_checkpoint(input, *verifier, checkpoint->origin);

  // Cosigning keeps the text and everyone else's lines, in order.
  auto cosigned = cosign_checkpoint(input, kPartyName, party_key(), NoteLimits{});
  check(cosigned.ok());
  auto after =
      SignedNote::parse(*cosigned, NoteLimits{.max_bytes = 1 << 20, .max_signatures = 1000});
  check(after.ok() && after->text() == note->text());
  auto party = NoteVerifier::ed25519(kPartyName, party_key().public_key());
  check(party.ok() && after->verify(*party).ok());
  std::vector<NoteSignature> others;
  for (const NoteSignature& s : note->signatures()) {
    if (s.key_name != kPartyName || s.key_id != party->key_id) others.push_back(s);
  }
  check(after->signatures().size() == others.size() + 1);
  check(std::equal(others.begin(), others.end(), after->signatures().begin()));
}

void check_checkpoint_text(std::string_view input) {
  auto checkpoint = parse_checkpoint(input);
  if (!checkpoint) return;
  auto formatted = format_checkpoint(*checkpoint);
  check(formatted.ok() && *formatted == input);
  check(!checkpoint->origin.empty());
  auto again = parse_checkpoint(*formatted);
  check(again.ok() && *again == *checkpoint);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_note(input);
  check_checkpoint_text(input);
  return 0;
}
