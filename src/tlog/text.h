#pragma once
// Text rules shared by signed notes and checkpoints (C2SP signed-note,
// tlog-checkpoint): UTF-8 without control characters, key names, and the
// standard base64 of RFC 4648 §4 that both formats use (with padding; not
// the base64url of common/encoding.h).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/encoding.h"

namespace parley::tlog {

// Valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) with
// no ASCII control character (below U+0020) other than newline. signed-note:
// "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII control
// characters (those below U+0020) other than newline."
bool valid_note_chars(std::string_view text);

// signed-note: "Key names MUST be non-empty and MUST NOT contain any Unicode
// spaces or plus (U+002B) characters." Unicode spaces are the White_Space
// code points. Also valid_note_chars() and no newline.
bool valid_key_name(std::string_view name);

// RFC 4648 §4 base64 with padding.
std::string base64_encode(std::span<const std::uint8_t> data);
// Strict: padding required, nothing outside the alphabet (no whitespace),
// and zero trailing bits, so every byte string has exactly one accepted
// encoding and a parsed note formats back to the same bytes.
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace parley::tlog
