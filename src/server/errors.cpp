#include "server/errors.h"

#include <map>

namespace parley::server {

int http_status(const std::string& code) {
  static const std::map<std::string, int> kStatus = {
      // 400: the request itself is malformed
      {"invalid_json", 400}, {"duplicate_key", 400}, {"non_ascii_key", 400}, {"unsafe_number", 400},
      {"too_deep", 400}, {"invalid_field", 400}, {"missing_field", 400}, {"unknown_field", 400},
      {"unknown_parameter", 400}, {"wrong_meeting", 400}, {"bad_request", 400},
      // 401: who are you?
      {"unauthenticated", 401}, {"sign_in_failed", 401},
      // 403: known, but not allowed
      {"role_not_allowed", 403}, {"not_a_party", 403}, {"author_mismatch", 403},
      {"bad_signature", 403}, {"unknown_author", 403}, {"forbidden", 403}, {"invalid_invitation", 403},
      {"not_on_roster", 403}, {"key_changed", 403},
      // 404: absent or embargoed, indistinguishably
      {"not_found", 404},
      {"method_not_allowed", 405},
      // 409: the state moved; the body carries the current state
      {"stale_sequence", 409}, {"stale_revision", 409}, {"already_accepted", 409},
      {"already_signed", 409}, {"meeting_exists", 409}, {"meeting_withdrawn", 409},
      {"meeting_announced", 409}, {"not_agreed", 409}, {"terms_hash_mismatch", 409}, {"conflict", 409},
      // the record's entries (docs/record.md §Entries): the record is not in that state
      {"not_announced", 409}, {"session_open", 409}, {"no_session", 409}, {"draft_used", 409},
      {"already_acknowledged", 409}, {"readout_exists", 409}, {"joint_statement_open", 409},
      {"already_countersigned", 409},
      {"payload_too_large", 413},
      {"unsupported_media_type", 415},
      // 422: well-formed but against the rules
      {"key_mismatch", 422}, {"time_out_of_order", 422}, {"inconsistent_terms", 422}, {"clock_skew", 422}, {"unknown_party", 422},
      {"unknown_time_zone", 422}, {"unchanged_value", 422}, {"nothing_to_accept", 422},
      {"unknown_entry", 422}, {"wrong_entry_kind", 422}, {"checkpoint_mismatch", 422},
      {"store_unavailable", 503}, {"unavailable", 503}, {"store_corrupt", 500}, {"internal", 500},
  };
  auto it = kStatus.find(code);
  if (it != kStatus.end()) return it->second;
  if (code.rfind("invalid_", 0) == 0) return 422;  // invalid_<parameter>
  return 500;
}

json::Json error_body(const Error& e) {
  return {{"error", {{"code", e.code}, {"message", e.message}}}};
}

bool wants_current_state(const std::string& code) { return http_status(code) == 409; }

}  // namespace parley::server
