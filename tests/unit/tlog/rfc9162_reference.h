#pragma once
// A straightforward reference for RFC 9162 §2.1, written from the RFC's
// recursive definitions and nothing else: MTH (§2.1.1), PATH (§2.1.3.1) and
// PROOF/SUBPROOF (§2.1.4.1) over the list of entries, with no cache and no
// cleverness, hashing through libsodium (crypto/hash.h) rather than the
// OpenSSL code of src/tlog. The unit tests and tlog_proof_fuzzer hold
// src/tlog to it. Quadratic and worse: for small trees only.

#include <cstdint>
#include <vector>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace parley::tlog::reference {

using Hash = crypto::Sha256;
using Entries = std::vector<Bytes>;

// HASH(0x00 || d)
inline Hash leaf(const Bytes& d) {
  Bytes in{0x00};
  in.insert(in.end(), d.begin(), d.end());
  return crypto::sha256(in);
}

// HASH(0x01 || left || right)
inline Hash node(const Hash& left, const Hash& right) {
  Bytes in{0x01};
  in.insert(in.end(), left.begin(), left.end());
  in.insert(in.end(), right.begin(), right.end());
  return crypto::sha256(in);
}

// "the largest power of two smaller than n (i.e., k < n <= 2k)", n > 1
inline std::uint64_t split(std::uint64_t n) {
  std::uint64_t k = 1;
  while (2 * k < n) k *= 2;
  return k;
}

// MTH(D[lo:hi])
inline Hash mth(const Entries& d, std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t n = hi - lo;
  if (n == 0) return crypto::sha256({});  // MTH({}) = HASH()
  if (n == 1) return leaf(d[lo]);         // MTH({d(0)}) = HASH(0x00 || d(0))
  const std::uint64_t k = split(n);
  return node(mth(d, lo, lo + k), mth(d, lo + k, hi));
}

// PATH(m, D[lo:hi]), m relative to lo
inline std::vector<Hash> path(std::uint64_t m, const Entries& d, std::uint64_t lo,
                              std::uint64_t hi) {
  const std::uint64_t n = hi - lo;
  if (n == 1) return {};  // PATH(0, {d(0)}) = {}
  const std::uint64_t k = split(n);
  std::vector<Hash> out;
  if (m < k) {
    out = path(m, d, lo, lo + k);
    out.push_back(mth(d, lo + k, hi));
  } else {
    out = path(m - k, d, lo + k, hi);
    out.push_back(mth(d, lo, lo + k));
  }
  return out;
}

// SUBPROOF(m, D[lo:hi], b), m relative to lo
inline std::vector<Hash> subproof(std::uint64_t m, const Entries& d, std::uint64_t lo,
                                  std::uint64_t hi, bool b) {
  const std::uint64_t n = hi - lo;
  if (m == n) {
    if (b) return {};
    return {mth(d, lo, hi)};
  }
  const std::uint64_t k = split(n);
  std::vector<Hash> out;
  if (m <= k) {
    out = subproof(m, d, lo, lo + k, b);
    out.push_back(mth(d, lo + k, hi));
  } else {
    out = subproof(m - k, d, lo + k, hi, false);
    out.push_back(mth(d, lo, lo + k));
  }
  return out;
}

// PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), for 0 < m < n
inline std::vector<Hash> proof(std::uint64_t m, const Entries& d, std::uint64_t n) {
  return subproof(m, d, 0, n, true);
}

}  // namespace parley::tlog::reference
