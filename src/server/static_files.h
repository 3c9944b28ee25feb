#pragma once
// The web app's files (web/ in the project), read once at start-up and served
// from memory. Only the files found then exist: a request path is looked up
// in a map, never joined onto a directory, so no path can reach outside the
// web root. Pages are generic shells: everything about a meeting comes from
// the API behind a session, so these files hold nothing under embargo.

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace parley::server {

struct StaticFile {
  std::string content_type;
  std::string body;
};

class StaticFiles {
 public:
  // Reads every servable file under `root` (html, js, css, svg, png, ico,
  // webmanifest). A missing root is an error; an empty one is not.
  static Expected<StaticFiles> load(const std::filesystem::path& root);

  // "/js/app.js" → that file; "/" → index.html; "/announcements" →
  // announcements.html (each page also answers without its extension).
  const StaticFile* find(std::string_view path) const;
  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

// Headers sent with every page and script: a strict Content-Security-Policy
// (scripts and styles from this origin only, no inline script, no framing).
const std::vector<std::pair<std::string, std::string>>& static_security_headers();

}  // namespace parley::server
