#include "support/openssl_allocations.h"

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>

namespace {

std::atomic<std::size_t> count{0};

void* counting_malloc(std::size_t n, const char*, int) {
  ++count;
  return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
  ++count;
  return std::realloc(p, n);
}
void plain_free(void* p, const char*, int) { std::free(p); }

// Must run before OpenSSL allocates anything, hence a static initialiser.
const bool hooked = CRYPTO_set_mem_functions(counting_malloc, counting_realloc, plain_free) == 1;

}  // namespace

namespace parley::test {

bool openssl_hooked() { return hooked; }
std::size_t openssl_allocations() { return count.load(); }

}  // namespace parley::test
