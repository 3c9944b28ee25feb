#include "crypto/hash.h"

#include <sodium.h>

#include "common/encoding.h"
#include "crypto/identity_key.h"

namespace parley::crypto {

Sha256 sha256(std::span<const std::uint8_t> data) {
  init();
  Sha256 out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

std::string sha256_hex(std::string_view data) { return hex_encode(sha256(as_bytes(data))); }

bool equal_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string key_fingerprint(std::string_view key) {
  auto h = sha256_hex(key).substr(0, 16);
  return h.substr(0, 4) + " " + h.substr(4, 4) + " " + h.substr(8, 4) + " " + h.substr(12, 4);
}

}  // namespace parley::crypto
