#pragma once
// TLS material for non-loopback listeners: a configured certificate, or a
// self-signed one generated once into the data directory (ECDSA P-256, valid
// for a year) so that its fingerprint stays the same across restarts.

#include <filesystem>
#include <string>

#include "common/error.h"

namespace parley::server {

struct TlsFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

// Creates <dir>/tls-cert.pem and <dir>/tls-key.pem (the key with mode 0600) unless present.
Expected<TlsFiles> ensure_self_signed(const std::filesystem::path& dir, const std::string& host);

// SHA-256 fingerprint of a PEM certificate, as "AB:CD:..." (the form browsers show).
Expected<std::string> certificate_fingerprint(const std::filesystem::path& cert);

}  // namespace parley::server
