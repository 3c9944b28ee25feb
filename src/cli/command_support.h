#pragma once
// What the command groups of `parley` share (commands.cpp, record_commands.cpp):
// the global options, error reporting, sessions, files and printing.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/session.h"

namespace parley::cli {

struct Globals {
  std::string profile = "default";
  std::string config_dir;
  bool json = false;
  bool print_act = false;
};

// Prints "parley: <message> [<code>]" to stderr and returns `code`.
int report(const Error& e, int code = 1);
Expected<std::unique_ptr<Session>> open_session(const Globals& g);
Expected<std::string> read_file(const std::string& path);
void print_json(const Json& j);
// Prints the outcome of a write; a 409 shows the state the write lost
// against. Returns the exit code.
int finish(Session& s, const Globals& g, const Expected<Json>& res, const std::string& done_message);

// `parley record …` and the record side of `parley verify` (record_commands.cpp).
void add_record_commands(CLI::App& app, const Globals& g, int& rc);
// Verifies records, excerpts or a series, as `parley verify` does; returns the exit code.
struct VerifyArgs {
  std::vector<std::string> files;
  std::string trust_file;
  std::vector<std::string> party_keys;
  bool require_final = false;
};
int verify_record_files(const VerifyArgs& args, const Globals& g);

}  // namespace parley::cli
