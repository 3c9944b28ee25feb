#include "load/options.h"

#include <cstdlib>
#include <iostream>

namespace parley::load {

namespace fs = std::filesystem;

bool ArgWalker::next() {
  if (++i_ >= argc_) return false;
  arg_ = argv_[i_];
  value_.clear();
  return true;
}

Status ArgWalker::take_value() {
  if (i_ + 1 >= argc_) return make_error("usage", arg_ + " needs a value");
  value_ = argv_[++i_];
  return ok_status();
}

Status ArgWalker::number(int lo, int hi, int& into) const {
  auto n = parse_int(value_, lo, hi);
  if (!n)
    return make_error("usage", arg_ + " takes an integer from " + std::to_string(lo) + " to " +
                                   std::to_string(hi));
  into = *n;
  return ok_status();
}

std::optional<int> parse_int(const std::string& s, int lo, int hi) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < lo || v > hi) return std::nullopt;
  return static_cast<int>(v);
}

std::optional<fs::path> self_dir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  return self.parent_path();
}

fs::path built_parleyd(const fs::path& bench_dir) {
  return (bench_dir / ".." / "src" / "app" / "parleyd").lexically_normal();
}

int usage_exit(const char* tool, const Error& error, void (*usage)(std::ostream&)) {
  if (error.code == "help") {
    usage(std::cout);
    return 0;
  }
  std::cerr << tool << ": " << error.message << "\n";
  usage(std::cerr);
  return 2;
}

}  // namespace parley::load
