#pragma once
// Command-line flags that describe proposed values for a meeting's terms,
// shared by `parley create` and `parley propose`, and their translation into
// the JSON values of docs/protocol.md.

#include <optional>
#include <string>
#include <vector>

#include "cli/session.h"

namespace parley::cli {

struct TermsOptions {
  std::optional<std::string> title;
  std::optional<std::string> format;
  std::optional<std::string> start;
  std::optional<std::int64_t> duration;
  std::vector<std::string> roster;        // "member:role", member by id or exact name
  std::vector<std::string> languages;     // "en", "ru" or "en,ru"
  std::vector<std::string> interpreters;  // "member:en-ru"
  std::vector<std::string> agenda;        // one item each
  std::optional<std::string> announce_text;
  std::optional<std::string> announce_at;  // "on_agreement" or an RFC 3339 UTC instant
  std::optional<std::string> predecessor;  // meeting id or "none"
  std::vector<std::string> raw;            // "param=<JSON value>"
};

// Builds {param: value} for every parameter the flags mention. `current` is
// the meeting view when proposing (values not given are taken from it, e.g.
// the announcement text when only the moment changes), or null on create.
// `parties` are the two party ids, used to resolve roster members.
Expected<Json> build_proposals(Session& s, const TermsOptions& o, const Json& current,
                               const std::vector<std::string>& parties);

}  // namespace parley::cli
