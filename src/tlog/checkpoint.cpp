#include "tlog/checkpoint.h"

#include <algorithm>
#include <limits>

#include "tlog/text.h"

namespace parley::tlog {

namespace {

Error bad_checkpoint(std::string message) {
  return make_error("tlog_bad_checkpoint", std::move(message));
}

// tlog-checkpoint §"Note text", 2: "the ASCII decimal representation of the
// number of leaves in the tree, with no leading zeroes (unless the tree is
// empty, in which case the tree size is 0)".
bool parse_size(std::string_view text, std::uint64_t& out) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

bool valid_line(std::string_view line) {
  return !line.empty() && line.find('\n') == std::string_view::npos && valid_note_chars(line);
}

}  // namespace

Expected<Checkpoint> parse_checkpoint(std::string_view text, const CheckpointLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return make_error("tlog_too_large", "the checkpoint is longer than " +
                                            std::to_string(limits.max_bytes) + " bytes");
  }
  if (!valid_note_chars(text)) {
    return bad_checkpoint("the checkpoint is not UTF-8 or contains a control character");
  }
  if (text.empty() || text.back() != '\n') {
    return bad_checkpoint("the checkpoint does not end in a newline");
  }
  // "a sequence of at least three non-empty lines, separated by newlines"
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const std::size_t eol = rest.find('\n');
    const std::string_view line = rest.substr(0, eol);
    if (line.empty()) return bad_checkpoint("the checkpoint has an empty line");
    if (lines.size() == 3 + limits.max_extensions) {
      return make_error("tlog_too_large", "the checkpoint has more than " +
                                              std::to_string(limits.max_extensions) +
                                              " extension lines");
    }
    lines.push_back(line);
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) return bad_checkpoint("a checkpoint has at least three lines");

  Checkpoint out;
  // 1. "The first line is the origin ... The origin MUST be non-empty", and
  // "clients MUST NOT assume that the origin is following this format".
  out.origin = std::string(lines[0]);
  // 2. The tree size.
  if (!parse_size(lines[1], out.size)) {
    return bad_checkpoint("the tree size is not a decimal number without leading zeroes");
  }
  // 3. "the base64 encoding of the root of the [RFC 6962] Merkle hash tree"
  auto root = base64_decode(lines[2]);
  if (!root || root->size() != kHashBytes) {
    return bad_checkpoint("the root hash is not the base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), out.root.begin());
  // 4. "Any following lines are extension lines, opaque and OPTIONAL."
  for (std::size_t i = 3; i < lines.size(); ++i) out.extensions.emplace_back(lines[i]);
  return out;
}

Expected<std::string> format_checkpoint(const Checkpoint& checkpoint) {
  if (!valid_line(checkpoint.origin)) {
    return bad_checkpoint("the origin must be one non-empty line of note characters");
  }
  for (const std::string& e : checkpoint.extensions) {
    if (!valid_line(e)) {
      return bad_checkpoint("an extension must be one non-empty line of note characters");
    }
  }
  std::string out = checkpoint.origin;
  out += '\n';
  out += std::to_string(checkpoint.size);
  out += '\n';
  out += base64_encode(checkpoint.root);
  out += '\n';
  for (const std::string& e : checkpoint.extensions) {
    out += e;
    out += '\n';
  }
  return out;
}

Expected<std::string> meeting_origin(std::string_view meeting_id, std::string_view prefix) {
  std::string origin(prefix);
  origin += meeting_id;
  if (meeting_id.empty() || !valid_key_name(origin)) {
    return make_error("tlog_bad_key_name",
                      "a log origin must be non-empty, without spaces or '+': \"" + origin + "\"");
  }
  return origin;
}

Expected<std::string> sign_checkpoint(const Checkpoint& checkpoint, std::string_view key_name,
                                      const crypto::SecretKey& key) {
  auto text = format_checkpoint(checkpoint);
  if (!text) return text.error();
  auto note = SignedNote::from_text(std::move(*text));
  if (!note) return note.error();
  if (auto signed_ok = note->sign(key_name, key); !signed_ok) return signed_ok.error();
  return note->format();
}

Expected<std::string> cosign_checkpoint(std::string_view note, std::string_view key_name,
                                        const crypto::SecretKey& key, const NoteLimits& limits) {
  auto parsed = SignedNote::parse(note, limits);
  if (!parsed) return parsed.error();
  if (auto checkpoint = parse_checkpoint(parsed->text()); !checkpoint) return checkpoint.error();
  if (auto signed_ok = parsed->sign(key_name, key); !signed_ok) return signed_ok.error();
  return parsed->format();
}

Expected<Checkpoint> open_checkpoint(std::string_view note, const NoteVerifier& verifier,
                                     std::string_view origin, const NoteLimits& limits) {
  auto parsed = SignedNote::parse(note, limits);
  if (!parsed) return parsed.error();
  // signed-note: "The text MUST be ignored unless the note is signed by a
  // trusted key and the signature has been verified": verify, then read.
  if (auto verified = parsed->verify(verifier); !verified) return verified.error();
  auto checkpoint = parse_checkpoint(parsed->text());
  if (!checkpoint) return checkpoint.error();
  if (checkpoint->origin != origin) {
    return make_error("tlog_wrong_origin", "the checkpoint is of log \"" + checkpoint->origin +
                                               "\", not \"" + std::string(origin) + "\"");
  }
  return checkpoint;
}

}  // namespace parley::tlog
