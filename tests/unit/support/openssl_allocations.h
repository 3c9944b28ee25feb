#pragma once
// Counts OpenSSL's own heap allocations (CRYPTO_malloc / CRYPTO_realloc),
// for the tests that prove a success path allocates nothing. The hook is
// installed by a static initialiser in openssl_allocations.cpp, before
// OpenSSL allocates anything; link that file into the test.

#include <cstddef>

namespace parley::test {

// Whether the hook is in place (CRYPTO_set_mem_functions refuses once
// OpenSSL has allocated).
bool openssl_hooked();
// OpenSSL allocations so far, in every thread.
std::size_t openssl_allocations();

}  // namespace parley::test
