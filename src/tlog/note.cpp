#include "tlog/note.h"

#include <algorithm>

#include "crypto/hash.h"
#include "tlog/text.h"

namespace parley::tlog {

namespace {

// signed-note: a signature line is "em dash (U+2014), space (U+0020), key
// name, space, base64-encoded signature, newline".
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";
constexpr std::uint8_t kEd25519Type = 0x01;  // signed-note, "Signature types"
constexpr std::size_t kKeyIdBytes = 4;

Error bad_note(std::string message) {
  return make_error("tlog_bad_note", std::move(message));
}

Error too_large(std::string message) {
  return make_error("tlog_too_large", std::move(message));
}

Error bad_key_name(std::string_view name) {
  return make_error("tlog_bad_key_name", "a key name must be non-empty, without spaces or '+': \"" +
                                             std::string(name) + "\"");
}

std::string key_label(std::string_view name, std::uint32_t id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(name);
  out += '+';
  for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(id >> shift) & 0xF];
  return out;
}

// One line after the blank line, without its newline.
Expected<NoteSignature> parse_signature_line(std::string_view line) {
  if (!line.starts_with(kSignaturePrefix)) {
    return bad_note("a line after the blank line is not a signature line");
  }
  line.remove_prefix(kSignaturePrefix.size());
  // Key names contain no spaces, so the first space ends the name.
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return bad_note("a signature line has no signature");
  const std::string_view name = line.substr(0, space);
  if (!valid_key_name(name)) return bad_note("a signature line has an invalid key name");
  auto bytes = base64_decode(line.substr(space + 1));
  // "Signatures are the base64 encoding of 4+n bytes": a key ID, then at
  // least one byte of signature.
  if (!bytes || bytes->size() <= kKeyIdBytes) {
    return bad_note("a signature line's signature is not canonical base64 of 5 bytes or more");
  }
  NoteSignature sig;
  sig.key_name = std::string(name);
  for (std::size_t i = 0; i < kKeyIdBytes; ++i) sig.key_id = (sig.key_id << 8) | (*bytes)[i];
  sig.signature.assign(bytes->begin() + kKeyIdBytes, bytes->end());
  return sig;
}

Status check_text(std::string_view text, const NoteLimits& limits) {
  if (text.size() > limits.max_bytes) return too_large("the note text is too long");
  if (text.empty() || text.back() != '\n') return bad_note("the note text must end in a newline");
  if (!valid_note_chars(text)) {
    return bad_note("the note is not UTF-8 or contains a control character");
  }
  return ok_status();
}

}  // namespace

std::uint32_t ed25519_key_id(std::string_view key_name, const crypto::PublicKey& public_key) {
  // signed-note: key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte
  // Ed25519 public key)[:4], "interpreted in big-endian order".
  Bytes input(key_name.begin(), key_name.end());
  input.push_back(0x0A);
  input.push_back(kEd25519Type);
  input.insert(input.end(), public_key.begin(), public_key.end());
  const crypto::Sha256 digest = crypto::sha256(input);
  return (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) |
         (std::uint32_t{digest[2]} << 8) | std::uint32_t{digest[3]};
}

Expected<NoteVerifier> NoteVerifier::ed25519(std::string_view key_name,
                                             const crypto::PublicKey& public_key) {
  if (!valid_key_name(key_name)) return bad_key_name(key_name);
  return NoteVerifier{std::string(key_name), ed25519_key_id(key_name, public_key), public_key};
}

Expected<SignedNote> SignedNote::parse(std::string_view note, const NoteLimits& limits) {
  if (note.size() > limits.max_bytes) return too_large("the note is too long");
  if (!valid_note_chars(note))
    return bad_note("the note is not UTF-8 or contains a control character");
  if (note.empty() || note.back() != '\n') return bad_note("the note does not end in a newline");
  // "the text is separated from the signatures by the last empty line in the
  // note": signature lines are never empty, so the last "\n\n" is the text's
  // final newline followed by the blank line.
  const std::size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos)
    return bad_note("the note has no blank line before its signatures");
  SignedNote out;
  std::string_view rest = note.substr(blank + 2);
  if (rest.empty()) return bad_note("the note has no signature");
  while (!rest.empty()) {
    if (out.signatures_.size() == limits.max_signatures) {
      return too_large("the note has more than " + std::to_string(limits.max_signatures) +
                       " signatures");
    }
    const std::size_t eol = rest.find('\n');  // found: the note ends in a newline
    auto sig = parse_signature_line(rest.substr(0, eol));
    if (!sig) return sig.error();
    out.signatures_.push_back(std::move(*sig));
    rest.remove_prefix(eol + 1);
  }
  out.text_ = std::string(note.substr(0, blank + 1));
  return out;
}

Expected<SignedNote> SignedNote::from_text(std::string text, const NoteLimits& limits) {
  if (auto ok = check_text(text, limits); !ok) return ok.error();
  SignedNote out;
  out.text_ = std::move(text);
  return out;
}

Status SignedNote::sign(std::string_view key_name, const crypto::SecretKey& key) {
  if (!valid_key_name(key_name)) return bad_key_name(key_name);
  NoteSignature sig;
  sig.key_name = std::string(key_name);
  sig.key_id = ed25519_key_id(key_name, key.public_key());
  const crypto::Signature raw = key.sign(as_bytes(text_));  // RFC 8032, over the note text
  sig.signature.assign(raw.begin(), raw.end());
  std::erase_if(signatures_, [&](const NoteSignature& s) {
    return s.key_name == sig.key_name && s.key_id == sig.key_id;
  });
  signatures_.push_back(std::move(sig));
  return ok_status();
}

Status SignedNote::verify(const NoteVerifier& verifier) const {
  bool found = false;
  for (const NoteSignature& s : signatures_) {
    // "Verifiers MUST ignore signatures from unknown keys, even if they share
    // a name or ID (but not both) with a known key."
    if (s.key_name != verifier.key_name || s.key_id != verifier.key_id) continue;
    found = true;
    crypto::Signature raw{};
    if (s.signature.size() != raw.size()) {
      return make_error(
          "tlog_bad_signature",
          "the signature of " + key_label(s.key_name, s.key_id) + " is not an Ed25519 signature");
    }
    std::copy(s.signature.begin(), s.signature.end(), raw.begin());
    if (!crypto::verify(verifier.public_key, as_bytes(text_), raw)) {
      return make_error("tlog_bad_signature",
                        "the signature of " + key_label(s.key_name, s.key_id) + " does not verify");
    }
  }
  if (!found) {
    return make_error("tlog_unsigned", "the note has no signature by " +
                                           key_label(verifier.key_name, verifier.key_id));
  }
  return ok_status();
}

Expected<std::string> SignedNote::format() const {
  if (signatures_.empty()) return make_error("tlog_unsigned", "the note has no signature yet");
  std::string out = text_;
  out += '\n';
  for (const NoteSignature& s : signatures_) {
    Bytes bytes{static_cast<std::uint8_t>(s.key_id >> 24),
                static_cast<std::uint8_t>(s.key_id >> 16), static_cast<std::uint8_t>(s.key_id >> 8),
                static_cast<std::uint8_t>(s.key_id)};
    bytes.insert(bytes.end(), s.signature.begin(), s.signature.end());
    out += kSignaturePrefix;
    out += s.key_name;
    out += ' ';
    out += base64_encode(bytes);
    out += '\n';
  }
  return out;
}

}  // namespace parley::tlog
