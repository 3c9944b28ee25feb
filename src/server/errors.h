#pragma once
// The one place where error codes become HTTP statuses and JSON bodies.

#include <string>

#include "common/error.h"
#include "json/canonical.h"

namespace parley::server {

int http_status(const std::string& code);
// {"error":{"code":...,"message":...}}
json::Json error_body(const Error& e);
// Codes after which the client needs the meeting's current state (409s).
bool wants_current_state(const std::string& code);

}  // namespace parley::server
