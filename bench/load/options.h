#pragma once
// The command-line scaffolding the benchmarks' parse_args share: walking
// argv option by option, taking an option's value, bounded integers, where
// parleyd is found by default, and what main() does with a bad or --help
// command line. Errors are "usage" errors whose message the user sees.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "common/error.h"

namespace parley::load {

// argv as options, each perhaps followed by a value. Views argv: argv
// outlives it.
class ArgWalker {
 public:
  ArgWalker(int argc, char** argv) : argc_(argc), argv_(argv) {}

  // Moves to the next option; false past the last.
  bool next();
  const std::string& arg() const { return arg_; }
  bool is_help() const { return arg_ == "--help" || arg_ == "-h"; }

  // Takes the argument after the current option as its value: a usage
  // error "<option> needs a value" when there is none.
  Status take_value();
  const std::string& value() const { return value_; }

  // The value as an integer from lo to hi, into `into`; else a usage error
  // "<option> takes an integer from LO to HI" and `into` unchanged.
  Status number(int lo, int hi, int& into) const;

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
  std::string arg_, value_;
};

// A whole decimal integer from lo to hi, or nullopt.
std::optional<int> parse_int(const std::string& s, int lo, int hi);

// The directory of this program's executable (/proc/self/exe), or nullopt
// where that cannot be read.
std::optional<std::filesystem::path> self_dir();

// The parleyd built beside the benchmarks: <build>/src/app/parleyd for a
// benchmark in <build>/bench (`bench_dir`).
std::filesystem::path built_parleyd(const std::filesystem::path& bench_dir);

// main()'s answer to a parse_args error: for --help (code "help") the
// usage on stdout and exit 0; else "<tool>: <message>" and the usage on
// stderr and exit 2.
int usage_exit(const char* tool, const Error& error, void (*usage)(std::ostream&));

}  // namespace parley::load
