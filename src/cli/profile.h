#pragma once
// The CLI's local state, one directory per profile:
//   <config dir>/<profile>/identity.key   the Ed25519 seed (mode 0600, never sent)
//   <config dir>/<profile>/profile.json   server URL, member id, party, TLS pin
//   <config dir>/<profile>/session.json   the current session token (mode 0600)
// The config dir is --config-dir, else $PARLEY_CONFIG_DIR, else
// $XDG_CONFIG_HOME/parley, else ~/.config/parley.

#include <filesystem>
#include <string>

#include "common/error.h"
#include "crypto/identity_key.h"
#include "json/canonical.h"

namespace parley::cli {

struct Profile {
  std::filesystem::path dir;
  std::string server;
  std::string member;
  std::string party;
  std::string name;
  std::string tls_fingerprint;
};

std::filesystem::path config_root(const std::string& override_dir);

Expected<Profile> load_profile(const std::filesystem::path& dir);
Status save_profile(const Profile& p);
Expected<crypto::SecretKey> load_identity(const std::filesystem::path& dir);
// Writes a new key; refuses to overwrite one.
Status save_identity(const std::filesystem::path& dir, const crypto::SecretKey& key);

// Small private files: written whole, fsynced, mode 0600.
Status write_private_file(const std::filesystem::path& path, const std::string& content);

}  // namespace parley::cli
