#include "server/static_files.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace parley::server {

namespace {

std::string content_type_for(const std::string& ext) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".webmanifest", "application/manifest+json"}};
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? std::string() : it->second;
}

}  // namespace

Expected<StaticFiles> StaticFiles::load(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return make_error("bad_config", "web root " + root.string() + " is not a directory");
  StaticFiles out;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    // Only plain files: a symbolic link could point outside the web root,
    // and a dotfile (editor state, .git) is never part of the app.
    if (it->is_symlink() || !it->is_regular_file()) continue;
    if (it->path().filename().string().front() == '.') continue;
    auto type = content_type_for(it->path().extension().string());
    if (type.empty()) continue;  // READMEs, editor files, tests: not served
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) return make_error("bad_config", "cannot read " + it->path().string());
    auto rel = "/" + fs::relative(it->path(), root).generic_string();
    out.files_[rel] = StaticFile{type, body.str()};
  }
  if (ec) return make_error("bad_config", "cannot list web root " + root.string() + ": " + ec.message());
  return out;
}

const StaticFile* StaticFiles::find(std::string_view path) const {
  std::string p(path);
  if (p == "/") p = "/index.html";
  auto it = files_.find(p);
  if (it == files_.end() && p.find('.') == std::string::npos) it = files_.find(p + ".html");
  return it == files_.end() ? nullptr : &it->second;
}

const std::vector<std::pair<std::string, std::string>>& static_security_headers() {
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"}};
  return kHeaders;
}

}  // namespace parley::server
