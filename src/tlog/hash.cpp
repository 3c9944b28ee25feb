#include "tlog/hash.h"

// OpenSSL's low-level SHA256_Init/Update/Final: they are marked deprecated in
// OpenSSL 3 in favour of EVP, but they are the only OpenSSL interface that
// hashes without allocating a context or keeping one in hidden per-thread
// state (OpenSSL 3's one-shot SHA256() fetches and allocates on every call),
// and they use the CPU's SHA extensions. Measured on the development
// machine (bench/tlog_bench): a node hash costs about a third of libsodium's
// portable crypto_hash_sha256, which matters when a record of 100k entries is
// verified (bench/README.md#tlog_bench).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace parley::tlog {

namespace {

constexpr std::uint8_t kLeafPrefix = 0x00;  // RFC 9162 §2.1.1
constexpr std::uint8_t kNodePrefix = 0x01;  // RFC 9162 §2.1.1

}  // namespace

Hash empty_root() {
  Hash out{};
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Final(out.data(), &ctx);
  return out;
}

Hash leaf_hash(std::span<const std::uint8_t> entry) {
  Hash out{};
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, &kLeafPrefix, 1);
  SHA256_Update(&ctx, entry.data(), entry.size());
  SHA256_Final(out.data(), &ctx);
  return out;
}

Hash node_hash(const Hash& left, const Hash& right) {
  // One contiguous 65-byte message: two compression blocks, one update.
  std::uint8_t buf[1 + 2 * kHashBytes];
  buf[0] = kNodePrefix;
  for (std::size_t i = 0; i < kHashBytes; ++i) {
    buf[1 + i] = left[i];
    buf[1 + kHashBytes + i] = right[i];
  }
  Hash out{};
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, buf, sizeof buf);
  SHA256_Final(out.data(), &ctx);
  return out;
}

}  // namespace parley::tlog
