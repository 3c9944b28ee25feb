// The C++ side of the differential test of web/js/canonical.js
// (canonical.test.mjs): reads NUL-separated JSON texts on stdin and answers
// each, NUL-separated, with "ok:" + the canonical form or "err:" + the code
// json::parse_strict refuses it with. Same limits as `parley verify`.

#include <iostream>
#include <iterator>
#include <string>

#include "json/canonical.h"

int main() {
  std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  std::size_t start = 0;
  while (start < all.size()) {
    auto end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    auto parsed = parley::json::parse_strict(std::string_view(all).substr(start, end - start),
                                             parley::json::ParseLimits{64, 64u << 20});
    if (parsed)
      std::cout << "ok:" << parley::json::canonicalize(*parsed);
    else
      std::cout << "err:" << parsed.error().code;
    std::cout << '\0';
    start = end + 1;
  }
  return 0;
}
