#pragma once
// Human-readable output of the CLI (the --json flag prints the API's JSON instead).

#include <map>
#include <ostream>
#include <string>

#include "json/canonical.h"
#include "negotiation/log_verifier.h"

namespace parley::cli {

// Member id -> name, so that people read names rather than ids; may be empty.
using Names = std::map<std::string, std::string>;

std::string value_summary(const std::string& param, const json::Json& value, const Names& names = {});
// With names, `show` also lists the proposed roster in full, one person a line.
void print_meeting(std::ostream& out, const json::Json& m, const Names& names = {});
void print_meeting_list(std::ostream& out, const json::Json& list);
void print_verified(std::ostream& out, const negotiation::VerifiedLog& log);

}  // namespace parley::cli
