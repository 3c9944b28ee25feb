#include "cli/profile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace parley::cli {

using json::Json;

std::filesystem::path config_root(const std::string& override_dir) {
  if (!override_dir.empty()) return override_dir;
  if (const char* d = std::getenv("PARLEY_CONFIG_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "parley";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : ".") / ".config" / "parley";
}

Status write_private_file(const std::filesystem::path& path, const std::string& content) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::filesystem::permissions(path.parent_path(), std::filesystem::perms::owner_all, ec);
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return make_error("io_error", "cannot write " + tmp.string());
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return make_error("io_error", "cannot write " + path.string());
  return ok_status();
}

static Expected<Json> read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return make_error("no_profile", "cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = json::parse_strict(ss.str());
  if (!j) return make_error("bad_profile", path.string() + ": " + j.error().message);
  return j;
}

Expected<Profile> load_profile(const std::filesystem::path& dir) {
  auto j = read_json_file(dir / "profile.json");
  if (!j) {
    if (j.error().code == "no_profile")
      return make_error("no_profile", "no profile in " + dir.string() + ": enroll first (parley enroll --server URL --code CODE)");
    return j.error();
  }
  Profile p;
  p.dir = dir;
  p.server = j->value("server", "");
  p.member = j->value("member", "");
  p.party = j->value("party", "");
  p.name = j->value("name", "");
  p.tls_fingerprint = j->value("tls_fingerprint", "");
  if (p.server.empty() || p.member.empty()) return make_error("bad_profile", dir.string() + "/profile.json is incomplete");
  return p;
}

Status save_profile(const Profile& p) {
  Json j = {{"type", "parley.profile/1"}, {"server", p.server}, {"member", p.member},
            {"party", p.party}, {"name", p.name}, {"tls_fingerprint", p.tls_fingerprint}};
  return write_private_file(p.dir / "profile.json", j.dump(2) + "\n");
}

Expected<crypto::SecretKey> load_identity(const std::filesystem::path& dir) {
  auto path = dir / "identity.key";
  auto st = std::filesystem::status(path);
  if ((st.permissions() & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) !=
      std::filesystem::perms::none)
    return make_error("bad_profile", path.string() + " is readable by others; chmod 600 it");
  auto j = read_json_file(path);
  if (!j) return j.error();
  auto seed = base64url_decode(j->value("seed", ""));
  if (j->value("type", "") != "parley.identity/1" || !seed)
    return make_error("bad_profile", path.string() + " is not a Parley identity key");
  auto key = crypto::SecretKey::from_seed(*seed);
  if (!key) return make_error("bad_profile", path.string() + " holds a key of the wrong size");
  return std::move(*key);
}

Status save_identity(const std::filesystem::path& dir, const crypto::SecretKey& key) {
  auto path = dir / "identity.key";
  if (std::filesystem::exists(path))
    return make_error("conflict", path.string() + " exists already; use another --profile");
  Json j = {{"type", "parley.identity/1"}, {"seed", base64url_encode(key.seed())},
            {"public_key", base64url_encode(key.public_key())}};
  return write_private_file(path, j.dump(2) + "\n");
}

}  // namespace parley::cli
