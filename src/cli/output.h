#pragma once
// Human-readable output of the CLI (the --json flag prints the API's JSON instead).

#include <ostream>

#include "json/canonical.h"
#include "negotiation/log_verifier.h"

namespace parley::cli {

std::string value_summary(const std::string& param, const json::Json& value);
void print_meeting(std::ostream& out, const json::Json& m);
void print_meeting_list(std::ostream& out, const json::Json& list);
void print_verified(std::ostream& out, const negotiation::VerifiedLog& log);

}  // namespace parley::cli
