#include "crypto/identity_key.h"

#include <sodium.h>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace parley::crypto {

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no entropy: nothing can be trusted
  });
}

SecretKey SecretKey::generate() {
  init();
  SecretKey k;
  crypto_sign_ed25519_keypair(k.pk_.data(), k.sk_.data());
  return k;
}

std::optional<SecretKey> SecretKey::from_seed(std::span<const std::uint8_t> seed) {
  init();
  if (seed.size() != kSeedBytes) return std::nullopt;
  SecretKey k;
  crypto_sign_ed25519_seed_keypair(k.pk_.data(), k.sk_.data(), seed.data());
  return k;
}

SecretKey::~SecretKey() { sodium_memzero(sk_.data(), sk_.size()); }

SecretKey::SecretKey(SecretKey&& o) noexcept : sk_(o.sk_), pk_(o.pk_) {
  sodium_memzero(o.sk_.data(), o.sk_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& o) noexcept {
  sk_ = o.sk_;
  pk_ = o.pk_;
  sodium_memzero(o.sk_.data(), o.sk_.size());
  return *this;
}

Signature SecretKey::sign(std::span<const std::uint8_t> message) const {
  Signature sig{};
  crypto_sign_ed25519_detached(sig.data(), nullptr, message.data(), message.size(), sk_.data());
  return sig;
}

bool verify(const PublicKey& key, std::span<const std::uint8_t> message, const Signature& sig) {
  init();
  return crypto_sign_ed25519_verify_detached(sig.data(), message.data(), message.size(),
                                             key.data()) == 0;
}

template <std::size_t N>
static std::optional<std::array<std::uint8_t, N>> parse_fixed(std::string_view text) {
  auto bytes = base64url_decode(text);
  if (!bytes || bytes->size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

std::optional<PublicKey> parse_public_key(std::string_view b64url) {
  return parse_fixed<kPublicKeyBytes>(b64url);
}

std::optional<Signature> parse_signature(std::string_view b64url) {
  return parse_fixed<kSignatureBytes>(b64url);
}

std::string random_hex(std::size_t bytes) {
  if (bytes == 0) return {};
  init();
  std::vector<std::uint8_t> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  return hex_encode(buf);
}

}  // namespace parley::crypto
